"""The Property mappings page: admins add, change and delete mappings; viewers read."""

from __future__ import annotations

from typing import Any

import requests
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.connections import hubspot_client, salesforce_client
from integrations.http import errors
from integrations.models.contacts import PropertyMapping
from integrations.pages.contacts.services import SettingRefused
from integrations.pages.mappings.services import (
    EMAIL_PROPERTY,
    MappingCatalog,
    MappingSaved,
    mapping_add,
    mapping_catalog_load,
    mapping_change,
    mapping_deletable_get,
    mapping_delete,
    types_compatible,
)

#: what reaching either API can raise
UNREACHABLE = (errors.ApiError, requests.RequestException)


def _catalog() -> MappingCatalog:
    return mapping_catalog_load(hubspot=hubspot_client(), salesforce=salesforce_client())


def _catalog_or_error() -> tuple[MappingCatalog | None, str]:
    try:
        return _catalog(), ""
    except UNREACHABLE as exc:
        return None, str(exc)


def _row(mapping: PropertyMapping, catalog: MappingCatalog | None) -> dict[str, Any]:
    prop = catalog.properties.get(mapping.hubspot_property) if catalog else None
    sf_field = catalog.fields.get(mapping.salesforce_field) if catalog else None
    problem = ""
    if catalog is not None and prop is None:
        problem = "HubSpot has no such contact property: the sync skips this mapping."
    elif catalog is not None and sf_field is None:
        problem = "Neither Lead nor Contact has this field: the sync skips this mapping."
    # the row's dropdown offers the fields this property's values fit, and the current one
    options = catalog.field_choices() if catalog else []
    if prop is not None:
        options = [
            f for f in options if types_compatible(prop, f) or f.name == mapping.salesforce_field
        ]
    return {
        "mapping": mapping,
        "field_options": options,
        "property_label": prop.label if prop else "",
        "field": sf_field,
        "problem": problem,
        "is_email": mapping.hubspot_property == EMAIL_PROPERTY,
    }


@require_GET
def mappings(request: HttpRequest) -> HttpResponse:
    catalog, error = _catalog_or_error()
    return render(
        request,
        "integrations/mappings.html",
        {
            "rows": [_row(m, catalog) for m in PropertyMapping.objects.all()],
            "catalog": catalog,
            "catalog_error": error,
            "addable": catalog.addable_properties() if catalog else [],
            "fields": catalog.field_choices() if catalog else [],
            "rules": PropertyMapping.Rule.choices,
            "default_rule": PropertyMapping._meta.get_field("rule").default,
        },
    )


def _saved(request: HttpRequest, saved: MappingSaved, done: str) -> HttpResponse:
    messages.success(
        request,
        f"{done} Mappings are not retroactive: to apply it to contacts already synced, press "
        "Sync all eligible contacts on the Contacts page (a resync).",
    )
    for warning in saved.warnings:
        messages.warning(request, warning)
    return redirect("contacts_mappings")


@require_POST
def mapping_add_view(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        saved = mapping_add(
            actor=request.user,
            catalog=_catalog(),
            hubspot_property=post.get("hubspot_property", ""),
            salesforce_field=post.get("salesforce_field", ""),
            rule=post.get("rule", ""),
        )
    except SettingRefused as exc:
        messages.error(request, f"The mapping was not added: {exc}")
        return redirect("contacts_mappings")
    except UNREACHABLE as exc:
        messages.error(
            request,
            f"The mapping was not added: HubSpot's properties and Salesforce's fields could "
            f"not be read to check it ({exc}). Nothing was changed.",
        )
        return redirect("contacts_mappings")
    assert saved.mapping is not None
    return _saved(
        request,
        saved,
        f"Mapping added: {saved.mapping.hubspot_property} ↔ {saved.mapping.salesforce_field} "
        f"({saved.mapping.get_rule_display()}).",
    )


@require_POST
def mapping_change_view(request: HttpRequest, mapping_id: int) -> HttpResponse:
    post = request.POST
    try:
        saved = mapping_change(
            actor=request.user,
            mapping_id=mapping_id,
            salesforce_field=post.get("salesforce_field", ""),
            rule=post.get("rule", ""),
            catalog_load=_catalog,
        )
    except SettingRefused as exc:
        messages.error(request, f"The mapping was not changed: {exc}")
        return redirect("contacts_mappings")
    except UNREACHABLE as exc:
        messages.error(
            request,
            "The mapping was not changed: Salesforce's fields could not be read to check the "
            f"new field ({exc}). Nothing was changed.",
        )
        return redirect("contacts_mappings")
    assert saved.mapping is not None
    return _saved(
        request,
        saved,
        f"Mapping saved: {saved.mapping.hubspot_property} ↔ {saved.mapping.salesforce_field} "
        f"({saved.mapping.get_rule_display()}).",
    )


@require_POST
def mapping_delete_view(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """Deleted only once confirmed (``confirm``); without it, the confirmation answers."""
    try:
        if request.POST.get("confirm") != "delete":
            return render(
                request,
                "integrations/mapping_delete_confirm.html",
                {"mapping": mapping_deletable_get(mapping_id=mapping_id)},
            )
        deleted = mapping_delete(actor=request.user, mapping_id=mapping_id)
    except SettingRefused as exc:
        messages.error(request, f"The mapping was not deleted: {exc}")
        return redirect("contacts_mappings")
    messages.success(
        request,
        f"Mapping deleted: {deleted.hubspot_property} ↔ {deleted.salesforce_field}. The sync no "
        "longer touches these values; what was already written stays on both sides.",
    )
    return redirect("contacts_mappings")
