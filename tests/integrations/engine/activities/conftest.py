"""Activity sync against the sandbox: contacts synced first, activities seeded at past times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.models import SyncJob
from core.services.jobs import job_run
from integrations.connections import hubspot_client, salesforce_client
from integrations.engine.activities.jobs import activities_sync_start
from integrations.models import ContactLink
from integrations.pages.activities.services import (
    activity_type_update,
    owners_refresh,
    task_type_choices,
)
from tests.sides import HubSpotSide, SalesforceSide, assert_job_status, person, run_sync


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now() -> datetime:
    return datetime.now(UTC)


def enable(key: str, task_type: str = "") -> None:
    allowed = task_type_choices(salesforce=salesforce_client()) if task_type else None
    activity_type_update(
        actor=None, key=key, enabled=True, task_type=task_type, allowed_task_types=allowed
    )


def run_activities(expect: str | None = SyncJob.Status.SUCCEEDED) -> SyncJob:
    """Run an activity sync the way a worker does; it must end ``expect`` (``None``: the
    test checks the status itself)."""
    job, _ = activities_sync_start()
    result = job_run(job_id=job.pk)
    assert result is not None
    assert_job_status(result, expect)
    return result


def seed(hubspot: HubSpotSide, *items: dict[str, Any]) -> list[dict[str, Any]]:
    response = hubspot.http.post(
        f"{hubspot.base}/__sandbox__/activities", json=list(items), timeout=30
    )
    response.raise_for_status()
    return response.json()["results"]


def tasks_of(salesforce: SalesforceSide, who_id: str) -> list[dict[str, Any]]:
    return salesforce.query(
        "SELECT Id, Subject, Type, OwnerId, WhoId, Status, Priority, Description FROM Task "
        f"WHERE WhoId = '{who_id}'"
    )


@pytest.fixture
def synced(hubspot, salesforce):
    """Two HubSpot contacts, synced to Salesforce leads; returns their links by email."""
    hubspot.create_contacts(person("ann@example.com"), person("bob@example.com"))
    run_sync("all")
    return {link.email: link for link in ContactLink.objects.all()}


@pytest.fixture
def owners(connected):
    owners_refresh(hubspot=hubspot_client(), salesforce=salesforce_client())


__all__ = ["iso", "now", "timedelta"]
