"""SPEC §3.3 inclusion list: a list that is gone or no longer active pauses contact sync
(audited once, shown on the Contacts page), and the pause ends by itself once the list
is active again; with no list, every contact with an email is eligible."""

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, SyncJob
from integrations.connections import hubspot_client
from integrations.models import ContactLink, ContactSyncSettings
from integrations.pages.contacts.services import inclusion_list_choose
from integrations.rules.inclusion import (
    InclusionGate,
    InclusionListPaused,
    inclusion_gate_load,
    inclusion_list_problem,
    inclusion_pause,
)
from tests.integrations.engine.contacts.conftest import person, run_sync

PAUSED_UNTIL = (
    " Contact sync is paused until you choose another active list, or “No inclusion list”, "
    "on the Contacts page."
)


def choose_list(list_id: str) -> None:
    inclusion_list_choose(actor=None, list_id=list_id, hubspot=hubspot_client())


def sync(mode: str = "incremental") -> SyncJob:
    job = run_sync(mode)
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    return job


def paused_sync(mode: str = "incremental") -> tuple[SyncJob, datetime, datetime]:
    started = timezone.now()
    job = run_sync(mode, expect="failed")
    ended = timezone.now()
    assert job.status == SyncJob.Status.FAILED
    return job, started, ended


def paused_banner(web: Client) -> str | None:
    """The pause as the Contacts page shows it, or None when it shows none."""
    page = web.get(reverse("contacts"))
    assert page.status_code == 200
    html = page.content.decode()
    marker = 'data-testid="paused">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def static_message(list_id: str, kind: str = "manual", name: str = "VIPs") -> str:
    return (
        f"The inclusion list “{name}” (id {list_id}) is a {kind} list, not an active list: "
        "its membership no longer follows its criteria." + PAUSED_UNTIL
    )


# --- the messages, word for word ------------------------------------------------------


def test_a_deleted_list_is_named_in_its_message() -> None:
    assert inclusion_list_problem(None, list_id="42", name="VIPs") == (
        "The inclusion list “VIPs” (id 42) no longer exists in HubSpot."
    )
    assert inclusion_list_problem(None, list_id="42", name="") == (
        "The inclusion list id 42 no longer exists in HubSpot."
    )


def test_a_list_that_stops_being_active_says_what_it_became() -> None:
    assert inclusion_list_problem(
        {"processingType": "MANUAL"}, list_id="42", name="VIPs"
    ) == static_message("42").removesuffix(PAUSED_UNTIL)
    assert inclusion_list_problem({"processingType": "SNAPSHOT"}, list_id="7", name="") == (
        "The inclusion list id 7 is a snapshot list, not an active list: its membership no "
        "longer follows its criteria."
    )
    assert inclusion_list_problem({}, list_id="7", name="") == (
        "The inclusion list id 7 is a unknown list, not an active list: its membership no "
        "longer follows its criteria."
    )


def test_an_active_list_has_no_problem() -> None:
    assert inclusion_list_problem({"processingType": "DYNAMIC"}, list_id="42", name="VIPs") == ""


def test_the_gate_lets_members_through_by_id_text() -> None:
    gate = InclusionGate(list_id="42", members=frozenset({"5", "12"}))
    assert gate.allows(5) and gate.allows("12")
    assert not gate.allows("1") and not gate.everyone
    everyone = InclusionGate(list_id="", members=None)
    assert everyone.allows("1") and everyone.allows(99) and everyone.everyone
    nobody = InclusionGate(list_id="42", members=frozenset())
    assert not nobody.allows("1") and not nobody.everyone


@pytest.mark.django_db
def test_the_gate_is_everyone_without_a_list_and_the_lists_members_with_one(hubspot) -> None:
    member, _ = hubspot.create_contacts(
        person("in@example.com", jobtitle="VIP"), person("out@example.com")
    )
    assert inclusion_gate_load(hubspot=hubspot_client()) == InclusionGate(list_id="", members=None)
    list_id = hubspot.create_list("VIPs", jobtitle="VIP")
    choose_list(list_id)
    assert inclusion_gate_load(hubspot=hubspot_client()) == InclusionGate(
        list_id=list_id, members=frozenset({member})
    )
    hubspot.delete_list(list_id)
    with pytest.raises(InclusionListPaused) as paused:
        inclusion_gate_load(hubspot=hubspot_client())
    assert str(paused.value) == ContactSyncSettings.load().paused_reason
    assert str(paused.value).endswith(PAUSED_UNTIL)


@pytest.mark.django_db
def test_pausing_keeps_the_settings_someone_saved_meanwhile() -> None:
    read_before = ContactSyncSettings.load()
    updated_before = read_before.updated_at
    ContactSyncSettings.objects.filter(pk=read_before.pk).update(
        schedule_minutes=45, auto_create_from_leads=True
    )
    inclusion_pause(settings=read_before, reason="The list is gone.", job_id=None)
    now = ContactSyncSettings.load()
    assert now.paused_reason == "The list is gone." + PAUSED_UNTIL
    assert (now.schedule_minutes, now.auto_create_from_leads) == (45, True)
    assert now.updated_at > updated_before


# --- end to end: pause, then recovery ------------------------------------------------


@pytest.mark.django_db
def test_a_list_made_static_pauses_sync_until_it_is_active_again(
    connected, hubspot, salesforce, admin_web
) -> None:
    [vip] = hubspot.create_contacts(person("vip@example.com", jobtitle="VIP"))
    hubspot.create_contacts(person("other@example.com"))
    list_id = hubspot.create_list("VIPs", jobtitle="VIP")
    choose_list(list_id)
    assert sync("all").created == 1
    connected.hubspot.control("PATCH", f"lists/{list_id}", {"processingType": "MANUAL"})
    [late] = hubspot.create_contacts(person("late@example.com", jobtitle="VIP"))
    hubspot.update_contact(vip, phone="+358 1")

    job, started, ended = paused_sync()

    message = static_message(list_id)
    assert job.error == message
    assert ContactSyncSettings.load().paused_reason == message
    assert paused_banner(admin_web) == message
    [paused] = AuditEvent.objects.filter(action="contacts.paused")
    assert (paused.status, paused.error_category, paused.message) == (
        "failed",
        "inclusion_list",
        message,
    )
    assert (paused.object_type, paused.object_label, paused.job_id) == (
        "settings",
        "Inclusion list",
        job.pk,
    )
    assert started <= paused.occurred_at <= ended
    assert not salesforce.people("late@example.com")
    assert not salesforce.people("vip@example.com")[0]["Phone"]

    again, *_ = paused_sync()
    assert again.error == message
    assert AuditEvent.objects.filter(action="contacts.paused").count() == 1  # audited once

    connected.hubspot.control("PATCH", f"lists/{list_id}", {"processingType": "DYNAMIC"})
    resumed = sync()

    assert ContactSyncSettings.load().paused_reason == ""
    assert paused_banner(admin_web) is None
    assert resumed.created == 1 and resumed.updated == 1
    assert salesforce.people("late@example.com")[0]["FirstName"] == "Late"
    assert salesforce.people("vip@example.com")[0]["Phone"] == "+358 1"
    assert not salesforce.people("other@example.com")
    assert ContactLink.objects.filter(hubspot_id=late).exists()


@pytest.mark.django_db
def test_a_deleted_list_pauses_sync_with_its_exact_message_until_no_list_is_chosen(
    hubspot, salesforce, admin_web
) -> None:
    hubspot.create_contacts(person("vip@example.com", jobtitle="VIP"), person("x@example.com"))
    list_id = hubspot.create_list("VIPs", jobtitle="VIP")
    choose_list(list_id)
    hubspot.delete_list(list_id)

    job, started, ended = paused_sync("list")

    message = f"The inclusion list “VIPs” (id {list_id}) no longer exists in HubSpot." + (
        PAUSED_UNTIL
    )
    assert job.error == message
    assert paused_banner(admin_web) == message
    [paused] = AuditEvent.objects.filter(action="contacts.paused")
    assert (paused.status, paused.error_category, paused.message, paused.job_id) == (
        "failed",
        "inclusion_list",
        message,
        job.pk,
    )
    assert started <= paused.occurred_at <= ended
    assert not salesforce.people("vip@example.com") and not salesforce.people("x@example.com")

    choose_list("")
    assert paused_banner(admin_web) is None
    assert sync("list").created == 2
    assert salesforce.people("vip@example.com") and salesforce.people("x@example.com")


@pytest.mark.django_db
def test_with_no_inclusion_list_sync_now_the_list_syncs_every_contact_with_an_email(
    hubspot, salesforce
) -> None:
    ids = hubspot.create_contacts(
        person("ann@example.com"), person("bob@example.com"), person("cat@example.com")
    )
    hubspot.create_contacts({"firstname": "No", "lastname": "Email"})

    job = sync("list")

    assert (job.created, job.skipped, job.failed) == (3, 1, 0)
    for email in ("ann@example.com", "bob@example.com", "cat@example.com"):
        [lead] = salesforce.people(email)
        assert lead["attributes"]["type"] == "Lead" and lead["LastName"] == "Tester"
    assert set(ContactLink.objects.values_list("hubspot_id", flat=True)) == set(ids)
    assert ContactSyncSettings.load().paused_reason == ""
    assert not AuditEvent.objects.filter(action="contacts.paused").exists()
