"""The daily Salesforce API budget "allocated to syncadmin".

Every Salesforce call reserves one unit of today's budget *before* it is sent
(a conditional UPDATE, so concurrent workers can never pass the cap between
them); when none is left, ``BudgetExhausted`` stops the job, which waits until
the next UTC day. Logging in is not an API call Salesforce counts against the
org's limits, so it takes nothing from the budget either: otherwise our count
ran ahead of the org's own (the Overview read "198 of 5000" for syncadmin next
to "141 of 15000" for the whole org). The org's own usage, from
``Sforce-Limit-Info`` on every response, is stored beside ours for the pages: at most
every ``ORG_USAGE_EVERY_S`` per process, and whenever a job reports its counts.

Every write here is one statement: on SQLite each takes the database's one write
lock, which the workers' bookkeeping also needs.
"""

from __future__ import annotations

import re
import threading
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import requests
from django.db import IntegrityError, transaction
from django.db.models import F

from integrations.http.errors import BudgetExhausted
from integrations.models import ApiUsageDay

SALESFORCE = "Salesforce"
HUBSPOT = "HubSpot"
_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
#: requests Salesforce does not count against the org's daily API requests: the SOAP
#: and OAuth logins, the identity (userinfo) call, and the list of API versions.
#: https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
_UNCOUNTED = re.compile(r"^/services/(Soap/u/[^/]+/?|oauth2/(token|userinfo)|data/?)$")


def _today() -> date:
    return datetime.now(UTC).date()


def budget_resets_at() -> datetime:
    """Budgets are per UTC day: the next one starts at midnight UTC."""
    return datetime.combine(_today() + timedelta(days=1), time.min, tzinfo=UTC)


#: how often a process stores the org's usage while calls go on (the pages' figure)
ORG_USAGE_EVERY_S = 2.0


def _usage_row(side: str, day: date) -> None:
    try:
        with transaction.atomic():
            ApiUsageDay.objects.get_or_create(side=side, day=day)
    except IntegrityError:
        pass  # another worker created it first


def _add_call(side: str, day: date, cap: int | None) -> bool:
    """Count one call on the day's row (created on its first call); False when ``cap``
    calls are already counted."""
    rows = ApiUsageDay.objects.filter(side=side, day=day)
    if cap is not None:
        rows = rows.filter(calls__lt=cap)
    if rows.update(calls=F("calls") + 1):
        return True
    # No row, or the cap reached. Asking which would race another worker's first call
    # of the day (its row appearing between our update and the question read "used up",
    # and parked the job until midnight), so: make sure the row exists, count again.
    _usage_row(side, day)
    return bool(rows.update(calls=F("calls") + 1))


def budget_counts(request: requests.PreparedRequest) -> bool:
    """Whether Salesforce counts this request against the org's API limits."""
    return not _UNCOUNTED.match(urlsplit(request.url or "").path)


def budget_reserve(
    *, side: str = SALESFORCE, cap: int, request: requests.PreparedRequest | None = None
) -> None:
    """Take one call from today's budget, or raise ``BudgetExhausted``; a ``request``
    Salesforce does not count (a login) takes nothing."""
    if request is not None and not budget_counts(request):
        return
    if not _add_call(side, _today(), cap):
        resets = budget_resets_at()
        raise BudgetExhausted(
            f"syncadmin's daily {side} API budget of {cap} calls is used up; "
            f"the job resumes when it renews at {resets:%Y-%m-%d %H:%M} UTC.",
            resume_at=resets,
        )


def budget_count(*, side: str) -> None:
    """Count a call on a side without a cap (HubSpot: for the pages)."""
    _add_call(side, _today(), None)


@dataclass
class _OrgUsage:
    """The latest usage a response reported and not stored yet; when this process last
    stored one."""

    pending: tuple[int, int] | None = None
    stored_at: float = 0.0


_org_usage_lock = threading.Lock()
_org_usage = _OrgUsage()


def budget_record_org_usage(response: requests.Response) -> None:
    """Note the org-wide usage Salesforce reports on each response; stored at once when
    this process has not stored it for ``ORG_USAGE_EVERY_S``."""
    match = _LIMIT_INFO.search(response.headers.get("Sforce-Limit-Info", ""))
    if not match:
        return
    with _org_usage_lock:
        _org_usage.pending = (int(match.group(1)), int(match.group(2)))
        due = clock.monotonic() - _org_usage.stored_at >= ORG_USAGE_EVERY_S
    if due:
        budget_store_org_usage()


def budget_store_org_usage() -> None:
    """Store the latest org usage a response reported, if any is not stored yet."""
    with _org_usage_lock:
        pending, _org_usage.pending = _org_usage.pending, None
        _org_usage.stored_at = clock.monotonic()
    if pending:
        used, maximum = pending
        ApiUsageDay.objects.filter(side=SALESFORCE, day=_today()).update(
            org_used=used, org_max=maximum
        )


def budget_today(*, side: str) -> ApiUsageDay:
    return ApiUsageDay.objects.filter(side=side, day=_today()).first() or ApiUsageDay(
        side=side, day=_today()
    )
