"""The Contacts page as admins and viewers use it."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.models import ContactSyncSettings

pytestmark = pytest.mark.django_db


def test_the_list_dropdown_offers_active_lists_only(admin_web: Client, hubspot) -> None:
    active = hubspot.create_list("MQLs — EMEA", jobtitle="VIP")
    hubspot.create_list("Newsletter", processing_type="MANUAL")
    page = admin_web.get(reverse("contacts_list_choices"), {"q": ""}).content.decode()
    assert f'value="{active}"' in page and "MQLs — EMEA" in page
    assert "Newsletter" not in page
    assert "No inclusion list (all contacts)" in page


def test_saving_a_list_says_nothing_synced_and_audits_it(admin_web: Client, hubspot) -> None:
    active = hubspot.create_list("VIPs", jobtitle="VIP")
    asked = admin_web.post(reverse("contacts_list_save"), {"list_id": active}, follow=True)
    assert "Yes, change the inclusion list" in asked.content.decode()
    assert ContactSyncSettings.load().inclusion_list_id == ""  # not before it is confirmed
    response = admin_web.post(
        reverse("contacts_list_save"), {"list_id": active, "confirm_from": ""}, follow=True
    )
    assert "Nothing has synced yet" in response.content.decode()
    assert ContactSyncSettings.load().inclusion_list_id == active
    assert not SyncJob.objects.exists()
    change = AuditEvent.objects.get(action="settings.changed", object_label="Contact sync")
    assert change.actor_username == "alice"
    assert change.changes[0]["after"] == f"VIPs ({active})"


def test_a_static_list_posted_by_hand_is_refused(admin_web: Client, hubspot) -> None:
    static = hubspot.create_list("Newsletter", processing_type="MANUAL")
    response = admin_web.post(reverse("contacts_list_save"), {"list_id": static}, follow=True)
    assert "is a static list. Only active lists" in response.content.decode()
    assert ContactSyncSettings.load().inclusion_list_id == ""
    assert not AuditEvent.objects.filter(
        action="settings.changed", object_label="Contact sync"
    ).exists()


def test_sync_now_starts_one_job_the_same_click_joins_it_another_queues(
    admin_web: Client, hubspot
) -> None:
    first = admin_web.post(reverse("contacts_sync_now"), {"mode": "all"}, follow=True)
    job = SyncJob.objects.get()
    assert first.redirect_chain[-1][0] == reverse("job_detail", args=[job.pk])
    assert "Started: contact sync of all eligible contacts." in first.content.decode()
    second = admin_web.post(reverse("contacts_sync_now"), {"mode": "all"}, follow=True)
    assert "your request joined it" in second.content.decode()
    assert SyncJob.objects.count() == 1
    third = admin_web.post(reverse("contacts_sync_now"), {"mode": "list"}, follow=True)
    queued = SyncJob.objects.exclude(pk=job.pk).get()
    assert third.redirect_chain[-1][0] == reverse("job_detail", args=[queued.pk])
    page = third.content.decode()
    assert f"Queued behind job #{job.pk}: it starts when #{job.pk} finishes." in page
    assert f"Queued behind #{job.pk}" in page


def test_bad_input_gets_a_clear_message(admin_web: Client, connected) -> None:
    response = admin_web.post(reverse("contacts_sync_now"), {"mode": "one"}, follow=True)
    assert "Type the email, HubSpot id or Salesforce id" in response.content.decode()
    response = admin_web.post(
        reverse("contacts_settings_save"),
        {"create_new_as": "Lead", "schedule_minutes": "1"},
        follow=True,
    )
    assert "every 5 to 1440 minutes" in response.content.decode()
    assert ContactSyncSettings.load().schedule_minutes == 15
    explained = admin_web.get(reverse("contacts_explain"), {"q": "not an email@"}).content
    assert b"not a valid email address" in explained
    assert not SyncJob.objects.exists()


def test_the_schedule_interval_is_editable_and_the_schedule_row_follows(
    admin_web: Client, connected
) -> None:
    from django_q.models import Schedule

    admin_web.post(
        reverse("contacts_settings_save"), {"create_new_as": "Contact", "schedule_minutes": "30"}
    )
    assert Schedule.objects.get(name="contact-sync").minutes == 30
    assert ContactSyncSettings.load().create_new_as == "Contact"


def test_viewers_read_but_cannot_change(viewer_web: Client, connected) -> None:
    page = viewer_web.get(reverse("contacts")).content.decode()
    assert "Limit what syncs" in page and ">Sync all eligible contacts</button>" not in page
    assert viewer_web.post(reverse("contacts_sync_now"), {"mode": "all"}).status_code == 403
    assert not SyncJob.objects.exists()


def test_a_search_answering_after_the_pick_keeps_the_picked_list(
    admin_web: Client, hubspot
) -> None:
    vips = hubspot.create_list("VIPs", jobtitle="VIP")
    hubspot.create_list("Partners", jobtitle="Partner")
    page = admin_web.get(reverse("contacts_list_choices"), {"q": "", "list_id": vips})
    assert f'<option value="{vips}" selected>' in page.content.decode()
    assert '<option value="" selected>' not in page.content.decode()
