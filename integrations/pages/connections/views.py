"""The Connections page: status for everyone, settings and Test connection for admins."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.http import budget
from integrations.models import HubSpotConnection, SalesforceConnection
from integrations.pages.connections.forms import HubSpotConnectionForm, SalesforceConnectionForm
from integrations.pages.connections.services import (
    HUBSPOT_FIELDS,
    SALESFORCE_FIELDS,
    connections_test,
    hubspot_connection_update,
    salesforce_connection_update,
)


def _page(
    request: HttpRequest,
    *,
    hubspot_form: HubSpotConnectionForm | None = None,
    salesforce_form: SalesforceConnectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    hubspot, salesforce = HubSpotConnection.load(), SalesforceConnection.load()
    return render(
        request,
        "integrations/connections.html",
        {
            "hubspot": hubspot,
            "salesforce": salesforce,
            "hubspot_form": hubspot_form
            or HubSpotConnectionForm(initial={f: getattr(hubspot, f) for f in HUBSPOT_FIELDS}),
            "salesforce_form": salesforce_form
            or SalesforceConnectionForm(
                initial={f: getattr(salesforce, f) for f in SALESFORCE_FIELDS}, current=salesforce
            ),
            "usage": budget.budget_today(side=budget.SALESFORCE),
        },
        status=status,
    )


@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def hubspot_save(request: HttpRequest) -> HttpResponse:
    form = HubSpotConnectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The HubSpot connection was not saved: fix the fields below.")
        return _page(request, hubspot_form=form, status=400)
    hubspot_connection_update(actor=request.user, values=form.cleaned_data)
    messages.success(request, "HubSpot connection saved. Use Test connection to check it.")
    return redirect("connections")


@require_POST
def salesforce_save(request: HttpRequest) -> HttpResponse:
    form = SalesforceConnectionForm(request.POST, current=SalesforceConnection.load())
    if not form.is_valid():
        messages.error(request, "The Salesforce connection was not saved: fix the fields below.")
        return _page(request, salesforce_form=form, status=400)
    salesforce_connection_update(actor=request.user, values=form.cleaned_data)
    messages.success(request, "Salesforce connection saved. Use Test connection to check it.")
    return redirect("connections")


@require_POST
def test(request: HttpRequest) -> HttpResponse:
    result = connections_test(actor=request.user)
    if result.ok:
        messages.success(request, "Both connections work.")
    else:
        messages.error(request, "A connection failed: see the error under it.")
    return redirect("connections")
