"""The dashboard's top-level pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.selectors.overview import (
    activity_chart,
    api_usage_card,
    last_finished_job,
    next_scheduled_run,
    overview_live,
)
from integrations.models import ContactSyncSettings, HubSpotConnection, SalesforceConnection
from integrations.sync.jobs import CONTACT_SYNC, SCHEDULE_NAME


def _live(salesforce: SalesforceConnection) -> dict[str, object]:
    return {
        **overview_live(),
        "salesforce": salesforce,
        "usage": api_usage_card(cap=salesforce.daily_budget),
        "contact_settings": ContactSyncSettings.load(),
        "last_sync": last_finished_job(kind=CONTACT_SYNC),
        "next_sync": next_scheduled_run(name=SCHEDULE_NAME),
    }


def overview(request: HttpRequest) -> HttpResponse:
    salesforce = SalesforceConnection.load()
    chart = activity_chart()
    return render(
        request,
        "core/overview.html",
        {
            **_live(salesforce),
            "hubspot": HubSpotConnection.load(),
            "chart": chart,
            "chart_synced": sum(bar.synced for bar in chart.bars),
            "chart_errors": sum(bar.errors for bar in chart.bars),
        },
    )


@require_GET
def overview_live_view(request: HttpRequest) -> HttpResponse:
    """The Overview's counters and job tables, which the page polls."""
    return render(request, "core/_overview_live.html", _live(SalesforceConnection.load()))
