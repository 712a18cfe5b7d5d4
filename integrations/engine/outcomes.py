"""What happened to each record a job looked at: one outcome bucket per record per job.

Every job reports ``seen`` = created + updated + linked + unchanged + skipped + failed,
and each bucket's count equals the number of the job's audit events with that
``outcome`` (the job page links each count to those events). The engines settle a
record's outcome here, never by adding to counters themselves:

- the **first** outcome of a record in a run counts, with its event;
- a later, weightier outcome replaces it while both are in the same transaction (a
  record linked and then failing in one batch counts as failed, once);
- anything else that happens to the record later in the run is written as a
  follow-up event without an outcome (it is in the trail and the record's history,
  but the record is not counted twice), and a later *unchanged* or *skipped* is not
  written at all: nothing happened;
- a failure after an outcome already committed is the one exception: it is counted
  too, so a job never says it succeeded while it left an open error.

A record is known by all its keys (``hs:<id>``, ``sf:<id>``, ...): settled under one,
it is found under any.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.job_outcomes import skip_reason_known, skip_reason_label, skip_reasons_register
from core.models import AuditEvent
from core.services.audit import audit_event_build

CREATED = "created"
UPDATED = "updated"
LINKED = "linked"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
FAILED = "failed"

#: which outcome wins when one record has two in the same transaction
_WEIGHT = {SKIPPED: 0, UNCHANGED: 1, UPDATED: 2, LINKED: 3, CREATED: 4, FAILED: 5}

#: why a record was skipped: code -> what the job page and the audit log say
SKIP_REASONS = {
    "no_email": "No email address",
    "not_in_list": "Not in the inclusion list",
    "duplicate_email": "Another Salesforce record with this email is the linked one",
    "salesforce_record_gone": "Its Salesforce record was deleted, merged or converted",
    "hubspot_contact_gone": "Its HubSpot contact no longer exists",
    "not_in_hubspot": "No HubSpot contact has its email (auto-create is off)",
    "outside_window": "Outside the type's time window",
    "no_contact": "Not on any contact",
    "contact_not_synced": "Its contact has not synced yet (it goes when the contact does)",
    "not_on_synced_contact": "Not on a synced contact",
    "no_owner_field": "The HubSpot object has no owner to update",
}
skip_reasons_register(SKIP_REASONS)


@dataclass(slots=True)
class _Entry:
    outcome: str
    event: AuditEvent | None
    #: still in this transaction's pending events (its outcome may yet be replaced)
    pending: bool = True


@dataclass
class OutcomeLedger:
    """One run's outcomes. ``take()`` hands the pending events and count deltas to the
    bookkeeping transaction that writes them together."""

    job_id: int
    events: list[AuditEvent] = field(default_factory=list)
    _counts: Counter = field(default_factory=Counter)
    _reasons: Counter = field(default_factory=Counter)
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _pending: list[_Entry] = field(default_factory=list)

    # --- settling ----------------------------------------------------------------------
    def settle(
        self,
        keys: Iterable[str],
        outcome: str,
        *,
        event: AuditEvent | None = None,
        reason: str = "",
        **event_fields: Any,
    ) -> None:
        """The record known by ``keys`` had ``outcome``. Pass a built ``event`` or the
        fields of ``audit_event_build`` (``job_id`` is the run's)."""
        if outcome not in _WEIGHT:
            raise ValueError(f"Unknown outcome {outcome!r}")
        keys = [k for k in keys if k]
        entry = self._entry_of(keys)
        if entry is None:
            self._first(keys, outcome, reason, self._event(event, event_fields))
        elif entry.pending and _WEIGHT[outcome] > _WEIGHT[entry.outcome]:
            self._replace(entry, keys, outcome, reason, self._event(event, event_fields))
        elif outcome == FAILED and entry.outcome != FAILED and not entry.pending:
            self._first(keys, outcome, reason, self._event(event, event_fields))
        elif outcome not in (UNCHANGED, SKIPPED):
            built = self._event(event, event_fields)
            built.outcome = ""
            self.events.append(built)
            self._remember(keys, entry)

    def adopt(self, keys: Iterable[str], outcome: str) -> None:
        """An outcome already committed for this job elsewhere (another worker's unit):
        later outcomes of the record follow the rules above as if it were settled here."""
        if outcome not in _WEIGHT:
            raise ValueError(f"Unknown outcome {outcome!r}")
        keys = [k for k in keys if k]
        entry = self._entry_of(keys)
        if entry is None:
            entry = _Entry(outcome=outcome, event=None, pending=False)
        elif _WEIGHT[outcome] > _WEIGHT[entry.outcome]:
            entry.outcome = outcome
        self._remember(keys, entry)

    def is_settled(self, *keys: str) -> bool:
        return self._entry_of(keys) is not None

    def note(self, event: AuditEvent) -> None:
        """An event of the run that is no record's outcome (written with the batch)."""
        self.events.append(event)

    # --- handing over ------------------------------------------------------------------
    def take(self) -> tuple[list[AuditEvent], dict[str, int], dict[str, int]]:
        """The pending events, the count deltas (``seen`` included) and the skip reason
        deltas; from now on their outcomes are final."""
        events = list(self.events)
        counts = {name: n for name, n in self._counts.items() if n}
        seen = sum(counts.values())
        if seen:
            counts["seen"] = seen
        reasons = {code: n for code, n in self._reasons.items() if n}
        self.events.clear()
        self._counts.clear()
        self._reasons.clear()
        for entry in self._pending:
            entry.pending = False
            entry.event = None  # written: only its outcome is needed from now on
        self._pending.clear()
        return events, counts, reasons

    # --- inside ------------------------------------------------------------------------
    def _event(self, event: AuditEvent | None, fields: dict[str, Any]) -> AuditEvent:
        if event is not None:
            return event
        return audit_event_build(job_id=self.job_id, **fields)

    def _entry_of(self, keys: Iterable[str]) -> _Entry | None:
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None:
                return entry
        return None

    def _remember(self, keys: Iterable[str], entry: _Entry) -> None:
        for key in keys:
            self._entries.setdefault(key, entry)

    def _first(self, keys: list[str], outcome: str, reason: str, event: AuditEvent) -> None:
        entry = _Entry(outcome=outcome, event=event)
        self._stamp(event, outcome, reason)
        self.events.append(event)
        self._counts[outcome] += 1
        if outcome == SKIPPED:
            self._reasons[reason] += 1
        for key in keys:
            self._entries[key] = entry
        self._pending.append(entry)

    def _replace(
        self, entry: _Entry, keys: list[str], outcome: str, reason: str, event: AuditEvent
    ) -> None:
        self._counts[entry.outcome] -= 1
        if entry.outcome == SKIPPED and entry.event is not None:
            self._reasons[entry.event.reason] -= 1
        if entry.event is not None:
            entry.event.outcome = ""
            if entry.event.status == AuditEvent.Status.SKIPPED or entry.outcome == UNCHANGED:
                # the record did not stay skipped / unchanged: that event would now mislead
                self.events.remove(entry.event)
        entry.outcome, entry.event = outcome, event
        self._stamp(event, outcome, reason)
        self.events.append(event)
        self._counts[outcome] += 1
        if outcome == SKIPPED:
            self._reasons[reason] += 1
        self._remember(keys, entry)

    @staticmethod
    def _stamp(event: AuditEvent, outcome: str, reason: str) -> None:
        event.outcome = outcome
        if outcome == SKIPPED:
            if not skip_reason_known(reason):
                raise ValueError(f"Unknown skip reason {reason!r}")
            event.reason = reason
            event.status = AuditEvent.Status.SKIPPED
            if not event.message:
                event.message = skip_reason_label(reason) + "."
