"""One page per contact: everything syncadmin knows about one person, on both sides.

The verdict is the eligibility explainer's (``contacts.services.contact_explain``, the
one HubSpot read this page makes); the values, links and history come from the local
mirror and the audit trail, as of the last time a sync read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q

from core.selectors.audit import (
    AuditPage,
    RecordKeys,
    audit_keyset_page,
    audit_record_history,
    audit_record_keys,
)
from integrations.http import errors
from integrations.models import ContactLink, PropertyMapping, SalesforcePerson
from integrations.pages.contact_page.ref import SHOWN, ContactRef, contact_ref_parse
from integrations.pages.contacts.services import Explanation, SettingRefused, contact_explain
from integrations.record_urls import hubspot_contact_url, salesforce_record_url

#: history events shown on the page; older ones page on, or open the full history
HISTORY_PAGE_SIZE = 25
CONTACT = "contact"


class ContactUnknown(LookupError):
    """Neither syncadmin nor HubSpot knows the contact; the message says which was asked."""


@dataclass(frozen=True)
class MappingValues:
    """One mapping, and the contact's value on each side (``None``: not read)."""

    hubspot_property: str
    salesforce_field: str
    rule: str
    hubspot_value: str | None
    salesforce_value: str | None

    @property
    def differs(self) -> bool:
        both_read = self.hubspot_value is not None and self.salesforce_value is not None
        return both_read and (self.hubspot_value or "") != (self.salesforce_value or "")


@dataclass
class ContactPage:
    ref: ContactRef
    #: what the page calls the contact: its email, else the id it was opened with
    name: str
    explanation: Explanation | None
    #: why the verdict could not be read ("" when it was)
    explanation_error: str
    links: list[ContactLink]
    person: SalesforcePerson | None
    values: list[MappingValues]
    #: when each side's values were read: the link's last sync, the mirror's last change
    hubspot_read_at: datetime | None
    salesforce_read_at: datetime | None
    keys: RecordKeys
    history: AuditPage
    hubspot_id: str = ""
    salesforce_id: str = ""
    salesforce_type: str = ""
    hubspot_url: str = ""
    salesforce_url: str = ""
    #: the value *Sync this contact* names the contact by
    sync_value: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def link(self) -> ContactLink | None:
        return self.links[0] if self.links else None


def clipped(value: str) -> str:
    """A value as a message may repeat it: long input is cut, never echoed in full."""
    value = value.strip()
    return value if len(value) <= SHOWN else f"{value[:SHOWN]}…"


def _links(ref: ContactRef, explanation: Explanation | None) -> list[ContactLink]:
    query = Q(**{ref.kind: ref.value})  # the ref's kinds are ContactLink's column names
    if explanation is not None:
        if explanation.hubspot_id:
            query |= Q(hubspot_id=explanation.hubspot_id)
        if explanation.email:
            query |= Q(email=explanation.email)
    return list(ContactLink.objects.filter(query).order_by("-last_synced_at")[:10])


def _person(ref: ContactRef, link: ContactLink | None) -> SalesforcePerson | None:
    if link is not None:
        return SalesforcePerson.objects.filter(pk=link.salesforce_id).first()
    if ref.kind == "salesforce_id":
        return SalesforcePerson.objects.filter(pk=ref.value).first()
    if ref.kind == "email":
        people = SalesforcePerson.objects.filter(email=ref.value, is_deleted=False)
        return people.order_by("-modified_at").first()
    return None


def _values(link: ContactLink | None, person: SalesforcePerson | None) -> list[MappingValues]:
    hubspot = link.hubspot_values if link else None
    salesforce = (person.values if person else None) or (link.salesforce_values if link else None)
    rows = []
    for mapping in PropertyMapping.objects.all():
        rows.append(
            MappingValues(
                hubspot_property=mapping.hubspot_property,
                salesforce_field=mapping.salesforce_field,
                rule=PropertyMapping.Rule(mapping.rule).label,
                hubspot_value=None if hubspot is None else hubspot.get(mapping.hubspot_property),
                salesforce_value=(
                    None if salesforce is None else salesforce.get(mapping.salesforce_field)
                ),
            )
        )
    return rows


def _explain(hubspot: Callable[[], Any], ref: ContactRef) -> tuple[Explanation | None, str]:
    try:
        return contact_explain(hubspot=hubspot(), query=ref.value), ""
    except (SettingRefused, errors.ApiError, OSError) as exc:
        return None, f"The verdict could not be read from HubSpot: {exc}"


def _in_hubspot(explanation: Explanation | None) -> bool:
    """The explainer found the HubSpot contact: it then knows both its id and email (asked
    by email it learns the id, by id the email)."""
    return bool(explanation and explanation.hubspot_id and explanation.email)


def contact_page_read(
    *,
    ref: str,
    hubspot: Callable[[], Any],
    before_id: int | None = None,
    after_id: int | None = None,
) -> ContactPage:
    """The contact ``ref`` names (email, HubSpot id or Salesforce id), for its page.

    ``hubspot`` builds the client the explainer reads with. Raises ``NotAContact``
    for a ref that names no contact and ``ContactUnknown`` for one nobody knows.
    """
    parsed = contact_ref_parse(ref)
    explanation, explanation_error = _explain(hubspot, parsed)
    links = _links(parsed, explanation)
    link = links[0] if links else None
    person = _person(parsed, link)
    email = (
        (link.email if link else "")
        or (explanation.email if explanation else "")
        or (person.email if person else "")
        or (parsed.value if parsed.kind == "email" else "")
    )
    hubspot_id = (
        (link.hubspot_id if link else "")
        or (explanation.hubspot_id if _in_hubspot(explanation) else "")
        or (parsed.value if parsed.kind == "hubspot_id" and links else "")
    )
    salesforce_id = (link.salesforce_id if link else "") or (person.pk if person else "")
    keys = audit_record_keys(
        email=email,
        hubspot_id=hubspot_id or (parsed.value if parsed.kind == "hubspot_id" else ""),
        salesforce_id=salesforce_id or (parsed.value if parsed.kind == "salesforce_id" else ""),
        object_type=CONTACT,
    )
    history = audit_keyset_page(
        audit_record_history(keys=keys, object_type=CONTACT),
        before_id=before_id,
        after_id=after_id,
        size=HISTORY_PAGE_SIZE,
    )
    if not (links or person or history.events or _in_hubspot(explanation)):
        raise ContactUnknown(
            f"No contact “{clipped(ref)}” is known to syncadmin"
            + ("" if explanation_error else " or found in HubSpot")
            + ". Check the email or id; a contact created moments ago appears after the next "
            "sync."
        )
    page = ContactPage(
        ref=parsed,
        name=email or parsed.value,
        explanation=explanation,
        explanation_error=explanation_error,
        links=links,
        person=person,
        values=_values(link, person),
        hubspot_read_at=link.last_synced_at if link else None,
        salesforce_read_at=person.modified_at if person else None,
        keys=keys,
        history=history,
        hubspot_id=hubspot_id,
        salesforce_id=salesforce_id,
        salesforce_type=link.salesforce_type
        if link
        else (person.salesforce_type if person else ""),
        sync_value=email or hubspot_id or salesforce_id or parsed.value,
    )
    page.hubspot_url = hubspot_contact_url(hubspot_id)
    page.salesforce_url = salesforce_record_url(salesforce_id)
    if person is not None and person.is_deleted:
        page.notes.append(
            f"The Salesforce {person.salesforce_type.lower()} was deleted or converted."
        )
    if len(links) > 1:
        page.notes.append(
            f"{len(links)} links share this contact's email or ids; values are the most "
            "recently synced one's."
        )
    return page
