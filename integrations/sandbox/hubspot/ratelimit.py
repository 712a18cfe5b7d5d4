"""HubSpot's rate limits, as the emulator enforces and reports them.

Source: HubSpot "API usage guidelines and limits": private apps on Professional/Enterprise get 190
requests per rolling 10 seconds and 1M a day; CRM search endpoints allow 5
requests per second per account. Every response carries the
``X-HubSpot-RateLimit-*`` headers, search responses the ``-Secondly`` ones too.
"""

from __future__ import annotations

import math
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Professional/Enterprise private apps: requests per rolling 10 seconds.
TEN_SECOND_LIMIT = 190
#: the rolling window's length, as HubSpot reports it in -Interval-Milliseconds.
TEN_SECOND_WINDOW_MS = 10_000
#: CRM search endpoints: requests per second per account.
SEARCH_PER_SECOND = 5
#: Enterprise daily allowance.
DAILY_LIMIT = 1_000_000


@dataclass
class RateLimitSettings:
    """The tunables exposed through ``/__sandbox__/settings``."""

    ten_second_limit: int = TEN_SECOND_LIMIT
    search_per_second: int = SEARCH_PER_SECOND
    daily_limit: int = DAILY_LIMIT


@dataclass
class Verdict:
    """What one request did to the limits: the headers to send, and the 429 if refused."""

    headers: dict[str, str]
    refused_policy: str | None = None
    retry_after: int = 0


@dataclass
class RateLimiter:
    """Rolling 10-second window, per-second search window and a daily counter.

    Refused calls are counted too: HubSpot counts every call it answers,
    429s included, so a client hammering through 429s never gets through.

    ``peak_10s`` / ``peak_search_1s``: the most calls seen in any rolling 10-second
    window / searches in any 1-second window (the window ending at each call, which
    covers every window's maximum), kept until ``clear_peaks``.
    """

    settings: RateLimitSettings = field(default_factory=RateLimitSettings)
    clock: Callable[[], float] = time.monotonic
    _window: deque[float] = field(default_factory=deque)
    _search_window: deque[float] = field(default_factory=deque)
    _daily: int = 0
    peak_10s: int = 0
    peak_search_1s: int = 0

    def _trim(self, now: float) -> None:
        while self._window and now - self._window[0] >= TEN_SECOND_WINDOW_MS / 1000:
            self._window.popleft()
        while self._search_window and now - self._search_window[0] >= 1:
            self._search_window.popleft()

    def hit(self, *, search: bool) -> Verdict:
        """Count one call and say whether it is over a limit."""
        now = self.clock()
        self._trim(now)
        s = self.settings
        policy = None
        retry_after = 0
        if self._daily >= s.daily_limit:
            policy, retry_after = "DAILY", 86_400
        elif len(self._window) >= s.ten_second_limit:
            policy = "TEN_SECONDLY_ROLLING"
            oldest = self._window[0] if self._window else now  # a limit of 0 refuses all
            wait = TEN_SECOND_WINDOW_MS / 1000 - (now - oldest)
            retry_after = max(1, math.ceil(wait))
        elif search and len(self._search_window) >= s.search_per_second:
            policy, retry_after = "SECONDLY", 1
        self._window.append(now)
        self._daily += 1
        self.peak_10s = max(self.peak_10s, len(self._window))
        if search:
            self._search_window.append(now)
            self.peak_search_1s = max(self.peak_search_1s, len(self._search_window))
        return Verdict(self.headers(search=search), policy, retry_after)

    def clear_peaks(self) -> None:
        self.peak_10s = self.peak_search_1s = 0

    def headers(self, *, search: bool = False) -> dict[str, str]:
        """The ``X-HubSpot-RateLimit-*`` headers for the current state."""
        self._trim(self.clock())
        s = self.settings
        headers = {
            "X-HubSpot-RateLimit-Max": str(s.ten_second_limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, s.ten_second_limit - len(self._window))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(TEN_SECOND_WINDOW_MS),
            "X-HubSpot-RateLimit-Daily": str(s.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, s.daily_limit - self._daily)),
        }
        if search:
            headers["X-HubSpot-RateLimit-Secondly"] = str(s.search_per_second)
            headers["X-HubSpot-RateLimit-Secondly-Remaining"] = str(
                max(0, s.search_per_second - len(self._search_window))
            )
        return headers


def rate_limit_body(policy: str) -> dict[str, Any]:
    """HubSpot's exact 429 body for ``policy`` (TEN_SECONDLY_ROLLING, SECONDLY, DAILY)."""
    return {
        "status": "error",
        "message": f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
    }
