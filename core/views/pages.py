"""The dashboard's top-level pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.selectors.jobs import job_active_list, job_list
from core.selectors.overview import activity_chart, last_finished_job, next_scheduled_run
from integrations.budget import SALESFORCE, budget_today
from integrations.models import (
    ActivityLink,
    ContactLink,
    ContactSyncSettings,
    HubSpotConnection,
    RecordError,
    SalesforceConnection,
)
from integrations.sync.jobs import CONTACT_SYNC, SCHEDULE_NAME


def overview(request: HttpRequest) -> HttpResponse:
    salesforce = SalesforceConnection.load()
    chart = activity_chart()
    return render(
        request,
        "core/overview.html",
        {
            "hubspot": HubSpotConnection.load(),
            "salesforce": salesforce,
            "usage": budget_today(side=SALESFORCE),
            "contacts_linked": ContactLink.objects.count(),
            "activities_synced": ActivityLink.objects.exclude(salesforce_id="").count(),
            "open_errors": RecordError.objects.count(),
            "contact_settings": ContactSyncSettings.load(),
            "last_sync": last_finished_job(kind=CONTACT_SYNC),
            "next_sync": next_scheduled_run(name=SCHEDULE_NAME),
            "chart": chart,
            "chart_synced": sum(bar.synced for bar in chart.bars),
            "chart_errors": sum(bar.errors for bar in chart.bars),
            "active_jobs": job_active_list()[:10],
            "recent_jobs": job_list()[:5],
        },
    )
