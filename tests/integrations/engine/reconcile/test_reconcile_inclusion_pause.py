"""Reconcile reads the inclusion list as the sync does: a deleted list pauses contact
sync, and the audit entry names the Reconcile run that found it gone."""

import pytest

from core.models import AuditEvent, SyncJob
from integrations.connections import hubspot_client
from integrations.models import ContactSyncSettings
from integrations.pages.contacts.services import inclusion_list_choose
from tests.integrations.engine.reconcile.conftest import person, run_reconcile

pytestmark = pytest.mark.django_db


def test_a_reconcile_that_finds_the_list_deleted_pauses_sync_and_is_named_in_the_audit(
    hubspot,
) -> None:
    hubspot.create_contacts(person("vip@example.com", jobtitle="VIP"))
    list_id = hubspot.create_list("VIPs", jobtitle="VIP")
    inclusion_list_choose(actor=None, list_id=list_id, hubspot=hubspot_client())
    hubspot.delete_list(list_id)

    job = run_reconcile()

    message = (
        f"The inclusion list “VIPs” (id {list_id}) no longer exists in HubSpot. Contact sync "
        "is paused until you choose another active list, or “No inclusion list”, on the "
        "Contacts page."
    )
    assert job.status == SyncJob.Status.FAILED
    assert ContactSyncSettings.load().paused_reason == message
    [paused] = AuditEvent.objects.filter(action="contacts.paused")
    assert (paused.job_id, paused.message, paused.status) == (job.pk, message, "failed")
