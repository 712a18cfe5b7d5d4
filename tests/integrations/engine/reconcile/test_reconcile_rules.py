"""Reconcile follows the sync's rules: only eligible contacts are owed a Salesforce record,
the Salesforce API budget is respected, the job page says how many findings."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import SyncJob
from integrations.connections import hubspot_client
from integrations.models import ReconcileFinding, SalesforceConnection
from integrations.pages.contacts.services import inclusion_list_choose
from tests.integrations.engine.reconcile.conftest import (
    open_findings,
    person,
    run_reconcile,
    run_sync,
)

pytestmark = pytest.mark.django_db


def test_only_members_of_the_inclusion_list_are_owed_a_record(hubspot, salesforce) -> None:
    vip, _ = hubspot.create_contacts(
        person("vip@example.com", jobtitle="VIP"), person("other@example.com")
    )
    inclusion_list_choose(
        actor=None, list_id=hubspot.create_list("VIPs", jobtitle="VIP"), hubspot=hubspot_client()
    )
    run_sync("all")
    assert run_reconcile().status == SyncJob.Status.SUCCEEDED
    assert open_findings() == set()  # "other" is not in the list: nothing owed
    [late] = hubspot.create_contacts(person("late@example.com", jobtitle="VIP"))
    run_reconcile()
    assert open_findings() == {("missing_in_salesforce", f"hs:{late}", "")}
    finding = ReconcileFinding.objects.get()
    assert finding.details["changed_since_sync"]  # created after the last sync began


def test_an_unlinked_lead_with_the_email_is_named(hubspot, salesforce) -> None:
    run_sync("all")
    lead = salesforce.create("Lead", Email="ann@example.com", LastName="Ann", Company="Acme")
    hubspot.create_contacts(person("ann@example.com"))
    run_reconcile()
    finding = ReconcileFinding.objects.get(kind="missing_in_salesforce")
    assert lead in finding.message and "not linked" in finding.message.lower()


def test_it_waits_for_the_salesforce_budget(hubspot, salesforce) -> None:
    hubspot.create_contacts(person("ann@example.com"))
    run_sync("all")
    SalesforceConnection.objects.update(daily_budget=1)  # the sync spent it
    job = run_reconcile()
    assert job.status == SyncJob.Status.WAITING
    assert "budget" in job.waiting_reason and job.seen == 0
    assert not ReconcileFinding.objects.exists()


def test_the_job_page_says_how_many_findings(viewer_web: Client, hubspot, salesforce) -> None:
    [bob] = hubspot.create_contacts(person("bob@example.com"))
    run_sync("all")
    hubspot.update_contact(bob, firstname="Robert", lastname="Roberts")
    job = run_reconcile()
    page = viewer_web.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Partially failed" in page
    assert "2 findings: 2 field drift" in page
