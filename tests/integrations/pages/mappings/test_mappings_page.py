"""The Property mappings page: admins add, change and delete mappings, checked against
HubSpot's contact properties and Salesforce's Lead/Contact describes; viewers read."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from integrations.models import PropertyMapping
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, SalesforceSide, person, run_sync

pytestmark = pytest.mark.django_db


def mapped() -> dict[str, tuple[str, str]]:
    return {m.hubspot_property: (m.salesforce_field, m.rule) for m in PropertyMapping.objects.all()}


def add(web: Client, hubspot_property: str, salesforce_field: str, rule: str = "two_way") -> str:
    response = web.post(
        reverse("contacts_mappings_add"),
        {"hubspot_property": hubspot_property, "salesforce_field": salesforce_field, "rule": rule},
        follow=True,
    )
    assert response.status_code == 200
    return unescape(response.content.decode())


def mapping_audits() -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="settings.changed", object_label__startswith="Property mapping: "
        ).order_by("pk")
    )


def test_the_page_lists_the_mappings_and_offers_only_writable_unmapped_properties(
    admin_web: Client, connected: Sandbox
) -> None:
    page = unescape(admin_web.get(reverse("contacts_mappings")).content.decode())
    assert 'data-testid="mapping-email"' in page and "First Name" in page
    assert "not retroactive" in page and "Sync all eligible contacts" in page
    add_form = page.split('id="add-form"')[1]
    assert 'value="website"' in add_form and 'value="num_employees"' in add_form
    # read-only (calculated) properties and mapped ones are not offered
    assert 'value="hs_object_id"' not in add_form and 'value="lastmodifieddate"' not in add_form
    assert 'value="firstname"' not in add_form
    assert 'value="hubspot_owner_id"' not in add_form  # owners are matched on the Owners page
    # Salesforce fields: writable Lead/Contact fields, with the object(s) that have them
    assert "Description (Description, textarea · Lead and Contact)" in add_form
    assert "Mailing Country (MailingCountry, string · Contact only)" in add_form
    assert 'value="IsConverted"' not in add_form and 'value="Name"' not in add_form
    assert '<label for="add-property">' in add_form and '<label for="add-rule">' in add_form


def test_adding_a_compatible_mapping_is_audited_and_the_sync_then_writes_the_field(
    admin_web: Client, hubspot: HubSpotSide, salesforce: SalesforceSide
) -> None:
    page = add(admin_web, "website", "Description", "two_way")

    assert "Mapping added: website ↔ Description" in page
    assert "not retroactive" in page
    assert mapped()["website"] == ("Description", "two_way")
    assert 'data-testid="mapping-website"' in page
    [event] = mapping_audits()
    assert event.object_label == "Property mapping: website"
    assert event.object_type == "settings" and event.actor_username == "alice"
    assert {c["field"]: (c["before"], c["after"]) for c in event.changes} == {
        "hubspot_property": ("", "website"),
        "salesforce_field": ("", "Description"),
        "rule": ("", "Two-way (most recent change wins)"),
    }

    hubspot.create_contacts(person("web@example.com", website="https://web.example.com"))
    run_sync("all")

    [lead] = salesforce.query("SELECT Id, Description FROM Lead WHERE Email = 'web@example.com'")
    assert lead["Description"] == "https://web.example.com"


def test_a_field_on_one_object_only_is_saved_with_a_warning(
    admin_web: Client, connected: Sandbox
) -> None:
    page = add(admin_web, "city", "MailingCountry")
    assert mapped()["city"] == ("MailingCountry", "two_way")
    assert "applies to contacts only" in page
    assert "message-warning" in page


def test_an_incompatible_pair_is_refused_and_nothing_changes(
    admin_web: Client, connected: Sandbox
) -> None:
    before = mapped()
    page = add(admin_web, "num_employees", "Description")
    assert "The mapping was not added" in page
    assert "“Number of Employees” is number" in page and "not compatible" in page
    page = add(admin_web, "hs_email_optout", "LeadSource")
    assert "not compatible" in page
    assert mapped() == before
    assert mapping_audits() == []


@pytest.mark.parametrize(
    ("prop", "field", "said"),
    [
        ("shoe_size", "Description", "HubSpot has no contact property “shoe_size”"),
        ("website", "Shoe_Size__c", "Salesforce has no field “Shoe_Size__c”"),
        ("hs_object_id", "Description", "is read-only"),
        ("hubspot_owner_id", "Description", "Owners are matched to Salesforce users"),
        ("website", "Description", "Choose one of the sync rules"),
    ],
)
def test_unknown_properties_fields_and_rules_posted_by_hand_are_refused(
    admin_web: Client, connected: Sandbox, prop: str, field: str, said: str
) -> None:
    before = mapped()
    rule = "sometimes" if "rules" in said else "two_way"
    page = add(admin_web, prop, field, rule)
    assert said in page and "Nothing was changed" in page
    assert mapped() == before
    assert mapping_audits() == []


def test_a_hubspot_property_already_mapped_is_refused(
    admin_web: Client, connected: Sandbox
) -> None:
    before = mapped()
    page = add(admin_web, "firstname", "Description")
    assert "“First Name” (firstname) is already mapped to FirstName" in page
    page = add(admin_web, "mobilephone", "Phone")
    assert "“Phone” (Phone) is already mapped to HubSpot property “phone”" in page
    assert mapped() == before
    assert mapping_audits() == []


def test_the_email_mapping_cannot_be_removed_or_moved(
    admin_web: Client, connected: Sandbox
) -> None:
    email = PropertyMapping.objects.get(hubspot_property="email")
    page = unescape(admin_web.get(reverse("contacts_mappings")).content.decode())
    assert reverse("contacts_mappings_delete", args=[email.pk]) not in page

    response = admin_web.post(reverse("contacts_mappings_delete", args=[email.pk]), follow=True)
    assert "The email mapping cannot be deleted" in unescape(response.content.decode())
    response = admin_web.post(
        reverse("contacts_mappings_change", args=[email.pk]),
        {"salesforce_field": "Description", "rule": "two_way"},
        follow=True,
    )
    assert "always maps to Salesforce Email" in unescape(response.content.decode())
    assert mapped()["email"] == ("Email", "two_way")
    assert mapping_audits() == []


def test_changing_a_rule_is_audited_before_and_after(admin_web: Client, connected: Sandbox) -> None:
    firstname = PropertyMapping.objects.get(hubspot_property="firstname")
    response = admin_web.post(
        reverse("contacts_mappings_change", args=[firstname.pk]),
        {"salesforce_field": "FirstName", "rule": "dont_sync"},
        follow=True,
    )
    assert "Mapping saved: firstname ↔ FirstName (Don't sync)" in unescape(
        response.content.decode()
    )
    assert mapped()["firstname"] == ("FirstName", "dont_sync")
    [event] = mapping_audits()
    assert event.object_label == "Property mapping: firstname"
    assert event.changes == [
        {"field": "rule", "before": "Two-way (most recent change wins)", "after": "Don't sync"}
    ]


def test_changing_the_field_is_checked_and_audited(admin_web: Client, connected: Sandbox) -> None:
    country = PropertyMapping.objects.get(hubspot_property="country")
    refused = admin_web.post(
        reverse("contacts_mappings_change", args=[country.pk]),
        {"salesforce_field": "Shoe_Size__c", "rule": "prefer_salesforce"},
        follow=True,
    )
    assert "Salesforce has no field “Shoe_Size__c”" in unescape(refused.content.decode())
    assert mapping_audits() == []

    response = admin_web.post(
        reverse("contacts_mappings_change", args=[country.pk]),
        {"salesforce_field": "MailingCountry", "rule": "prefer_salesforce"},
        follow=True,
    )
    assert "applies to contacts only" in unescape(response.content.decode())
    assert mapped()["country"] == ("MailingCountry", "prefer_salesforce")
    [event] = mapping_audits()
    assert event.changes == [
        {"field": "salesforce_field", "before": "Country", "after": "MailingCountry"}
    ]


def test_deleting_a_mapping_is_audited(admin_web: Client, connected: Sandbox) -> None:
    phone = PropertyMapping.objects.get(hubspot_property="phone")
    response = admin_web.post(
        reverse("contacts_mappings_delete", args=[phone.pk]), {"confirm": "delete"}, follow=True
    )
    assert "Mapping deleted: phone ↔ Phone" in unescape(response.content.decode())
    assert "phone" not in mapped()
    [event] = mapping_audits()
    assert event.object_label == "Property mapping: phone"
    assert {c["field"]: (c["before"], c["after"]) for c in event.changes} == {
        "hubspot_property": ("phone", ""),
        "salesforce_field": ("Phone", ""),
        "rule": ("Two-way (most recent change wins)", ""),
    }


def test_when_hubspot_cannot_be_read_mappings_are_listed_and_adding_is_disabled(
    admin_web: Client, connected: Sandbox
) -> None:
    connected.hubspot.fault(path="/crm/v3/properties*", status=403, count=20)

    page = unescape(admin_web.get(reverse("contacts_mappings")).content.decode())
    assert 'data-testid="catalog-error"' in page and "HubSpot" in page
    assert 'data-testid="mapping-firstname"' in page
    assert "<fieldset disabled>" in page.split('id="add-form"')[1]

    refused = add(admin_web, "website", "Description")
    assert "The mapping was not added" in refused and "could not be read" in refused
    assert "website" not in mapped()
    # a rule change needs neither API
    lastname = PropertyMapping.objects.get(hubspot_property="lastname")
    admin_web.post(
        reverse("contacts_mappings_change", args=[lastname.pk]),
        {"salesforce_field": "LastName", "rule": "always_salesforce"},
    )
    assert mapped()["lastname"] == ("LastName", "always_salesforce")


def test_viewers_read_but_cannot_change(viewer_web: Client, connected: Sandbox) -> None:
    page = unescape(viewer_web.get(reverse("contacts_mappings")).content.decode())
    assert 'data-testid="mapping-firstname"' in page and "Two-way" in page
    assert 'id="add-form"' not in page and "<select" not in page

    phone = PropertyMapping.objects.get(hubspot_property="phone")
    before = mapped()
    assert viewer_web.post(reverse("contacts_mappings_delete", args=[phone.pk])).status_code == 403
    posted = viewer_web.post(
        reverse("contacts_mappings_add"),
        {"hubspot_property": "website", "salesforce_field": "Description", "rule": "two_way"},
    )
    assert posted.status_code == 403
    changed = viewer_web.post(
        reverse("contacts_mappings_change", args=[phone.pk]),
        {"salesforce_field": "Phone", "rule": "dont_sync"},
    )
    assert changed.status_code == 403
    assert mapped() == before
    assert mapping_audits() == []


def test_a_row_offers_only_the_fields_its_property_fits(
    admin_web: Client, connected: Sandbox
) -> None:
    page = unescape(admin_web.get(reverse("contacts_mappings")).content.decode())
    company_row = page.split('data-testid="mapping-company"')[1].split("</tr>")[0]
    assert 'value="Description"' in company_row and 'value="LeadSource"' in company_row
    assert 'value="OwnerId"' not in company_row
    assert "Applies to leads only" in company_row
