"""The contact page: ``/contacts/c/<email, HubSpot id or Salesforce id>/``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from integrations.connections import hubspot_client
from integrations.engine.contacts.options import Mode
from integrations.pages.contact_page.ref import NotAContact
from integrations.pages.contact_page.services import ContactUnknown, contact_page_read

#: event ids are 64-bit integers: at most 19 digits
_CURSOR_MAX_DIGITS = 19


def _cursor(value: str) -> int | None:
    """A page cursor, or ``None`` for a missing or broken one (the newest page then)."""
    if value.isascii() and value.isdecimal() and len(value) <= _CURSOR_MAX_DIGITS:
        number = int(value)
        return number if number < 2**63 else None
    return None


@require_GET
def contact_page(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        page = contact_page_read(
            ref=ref,
            hubspot=hubspot_client,
            before_id=_cursor(request.GET.get("before", "")),
            after_id=_cursor(request.GET.get("after", "")),
        )
    except (NotAContact, ContactUnknown) as exc:
        return render(
            request,
            "integrations/contact.html",
            {"missing": str(exc)},
            status=404,
        )
    return render(
        request,
        "integrations/contact.html",
        {
            "contact": page,
            "events": page.history.events,
            "page": page.history,
            "base_query": "",
            "one_mode": Mode.ONE,
        },
    )
