"""The inclusion list (SPEC §3): which HubSpot contacts may sync, in either direction.

With no list, every contact is eligible. With a list, only its members are,
and only while it exists and is active (DYNAMIC): a deleted or no-longer-active
list pauses contact sync; it never falls back to "sync everything".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.services.audit import audit_record
from integrations.http import errors
from integrations.models.contacts import ContactSyncSettings

ACTIVE = "DYNAMIC"


class InclusionListPaused(Exception):
    """Contact sync cannot run: the chosen list is gone or not active."""


@dataclass
class InclusionGate:
    list_id: str
    #: member HubSpot ids; None when there is no inclusion list (everyone is eligible)
    members: frozenset[str] | None

    def allows(self, hubspot_id: str) -> bool:
        return self.members is None or str(hubspot_id) in self.members

    @property
    def everyone(self) -> bool:
        return self.members is None


def inclusion_list_problem(list_obj: dict | None, *, list_id: str, name: str) -> str:
    """Why ``list_obj`` cannot be the inclusion list, or "" when it can."""
    label = f"“{name}” (id {list_id})" if name else f"id {list_id}"
    if list_obj is None:
        return f"The inclusion list {label} no longer exists in HubSpot."
    if list_obj.get("processingType") != ACTIVE:
        kind = str(list_obj.get("processingType", "unknown")).lower()
        return (
            f"The inclusion list {label} is a {kind} list, not an active list: its membership "
            "no longer follows its criteria."
        )
    return ""


def inclusion_gate_load(*, hubspot: object, job_id: int | None = None) -> InclusionGate:
    """Check the chosen list and read its members, or pause contact sync and raise."""
    list_id = inclusion_list_verify(hubspot=hubspot, job_id=job_id)
    return inclusion_gate_read(hubspot=hubspot, list_id=list_id)


def inclusion_gate_read(
    *,
    hubspot: object,
    list_id: str,
    on_page: Callable[[list[str]], None] | None = None,
) -> InclusionGate:
    """The gate of the (verified) list ``list_id`` ("" for none): its members, read page
    by page in ascending id order, each page handed to ``on_page`` as it comes."""
    if not list_id:
        return InclusionGate(list_id="", members=None)
    members: set[str] = set()
    for page in hubspot.list_memberships(list_id):  # type: ignore[attr-defined]
        members.update(page)
        if on_page is not None:
            on_page(page)
    return InclusionGate(list_id=list_id, members=frozenset(members))


def inclusion_list_verify(*, hubspot: object, job_id: int | None = None) -> str:
    """The chosen list's id ("" for none) once it is known to exist and be active;
    otherwise contact sync is paused and ``InclusionListPaused`` raised. One call."""
    settings = ContactSyncSettings.load()
    list_id = settings.inclusion_list_id
    if not list_id:
        return ""
    try:
        list_obj = hubspot.list_get(list_id)  # type: ignore[attr-defined]
    except errors.NotFound:
        list_obj = None
    problem = inclusion_list_problem(list_obj, list_id=list_id, name=settings.inclusion_list_name)
    if problem:
        inclusion_pause(settings=settings, reason=problem, job_id=job_id)
        raise InclusionListPaused(settings.paused_reason)
    if settings.paused_reason:
        ContactSyncSettings.objects.filter(pk=settings.pk).update(paused_reason="")
    return list_id


def inclusion_pause(*, settings: ContactSyncSettings, reason: str, job_id: int | None) -> None:
    full = (
        f"{reason} Contact sync is paused until you choose another active list, or "
        "“No inclusion list”, on the Contacts page."
    )
    if settings.paused_reason != full:
        settings.paused_reason = full
        settings.save(update_fields=["paused_reason", "updated_at"])
        audit_record(
            action="contacts.paused",
            object_type="settings",
            object_label="Inclusion list",
            job_id=job_id,
            status="failed",
            error_category="inclusion_list",
            message=full,
        )
