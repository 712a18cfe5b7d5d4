"""Sync health: grouped errors with the vendor's words, paused states, retry."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import SyncJob
from core.services.jobs import job_run
from integrations.models import RecordError
from tests.integrations.engine.contacts.conftest import person, run_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing(hubspot, salesforce):
    [contact] = hubspot.create_contacts(person("bad@example.com", company=""))
    run_sync(expect="partially_failed")
    return contact


def test_errors_are_grouped_with_the_vendor_message(viewer_web: Client, failing) -> None:
    page = viewer_web.get(reverse("health")).content.decode()
    error = RecordError.objects.get()
    assert "Validation / picklist" in page and error.message in page
    assert "REQUIRED_FIELD_MISSING" in page and "bad@example.com" in page
    assert ">Retry all</button>" not in page  # viewers read, never retry


def test_retry_clears_a_fixed_record(admin_web: Client, hubspot, failing) -> None:
    hubspot.update_contact(failing, company="Acme")
    response = admin_web.post(
        reverse("health_retry"), {"record": RecordError.objects.get().pk}, follow=True
    )
    job = SyncJob.objects.get(trigger=SyncJob.Trigger.RETRY)
    assert response.redirect_chain[-1][0] == reverse("job_detail", args=[job.pk])
    assert job.params["records"] == [f"hs:{failing}"]
    job = job_run(job_id=job.pk)
    assert job.status == SyncJob.Status.SUCCEEDED and job.created == 1
    assert not RecordError.objects.exists()
    assert "No errors" in admin_web.get(reverse("health")).content.decode()


def test_a_record_still_broken_stays_listed(admin_web: Client, failing) -> None:
    admin_web.post(reverse("health_retry"), {"category": "validation"})
    job = job_run(job_id=SyncJob.objects.get(trigger=SyncJob.Trigger.RETRY).pk)
    assert job.status == SyncJob.Status.PARTIALLY_FAILED
    assert RecordError.objects.get().occurrences == 2


def test_viewer_cannot_retry(viewer_web: Client, failing) -> None:
    assert viewer_web.post(reverse("health_retry")).status_code == 403
    assert not SyncJob.objects.filter(trigger=SyncJob.Trigger.RETRY).exists()


def test_a_deleted_inclusion_list_shows_as_a_paused_state(viewer_web: Client, hubspot) -> None:
    from integrations.connections import hubspot_client
    from integrations.pages.contacts.services import inclusion_list_choose

    list_id = hubspot.create_list("VIPs", jobtitle="VIP")
    inclusion_list_choose(actor=None, list_id=list_id, hubspot=hubspot_client())
    hubspot.delete_list(list_id)
    run_sync(expect="failed")
    page = viewer_web.get(reverse("health")).content.decode()
    assert "Contact sync is paused" in page and "no longer exists" in page
