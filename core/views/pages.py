"""The dashboard's top-level pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.models import AuditEvent
from core.selectors.jobs import job_active_list, job_list
from integrations.models import HubSpotConnection, SalesforceConnection


def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/overview.html",
        {
            "hubspot": HubSpotConnection.load(),
            "salesforce": SalesforceConnection.load(),
            "active_jobs": job_active_list()[:10],
            "recent_jobs": job_list()[:5],
            "recent_events": AuditEvent.objects.order_by("-id")[:10],
        },
    )


def activities(request: HttpRequest) -> HttpResponse:
    return render(request, "core/activities.html")
