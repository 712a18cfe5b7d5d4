"""The Contacts page's settings: choosing the inclusion list, sync options, the
preview of a list change, and the eligibility explainer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.echo import echo
from core.models import SyncJob
from core.services.audit import audit_settings_change
from integrations.engine.contacts.jobs import CONTACTS_SCOPE, contact_schedule_ensure
from integrations.http import errors
from integrations.models.contacts import (
    ContactLink,
    ContactSyncSettings,
    RecordError,
    SalesforcePerson,
)
from integrations.pages.contact_page.ref import NotAContact, contact_ref_parse
from integrations.rules.inclusion import ACTIVE


class SettingRefused(ValueError):
    """Bad input for a setting: the message says why, and nothing was changed."""


def _settings_snapshot(settings: ContactSyncSettings) -> dict[str, Any]:
    return {
        "inclusion_list": (
            f"{settings.inclusion_list_name} ({settings.inclusion_list_id})"
            if settings.inclusion_list_id
            else "No inclusion list (all contacts)"
        ),
        "create_new_as": settings.create_new_as,
        "auto_create_from_leads": settings.auto_create_from_leads,
        "auto_create_from_contacts": settings.auto_create_from_contacts,
        "schedule_minutes": settings.schedule_minutes,
    }


def is_list_id(value: str) -> bool:
    """HubSpot list ids are ASCII digits ("²" is a digit too, but names no list): anything
    else is refused before HubSpot is asked, and never lands in an API path."""
    return value.isascii() and value.isdecimal()


def active_list_get(*, hubspot: Any, list_id: str) -> dict[str, Any]:
    """The list, if it can be the inclusion list; ``SettingRefused`` says why not."""
    if not is_list_id(list_id):
        raise SettingRefused(f"“{echo(list_id)}” is not a HubSpot list id (list ids are numbers).")
    try:
        found = hubspot.list_get(list_id)
    except errors.NotFound:
        raise SettingRefused(f"HubSpot has no list with id {list_id}.") from None
    if found.get("processingType") != ACTIVE:
        kind = {"MANUAL": "static", "SNAPSHOT": "static (snapshot)"}.get(
            found.get("processingType", ""), str(found.get("processingType", "")).lower()
        )
        raise SettingRefused(
            f"“{found.get('name', list_id)}” is a {kind} list. Only active lists can be the "
            "inclusion list, because their membership follows the list's criteria. "
            "Nothing was changed."
        )
    return found


class ChosenMeanwhile(SettingRefused):
    """The inclusion list changed after the admin saw the preview they confirmed."""


@transaction.atomic
def inclusion_list_choose(
    *,
    actor: AbstractBaseUser | None,
    list_id: str,
    hubspot: Any,
    confirmed_from: str | None = None,
) -> ContactSyncSettings:
    """Save the inclusion list ("" for none). Syncs nothing by itself (SPEC §3.3).

    ``confirmed_from`` is the list that was chosen when the admin confirmed the preview's
    counts: if another list has been chosen since, nothing is saved (``ChosenMeanwhile``)."""
    list_id = (list_id or "").strip()
    name = ""
    if list_id:
        name = str(active_list_get(hubspot=hubspot, list_id=list_id).get("name", ""))
    settings = ContactSyncSettings.objects.select_for_update().get(pk=ContactSyncSettings.load().pk)
    if confirmed_from is not None and confirmed_from != settings.inclusion_list_id:
        raise ChosenMeanwhile(
            "The inclusion list was changed by someone else after you saw the counts. Nothing "
            "was changed: check the new counts below."
        )
    before = _settings_snapshot(settings)
    settings.inclusion_list_id, settings.inclusion_list_name = list_id, name
    settings.paused_reason = ""
    settings.save()
    audit_settings_change(
        actor=actor,
        object_type="settings",
        object_label="Contact sync",
        before=before,
        after=_settings_snapshot(settings),
    )
    return settings


@transaction.atomic
def contact_settings_update(
    *, actor: AbstractBaseUser | None, values: dict[str, Any]
) -> ContactSyncSettings:
    """Sync options. Turning auto-create on records when, so only records created after
    that moment are auto-created (never retroactive)."""
    settings = ContactSyncSettings.objects.select_for_update().get(pk=ContactSyncSettings.load().pk)
    before = _settings_snapshot(settings)
    now = timezone.now()
    if values["create_new_as"] not in ContactSyncSettings.CreateAs.values:
        raise SettingRefused("New Salesforce records are created as leads or contacts.")
    minutes = int(values["schedule_minutes"])
    if not 5 <= minutes <= 1440:
        raise SettingRefused("The schedule runs every 5 to 1440 minutes.")
    settings.create_new_as = values["create_new_as"]
    for flag in ("auto_create_from_leads", "auto_create_from_contacts"):
        turned_on = bool(values[flag]) and not getattr(settings, flag)
        setattr(settings, flag, bool(values[flag]))
        if turned_on:
            setattr(settings, f"{flag}_since", now)
    settings.schedule_minutes = minutes
    settings.save()
    contact_schedule_ensure(minutes=minutes)
    audit_settings_change(
        actor=actor,
        object_type="settings",
        object_label="Contact sync",
        before=before,
        after=_settings_snapshot(settings),
    )
    return settings


def _members(hubspot: Any, list_id: str) -> set[str]:
    return {member for page in hubspot.list_memberships(list_id) for member in page}


@dataclass
class ListPreview:
    """What choosing a list would change, counting only contacts that can sync (a contact
    without an email never syncs, whichever list is chosen)."""

    list_id: str
    list_label: str
    eligible_now: int
    eligible_after: int
    would_start: int
    would_stop: int
    #: contact sync is paused now (the chosen list is gone or static): nothing syncs
    paused: bool = False
    #: the inclusion list chosen when the preview was made: a confirmation holds it, so a
    #: change made meanwhile by someone else is noticed before it is saved
    current_id: str = ""

    @property
    def changes_nothing(self) -> bool:
        return self.list_id == self.current_id and not self.paused


def inclusion_list_preview(*, hubspot: Any, list_id: str) -> ListPreview:
    """How many contacts would start and stop syncing if ``list_id`` ("" = all) were chosen.

    Counts only what can sync: contacts without an email are left out. While contact
    sync is paused, nobody syncs now, so everyone the new choice allows would start."""
    settings = ContactSyncSettings.load()
    new_id = (list_id or "").strip()
    label = "No inclusion list (all contacts)"
    if new_id:
        label = str(active_list_get(hubspot=hubspot, list_id=new_id).get("name", new_id))
    current_id, paused = settings.inclusion_list_id, bool(settings.paused_reason)
    no_email = {member for page in hubspot.contacts_without_email() for member in page}

    def can_sync(chosen: str) -> set[str] | None:
        """The members that can sync; None for everyone (no list)."""
        return _members(hubspot, chosen) - no_email if chosen else None

    after = can_sync(new_id)
    now = set() if paused else (after if new_id == current_id else can_sync(current_id))
    everyone = 0
    if now is None or after is None:
        everyone = hubspot.contacts_total() - len(no_email)

    def size(side: set[str] | None) -> int:
        return everyone if side is None else len(side)

    if now is None or after is None:  # every list member is one of everyone
        start, stop = max(size(after) - size(now), 0), max(size(now) - size(after), 0)
    else:
        start, stop = len(after - now), len(now - after)
    return ListPreview(
        list_id=new_id,
        list_label=label,
        eligible_now=size(now),
        eligible_after=size(after),
        would_start=start,
        would_stop=stop,
        paused=paused,
        current_id=current_id,
    )


@dataclass
class Explanation:
    query: str
    syncs: bool
    headline: str
    reasons: list[str] = field(default_factory=list)
    link: ContactLink | None = None
    hubspot_id: str = ""
    salesforce_id: str = ""
    email: str = ""


def _is_member(hubspot: Any, list_id: str, hubspot_id: str) -> bool:
    """Memberships come sorted by record id: stop paging once past it."""
    wanted = int(hubspot_id)
    for page in hubspot.list_memberships(list_id):
        ids = [int(member) for member in page]
        if wanted in ids:
            return True
        if ids and ids[-1] > wanted:
            return False
    return False


def contact_explain(*, hubspot: Any, query: str) -> Explanation:
    """Does this contact sync, and exactly why not (SPEC §3.8)."""
    try:
        ref = contact_ref_parse(query)
    except NotAContact as exc:
        raise SettingRefused(str(exc)) from None
    query = query.strip()
    settings = ContactSyncSettings.load()
    explanation = Explanation(query=query, syncs=False, headline="")
    person = None
    if ref.kind == "email":
        explanation.email = ref.value
        outcome = hubspot.contacts_batch_read([ref.value], ["email", "createdate"], "email")
    elif ref.kind == "hubspot_id":
        explanation.hubspot_id = query
        outcome = hubspot.contacts_batch_read([query], ["email", "createdate"])
    else:
        explanation.salesforce_id = query
        person = SalesforcePerson.objects.filter(pk=query).first()
        if person is None or not person.email:
            explanation.headline = "Not found"
            explanation.reasons.append(
                f"syncadmin has not seen a Salesforce lead or contact with id {query}"
                + ("" if person is None else " that has an email address")
                + ". Records sync by email; run Sync now if it was created recently."
            )
            return explanation
        explanation.email = person.email
        outcome = hubspot.contacts_batch_read([person.email], ["email", "createdate"], "email")
    record = outcome.records[0] if outcome.records else None
    if record is not None:
        explanation.hubspot_id = str(record["id"])
        explanation.email = (record["properties"].get("email") or explanation.email or "").lower()
    link = ContactLink.objects.filter(hubspot_id=explanation.hubspot_id).first() if record else None
    if link is None and explanation.email:
        link = ContactLink.objects.filter(email=explanation.email).first()
    explanation.link = link
    if link:
        explanation.salesforce_id = link.salesforce_id
    if settings.paused_reason:
        explanation.reasons.append(f"Contact sync is paused: {settings.paused_reason}")
    if record is None:
        explanation.headline = "Does not sync"
        where = person and f" (it exists in Salesforce as {person.salesforce_type.lower()})"
        explanation.reasons.append(
            f"There is no HubSpot contact for “{echo(query)}”{where or ''}. Salesforce records "
            "reach HubSpot only through Import from Salesforce or the auto-create settings."
        )
        return explanation
    if not explanation.email:
        explanation.reasons.append(
            "The HubSpot contact has no email address: contacts are matched by email, so it "
            "cannot sync."
        )
    if settings.inclusion_list_id and not _is_member(
        hubspot, settings.inclusion_list_id, explanation.hubspot_id
    ):
        explanation.reasons.append(
            f"It is not a member of the inclusion list “{settings.inclusion_list_name}”. Contacts "
            "outside the list never sync, in either direction."
            + (
                " (It was created from Salesforce by auto-create; updates wait until it joins "
                "the list.)"
                if link and link.origin == ContactLink.Origin.AUTO_CREATE
                else ""
            )
        )
    keys = [f"hs:{explanation.hubspot_id}"] + ([f"sf:{link.salesforce_id}"] if link else [])
    for error in RecordError.objects.filter(record_key__in=keys):
        explanation.reasons.append(
            f"The last attempt failed ({error.get_category_display()}): “{error.message}” "
            f"(seen {error.occurrences}×, last {error.last_seen_at:%Y-%m-%d %H:%M} UTC)."
        )
    waiting = SyncJob.objects.filter(scope=CONTACTS_SCOPE, status=SyncJob.Status.WAITING).first()
    if waiting:
        explanation.reasons.append(f"Contact sync is waiting: {waiting.waiting_reason}")
    if explanation.reasons:
        explanation.headline = "Does not sync"
        return explanation
    explanation.syncs = True
    if link:
        explanation.headline = "Syncs"
        explanation.reasons.append(
            f"Linked to Salesforce {link.salesforce_type.lower()} {link.salesforce_id}; "
            "last synced "
            f"{link.last_synced_at:%Y-%m-%d %H:%M} UTC."
        )
    else:
        explanation.headline = "Eligible, not synced yet"
        explanation.reasons.append(
            "It meets every rule; it syncs on the next scheduled run (every "
            f"{settings.schedule_minutes} minutes) or when you press Sync now. Choosing a list "
            "syncs nothing by itself."
        )
    return explanation
