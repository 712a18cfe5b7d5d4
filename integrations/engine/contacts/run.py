"""What every pass of one contact sync run shares: the run context.

Besides the job, its clients and the outcome ledger (``engine/run.py``), a contact run
knows the sync settings and mappings, the inclusion gate (read lazily), which records
failed in this run (not tried again before the next run), which contacts the list left
out, and what it wrote on each side (the echo pass reads that back).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from core.models import AuditEvent
from integrations.engine.outcomes import FAILED, SKIPPED
from integrations.engine.record_errors import FailedRecord
from integrations.engine.run import EngineRun
from integrations.models.contacts import ContactSyncSettings, PropertyMapping, SalesforcePerson
from integrations.rules.inclusion import (
    InclusionGate,
    inclusion_gate_load,
    inclusion_gate_read,
    inclusion_list_verify,
)

#: Salesforce sObject Collections take at most 200 records
SALESFORCE_BATCH = 200
SALESFORCE_TYPES = ("Lead", "Contact")
HUBSPOT_SYSTEM_PROPERTIES = ("email", "createdate", "lastmodifieddate", "hubspot_owner_id")
CONTACT = "contact"


def record_keys(*, hubspot_id: str = "", salesforce_id: str = "") -> list[str]:
    """A contact's identities in the run's outcome ledger."""
    return [
        k for k in (hubspot_id and f"hs:{hubspot_id}", salesforce_id and f"sf:{salesforce_id}") if k
    ]


def email_of(record: dict[str, Any]) -> str:
    """A HubSpot contact's email, as matched against Salesforce's."""
    return (record["properties"].get("email") or "").strip().lower()


def failure(record_key: str, what: str, errors: Sequence[Any], **who: str) -> FailedRecord:
    """A contact that did not sync; ``who``: its ``hubspot_id``, ``salesforce_id``,
    ``email`` and the ``direction`` of the write that failed."""
    return FailedRecord(object_type=CONTACT, record_key=record_key, what=what, errors=errors, **who)


@dataclass
class ContactRun(EngineRun):
    """One contact sync run (the job's own, or one of its work units)."""

    settings: ContactSyncSettings = field(default_factory=ContactSyncSettings.load)
    mappings: list[PropertyMapping] = field(
        default_factory=lambda: list(PropertyMapping.objects.all())
    )
    #: when this run began (our clock)
    started_at: datetime = field(default_factory=timezone.now)
    #: the inclusion list's id as checked in this run ("" for none; None: not checked)
    list_id: str | None = None
    #: every HubSpot contact was read in this run (no need to look one up by email)
    hubspot_fully_read: bool = False
    #: record keys that failed in this run: not tried again before the next run
    failed_keys: set[str] = field(default_factory=set)
    #: email -> HubSpot id of the contacts this run (or its units) left out as not in the list
    outside_list: dict[str, str] = field(default_factory=dict)
    #: this run wrote to HubSpot: its modification times moved (see the echo pass)
    wrote_hubspot: bool = False
    #: the Salesforce writes this run made (or may have made), for the echo pass: the
    #: object, when (our clock, ISO), how many records
    salesforce_writes: list[tuple[str, str, int]] = field(default_factory=list)
    _gate: InclusionGate | None = None
    _fields_by_type: dict[str, set[str]] = field(default_factory=dict)

    # --- what it wrote to Salesforce ---------------------------------------------------
    def wrote_salesforce(self, object_type: str, records: int) -> None:
        """Note a write of ``records`` records of ``object_type`` (answered or not)."""
        self.salesforce_writes.append((object_type, timezone.now().isoformat(), records))

    @property
    def salesforce_written(self) -> Counter[str]:
        """How many records the run wrote (or may have written) per Salesforce object."""
        written: Counter[str] = Counter()
        for object_type, _, records in self.salesforce_writes:
            written[object_type] += records
        return written

    # --- the inclusion list -----------------------------------------------------------
    def check_inclusion_list(self) -> None:
        """Pause now (and raise) if the chosen list is gone or no longer active."""
        self.list_id = inclusion_list_verify(hubspot=self.hubspot, job_id=self.ctx.job_id)

    @property
    def gate(self) -> InclusionGate:
        """Read lazily: a run with nothing to check never pages through the members."""
        if self._gate is None:
            if self.list_id is None:
                self._gate = inclusion_gate_load(hubspot=self.hubspot, job_id=self.ctx.job_id)
            else:
                self.read_members()
        assert self._gate is not None
        return self._gate

    def read_members(self, on_page: Callable[[list[str]], None] | None = None) -> None:
        """Read the checked list's members now (each page also to ``on_page``)."""
        self._gate = inclusion_gate_read(
            hubspot=self.hubspot, list_id=self.list_id or "", on_page=on_page
        )

    def use_gate(self, gate: InclusionGate | None) -> None:
        """A gate known without reading the list (a unit's members came with it); None:
        read the members afresh when next needed (they may have changed)."""
        self._gate = gate

    # --- what is read and written -----------------------------------------------------
    @property
    def hubspot_properties(self) -> list[str]:
        mapped = [m.hubspot_property for m in self.mappings]
        return list(dict.fromkeys([*HUBSPOT_SYSTEM_PROPERTIES, *mapped]))

    def mappings_for(self, object_type: str) -> list[PropertyMapping]:
        """Mappings whose Salesforce field exists on ``object_type`` (from ``describe``)."""
        if object_type not in self._fields_by_type:
            described = self.salesforce.describe(object_type)
            self._fields_by_type[object_type] = {f["name"] for f in described["fields"]}
        existing = self._fields_by_type[object_type]
        return [m for m in self.mappings if m.salesforce_field in existing]

    def salesforce_fields(self, object_type: str) -> list[str]:
        mapped = [m.salesforce_field for m in self.mappings_for(object_type)]
        return list(dict.fromkeys(["Email", *mapped]))

    # --- outcomes ---------------------------------------------------------------------
    def settle(
        self, outcome: str, *, hubspot_id: str = "", salesforce_id: str = "", **fields: Any
    ) -> None:
        """The contact's outcome in this run, with its audit event (inside bookkeeping)."""
        self.ledger.settle(
            record_keys(hubspot_id=hubspot_id, salesforce_id=salesforce_id),
            outcome,
            object_type=CONTACT,
            hubspot_id=hubspot_id,
            salesforce_id=salesforce_id,
            **fields,
        )

    def skip(
        self, reason: str, *, hubspot_id: str = "", salesforce_id: str = "", email: str = ""
    ) -> None:
        self.settle(
            SKIPPED,
            reason=reason,
            action="record.skipped",
            hubspot_id=hubspot_id,
            salesforce_id=salesforce_id,
            email=email,
        )

    def skip_person(self, reason: str, person: SalesforcePerson, *, hubspot_id: str = "") -> None:
        """A Salesforce record left out (and the HubSpot contact it stands for, if known)."""
        self.skip(reason, hubspot_id=hubspot_id, salesforce_id=person.pk, email=person.email)

    def contact_failed(self, failed: FailedRecord) -> None:
        """A contact did not sync: its open error and audit event (inside bookkeeping); it
        is not tried again in this run."""
        self.failed_keys.add(failed.record_key)
        self.failed(
            failed,
            *record_keys(hubspot_id=failed.hubspot_id, salesforce_id=failed.salesforce_id),
        )

    def expect(self, more: int) -> None:
        """The job's total: what the run counted so far and ``more`` records it is about
        to look at. Only the run's own reads say so (never a work unit, nor the echo
        pass, whose records are mostly ones the run already counted)."""
        with self.bookkeeping():
            pass  # what was settled so far is in the job's seen
        self.ctx.expect_more(more)

    def absorb_job_outcomes(
        self, *, hubspot_ids: Iterable[str] = (), salesforce_ids: Iterable[str] = ()
    ) -> None:
        """What other workers already settled for this job (its units) of these records:
        their outcomes count once, and what failed is not tried again in this run. Asked
        for the records at hand only, so memory stays flat however big the job."""
        hubspot_ids, salesforce_ids = list(hubspot_ids), list(salesforce_ids)
        if not hubspot_ids and not salesforce_ids:
            return
        events = AuditEvent.objects.filter(job_id=self.ctx.job_id).exclude(outcome="")
        events = events.filter(Q(hubspot_id__in=hubspot_ids) | Q(salesforce_id__in=salesforce_ids))
        for hubspot_id, salesforce_id, outcome in events.values_list(
            "hubspot_id", "salesforce_id", "outcome"
        ).iterator(chunk_size=2000):
            keys = record_keys(hubspot_id=hubspot_id, salesforce_id=salesforce_id)
            self.ledger.adopt(keys, outcome)
            if outcome == FAILED:
                self.failed_keys.update(keys)
