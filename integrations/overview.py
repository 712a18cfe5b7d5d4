"""The product's cards on the Overview page: both connections, the sync counters and the
Salesforce API usage. Registered as overview parts in ``IntegrationsConfig.ready()``
(``core/overview_parts.py``); the platform only draws the page around them."""

from __future__ import annotations

from dataclasses import dataclass

from core.selectors.overview import last_finished_job, next_scheduled_run
from integrations.engine.contacts.jobs import CONTACT_SYNC, SCHEDULE_NAME
from integrations.http.budget import SALESFORCE, budget_today
from integrations.models import (
    ActivityLink,
    ContactLink,
    ContactSyncSettings,
    HubSpotConnection,
    RecordError,
    SalesforceConnection,
)

#: audit actions the Overview's chart counts as "a record was written by the sync"
SYNCED_ACTIONS = (
    "record.created",
    "record.updated",
    "record.linked",
    "record.imported",
    "activity.created",
    "activity.updated",
)
#: ... and as "a record failed"
FAILED_ACTIONS = ("record.failed", "activity.failed")


@dataclass(frozen=True)
class ApiUsageCard:
    """The Salesforce API figures of the Overview, each measured its own way.

    ``calls`` is syncadmin's own count for the UTC day, of the requests Salesforce
    counts against API limits (logins are not: ``integrations.http.budget``), held to
    ``cap``. ``org_used`` / ``org_max`` are the whole org's usage, every app and user,
    as Salesforce reported it on syncadmin's latest response. Salesforce counts a rolling
    24 hours (a sandbox, since it was last reset), so its figure can be behind ours
    when its count started after some of our calls today; ``org_behind`` says so,
    and the page explains it rather than showing a share larger than the whole.
    """

    calls: int
    cap: int
    org_used: int | None
    org_max: int | None

    @property
    def org_behind(self) -> bool:
        return self.org_used is not None and self.org_used < self.calls

    @property
    def cap_left(self) -> int:
        return max(self.cap - self.calls, 0)


def api_usage_card(*, cap: int) -> ApiUsageCard:
    usage = budget_today(side=SALESFORCE)
    return ApiUsageCard(calls=usage.calls, cap=cap, org_used=usage.org_used, org_max=usage.org_max)


def overview_sync_part() -> dict[str, object]:
    """The figures that change while jobs run (in the fragment the page polls): the
    counters, the last and next contact sync, the API usage, a paused contact sync."""
    salesforce = SalesforceConnection.load()
    return {
        "contacts_linked": ContactLink.objects.count(),
        "activities_synced": ActivityLink.objects.exclude(salesforce_id="").count(),
        "open_errors": RecordError.objects.count(),
        "salesforce": salesforce,
        "usage": api_usage_card(cap=salesforce.daily_budget),
        "contact_settings": ContactSyncSettings.load(),
        "last_sync": last_finished_job(kind=CONTACT_SYNC),
        "next_sync": next_scheduled_run(name=SCHEDULE_NAME),
    }


def overview_connections_part() -> dict[str, object]:
    """The HubSpot connection's card (Salesforce's comes with the sync figures, which
    need its daily budget)."""
    return {"hubspot": HubSpotConnection.load()}
