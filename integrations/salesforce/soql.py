"""SOQL literals, written one way for every query syncadmin builds.

https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm
"""

from __future__ import annotations

from datetime import UTC, datetime


def soql_quote(value: str) -> str:
    """A string literal: quotes and backslashes escaped with a backslash."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def soql_datetime(moment: datetime) -> str:
    """A dateTime literal in UTC, to the second (what SOQL compares)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
