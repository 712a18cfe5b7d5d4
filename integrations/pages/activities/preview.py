"""What the Activities page says of each type: what has synced, and what would sync next.

The preview reads HubSpot the way the activity sync does and writes nothing. It counts
only what would be new to Salesforce: an activity already linked to a task (or one
syncadmin itself wrote to HubSpot from Salesforce) is left out, so a type that is on
and fully synced previews 0, not everything in its window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from integrations.engine.activities.sync import FROM_SALESFORCE, TimelineReader, contact_links_for
from integrations.models import ActivityLink, ActivityType, ContactLink
from integrations.rules.activity_types import TIMELINE_BY_KEY
from integrations.rules.multi_contact import activity_contact
from integrations.rules.timeline_windows import in_window, window_start


@dataclass(frozen=True)
class TypeSynced:
    count: int
    last_at: datetime | None


def activity_synced_by_type() -> dict[str, TypeSynced]:
    """Per type key: how many activities have synced (created on the other side and
    linked) and when one last did."""
    confirmed = ActivityLink.objects.exclude(
        Q(source=ActivityLink.Source.HUBSPOT, salesforce_id="")
        | Q(source=ActivityLink.Source.SALESFORCE, hubspot_id="")
    )
    return {
        row["type_key"]: TypeSynced(count=row["count"], last_at=row["last_at"])
        for row in confirmed.values("type_key").annotate(
            count=Count("pk"), last_at=Max("updated_at")
        )
    }


@dataclass(frozen=True)
class ActivityPreview:
    count: int
    #: the type is on: the count is what the next activity sync adds
    enabled: bool


def activity_type_preview(*, key: str, hubspot: Any) -> ActivityPreview:
    """How many activities of ``key`` would sync that have not: on the next run if it is
    on (its window measured from when it was turned on), or if it were turned on now."""
    kind = TIMELINE_BY_KEY[key]
    row = ActivityType.objects.filter(key=key).first()
    enabled = bool(row and row.enabled and row.enabled_at)
    enabled_at = row.enabled_at if row and enabled and row.enabled_at else timezone.now()
    reader = TimelineReader(hubspot, kind, window_start(kind, enabled_at), use_cursors=False)
    total = 0
    links: dict[str, ContactLink] = {}
    for candidates, _, _ in reader.pages():
        keys = [c.source_key for c in candidates]
        done = set(
            ActivityLink.objects.filter(
                source=ActivityLink.Source.HUBSPOT, source_key__in=keys
            ).values_list("source_key", flat=True)
        ) | set(
            ActivityLink.objects.filter(
                source=ActivityLink.Source.SALESFORCE, hubspot_id__in=keys
            ).values_list("hubspot_id", flat=True)
        )
        fresh = [
            c
            for c in candidates
            if c.source_key not in done and FROM_SALESFORCE not in c.description
        ]
        links.update(contact_links_for(c for c in fresh if set(c.contacts) - set(links)))
        for candidate in fresh:
            contact = activity_contact(links[r] for r in candidate.contacts if r in links)
            if contact and in_window(
                kind,
                occurred_at=candidate.occurred_at,
                enabled_at=enabled_at,
                contact_first_synced_at=contact.first_synced_at,
            ):
                total += 1
    return ActivityPreview(count=total, enabled=enabled)
