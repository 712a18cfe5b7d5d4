"""*Sync this contact* takes an email, a HubSpot id or a Salesforce lead/contact id, and
nothing else; the job page says which contact (or how many records) a run was for."""

import html

import pytest
from django.test import Client
from django.urls import reverse

from core.models import SyncJob
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.pages.contact_page.ref import ContactRef, NotAContact, contact_ref_parse

pytestmark = pytest.mark.django_db

REFUSED = {
    "bad@@x": "is not a valid email address",
    "x" * 3000: "is neither an email address",
    "a" * 250 + "@example.com": "at most 254 characters",
    "1" * 25: "at most 19 digits",
    "001000000000001AAA": "not the id of a Salesforce lead (00Q…) or contact (003…)",
    "hello there": "is neither an email address",
}


@pytest.mark.parametrize("value", REFUSED, ids=lambda v: v[:20])
def test_sync_now_refuses_what_names_no_contact(admin_web: Client, value: str) -> None:
    response = admin_web.post(
        reverse("contacts_sync_now"), {"mode": "one", "contact": value}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("contacts")
    page = html.unescape(response.content.decode())
    assert "Nothing was synced." in page and REFUSED[value] in page
    assert value not in page or len(value) < 100  # a long value is not echoed whole
    assert not SyncJob.objects.exists()


@pytest.mark.parametrize(
    "value, ref",
    [
        (" Ann@Example.com ", ContactRef("email", "ann@example.com")),
        ("4242", ContactRef("hubspot_id", "4242")),
        ("00Q000000000001", ContactRef("salesforce_id", "00Q000000000001EAA")),
        ("003000000000001AAA", ContactRef("salesforce_id", "003000000000001AAA")),
    ],
)
def test_emails_and_ids_of_either_side_name_a_contact(value: str, ref: ContactRef) -> None:
    assert contact_ref_parse(value) == ref


def test_an_empty_value_says_what_to_type() -> None:
    with pytest.raises(NotAContact, match="Type the email, HubSpot id or Salesforce id"):
        contact_ref_parse("  ")


def test_a_well_formed_contact_starts_a_job_for_it(admin_web: Client, connected) -> None:
    response = admin_web.post(
        reverse("contacts_sync_now"), {"mode": "one", "contact": "Ann@Example.com"}, follow=True
    )
    job = SyncJob.objects.get()
    assert job.params == {"mode": "one", "contact": "ann@example.com"}
    page = html.unescape(response.content.decode())
    assert "Started: contact sync of ann@example.com." in page
    assert "Contact sync of one contact: ann@example.com" in page
    assert f"{reverse('contacts_explain')}?q=ann%40example.com" in page
    assert f"{reverse('audit_history')}?object_type=contact&email=ann%40example.com" in page


def test_the_page_of_a_retry_says_how_many_records(admin_web: Client) -> None:
    job, _ = contacts_sync_start(mode="retry", records=["hs:1", "hs:2", "sf:003000000000001"])
    page = admin_web.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Retry of 3 failed records: hs:1, hs:2, sf:003000000000001." in page


def test_a_15_character_salesforce_id_names_the_same_record_as_its_18_character_form() -> None:
    from integrations.pages.contact_page.ref import contact_ref_parse

    assert contact_ref_parse("003A0000006Vm9r").value == "003A0000006Vm9rIAC"
    assert contact_ref_parse("00Q5g0000000100").value == "00Q5g0000000100EAA"
    assert contact_ref_parse("00Q5g0000000100EAA").value == "00Q5g0000000100EAA"
