"""The Contacts page: inclusion list, sync options, mappings, Sync now, explainer."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.echo import echo
from core.models import SyncJob
from core.views.jobs import job_start_flash
from integrations.connections import hubspot_client
from integrations.engine.contacts.jobs import CONTACT_SYNC, MODE_LABELS, contacts_sync_start
from integrations.engine.contacts.options import Mode
from integrations.http import errors
from integrations.models.contacts import (
    ContactLink,
    ContactSyncSettings,
    PropertyMapping,
    RecordError,
)
from integrations.pages.contact_page.ref import NotAContact, contact_ref_parse
from integrations.pages.contacts.list_builder import (
    GROUPS,
    KIND_LABELS,
    LIST_NAME_MAX_LENGTH,
    OPERATORS,
    ROWS_PER_GROUP,
    builder_choices,
    builder_properties,
    inclusion_list_create,
    list_member_count,
    rows_from_post,
)
from integrations.pages.contacts.services import (
    ChosenMeanwhile,
    SettingRefused,
    contact_explain,
    contact_settings_update,
    inclusion_list_choose,
    inclusion_list_preview,
    is_list_id,
)

#: how many lists the searchable dropdown shows for one query
LIST_CHOICES_SHOWN = 50


@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/contacts.html",
        {
            "settings": ContactSyncSettings.load(),
            "mappings": PropertyMapping.objects.all(),
            "links_total": ContactLink.objects.count(),
            "open_errors": RecordError.objects.filter(object_type="contact").count(),
            "recent_jobs": SyncJob.objects.filter(kind=CONTACT_SYNC)[:5],
            "create_as_choices": ContactSyncSettings.CreateAs.choices,
        },
    )


@require_GET
def list_choices(request: HttpRequest) -> HttpResponse:
    """``<option>``s of active lists matching the search box (htmx). The list the admin
    has picked stays picked when the search answers after the pick."""
    query = request.GET.get("q", "").strip()
    try:
        lists: list[dict] = []
        for page in hubspot_client().lists_search(query=query, processing_types=("DYNAMIC",)):
            lists.extend(page)
            if len(lists) >= LIST_CHOICES_SHOWN:
                break
        error = ""
    except errors.ApiError as exc:
        lists, error = [], str(exc)
    settings = ContactSyncSettings.load()
    chosen = request.GET.get("list_id", settings.inclusion_list_id)
    shown = lists[:LIST_CHOICES_SHOWN]
    # the list chosen now stays offered (and selected) when the search does not find it,
    # above all a deleted or static one: falling back to "No inclusion list" would make
    # one Save sync everyone
    keep_current = (
        bool(chosen)
        and chosen == settings.inclusion_list_id
        and all(str(found.get("listId")) != chosen for found in shown)
    )
    return render(
        request,
        "integrations/_list_choices.html",
        {
            "lists": shown,
            "more": len(lists) > LIST_CHOICES_SHOWN,
            "error": error,
            "chosen": chosen,
            "settings": settings,
            "keep_current": keep_current,
        },
    )


@require_GET
def list_preview(request: HttpRequest) -> HttpResponse:
    try:
        preview = inclusion_list_preview(
            hubspot=hubspot_client(), list_id=request.GET.get("list_id", "")
        )
        error = ""
    except (SettingRefused, errors.ApiError) as exc:
        preview, error = None, str(exc)
    return render(request, "integrations/_list_preview.html", {"preview": preview, "error": error})


def _list_change_confirm(
    request: HttpRequest, *, list_id: str, hubspot: object, note: str = ""
) -> HttpResponse:
    """The step a list change must pass: the preview's counts and a button that confirms
    them. Writes nothing; a list that cannot be chosen is refused here already."""
    try:
        preview = inclusion_list_preview(hubspot=hubspot, list_id=list_id)
    except (SettingRefused, errors.ApiError) as exc:
        messages.error(request, f"The inclusion list was not changed: {exc}")
        return redirect("contacts")
    return render(
        request,
        "integrations/list_confirm.html",
        {"preview": preview, "settings": ContactSyncSettings.load(), "note": note},
    )


@require_POST
def inclusion_list_save(request: HttpRequest) -> HttpResponse:
    """Saved only once the admin has confirmed the counts (``confirm_from``: the list that
    was chosen when they saw them); without it, the confirmation page answers."""
    list_id = request.POST.get("list_id", "").strip()
    hubspot = hubspot_client()
    current = ContactSyncSettings.load()
    unchanged = list_id == current.inclusion_list_id and not current.paused_reason
    confirmed_from = request.POST.get("confirm_from")
    if confirmed_from is None and not unchanged:
        return _list_change_confirm(request, list_id=list_id, hubspot=hubspot)
    try:
        settings = inclusion_list_choose(
            actor=request.user,
            list_id=list_id,
            hubspot=hubspot,
            confirmed_from=current.inclusion_list_id if confirmed_from is None else confirmed_from,
        )
    except ChosenMeanwhile as exc:
        return _list_change_confirm(request, list_id=list_id, hubspot=hubspot, note=str(exc))
    except (SettingRefused, errors.ApiError) as exc:
        messages.error(request, str(exc))
        return redirect("contacts")
    chosen = settings.inclusion_list_name or "No inclusion list (all contacts)"
    messages.success(
        request,
        f"Inclusion list saved: {chosen}. Nothing has synced yet: members sync on the next "
        "scheduled run, on a change, or when you press Sync now.",
    )
    return redirect("contacts")


@require_POST
def settings_save(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        contact_settings_update(
            actor=request.user,
            values={
                "create_new_as": post.get("create_new_as", ""),
                "auto_create_from_leads": post.get("auto_create_from_leads") == "on",
                "auto_create_from_contacts": post.get("auto_create_from_contacts") == "on",
                "schedule_minutes": post.get("schedule_minutes", ""),
            },
        )
    except (SettingRefused, ValueError) as exc:
        message = str(exc) if isinstance(exc, SettingRefused) else "Enter whole minutes."
        messages.error(request, f"Sync options were not saved: {message}")
        return redirect("contacts")
    messages.success(request, "Sync options saved.")
    return redirect("contacts")


@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    mode = request.POST.get("mode", "")
    if mode not in (Mode.ALL, Mode.LIST, Mode.ONE, Mode.IMPORT):
        messages.error(request, "Choose what to sync.")
        return redirect("contacts")
    contact = ""
    if mode == Mode.ONE:
        try:
            contact = contact_ref_parse(request.POST.get("contact", "")).value
        except NotAContact as exc:
            messages.error(request, f"Nothing was synced. {exc}")
            return redirect("contacts")
    trigger = SyncJob.Trigger.IMPORT if mode == Mode.IMPORT else SyncJob.Trigger.MANUAL
    start = contacts_sync_start(
        mode=mode, trigger=trigger, requested_by=request.user, contact=contact
    )
    job_start_flash(request, start, what=f"contact sync of {contact or MODE_LABELS[mode]}")
    return redirect("job_detail", job_id=start.job.pk)


@require_GET
def explain(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    explanation, error = None, ""
    if query:
        try:
            explanation = contact_explain(hubspot=hubspot_client(), query=query)
        except (SettingRefused, errors.ApiError) as exc:
            error = str(exc)
    template = (
        "integrations/_explanation.html"
        if request.headers.get("HX-Request")
        else "integrations/explain.html"
    )
    return render(request, template, {"explanation": explanation, "error": error, "query": query})


def _builder_page(
    request: HttpRequest, *, error: str = "", status: int = 200, post: object = None
) -> HttpResponse:
    try:
        found = builder_properties(hubspot=hubspot_client())
        unreachable = ""
    except errors.ApiError as exc:
        found, unreachable = {}, str(exc)
    properties = sorted(found.values(), key=lambda p: p.get("label", p["name"]).lower())
    entered = post or {}
    groups = [
        [
            {
                "prefix": f"g{g}r{r}-",
                "property": entered.get(f"g{g}r{r}-property", ""),
                "operator": entered.get(f"g{g}r{r}-operator", ""),
                "value": ", ".join(entered.getlist(f"g{g}r{r}-value")) if post else "",
            }
            for r in range(ROWS_PER_GROUP)
        ]
        for g in range(GROUPS)
    ]
    return render(
        request,
        "integrations/list_builder.html",
        {
            "properties": properties,
            "operators": [(KIND_LABELS[kind], kind, ops) for kind, ops in OPERATORS.items()],
            "choices": builder_choices(found),
            "name_max": LIST_NAME_MAX_LENGTH,
            "groups": groups,
            "name": entered.get("name", ""),
            "error": error,
            "unreachable": unreachable,
        },
        status=status,
    )


@require_GET
def list_builder(request: HttpRequest) -> HttpResponse:
    return _builder_page(request)


@require_POST
def list_builder_create(request: HttpRequest) -> HttpResponse:
    try:
        created = inclusion_list_create(
            actor=request.user,
            hubspot=hubspot_client(),
            name=request.POST.get("name", ""),
            rows=rows_from_post(request.POST),
            zone=timezone.get_current_timezone_name(),
        )
    except (SettingRefused, errors.ApiError) as exc:
        return _builder_page(request, error=str(exc), status=400, post=request.POST)
    messages.success(
        request, f"Active list “{created.get('name')}” created in HubSpot. It is not selected yet."
    )
    return redirect("contacts_list_status", list_id=created["listId"])


@require_GET
def list_status(request: HttpRequest, list_id: str) -> HttpResponse:
    """While HubSpot processes a new list: polled by htmx until it is ready to select."""
    found, error = {}, f"“{echo(list_id)}” is not a HubSpot list id (list ids are numbers)."
    if is_list_id(list_id):
        try:
            found, error = hubspot_client().list_get(list_id), ""
        except errors.ApiError as exc:
            found, error = {}, str(exc)
    template = (
        "integrations/_list_status.html"
        if request.headers.get("HX-Request")
        else "integrations/list_status.html"
    )
    return render(
        request,
        template,
        {
            "found": found,
            "list_id": list_id,
            "error": error,
            "processing": found.get("processingStatus", "COMPLETE") != "COMPLETE",
            "size": list_member_count(found),
            "active": found.get("processingType") == "DYNAMIC",
        },
    )
