"""The Activities page: which activities sync, as what task type; owners; Sync activities now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.echo import echo
from core.models import SyncJob
from core.views.jobs import job_start_flash
from integrations.connections import hubspot_client, salesforce_client
from integrations.engine.activities.jobs import ACTIVITY_SYNC, activities_sync_start
from integrations.http import errors
from integrations.models import ActivityType, OwnerMapping
from integrations.pages.activities.preview import (
    TypeSynced,
    activity_synced_by_type,
    activity_type_preview,
)
from integrations.pages.activities.services import (
    TASK_TYPE_MAX,
    TypeWanted,
    activity_type_label,
    activity_types_changed,
    activity_types_update,
    owner_mapping_find,
    owner_mapping_update,
    owners_refresh,
    task_type_choices,
)
from integrations.pages.contacts.services import SettingRefused
from integrations.rules.activity_types import (
    AFTER_TOGGLE,
    HUBSPOT_TO_SALESFORCE,
    ONE_YEAR_BEFORE,
    SALESFORCE_BY_KEY,
    SALESFORCE_TO_HUBSPOT,
    THIRTY_DAYS_BEFORE,
    TIMELINE_BY_KEY,
    SalesforceActivityType,
    TimelineType,
)
from integrations.rules.timeline_windows import window_start

#: SPEC §4b time windows, in the words the page uses
WINDOW_WORDS = {
    ONE_YEAR_BEFORE: "Form submissions from the year before turning it on, and every one "
    "after; older ones never. Each waits until its contact has synced.",
    THIRTY_DAYS_BEFORE: "Marketing email events from the 30 days before turning it on, and "
    "every one after; older ones never. Each waits until its contact has synced.",
    AFTER_TOGGLE: "Only those after turning it on and after the contact first synced. "
    "Never retroactive.",
}
ENTERPRISE_NOTE = "needs HubSpot Enterprise (Events API)"


@dataclass
class TimelineRow:
    kind: TimelineType
    row: ActivityType
    window_words: str
    #: the oldest activity that syncs, once the type is on
    syncs_from: datetime | None
    #: the stored task type is no longer a value of Salesforce's picklist
    stale_task_type: bool
    synced: TypeSynced
    #: what the admin posted, when a refused save shows the page again (else the stored)
    shown_enabled: bool
    shown_task_type: str
    unsaved: bool


@dataclass
class SalesforceRow:
    kind: SalesforceActivityType
    row: ActivityType
    synced: TypeSynced
    shown_enabled: bool
    unsaved: bool


NOT_SYNCED = TypeSynced(count=0, last_at=None)


def _rows_by_key() -> dict[str, ActivityType]:
    return {row.key: row for row in ActivityType.objects.all()}


def _task_types() -> tuple[list[str] | None, str]:
    """Salesforce's Task Type values read live, or ``None`` and why they could not be."""
    try:
        return task_type_choices(salesforce=salesforce_client()), ""
    except errors.ApiError as exc:
        return None, str(exc)


def _page(
    request: HttpRequest, *, posted: dict[str, TypeWanted] | None = None, status: int = 200
) -> HttpResponse:
    rows = _rows_by_key()
    choices, salesforce_error = _task_types()
    synced = activity_synced_by_type()
    posted = posted or {}

    def shown(key: str) -> TypeWanted:
        row = rows[key]
        return posted.get(key) or TypeWanted(key, row.enabled, row.task_type)

    timeline = [
        TimelineRow(
            kind=kind,
            row=rows[kind.key],
            window_words=WINDOW_WORDS[kind.window],
            syncs_from=(
                window_start(kind, rows[kind.key].enabled_at)
                if rows[kind.key].enabled and rows[kind.key].enabled_at
                else None
            ),
            stale_task_type=choices is not None
            and bool(shown(kind.key).task_type)
            and shown(kind.key).task_type not in choices,
            synced=synced.get(kind.key, NOT_SYNCED),
            shown_enabled=shown(kind.key).enabled,
            shown_task_type=shown(kind.key).task_type,
            unsaved=shown(kind.key)
            != TypeWanted(kind.key, rows[kind.key].enabled, rows[kind.key].task_type),
        )
        for kind in HUBSPOT_TO_SALESFORCE
        if kind.key in rows
    ]
    from_salesforce = [
        SalesforceRow(
            kind=kind,
            row=rows[kind.key],
            synced=synced.get(kind.key, NOT_SYNCED),
            shown_enabled=shown(kind.key).enabled,
            unsaved=shown(kind.key).enabled != rows[kind.key].enabled,
        )
        for kind in SALESFORCE_TO_HUBSPOT
        if kind.key in rows
    ]
    return render(
        request,
        "integrations/activities.html",
        {
            "timeline": timeline,
            "from_salesforce": from_salesforce,
            "task_types": choices or [],
            "salesforce_error": salesforce_error,
            "enterprise_note": ENTERPRISE_NOTE,
            "owners_unmatched": OwnerMapping.objects.filter(salesforce_user_id="").count(),
            "owners_total": OwnerMapping.objects.count(),
            "recent_jobs": SyncJob.objects.filter(kind=ACTIVITY_SYNC)[:5],
            "unsaved": sum(1 for r in [*timeline, *from_salesforce] if r.unsaved),
        },
        status=status,
    )


def _wanted_from_post(request: HttpRequest) -> dict[str, TypeWanted]:
    """Each row the page posted (``type``), as the admin left it. A disabled dropdown
    (Salesforce unreachable) is not posted: the row keeps its stored task type."""
    stored = _rows_by_key()
    wanted: dict[str, TypeWanted] = {}
    for key in request.POST.getlist("type"):
        if key not in stored or not (key in TIMELINE_BY_KEY or key in SALESFORCE_BY_KEY):
            raise SettingRefused(f"There is no activity type “{echo(key)}”. Nothing was changed.")
        task_type = request.POST.get(f"task_type-{key}", stored[key].task_type).strip()
        if len(task_type) > TASK_TYPE_MAX:
            raise SettingRefused(
                f"The task type chosen for {activity_type_label(key)} has {len(task_type):,} "
                f"characters; a value of Salesforce's picklist has at most {TASK_TYPE_MAX}. "
                "Nothing was changed."
            )
        wanted[key] = TypeWanted(
            key=key,
            enabled=request.POST.get(f"enabled-{key}") == "on",
            task_type=task_type if key in TIMELINE_BY_KEY else stored[key].task_type,
        )
    return wanted


def _save(request: HttpRequest, wanted: dict[str, TypeWanted]) -> list[ActivityType]:
    """Save the changed rows, checking new task types against the picklist read now."""
    changed = activity_types_changed(list(wanted.values()))
    allowed: list[str] = []
    needs_check = [w for w in changed if w.key in TIMELINE_BY_KEY and w.task_type]
    if needs_check:
        choices, salesforce_error = _task_types()
        if choices is None:
            labels = ", ".join(TIMELINE_BY_KEY[w.key].label for w in needs_check)
            raise SettingRefused(
                f"Salesforce's Task Type picklist could not be read to check the task types "
                f"of {labels} ({salesforce_error}). Nothing was changed."
            )
        allowed = choices
    return activity_types_update(
        actor=request.user, wanted=list(wanted.values()), allowed_task_types=allowed
    )


def _saved_message(saved: ActivityType) -> str:
    kind = TIMELINE_BY_KEY.get(saved.key) or SALESFORCE_BY_KEY[saved.key]
    if not saved.enabled:
        return f"{kind.label}: off. Nothing more of this type will sync."
    as_type = ""
    if saved.key in TIMELINE_BY_KEY:
        as_type = (
            f", as Salesforce tasks of type “{saved.task_type}”"
            if saved.task_type
            else ", as Salesforce tasks without a task type"
        )
    return f"{kind.label}: on since {localtime(saved.enabled_at):%Y-%m-%d %H:%M %Z}{as_type}."


@require_http_methods(["GET", "POST"])
def activities(request: HttpRequest) -> HttpResponse:
    """The page, and its one *Save changes* (POST): every changed row at once, or none."""
    if request.method == "GET":
        return _page(request)
    try:
        wanted = _wanted_from_post(request)
    except SettingRefused as exc:
        messages.error(request, f"Nothing was saved: {exc}")
        return redirect("activities")
    try:
        saved = _save(request, wanted)
    except SettingRefused as exc:
        messages.error(request, f"Nothing was saved: {exc}")
        return _page(request, posted=wanted, status=400)
    if not saved:
        messages.info(request, "Nothing to save: no row was changed.")
        return redirect("activities")
    for row in saved:
        messages.success(request, _saved_message(row))
    messages.info(
        request,
        "Activities sync on the next activity sync, or when you press Sync activities now.",
    )
    return redirect("activities")


@require_GET
def activity_preview_view(request: HttpRequest, key: str) -> HttpResponse:
    """How many activities of a timeline type would sync that have not yet (htmx)."""
    kind = TIMELINE_BY_KEY.get(key)
    if kind is None:
        raise Http404(f"There is no HubSpot event type “{key}”.")
    try:
        preview, error = activity_type_preview(key=key, hubspot=hubspot_client()), ""
    except errors.ApiError as exc:
        preview, error = None, str(exc)
    return render(
        request,
        "integrations/_activity_preview.html",
        {"kind": kind, "preview": preview, "error": error},
    )


@require_POST
def activities_sync_now(request: HttpRequest) -> HttpResponse:
    start = activities_sync_start(
        mode="all", trigger=SyncJob.Trigger.MANUAL, requested_by=request.user
    )
    job_start_flash(request, start, what="activity sync of every type that is on")
    return redirect("job_detail", job_id=start.job.pk)


# --- owners -------------------------------------------------------------------------------


def _salesforce_users() -> tuple[list[dict] | None, str]:
    """Active Salesforce users (Id, Name, Email), read live, or ``None`` and why not."""
    try:
        users = [u for u in salesforce_client().users() if u.get("IsActive", True)]
    except errors.ApiError as exc:
        return None, str(exc)
    return sorted(users, key=lambda u: (u.get("Name") or "").lower()), ""


def _refresh() -> tuple[int, int]:
    return owners_refresh(hubspot=hubspot_client(), salesforce=salesforce_client())


@require_GET
def owners(request: HttpRequest) -> HttpResponse:
    refresh_error = ""
    if not OwnerMapping.objects.exists():
        try:
            _refresh()
        except errors.ApiError as exc:
            refresh_error = str(exc)
    users, users_error = _salesforce_users()
    names = {u["Id"]: u.get("Name") or u.get("Email") or u["Id"] for u in users or []}
    # owners that need a choice come first: no user, or a user Salesforce no longer has active
    mappings = sorted(
        OwnerMapping.objects.all(),
        key=lambda m: (
            bool(m.salesforce_user_id) and (users is None or m.salesforce_user_id in names),
            (m.hubspot_name or m.hubspot_email).lower(),
        ),
    )
    return render(
        request,
        "integrations/owners.html",
        {
            "mappings": [
                {
                    "mapping": m,
                    "user_name": names.get(m.salesforce_user_id, ""),
                    "user_gone": users is not None
                    and bool(m.salesforce_user_id)
                    and m.salesforce_user_id not in names,
                }
                for m in mappings
            ],
            "unmatched": sum(1 for m in mappings if not m.salesforce_user_id),
            "users": users or [],
            "users_error": users_error,
            "refresh_error": refresh_error,
        },
    )


@require_POST
def owners_match(request: HttpRequest) -> HttpResponse:
    try:
        matched, unmatched = _refresh()
    except errors.ApiError as exc:
        messages.error(request, f"Owners were not matched: {exc}")
        return redirect("activities_owners")
    messages.success(
        request,
        f"Matched owners by email: {matched} with a Salesforce user, {unmatched} without. "
        "Users chosen by hand were kept.",
    )
    return redirect("activities_owners")


@require_POST
def owner_mapping_save(request: HttpRequest, owner_id: str) -> HttpResponse:
    try:  # before Salesforce is asked anything
        owner_mapping_find(hubspot_owner_id=owner_id)
    except SettingRefused as exc:
        messages.error(request, f"The owner was not saved: {exc} Nothing was changed.")
        return redirect("activities_owners")
    users, users_error = _salesforce_users()
    if users is None:
        messages.error(
            request,
            f"The owner was not saved: Salesforce's users could not be read ({users_error}).",
        )
        return redirect("activities_owners")
    try:
        row = owner_mapping_update(
            actor=request.user,
            hubspot_owner_id=owner_id,
            salesforce_user_id=request.POST.get("salesforce_user_id", "").strip(),
            users={u["Id"]: u.get("Email") or "" for u in users},
        )
    except SettingRefused as exc:
        messages.error(request, f"The owner was not saved: {exc} Nothing was changed.")
        return redirect("activities_owners")
    who = row.hubspot_name or row.hubspot_email or row.hubspot_owner_id
    if row.salesforce_user_id:
        user = next(u for u in users if u["Id"] == row.salesforce_user_id)
        label = user.get("Name") or user.get("Email") or user["Id"]
        messages.success(request, f"{who} is now Salesforce user {label}.")
    else:
        messages.success(
            request,
            f"{who} now has no Salesforce user: their activities are assigned to the "
            "contact's owner or the integration user.",
        )
    return redirect("activities_owners")
