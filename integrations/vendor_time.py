"""Vendor timestamps as datetimes: HubSpot's epoch milliseconds or ISO strings, and
Salesforce's ``2026-12-01T10:00:00.000+0000`` (no colon in the offset)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime


def vendor_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    text = text.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # Salesforce's +0000
    return parse_datetime(text)


def epoch_ms(moment: datetime) -> int:
    """HubSpot's epoch milliseconds (search filters, the Events and email APIs)."""
    return int(moment.timestamp() * 1000)


def iso_ms(moment: datetime) -> str:
    """HubSpot's ISO 8601 with milliseconds in UTC: ``2026-12-01T10:00:00.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
