"""The Activities page's settings: toggles with their task types, and owner mapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.echo import echo
from core.services.audit import audit_settings_change
from integrations.models import ActivityType, OwnerMapping
from integrations.pages.contacts.services import SettingRefused
from integrations.rules.activity_types import SALESFORCE_BY_KEY, TIMELINE_BY_KEY

NO_TASK_TYPE = ""
#: Salesforce keeps a picklist value to 255 characters: a longer task type is none of them
TASK_TYPE_MAX = 255


def activity_type_label(key: str) -> str:
    kind = TIMELINE_BY_KEY.get(key) or SALESFORCE_BY_KEY.get(key)
    return kind.label if kind else key


def task_type_choices(*, salesforce: Any) -> list[str]:
    """The active values of Salesforce's Task ``Type`` picklist, read live (describe)."""
    return [value.value for value in salesforce.picklist_values("Task", "Type")]


@transaction.atomic
def activity_type_update(
    *,
    actor: AbstractBaseUser | None,
    key: str,
    enabled: bool,
    task_type: str = NO_TASK_TYPE,
    allowed_task_types: list[str] | None = None,
) -> ActivityType:
    """Turn one type on or off (and set its task type). Turning it on records when:
    the time windows are measured from that moment. Nothing is retroactive."""
    row = ActivityType.objects.select_for_update().filter(key=key).first()
    if row is None:
        raise SettingRefused(f"There is no activity type “{key}”.")
    is_timeline = row.direction == ActivityType.Direction.HUBSPOT_TO_SALESFORCE
    # on or off, a type keeps only a value of the picklist: one saved off would become a
    # refused task the day it is turned on again
    if is_timeline and task_type and task_type not in (allowed_task_types or []):
        raise SettingRefused(
            f"“{echo(task_type)}” is not a value of Salesforce's Task Type picklist (any more). "
            "Choose another type or “-- No task type --”. Nothing was changed."
        )
    before = {"enabled": row.enabled, "task_type": row.task_type or "-- No task type --"}
    if enabled and not row.enabled:
        row.enabled_at = timezone.now()
    row.enabled = enabled
    if row.direction == ActivityType.Direction.HUBSPOT_TO_SALESFORCE:
        row.task_type = task_type
    row.save()
    audit_settings_change(
        actor=actor,
        object_type="settings",
        object_label=f"Activity sync: {activity_type_label(key)}",
        before=before,
        after={"enabled": row.enabled, "task_type": row.task_type or "-- No task type --"},
    )
    return row


@dataclass(frozen=True)
class TypeWanted:
    """One row of the Activities page as the admin left it."""

    key: str
    enabled: bool
    task_type: str


def activity_types_changed(wanted: list[TypeWanted]) -> list[TypeWanted]:
    """The rows whose toggle or task type differ from what is stored."""
    rows = {row.key: row for row in ActivityType.objects.filter(key__in=[w.key for w in wanted])}
    changed = []
    for want in wanted:
        row = rows.get(want.key)
        if row is None:
            raise SettingRefused(f"There is no activity type “{want.key}”. Nothing was changed.")
        timeline = row.direction == ActivityType.Direction.HUBSPOT_TO_SALESFORCE
        if want.enabled != row.enabled or (timeline and want.task_type != row.task_type):
            changed.append(want)
    return changed


@transaction.atomic
def activity_types_update(
    *,
    actor: AbstractBaseUser | None,
    wanted: list[TypeWanted],
    allowed_task_types: list[str] | None = None,
) -> list[ActivityType]:
    """Save every changed row of the page at once, or none: one refused row (a task type
    not in the picklist) refuses them all, with every reason (``SettingRefused``)."""
    changed = activity_types_changed(wanted)
    refused = [
        f"{activity_type_label(w.key)}: “{echo(w.task_type)}” is not a value of Salesforce's Task "
        "Type picklist (any more)"
        for w in changed
        if w.key in TIMELINE_BY_KEY
        and w.task_type
        and w.task_type not in (allowed_task_types or [])
    ]
    if refused:
        raise SettingRefused(
            "; ".join(refused)
            + ". Choose another type or “-- No task type --”. Nothing was changed."
        )
    return [
        activity_type_update(
            actor=actor,
            key=w.key,
            enabled=w.enabled,
            task_type=w.task_type,
            allowed_task_types=allowed_task_types,
        )
        for w in changed
    ]


def owners_refresh(*, hubspot: Any, salesforce: Any) -> tuple[int, int]:
    """Match every HubSpot owner to the Salesforce user with the same email.

    Mappings an admin chose by hand are kept. Returns (matched, unmatched).
    """
    users = {
        (user.get("Email") or "").lower(): user["Id"]
        for user in salesforce.users()
        if user.get("IsActive", True) and user.get("Email")
    }
    matched = unmatched = 0
    for owner in hubspot.owners():
        email = (owner.get("email") or "").lower()
        name = " ".join(filter(None, [owner.get("firstName"), owner.get("lastName")]))
        row, _ = OwnerMapping.objects.get_or_create(hubspot_owner_id=str(owner["id"]))
        row.hubspot_email, row.hubspot_name = email, name
        if row.automatic:
            row.salesforce_user_id = users.get(email, "")
            row.salesforce_email = email if row.salesforce_user_id else ""
        row.save()
        if row.salesforce_user_id:
            matched += 1
        else:
            unmatched += 1
    return matched, unmatched


def owner_mapping_find(*, hubspot_owner_id: str, for_update: bool = False) -> OwnerMapping:
    """The owner's mapping, or ``SettingRefused`` if there is no such owner (an id with a
    NUL in it names none, and never reaches the database, which would refuse it)."""
    rows = OwnerMapping.objects.select_for_update() if for_update else OwnerMapping.objects
    row = None
    if "\x00" not in hubspot_owner_id:
        row = rows.filter(hubspot_owner_id=hubspot_owner_id).first()
    if row is None:
        shown = hubspot_owner_id.replace("\x00", "")[:40]
        raise SettingRefused(f"There is no HubSpot owner {shown}.")
    return row


@transaction.atomic
def owner_mapping_update(
    *, actor: AbstractBaseUser | None, hubspot_owner_id: str, salesforce_user_id: str, users: dict
) -> OwnerMapping:
    """An admin's choice of Salesforce user for a HubSpot owner ("" = none)."""
    row = owner_mapping_find(hubspot_owner_id=hubspot_owner_id, for_update=True)
    if salesforce_user_id and salesforce_user_id not in users:
        raise SettingRefused(f"Salesforce has no active user {salesforce_user_id}.")
    before = {"salesforce_user": row.salesforce_email or row.salesforce_user_id or "unmatched"}
    row.salesforce_user_id = salesforce_user_id
    row.salesforce_email = users.get(salesforce_user_id, "")
    row.automatic = False
    row.save()
    audit_settings_change(
        actor=actor,
        object_type="settings",
        object_label=f"Owner mapping: {row.hubspot_email or row.hubspot_owner_id}",
        before=before,
        after={"salesforce_user": row.salesforce_email or row.salesforce_user_id or "unmatched"},
    )
    return row


def owner_to_user() -> dict[str, str]:
    """HubSpot owner id -> Salesforce user id, for the mapped owners."""
    return dict(
        OwnerMapping.objects.exclude(salesforce_user_id="").values_list(
            "hubspot_owner_id", "salesforce_user_id"
        )
    )
