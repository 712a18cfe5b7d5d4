"""What an emulator saw of its callers: concurrency, latency applied, limits refused.

Reported by ``GET /__sandbox__/calls`` (beside the call counts) and cleared with
them by ``POST /__sandbox__/calls/reset``, so a benchmark can show how close a
run came to the vendors' limits and that none was exceeded:

- ``max_concurrent``: the most vendor API requests being served at the same
  moment (counted inside the request dispatch, so requests queued behind a lock
  or a single-threaded server would not count as concurrent);
- ``exceeded``: requests the emulator refused for a rate or usage limit, by
  policy (HubSpot's 429 ``TEN_SECONDLY_ROLLING`` / ``SECONDLY`` / ``DAILY``,
  Salesforce's 403 ``REQUEST_LIMIT_EXCEEDED``);
- per endpoint, the latency the model declared (count, min, max, mean, total)
  and in all the request-seconds served.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class LatencyStats:
    count: int = 0
    total_ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0

    def add(self, ms: float) -> None:
        self.min_ms = ms if self.count == 0 else min(self.min_ms, ms)
        self.max_ms = max(self.max_ms, ms)
        self.count += 1
        self.total_ms += ms

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "min_ms": round(self.min_ms, 1),
            "max_ms": round(self.max_ms, 1),
            "mean_ms": round(self.total_ms / self.count, 1) if self.count else 0.0,
            "total_ms": round(self.total_ms, 1),
        }


class Traffic:
    """Thread-safe counters; one per emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.in_flight = 0
            self.max_concurrent = 0
            self.served_s = 0.0
            self.exceeded: Counter[str] = Counter()
            self.latency: dict[str, LatencyStats] = {}

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Count one request as being served for the duration of the block."""
        started = time.monotonic()
        with self._lock:
            self.in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
                self.served_s += time.monotonic() - started

    def latency_applied(self, call_key: str, ms: float) -> None:
        with self._lock:
            self.latency.setdefault(call_key, LatencyStats()).add(ms)

    def refused(self, policy: str) -> None:
        with self._lock:
            self.exceeded[policy] += 1

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "max_concurrent": self.max_concurrent,
                "served_s": round(self.served_s, 3),
                "exceeded": sum(self.exceeded.values()),
                "exceeded_by_policy": dict(self.exceeded),
                "latency_by_endpoint": {k: v.to_json() for k, v in self.latency.items()},
                "latency_total_s": round(sum(v.total_ms for v in self.latency.values()) / 1000, 3),
            }
