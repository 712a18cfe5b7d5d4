"""SPEC §3, rule by rule, against the sandbox through the real job path."""

import pytest
from django.db import IntegrityError

from core.models import AuditEvent, SyncJob
from integrations.connections import hubspot_client
from integrations.engine.contacts import creates
from integrations.models import ContactLink, ContactSyncSettings, RecordError
from integrations.pages.contacts.services import (
    SettingRefused,
    contact_explain,
    inclusion_list_choose,
)
from tests.integrations.engine.contacts.conftest import contact_options, person, run_sync

pytestmark = pytest.mark.django_db


def choose_list(list_id: str) -> None:
    inclusion_list_choose(actor=None, list_id=list_id, hubspot=hubspot_client())


def test_without_a_list_every_contact_with_an_email_syncs(hubspot, salesforce) -> None:
    hubspot.create_contacts(person("ann@example.com"), person("bob@example.com"))
    hubspot.create_contacts({"firstname": "No", "lastname": "Email"})
    job = run_sync("all")
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    assert (job.created, job.skipped) == (2, 1)
    [lead] = salesforce.people("ann@example.com")
    assert lead["attributes"]["type"] == "Lead" and lead["FirstName"] == "Ann"
    assert ContactLink.objects.count() == 2
    created = AuditEvent.objects.filter(action="record.created", email="ann@example.com").get()
    assert created.direction == "hs_to_sf" and created.salesforce_id == lead["Id"]
    assert any(c["field"] == "FirstName" and c["after"] == "Ann" for c in created.changes)


def test_non_members_never_sync_in_either_direction(hubspot, salesforce) -> None:
    member, outsider = hubspot.create_contacts(
        person("in@example.com", jobtitle="VIP"), person("out@example.com")
    )
    lead = salesforce.create("Lead", LastName="Outsider", Company="Acme", Email="out@example.com")
    choose_list(hubspot.create_list("VIPs", jobtitle="VIP"))
    run_sync("all")
    assert salesforce.people("in@example.com")
    assert [p["Id"] for p in salesforce.people("out@example.com")] == [
        lead
    ]  # not linked, not created
    assert not ContactLink.objects.filter(hubspot_id=outsider).exists()
    salesforce.update("Lead", lead, Phone="+358 1")
    run_sync()
    assert hubspot.contact(outsider).get("phone") in (None, "")


def test_choosing_a_list_syncs_nothing_by_itself(hubspot, salesforce) -> None:
    hubspot.create_contacts(person("vip@example.com", jobtitle="VIP"))
    choose_list(hubspot.create_list("VIPs", jobtitle="VIP"))
    assert not SyncJob.objects.exists()
    assert not salesforce.people("vip@example.com")
    assert AuditEvent.objects.filter(action="settings.changed").exists()
    run_sync("list")
    assert salesforce.people("vip@example.com")


def test_a_static_list_is_refused_and_nothing_changes(hubspot) -> None:
    active = hubspot.create_list("VIPs", jobtitle="VIP")
    choose_list(active)
    static = hubspot.create_list("Newsletter", processing_type="MANUAL")
    with pytest.raises(SettingRefused, match="static list. Only active lists"):
        choose_list(static)
    with pytest.raises(SettingRefused, match="no list with id 999999"):
        choose_list("999999")
    assert ContactSyncSettings.load().inclusion_list_id == active


def test_matching_is_by_email_ignoring_case_and_links_instead_of_duplicating(
    hubspot, salesforce
) -> None:
    [contact_id] = hubspot.create_contacts(person("case@example.com"))
    existing = salesforce.create("Contact", LastName="Case", Email="Case@Example.COM")
    job = run_sync("all")
    assert job.created == 0
    link = ContactLink.objects.get(hubspot_id=contact_id)
    assert (link.salesforce_id, link.salesforce_type) == (existing, "Contact")
    # SOQL compares strings ignoring case, like Salesforce: one record, not two
    assert len(salesforce.people("case@example.com")) == 1


def test_a_rerun_with_nothing_changed_writes_nothing(connected, hubspot, salesforce) -> None:
    hubspot.create_contacts(*(person(f"p{i}@example.com") for i in range(30)))
    salesforce.create("Lead", LastName="Only", Company="SF", Email="p3@example.com")
    run_sync()
    connected.hubspot.control("POST", "calls/reset")
    connected.salesforce.control("POST", "calls/reset")
    again = run_sync()
    assert (again.created, again.updated, again.failed) == (0, 0, 0)
    calls = connected.hubspot.calls()["total"] + connected.salesforce.calls()["total"]
    assert calls <= 10, (connected.hubspot.calls(), connected.salesforce.calls())


def test_a_crash_after_salesforce_created_records_never_duplicates_them(
    hubspot, salesforce, monkeypatch
) -> None:
    hubspot.create_contacts(*(person(f"c{i}@example.com") for i in range(5)))

    def crash(new):
        raise IntegrityError("worker killed")  # the five were created, none is linked yet

    monkeypatch.setattr(creates, "contact_links_create", crash)
    crashed = run_sync(expect="failed")
    assert crashed.status == SyncJob.Status.FAILED
    monkeypatch.undo()
    rerun = run_sync()
    assert rerun.status == SyncJob.Status.SUCCEEDED
    for i in range(5):
        assert len(salesforce.people(f"c{i}@example.com")) == 1
    assert ContactLink.objects.count() == 5


def test_a_salesforce_validation_error_fails_the_record_not_the_batch(
    connected, hubspot, salesforce
) -> None:
    hubspot.create_contacts(person("good@example.com"), person("bad@example.com", company=""))
    job = run_sync(expect="partially_failed")
    assert job.status == SyncJob.Status.PARTIALLY_FAILED
    assert (job.created, job.failed) == (1, 1)
    error = RecordError.objects.get(email="bad@example.com")
    assert error.category == "validation" and error.vendor_code == "REQUIRED_FIELD_MISSING"
    explanation = contact_explain(hubspot=hubspot_client(), query="bad@example.com")
    assert not explanation.syncs
    assert any(error.message in reason for reason in explanation.reasons)
    failed = AuditEvent.objects.get(action="record.failed", email="bad@example.com")
    assert error.message in failed.message


def test_a_deleted_list_pauses_contact_sync_instead_of_syncing_everyone(
    hubspot, salesforce
) -> None:
    hubspot.create_contacts(person("vip@example.com", jobtitle="VIP"), person("x@example.com"))
    list_id = hubspot.create_list("VIPs", jobtitle="VIP")
    choose_list(list_id)
    hubspot.delete_list(list_id)
    job = run_sync("all", expect="failed")
    assert job.status == SyncJob.Status.FAILED
    assert "no longer exists" in job.error and "paused" in job.error
    assert not salesforce.people("x@example.com") and not salesforce.people("vip@example.com")
    assert "no longer exists" in ContactSyncSettings.load().paused_reason
    assert AuditEvent.objects.filter(action="contacts.paused").exists()


def test_two_way_fields_follow_the_side_that_changed(hubspot, salesforce) -> None:
    [contact_id] = hubspot.create_contacts(person("two@example.com", phone="111"))
    run_sync()
    [lead] = salesforce.people("two@example.com")
    salesforce.update("Lead", lead["Id"], Phone="222")
    run_sync()
    assert hubspot.contact(contact_id)["phone"] == "222"
    hubspot.update_contact(contact_id, phone="333")
    run_sync()
    assert salesforce.people("two@example.com")[0]["Phone"] == "333"
    update = AuditEvent.objects.filter(action="record.updated", hubspot_id=contact_id).first()
    assert update.changes[0]["rule"] == "Two-way (most recent change wins)"


def test_auto_create_bypasses_the_list_once_then_waits_for_membership(hubspot, salesforce) -> None:
    choose_list(hubspot.create_list("VIPs", jobtitle="VIP"))
    contact_options(auto_create_from_leads=True)
    lead = salesforce.create("Lead", LastName="New", Company="Acme", Email="new@example.com")
    run_sync()
    created = hubspot.contact_by_email("new@example.com")
    assert created is not None and created["properties"]["lastname"] == "New"
    assert ContactLink.objects.get(salesforce_id=lead).origin == "auto_create"
    salesforce.update("Lead", lead, Phone="+358 5")
    run_sync()
    assert not hubspot.contact_by_email("new@example.com", "phone")["properties"].get("phone")
    hubspot.update_contact(created["id"], jobtitle="VIP")
    run_sync()
    assert hubspot.contact_by_email("new@example.com", "phone")["properties"]["phone"] == "+358 5"


def test_auto_create_is_off_by_default(hubspot, salesforce) -> None:
    settings = ContactSyncSettings.load()
    assert not settings.auto_create_from_leads and not settings.auto_create_from_contacts
    lead = salesforce.create("Lead", LastName="New", Company="Acme", Email="quiet@example.com")
    contact = salesforce.create("Contact", LastName="Quiet", Email="still@example.com")
    job = run_sync()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    assert (job.seen, job.created, job.skipped) == (2, 0, 2)
    assert hubspot.contact_by_email("quiet@example.com") is None
    assert hubspot.contact_by_email("still@example.com") is None
    for salesforce_id in (lead, contact):
        skipped = AuditEvent.objects.get(action="record.skipped", salesforce_id=salesforce_id)
        assert skipped.message == "No HubSpot contact has its email (auto-create is off)."


def test_import_writes_only_the_email_then_fills_members(hubspot, salesforce) -> None:
    choose_list(hubspot.create_list("Acme people", company="Acme"))
    [member] = hubspot.create_contacts({"email": "m@example.com", "company": "Acme"})
    salesforce.create("Lead", LastName="Member", Company="Acme", Email="m@example.com", Phone="1")
    salesforce.create(
        "Lead", LastName="Outsider", Company="Other", Email="o@example.com", Phone="2"
    )
    job = run_sync("import")
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    outsider = hubspot.contact_by_email("o@example.com", "lastname", "phone")["properties"]
    assert outsider["email"] == "o@example.com"
    assert not outsider.get("lastname") and not outsider.get("phone")
    filled = hubspot.contact(member, "lastname", "phone")
    assert (filled["lastname"], filled["phone"]) == ("Member", "1")


def test_sync_now_for_one_contact_syncs_only_that_contact(hubspot, salesforce) -> None:
    hubspot.create_contacts(person("one@example.com"), person("other@example.com"))
    job = run_sync("one", contact="ONE@example.com")
    assert job.created == 1
    assert salesforce.people("one@example.com") and not salesforce.people("other@example.com")


def test_the_explainer_says_why_a_contact_does_not_sync(hubspot) -> None:
    [outsider] = hubspot.create_contacts(person("out@example.com"))
    hubspot.create_contacts(person("vip@example.com", jobtitle="VIP"))
    choose_list(hubspot.create_list("VIPs", jobtitle="VIP"))
    explained = contact_explain(hubspot=hubspot_client(), query="out@example.com")
    assert (
        not explained.syncs and "not a member of the inclusion list “VIPs”" in explained.reasons[0]
    )
    assert contact_explain(hubspot=hubspot_client(), query="vip@example.com").headline == (
        "Eligible, not synced yet"
    )
    run_sync("list")
    assert contact_explain(hubspot=hubspot_client(), query="vip@example.com").headline == "Syncs"
    with pytest.raises(SettingRefused, match="not a valid email"):
        contact_explain(hubspot=hubspot_client(), query="nobody@nowhere")
    assert outsider


def test_the_salesforce_budget_is_never_passed_and_the_job_waits(connected, hubspot) -> None:
    from integrations.models import SalesforceConnection

    hubspot.create_contacts(*(person(f"b{i}@example.com") for i in range(5)))
    SalesforceConnection.objects.update(daily_budget=3)
    connected.salesforce.control("POST", "calls/reset")
    job = run_sync("all", expect="waiting")
    assert job.status == SyncJob.Status.WAITING
    assert "daily Salesforce API budget of 3 calls is used up" in job.waiting_reason
    # the login is not one of them: Salesforce does not count it against the allocation
    by_endpoint = connected.salesforce.calls()["by_endpoint"]
    logins = sum(n for key, n in by_endpoint.items() if "/Soap/" in key)
    assert connected.salesforce.calls()["total"] - logins == 3
    assert job.salesforce_calls == 3 + logins
