"""Reconcile reports exactly what was planted in the vendors, and nothing after a clean sync;
Fix clears what it fixes."""

import pytest

from core.models import AuditEvent, SyncJob
from integrations.models import ContactLink, ReconcileFinding, ReconcileSnapshot
from integrations.pages.contacts.services import contact_settings_update
from tests.compare import contacts_compare
from tests.integrations.engine.reconcile.conftest import (
    assert_counts_add_up,
    fix_and_verify,
    open_findings,
    person,
    run_reconcile,
    run_sync,
    salesforce_delete,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(hubspot, salesforce):
    """Ann, Bob and Cat synced from HubSpot (leads created); Dan, a Salesforce lead no
    HubSpot contact has."""
    ids = hubspot.create_contacts(
        person("ann@example.com"), person("bob@example.com"), person("cat@example.com")
    )
    salesforce.create("Lead", Email="dan@example.com", LastName="Dan", Company="Acme")
    job = run_sync("all")
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    return dict(zip(("ann", "bob", "cat"), ids, strict=True))


@pytest.fixture(params=["one batch", "batches of two"])
def batch(request, monkeypatch) -> None:
    """Compare in one batch, or two records at a time: what is found is the same."""
    if request.param == "batches of two":
        monkeypatch.setattr("integrations.engine.reconcile.reads.BATCH", 2)


def _link(hubspot_id: str) -> ContactLink:
    return ContactLink.objects.get(hubspot_id=hubspot_id)


def test_a_clean_sync_has_no_findings(synced) -> None:
    job = run_reconcile()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    assert open_findings() == set()
    assert (job.seen, job.unchanged, job.failed) == (4, 4, 0)
    assert job.hubspot_calls > 0 and job.salesforce_calls > 0
    assert_counts_add_up(job)
    assert job.params["findings"] == {}


def test_it_reports_exactly_what_was_planted(hubspot, salesforce, synced, batch) -> None:
    ann, bob, cat = _link(synced["ann"]), _link(synced["bob"]), _link(synced["cat"])
    contact_settings_update(
        actor=None,
        values={
            "create_new_as": "Lead",
            "auto_create_from_leads": True,
            "auto_create_from_contacts": False,
            "schedule_minutes": 15,
        },
    )
    salesforce_delete(salesforce, "Lead", ann.salesforce_id)  # orphans Ann's link
    hubspot.update_contact(bob.hubspot_id, firstname="Robert")  # drift on firstname
    second = salesforce.create("Lead", Email="cat@example.com", LastName="Cat", Company="Acme")
    [eve] = hubspot.create_contacts(person("eve@example.com"))  # never synced
    fay = salesforce.create("Lead", Email="fay@example.com", LastName="Fay", Company="Acme")

    job = run_reconcile()

    assert open_findings() == {
        ("orphaned_link", f"link:{ann.hubspot_id}", ""),
        ("field_drift", f"hs:{bob.hubspot_id}", "firstname"),
        ("duplicate", "email:cat@example.com", ""),
        ("missing_in_salesforce", f"hs:{eve}", ""),
        ("missing_in_hubspot", f"sf:{fay}", ""),
    }
    drift = ReconcileFinding.objects.get(kind="field_drift")
    assert (drift.hubspot_value, drift.salesforce_value, drift.expected_value) == (
        "Robert",
        "Bob",
        "Robert",
    )
    duplicate = ReconcileFinding.objects.get(kind="duplicate")
    assert duplicate.details["linked"] == cat.salesforce_id
    assert {r["id"] for r in duplicate.details["records"]} == {cat.salesforce_id, second}
    orphan = ReconcileFinding.objects.get(kind="orphaned_link")
    assert orphan.details["salesforce_gone"] and not orphan.details["hubspot_gone"]
    # Ann, Bob, Eve, the second Cat lead and Fay each have a finding; Cat and Dan agree
    assert job.status == SyncJob.Status.PARTIALLY_FAILED
    assert (job.seen, job.unchanged, job.failed) == (7, 2, 5)
    assert_counts_add_up(job)
    categories = set(
        AuditEvent.objects.filter(job_id=job.pk, action="reconcile.finding").values_list(
            "error_category", flat=True
        )
    )
    assert categories == {
        "orphaned_link",
        "field_drift",
        "duplicate",
        "missing_in_salesforce",
        "missing_in_hubspot",
    }
    assert "5 findings" in job.params["summary"]
    assert not ReconcileSnapshot.objects.exists()  # what it read is not kept


def test_fix_clears_every_fixable_finding(hubspot, salesforce, synced) -> None:
    ann, bob = _link(synced["ann"]), _link(synced["bob"])
    salesforce_delete(salesforce, "Lead", ann.salesforce_id)
    hubspot.update_contact(bob.hubspot_id, firstname="Robert")
    second = salesforce.create("Lead", Email="cat@example.com", LastName="Cat", Company="Acme")
    hubspot.create_contacts(person("eve@example.com"))
    run_reconcile()
    assert len(open_findings()) == 4

    *resyncs, check = fix_and_verify()

    assert all(job.status == SyncJob.Status.SUCCEEDED for job in resyncs)
    assert check.kind == "reconcile" and check.params["findings"] == {"duplicate": 1}
    assert open_findings() == {("duplicate", "email:cat@example.com", "")}
    [robert] = salesforce.people("bob@example.com")
    assert robert["FirstName"] == "Robert"
    # Ann has a live Salesforce lead again, linked; Eve has one
    assert contacts_compare(hubspot, salesforce).lost == 0
    assert AuditEvent.objects.filter(action="reconcile.link_dropped").count() == 1
    # a duplicate is merged by a person: once the extra lead is gone, it is cleared
    salesforce_delete(salesforce, "Lead", second)
    assert run_reconcile().status == SyncJob.Status.SUCCEEDED
    assert open_findings() == set()


def test_a_deleted_hubspot_contact_orphans_its_link(hubspot, salesforce, synced) -> None:
    cat = _link(synced["cat"])
    hubspot.call("DELETE", f"/crm/v3/objects/contacts/{cat.hubspot_id}")
    run_reconcile()
    orphan = ReconcileFinding.objects.get()
    assert orphan.kind == "orphaned_link" and orphan.details["hubspot_gone"]
    fix_and_verify(finding_ids=[orphan.pk])
    assert not ContactLink.objects.filter(hubspot_id=cat.hubspot_id).exists()
    assert open_findings() == set()


def test_a_run_replaces_the_open_set(hubspot, salesforce, synced, batch) -> None:
    bob, cat = _link(synced["bob"]), _link(synced["cat"])
    hubspot.update_contact(bob.hubspot_id, firstname="Robert")
    hubspot.update_contact(cat.hubspot_id, lastname="Catt")
    run_reconcile()
    first = {f.record_key: f.found_at for f in ReconcileFinding.objects.all()}
    assert len(first) == 2
    hubspot.update_contact(cat.hubspot_id, lastname="Tester")  # back as it was
    job = run_reconcile()
    [again] = ReconcileFinding.objects.all()
    assert again.record_key == f"hs:{bob.hubspot_id}" and again.found_at == first[again.record_key]
    assert again.job_id == job.pk


def test_drift_on_the_salesforce_side_is_fixed_towards_hubspot(hubspot, salesforce, synced):
    bob = _link(synced["bob"])
    salesforce.update("Lead", bob.salesforce_id, LastName="Builder", Company="Initech")
    run_reconcile()
    found = {
        f.field: (f.hubspot_value, f.salesforce_value, f.expected_value)
        for f in ReconcileFinding.objects.all()
    }
    # two-way: Salesforce changed since the last sync, so it wins; prefer-Salesforce: it wins
    assert found == {
        "lastname": ("Tester", "Builder", "Builder"),
        "company": ("Acme", "Initech", "Initech"),
    }
    fix_and_verify(kind="field_drift")
    assert hubspot.contact(bob.hubspot_id)["lastname"] == "Builder"
    assert hubspot.contact(bob.hubspot_id)["company"] == "Initech"
    assert open_findings() == set()
