"""How long an emulated vendor takes to answer: the sandbox's latency models.

Every vendor API call is put in a latency *class* by its emulator (a HubSpot
search, a Salesforce sObject collection, ...) together with a number of *units*
(records in a batch, subrequests in a composite call). A model turns that into
the delay the emulator waits before answering (outside its store lock, so
concurrent calls wait concurrently).

- ``fast`` (the default): no delay of its own; ``--latency-ms`` still adds a
  fixed delay to every call, as it always has.
- ``realistic``: each class has a typical latency (``Profile``) scaled by its
  units, with seeded jitter so a run can be repeated. The tables live next to
  each emulator (``hubspot/latency_profile.py``, ``salesforce/latency_profile.py``).

The model also says how long a Salesforce Bulk API 2.0 job stays ``InProgress``
(``processing_s``): zero for ``fast`` (jobs complete at once, as before).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

MODELS = ("fast", "realistic")


@dataclass(frozen=True)
class Profile:
    """One latency class: ``base_ms + per_unit_ms * units``, times a jitter factor drawn
    uniformly from ``[1 - jitter, 1 + jitter]``."""

    base_ms: float
    per_unit_ms: float = 0.0
    jitter: float = 0.2

    def nominal_ms(self, units: int) -> float:
        return self.base_ms + self.per_unit_ms * max(units, 0)


@dataclass(frozen=True)
class Call:
    """What an emulator tells the model about one API call."""

    latency_class: str
    units: int = 1


class LatencyModel:
    """Delays for one emulator: a fixed part for every call plus the realistic part."""

    def __init__(
        self,
        name: str = "fast",
        *,
        fixed_ms: int = 0,
        seed: int = 0,
        profiles: dict[str, Profile] | None = None,
    ) -> None:
        if name not in MODELS:
            raise ValueError(f"unknown latency model {name!r} (known: {', '.join(MODELS)})")
        if fixed_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        self.name = name
        self.fixed_ms = int(fixed_ms)
        self.seed = int(seed)
        self.profiles = dict(profiles or {})
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def delay_ms(self, call: Call) -> float:
        """The delay, in milliseconds, before answering ``call``."""
        if self.name == "fast":
            return float(self.fixed_ms)
        return self.fixed_ms + self._realistic_ms(call)

    def processing_s(self, latency_class: str, units: int) -> float:
        """How long background work (a Bulk 2.0 job) takes; 0 for the fast model."""
        if self.name == "fast":
            return 0.0
        return self._realistic_ms(Call(latency_class, units)) / 1000

    def _realistic_ms(self, call: Call) -> float:
        profile = self.profiles.get(call.latency_class) or self.profiles.get("default")
        if profile is None:
            return 0.0
        with self._lock:
            factor = self._rng.uniform(1 - profile.jitter, 1 + profile.jitter)
        return profile.nominal_ms(call.units) * factor

    def describe(self) -> dict[str, Any]:
        """The model as ``/__sandbox__/settings`` and ``/__sandbox__/calls`` report it."""
        return {
            "latency_model": self.name,
            "latency_ms": self.fixed_ms,
            "latency_seed": self.seed,
        }


#: the settings a client may PATCH through ``/__sandbox__/settings``
SETTINGS = frozenset({"latency_model", "latency_ms", "latency_seed"})
