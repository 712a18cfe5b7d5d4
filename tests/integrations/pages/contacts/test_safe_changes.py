"""Safe changes on the Contacts and Mappings pages: a new inclusion list is saved only
once its counts are confirmed, the counts leave out contacts that cannot sync, a
paused list stays selected, and a mapping is deleted only once confirmed."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.connections import hubspot_client
from integrations.models import ContactSyncSettings, PropertyMapping
from integrations.pages.contacts.services import inclusion_list_choose
from tests.sides import HubSpotSide, person, run_sync

pytestmark = pytest.mark.django_db


def value_of(html: str, name: str) -> str:
    return html.split(f'data-testid="{name}">', 1)[1].split("<", 1)[0]


def list_changes() -> int:
    return AuditEvent.objects.filter(action="settings.changed", object_label="Contact sync").count()


@pytest.fixture
def vips(hubspot: HubSpotSide) -> str:
    """Three VIPs and two others with an email, and one contact without: five can sync."""
    hubspot.create_contacts(
        *(person(f"vip{i}@example.com", jobtitle="VIP") for i in range(3)),
        person("ann@example.com"),
        person("bob@example.com"),
    )
    hubspot.create_contacts({"firstname": "No", "lastname": "Email"})
    return hubspot.create_list("VIPs", jobtitle="VIP")


def test_a_new_list_asks_with_the_counts_and_saves_nothing_until_confirmed(
    admin_web: Client, vips: str
) -> None:
    asked = admin_web.post(reverse("contacts_list_save"), {"list_id": vips})

    shown = unescape(asked.content.decode())
    assert asked.status_code == 200
    assert value_of(shown, "confirm-stop") == "2" and value_of(shown, "confirm-start") == "0"
    assert "2 contacts will stop syncing, 0 will start." in re.sub(r"<[^>]+>", "", shown)
    assert ContactSyncSettings.load().inclusion_list_id == ""
    assert list_changes() == 0 and not SyncJob.objects.exists()

    saved = admin_web.post(
        reverse("contacts_list_save"), {"list_id": vips, "confirm_from": ""}, follow=True
    )

    assert "Inclusion list saved: VIPs" in unescape(saved.content.decode())
    assert ContactSyncSettings.load().inclusion_list_id == vips
    assert list_changes() == 1


def test_back_to_all_contacts_counts_only_those_with_an_email(admin_web: Client, vips: str) -> None:
    inclusion_list_choose(actor=None, list_id=vips, hubspot=hubspot_client())

    preview = unescape(admin_web.get(reverse("contacts_list_preview"), {"list_id": ""}).text)
    asked = unescape(admin_web.post(reverse("contacts_list_save"), {"list_id": ""}).text)

    # 6 contacts, one without an email: 5 can sync, the 3 VIPs already do
    assert value_of(preview, "would-start") == "2" and value_of(preview, "would-stop") == "0"
    assert value_of(preview, "eligible-now") == "3 can sync now"
    assert value_of(preview, "eligible-after") == "5"
    assert value_of(asked, "confirm-start") == "2"
    assert ContactSyncSettings.load().inclusion_list_id == vips


def test_the_preview_of_a_list_leaves_out_members_without_an_email(
    admin_web: Client, hubspot: HubSpotSide
) -> None:
    hubspot.create_contacts(person("vip@example.com", jobtitle="VIP"))
    hubspot.create_contacts({"firstname": "Nomail", "jobtitle": "VIP"})
    vips = hubspot.create_list("VIPs", jobtitle="VIP")

    preview = unescape(admin_web.get(reverse("contacts_list_preview"), {"list_id": vips}).text)

    assert value_of(preview, "eligible-now") == "1 can sync now"
    assert value_of(preview, "eligible-after") == "1"
    assert value_of(preview, "would-stop") == "0"


def test_a_list_chosen_by_someone_else_meanwhile_asks_again(
    admin_web: Client, hubspot: HubSpotSide, vips: str
) -> None:
    others = hubspot.create_list("Others", jobtitle="CEO")
    asked = admin_web.post(reverse("contacts_list_save"), {"list_id": vips}).content.decode()
    assert 'name="confirm_from" value=""' in asked
    inclusion_list_choose(actor=None, list_id=others, hubspot=hubspot_client())  # someone else

    again = admin_web.post(reverse("contacts_list_save"), {"list_id": vips, "confirm_from": ""})

    shown = unescape(again.content.decode())
    assert "changed by someone else after you saw the counts" in shown
    assert f'name="confirm_from" value="{others}"' in shown
    assert ContactSyncSettings.load().inclusion_list_id == others


def test_saving_the_list_already_chosen_needs_no_confirmation(admin_web: Client, vips: str) -> None:
    inclusion_list_choose(actor=None, list_id=vips, hubspot=hubspot_client())

    saved = admin_web.post(reverse("contacts_list_save"), {"list_id": vips}, follow=True)

    assert "Inclusion list saved: VIPs" in unescape(saved.content.decode())


def test_a_paused_list_stays_selected_and_going_to_all_counts_everyone_as_starting(
    admin_web: Client, hubspot: HubSpotSide, vips: str
) -> None:
    inclusion_list_choose(actor=None, list_id=vips, hubspot=hubspot_client())
    hubspot.delete_list(vips)
    run_sync(expect=SyncJob.Status.FAILED)
    assert ContactSyncSettings.load().paused_reason

    page = unescape(admin_web.get(reverse("contacts")).content.decode())
    choices = unescape(
        admin_web.get(reverse("contacts_list_choices"), {"q": "", "list_id": vips}).text
    )

    for html in (page, choices):
        assert f'<option value="{vips}" selected>VIPs (list {vips}) — paused' in html
        assert '<option value="" selected>' not in html
    assert "stays selected" in page and "stays selected" in choices
    # paused, nobody syncs now: all five that can sync would start
    asked = unescape(admin_web.post(reverse("contacts_list_save"), {"list_id": ""}).text)
    assert value_of(asked, "confirm-start") == "5" and value_of(asked, "confirm-stop") == "0"
    assert "Contact sync is paused now" in asked
    refused = admin_web.post(reverse("contacts_list_save"), {"list_id": vips}, follow=True)
    assert f"HubSpot has no list with id {vips}" in unescape(refused.content.decode())
    assert ContactSyncSettings.load().inclusion_list_id == vips


def test_deleting_a_mapping_asks_first_and_deletes_only_once_confirmed(
    admin_web: Client, connected
) -> None:
    phone = PropertyMapping.objects.get(hubspot_property="phone")
    url = reverse("contacts_mappings_delete", args=[phone.pk])

    asked = admin_web.post(url)

    shown = unescape(asked.content.decode())
    assert asked.status_code == 200
    assert "Delete the mapping?" in shown and "phone" in shown and "Phone" in shown
    assert "Yes, delete the mapping" in shown
    assert PropertyMapping.objects.filter(pk=phone.pk).exists()
    assert not AuditEvent.objects.filter(object_label="Property mapping: phone").exists()

    deleted = admin_web.post(url, {"confirm": "delete"}, follow=True)

    assert "Mapping deleted: phone ↔ Phone" in unescape(deleted.content.decode())
    assert not PropertyMapping.objects.filter(pk=phone.pk).exists()
