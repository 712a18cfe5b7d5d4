"""Contact sync (SPEC §3): HubSpot contacts <-> Salesforce leads/contacts.

One run, whatever started it:

1. **Inclusion gate**: the chosen list must exist and be active, else contact
   sync pauses (``inclusion.py``). Members are read only when there is
   something to check, so a run with nothing changed costs a handful of calls.
2. **Salesforce pull**: leads and contacts modified since the ``SystemModstamp``
   cursor refresh the local mirror (``SalesforcePerson``); records whose mapped
   values really changed are marked *pending*.
3. **HubSpot -> Salesforce**: HubSpot contacts (modified since the
   ``lastmodifieddate`` cursor, or all, or the list's members, or one) that
   the gate allows are linked by email (case-insensitive) to a mirrored
   Salesforce record or created in Salesforce, then field values flow both
   ways by the mapping rules (``mapping_rules.py``). Writes are batched:
   Salesforce collections of 200, HubSpot batches of 100.
4. **Salesforce -> HubSpot**: pending Salesforce records: linked ones flow to
   HubSpot when the contact is in the list; new leads/contacts create HubSpot
   contacts when the auto-create setting is on (bypassing the list once).
5. **Echo pass**: our own writes bump both sides' modification times; the
   streams are read once more so they are absorbed now, not re-read next time.

Nothing is lost, nothing created twice:

- **Reads never shift.** HubSpot is read by keyset (``streams.py``): a full read
  in id order, an incremental one by ``lastmodifieddate`` anchored on what was
  read, so the run's own writes (which re-sort the search) never push unread
  contacts past it.
- **Each page's bookkeeping commits at once**: links, mirror, cursor, counts and
  the audit events of the writes, in one transaction (``bookkeeping``). A kill
  between a vendor write and that commit leaves only the write-ahead intent.
- **Creates are written ahead** (``ContactCreateIntent``) and an unknown outcome
  (timeout, lost answer, kill) is never repeated blind: the next run looks the
  record up by email (``settle_unconfirmed_creates``) and links it; until it is
  found, or ``WRITE_SETTLE_S`` has passed without it, the contact stays owed
  with an open error saying the write may have been applied.
- **What failed stays owed**: a Salesforce change whose HubSpot read or write
  was refused stays *pending* and is tried again by every run; every refused
  record has an open error in Sync health.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from core.models import AuditEvent
from core.rows_update import rows_update
from core.services.audit import new_record_changes
from core.services.job_runtime import JobContext
from integrations.chunks import chunks
from integrations.engine.bookkeeping import bookkeeping
from integrations.engine.contacts.links import NewLink, contact_link_create, contact_links_create
from integrations.engine.contacts.units import (
    FullRead,
    contact_units_echo,
    contact_units_finish,
    contact_units_full_read,
    contact_units_plan,
)
from integrations.engine.outcomes import (
    CREATED,
    FAILED,
    LINKED,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    OutcomeLedger,
)
from integrations.engine.record_errors import record_errors_resolve, record_failure, unconfirmed
from integrations.http import errors
from integrations.http.side_by_side import side_by_side
from integrations.hubspot.streams import cursor_ms
from integrations.job_clients import JobClients
from integrations.models.contacts import (
    ContactCreateIntent,
    ContactLink,
    ContactSyncSettings,
    PropertyMapping,
    RecordError,
    SalesforcePerson,
    SyncCursor,
)
from integrations.rules import mapping_rules
from integrations.rules.auto_create import auto_create_applies
from integrations.rules.inclusion import (
    InclusionGate,
    inclusion_gate_load,
    inclusion_gate_read,
    inclusion_list_verify,
)
from integrations.rules.mapping_rules import TO_HUBSPOT, TO_SALESFORCE, FieldDecision
from integrations.salesforce.bulk import UNPROCESSED
from integrations.salesforce.soql import soql_datetime, soql_quote
from integrations.vendor_time import vendor_time

logger = logging.getLogger(__name__)

#: Salesforce sObject Collections take at most 200 records
SALESFORCE_BATCH = 200
SALESFORCE_TYPES = ("Lead", "Contact")
HUBSPOT_CURSOR = "hubspot:contacts:lastmodifieddate"
HUBSPOT_SYSTEM_PROPERTIES = ("email", "createdate", "lastmodifieddate", "hubspot_owner_id")
#: HubSpot stamps a change with its own clock as it happens, and its search shows it
#: within seconds: no contact can still appear at a moment this much older than the
#: start of a read (a generous margin for clock skew and indexing delays)
SETTLED_MS = 15 * 60 * 1000


def salesforce_cursor_name(object_type: str) -> str:
    return f"salesforce:{object_type}:SystemModstamp"


class Mode:
    INCREMENTAL = "incremental"
    ALL = "all"
    LIST = "list"
    ONE = "one"
    IMPORT = "import"
    RETRY = "retry"


class NoSuchContact(Exception):
    """A one-contact sync for a contact that neither HubSpot nor Salesforce has."""


def _cursor_get(name: str) -> str:
    return SyncCursor.objects.filter(stream=name).values_list("value", flat=True).first() or ""


def _cursor_set(name: str, value: str) -> None:
    SyncCursor.objects.update_or_create(stream=name, defaults={"value": value})


def _hubspot_cursor_get() -> tuple[int, frozenset[str]]:
    """The contact stream's cursor: a ``lastmodifieddate`` (ms) and the ids already handled
    at exactly that millisecond (many contacts can share one, after an import)."""
    value = _cursor_get(HUBSPOT_CURSOR)
    if not value:
        return 0, frozenset()
    moment, _, handled = value.partition(":")
    return int(moment), frozenset(i for i in handled.split(",") if i)


def _hubspot_cursor_text(moment: int, handled: Iterable[str]) -> str:
    return f"{moment}:{','.join(sorted(handled, key=int))}"


def _hubspot_cursor_final(moment: int, handled: Iterable[str], *, read_began_ms: int) -> str:
    """The cursor once a read has read every contact modified up to ``moment``. Past a
    settled moment the ids handled at it are not needed: the next read starts just after
    it, in one search, instead of re-reading a block of contacts that share it."""
    if moment < read_began_ms - SETTLED_MS:
        return _hubspot_cursor_text(moment + 1, ())
    return _hubspot_cursor_text(moment, handled)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _hubspot_cursor_after(
    moment: int, handled: frozenset[str], records: list[dict[str, Any]]
) -> tuple[int, frozenset[str]]:
    """The cursor once ``records`` (read from ``moment``) are synced."""
    ids = set(handled)
    for record in records:
        value = cursor_ms(record["properties"].get("lastmodifieddate")) or 0
        if value > moment:
            moment, ids = value, {str(record["id"])}
        elif value == moment:
            ids.add(str(record["id"]))
    return moment, frozenset(ids)


def at_moment(records: Iterable[dict[str, Any]], moment: int | None) -> set[str]:
    """The ids of the records last modified at exactly ``moment`` (ms)."""
    return {
        r["id"] for r in records if cursor_ms(r["properties"].get("lastmodifieddate")) == moment
    }


def _email_of(record: dict[str, Any]) -> str:
    return (record["properties"].get("email") or "").strip().lower()


@dataclass
class Page:
    """HubSpot contacts to sync, and the cursor to store once they are (None: this read
    does not move the cursor)."""

    records: list[dict[str, Any]]
    cursor: str | None = None


def _keys(*, hubspot_id: str = "", salesforce_id: str = "") -> list[str]:
    """A contact's identities in the run's outcome ledger."""
    return [
        k for k in (hubspot_id and f"hs:{hubspot_id}", salesforce_id and f"sf:{salesforce_id}") if k
    ]


@dataclass
class ContactSync:
    """One run of contact sync for a job."""

    ctx: JobContext
    clients: JobClients
    mode: str = Mode.INCREMENTAL
    settings: ContactSyncSettings = field(default_factory=ContactSyncSettings.load)
    mappings: list[PropertyMapping] = field(default_factory=list)
    ledger: OutcomeLedger | None = None
    #: when this run began (our clock)
    started_at: datetime = field(default_factory=timezone.now)
    #: the inclusion list's id as checked in this run ("" for none; None: not checked)
    list_id: str | None = None
    _gate: InclusionGate | None = None
    _fields_by_type: dict[str, set[str]] = field(default_factory=dict)
    #: every HubSpot contact was read in this run (no need to look one up by email)
    hubspot_fully_read: bool = False
    #: record keys that failed in this run: not tried again before the next run
    failed_keys: set[str] = field(default_factory=set)
    #: email -> HubSpot id of the contacts this run (or its units) left out as not in the list
    outside_list: dict[str, str] = field(default_factory=dict)
    #: this run wrote to HubSpot: its modification times moved (see the echo pass)
    wrote_hubspot: bool = False
    #: records this run wrote (or may have written) per Salesforce object (the echo pass)
    salesforce_written: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if not self.mappings:
            self.mappings = list(PropertyMapping.objects.all())
        if self.ledger is None:
            self.ledger = OutcomeLedger(job_id=self.ctx.job_id)

    # --- plumbing ---------------------------------------------------------------------
    @property
    def hubspot(self) -> Any:
        return self.clients.hubspot

    @property
    def salesforce(self) -> Any:
        return self.clients.salesforce

    @property
    def gate(self) -> InclusionGate:
        """Read lazily: a run with nothing to check never pages through the members."""
        if self._gate is None:
            if self.list_id is None:
                self._gate = inclusion_gate_load(hubspot=self.hubspot, job_id=self.ctx.job_id)
            else:
                self.read_members()
        return self._gate

    def read_members(self, on_page: Callable[[list[str]], None] | None = None) -> None:
        """Read the checked list's members now (each page also to ``on_page``)."""
        self._gate = inclusion_gate_read(
            hubspot=self.hubspot, list_id=self.list_id or "", on_page=on_page
        )

    def check_inclusion_list(self) -> None:
        """Pause now (and raise) if the chosen list is gone or no longer active."""
        self.list_id = inclusion_list_verify(hubspot=self.hubspot, job_id=self.ctx.job_id)

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

    def settle(
        self, outcome: str, *, hubspot_id: str = "", salesforce_id: str = "", **fields: Any
    ) -> None:
        """The contact's outcome in this run, with its audit event (inside bookkeeping)."""
        self.ledger.settle(
            _keys(hubspot_id=hubspot_id, salesforce_id=salesforce_id),
            outcome,
            object_type="contact",
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

    def bookkeeping(self) -> AbstractContextManager[None]:
        """One transaction for a batch's links, mirror, cursors, errors, counts and audit."""
        return bookkeeping(
            ledger=self.ledger,
            report=lambda counts, reasons: self.clients.report(skipped_reasons=reasons, **counts),
        )

    def flush(self) -> None:
        """Report the page's counts and API calls; stop here if the job was cancelled."""
        with self.bookkeeping():
            pass
        self.ctx.raise_if_cancelled()

    def close(self) -> None:
        """Whatever stops the run (done, error, budget, cancel): what it counted is reported."""
        with self.bookkeeping():
            pass

    def expect(self, more: int) -> None:
        """The job's total: what the run counted so far and ``more`` records it is about
        to look at. Only the run's own reads say so (never a work unit, nor the echo
        pass, whose records are mostly ones the run already counted)."""
        with self.bookkeeping():
            pass  # what was settled so far is in the job's seen
        self.ctx.expect_more(more)

    def pending_unsettled(self) -> int:
        """How many Salesforce records the Salesforce -> HubSpot pass will count: the
        pending ones that have no outcome in this run yet (under their own id or their
        linked contact's)."""
        linked_to = ContactLink.objects.filter(salesforce_id=OuterRef("pk")).values("hubspot_id")
        rows = (
            SalesforcePerson.objects.filter(pending=True, is_deleted=False)
            .annotate(hubspot_id=Subquery(linked_to[:1]))
            .values_list("pk", "hubspot_id")
        )
        return sum(
            1
            for salesforce_id, hubspot_id in rows.iterator(chunk_size=2000)
            if not self.ledger.is_settled(
                *_keys(hubspot_id=hubspot_id or "", salesforce_id=salesforce_id)
            )
        )

    def _record_failed(
        self,
        *,
        record_key: str,
        errors: Sequence[Any],
        what: str,
        hubspot_id: str = "",
        salesforce_id: str = "",
        email: str = "",
        direction: str = "",
    ) -> None:
        """One record did not sync: its open error and audit event (inside bookkeeping)."""
        self.failed_keys.add(record_key)
        event = record_failure(
            job_id=self.ctx.job_id,
            object_type="contact",
            record_key=record_key,
            errors=errors,
            what=what,
            hubspot_id=hubspot_id,
            salesforce_id=salesforce_id,
            email=email,
            direction=direction,
        )
        keys = [record_key, *_keys(hubspot_id=hubspot_id, salesforce_id=salesforce_id)]
        self.ledger.settle(keys, FAILED, event=event)

    def _link_failed(
        self, link: ContactLink, direction: str, errors: Sequence[Any], what: str
    ) -> None:
        self._record_failed(
            record_key=f"hs:{link.hubspot_id}",
            hubspot_id=link.hubspot_id,
            salesforce_id=link.salesforce_id,
            email=link.email,
            direction=direction,
            errors=errors,
            what=what,
        )

    # --- 2. Salesforce pull -------------------------------------------------------------
    def pull_salesforce(self, object_types: Sequence[str] = SALESFORCE_TYPES) -> None:
        """Refresh the mirror from every lead/contact modified since the cursor."""
        for object_type in object_types:
            cursor_name = salesforce_cursor_name(object_type)
            since = vendor_time(_cursor_get(cursor_name))
            self.mirror_modified(object_type, since=since, cursor_name=cursor_name)

    def mirror_modified(
        self,
        object_type: str,
        *,
        since: datetime | None,
        before: datetime | None = None,
        cursor_name: str | None = None,
    ) -> str:
        """Mirror the records of ``object_type`` modified from ``since`` (and before
        ``before``), page by page, moving ``cursor_name`` with each page; returns the
        newest ``SystemModstamp`` read ("" if none)."""
        fields = self.salesforce_fields(object_type)
        extra = ", IsConverted" if object_type == "Lead" else ""
        bounds = [f"SystemModstamp >= {soql_datetime(since)}"] if since else []
        if before is not None:
            bounds.append(f"SystemModstamp < {soql_datetime(before)}")
        where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
        soql = (
            f"SELECT Id, {', '.join(fields)}, CreatedDate, SystemModstamp, IsDeleted{extra} "
            f"FROM {object_type}{where} ORDER BY SystemModstamp ASC"
        )
        newest = ""
        page: list[dict[str, Any]] = []
        for record in self.salesforce.query_iter(soql, include_deleted=True):
            page.append(record)
            if len(page) >= 2000:
                self._mirror(object_type, fields, page, cursor_name)
                newest, page = str(page[-1]["SystemModstamp"]), []
        if page:
            self._mirror(object_type, fields, page, cursor_name)
            newest = str(page[-1]["SystemModstamp"])
        return newest

    def pull_salesforce_echo(self) -> None:
        """The echo pass's pull: what this run wrote to Salesforce (and anything else
        changed meanwhile). Many records are pulled by units in time ranges, side by side."""
        shared = contact_units_echo(self)
        self.pull_salesforce([t for t in SALESFORCE_TYPES if t not in shared])

    @transaction.atomic
    def _mirror(
        self, object_type: str, fields: list[str], records: list[dict], cursor_name: str | None
    ) -> None:
        existing = {
            p.salesforce_id: p
            for p in SalesforcePerson.objects.filter(salesforce_id__in=[r["Id"] for r in records])
        }
        new, changed = [], []
        for record in records:
            values = {f: record.get(f) for f in fields}
            values = {k: ("" if v is None else str(v)) for k, v in values.items()}
            deleted = bool(record.get("IsDeleted")) or bool(record.get("IsConverted"))
            person = existing.get(record["Id"])
            if person is None:
                new.append(
                    SalesforcePerson(
                        salesforce_id=record["Id"],
                        salesforce_type=object_type,
                        email=(record.get("Email") or "").strip().lower(),
                        values=values,
                        created_at=vendor_time(record.get("CreatedDate")),
                        modified_at=vendor_time(record.get("SystemModstamp")),
                        is_deleted=deleted,
                        pending=not deleted,
                    )
                )
            elif person.values != values or person.is_deleted != deleted:
                person.values = values
                person.email = (record.get("Email") or "").strip().lower()
                person.modified_at = vendor_time(record.get("SystemModstamp"))
                person.is_deleted = deleted
                person.pending = not deleted
                changed.append(person)
        SalesforcePerson.objects.bulk_create(new, batch_size=500)
        rows_update(changed, ["values", "email", "modified_at", "is_deleted", "pending"])
        if cursor_name is not None:
            _cursor_set(cursor_name, str(records[-1]["SystemModstamp"]))

    # --- creates whose outcome is unknown -----------------------------------------------
    def settle_unconfirmed_creates(self, *, hubspot_ids: Sequence[str] | None = None) -> None:
        """Creates a run sent without learning their outcome: look each up by email. Found:
        link it (it was created). Not found after ``WRITE_SETTLE_S``: it never was; the
        contact is synced again now. Not found yet: it stays owed.

        ``hubspot_ids``: only these contacts' creates, whose records the caller holds and
        syncs next (a work unit run again after its worker died)."""
        intents_of = ContactCreateIntent.objects.order_by("pk")
        if hubspot_ids is not None:
            intents_of = intents_of.filter(hubspot_id__in=list(hubspot_ids))
        intents = list(intents_of)
        settle_before = timezone.now() - timedelta(seconds=django_settings.WRITE_SETTLE_S)
        owed: list[str] = []
        for object_type in SALESFORCE_TYPES:
            typed = [i for i in intents if i.salesforce_type == object_type]
            for chunk in chunks(typed, SALESFORCE_BATCH):
                found = self._salesforce_by_email(object_type, [i.email for i in chunk])
                with self.bookkeeping():
                    for intent in chunk:
                        person = found.get(intent.email)
                        if person is not None:
                            self._adopt(intent, person)
                            owed.append(intent.hubspot_id)
                        elif intent.created_at < settle_before:
                            intent.delete()  # never applied: synced again below
                            owed.append(intent.hubspot_id)
                        else:
                            self._still_unconfirmed(intent)
        if hubspot_ids is not None:
            return
        for chunk in chunks(owed, 100):
            records = self._read_contacts(list(chunk))
            if records:
                self.sync_hubspot_page(Page(records))

    def retry_owed(self, *, read_hubspot: bool = True) -> None:
        """Every record with an open error is tried again, whether or not it changed since:
        what failed stays owed until it syncs (Retry in Sync health only does it sooner).
        ``read_hubspot=False``: the run reads every HubSpot contact anyway (a full read)."""
        keys = list(
            RecordError.objects.filter(object_type="contact").values_list("record_key", flat=True)
        )
        salesforce_ids = [k.removeprefix("sf:") for k in keys if k.startswith("sf:")]
        SalesforcePerson.objects.filter(pk__in=salesforce_ids, is_deleted=False).update(
            pending=True
        )
        if not read_hubspot:
            return
        hubspot_ids = [
            k.removeprefix("hs:")
            for k in keys
            if k.startswith("hs:") and k[3:].isdigit() and k not in self.failed_keys
        ]
        for chunk in chunks(hubspot_ids, 100):
            records = self._read_contacts(list(chunk))
            if records:
                self.sync_hubspot_page(Page(records))

    def _salesforce_by_email(
        self, object_type: str, emails: list[str]
    ) -> dict[str, SalesforcePerson]:
        """Live lookup (not the mirror: a late write can carry an older SystemModstamp than
        the mirror's cursor), stored in the mirror; the oldest record per email."""
        fields = self.salesforce_fields(object_type)
        wanted = sorted(set(emails))
        if not wanted:
            return {}
        soql = (
            f"SELECT Id, {', '.join(fields)}, CreatedDate, SystemModstamp FROM {object_type} "
            f"WHERE Email IN ({', '.join(soql_quote(e) for e in wanted)}) ORDER BY CreatedDate ASC"
        )
        found: dict[str, SalesforcePerson] = {}
        for record in self.salesforce.query_iter(soql):
            email = (record.get("Email") or "").strip().lower()
            if email in found:
                continue
            values = {f: "" if record.get(f) is None else str(record.get(f)) for f in fields}
            person, _ = SalesforcePerson.objects.update_or_create(
                salesforce_id=record["Id"],
                defaults={
                    "salesforce_type": object_type,
                    "email": email,
                    "values": values,
                    "created_at": vendor_time(record.get("CreatedDate")),
                    "modified_at": vendor_time(record.get("SystemModstamp")),
                    "is_deleted": False,
                    "pending": False,
                },
            )
            found[email] = person
        return found

    def _still_unconfirmed(self, intent: ContactCreateIntent) -> None:
        """Not in Salesforce (yet): it may still land, so it is not sent again; this run
        reports it as not synced, with the reason."""
        settles_at = intent.created_at + timedelta(seconds=django_settings.WRITE_SETTLE_S)
        self._record_failed(
            record_key=f"hs:{intent.hubspot_id}",
            hubspot_id=intent.hubspot_id,
            email=intent.email,
            direction=TO_SALESFORCE,
            errors=[
                unconfirmed(
                    f"job #{intent.job_id} sent the create of this contact's "
                    f"{intent.salesforce_type.lower()} but never got Salesforce's answer, and it "
                    "is not in Salesforce yet; it may have been created, so it is not sent "
                    f"again before {settles_at:%Y-%m-%d %H:%M:%S} UTC"
                )
            ],
            what="Not created yet",
        )

    def _adopt(self, intent: ContactCreateIntent, person: SalesforcePerson) -> None:
        """The record an unconfirmed create made: link it, and audit its creation."""
        intent.delete()
        if ContactLink.objects.filter(hubspot_id=intent.hubspot_id).exists():
            return
        if ContactLink.objects.filter(salesforce_id=person.salesforce_id).exists():
            return
        contact_link_create(
            record={"id": intent.hubspot_id},
            salesforce_id=person.salesforce_id,
            salesforce_type=person.salesforce_type,
            email=intent.email,
        )
        record_errors_resolve(record_keys=[f"hs:{intent.hubspot_id}"])
        self.settle(
            CREATED,
            action="record.created",
            email=intent.email,
            hubspot_id=intent.hubspot_id,
            salesforce_id=person.salesforce_id,
            direction=TO_SALESFORCE,
            changes=new_record_changes(person.values, rule="new record", direction=TO_SALESFORCE),
            message=(
                f"Created Salesforce {person.salesforce_type.lower()} from the HubSpot contact "
                f"(job #{intent.job_id} sent the create but never got its answer; found by "
                "email and linked, not created again)."
            ),
        )

    # --- 3. HubSpot -> Salesforce -------------------------------------------------------
    def _read_contacts(
        self, ids: list[str], id_property: str | None = None, people: dict[str, Any] | None = None
    ) -> list[dict]:
        """HubSpot contacts by id (or by email, ``id_property``); ones HubSpot refused to
        read are failures (open errors, retried), ones it does not have are simply absent.
        ``people`` names the Salesforce record each email is read for (its error's key)."""
        outcome = self.hubspot.contacts_batch_read(ids, self.hubspot_properties, id_property)
        refused = [
            e
            for e in outcome.errors
            if e.index is not None and (e.whole_chunk or e.category != "OBJECT_NOT_FOUND")
        ]
        if refused:
            with self.bookkeeping():
                for error in refused:
                    self._read_refused(ids[error.index], error, id_property, people or {})
        return outcome.records

    def _read_refused(
        self, key: str, error: Any, id_property: str | None, people: dict[str, Any]
    ) -> None:
        what = "HubSpot refused to read the contact"
        if id_property is None:
            link = ContactLink.objects.filter(hubspot_id=key).first()
            self._record_failed(
                record_key=f"hs:{key}",
                hubspot_id=key,
                salesforce_id=link.salesforce_id if link else "",
                email=link.email if link else "",
                direction=TO_HUBSPOT if link else "",
                errors=[error],
                what=what,
            )
            return
        person = people.get(key)
        self._record_failed(
            record_key=f"sf:{person.pk}" if person else f"email:{key}",
            salesforce_id=person.pk if person else "",
            email=key,
            direction=TO_HUBSPOT,
            errors=[error],
            what=what,
        )

    def full_read_plan(self) -> FullRead | None:
        """A full read (every HubSpot contact) of more than ``SYNC_UNIT_RECORDS`` contacts,
        to be shared out in work units (``contact_units.py``); None for any other read."""
        if self.mode in (Mode.ONE, Mode.RETRY):
            return None
        if self.mode == Mode.LIST and self.list_id:
            return None  # the list's members, read by id
        if self.mode == Mode.INCREMENTAL and _hubspot_cursor_get()[0]:
            return None
        began = _now_ms()
        total, span = self.hubspot.contacts_span()
        if span is None or total <= django_settings.SYNC_UNIT_RECORDS:
            return None
        newest = self.hubspot.contacts_newest_modified()
        return FullRead(total=total, span=span, newest=newest, began_ms=began)

    def sync_shared_out(self, read: FullRead) -> None:
        """Every HubSpot contact, read and synced by work units; then the stream's cursor."""
        self.hubspot_fully_read = True
        self.expect(read.total)
        at_newest = contact_units_full_read(self, read)
        with self.bookkeeping():
            if read.newest is not None:
                _cursor_set(
                    HUBSPOT_CURSOR,
                    _hubspot_cursor_final(read.newest, at_newest, read_began_ms=read.began_ms),
                )
        self.ctx.raise_if_cancelled()

    def hubspot_pages(self, *, contact: str = "", counted: bool = False) -> Iterator[Page]:
        """The HubSpot contacts this run looks at, page by page. ``counted``: the run's
        main read, which tells the job how many as soon as it knows (``expect``)."""
        properties = self.hubspot_properties
        expect = self.expect if counted else lambda n: None
        if self.mode == Mode.ONE:
            records = self._hubspot_one(contact)
            expect(len(records))
            if records:
                yield Page(records)
        elif self.mode == Mode.RETRY:
            ids = [key.removeprefix("hs:") for key in self.ctx.params.get("records", [])]
            ids = [i for i in ids if i.isdigit()]
            expect(len(ids))
            for chunk in chunks(ids, 100):
                yield Page(self._read_contacts(list(chunk)))
        elif self.mode == Mode.LIST and not self.gate.everyone:
            members = sorted(self.gate.members or ())
            expect(len(members))
            for chunk in chunks(members, 100):
                yield Page(self._read_contacts(list(chunk)))
        else:
            began = _now_ms()
            since, handled = _hubspot_cursor_get()
            full = self.mode in (Mode.ALL, Mode.LIST) or not since
            self.hubspot_fully_read = full
            if full:
                # in id order, which writes cannot reorder; an incremental read then resumes
                # from the newest change that existed before this read began
                newest = self.hubspot.contacts_newest_modified()
                at_newest: set[str] = set()
                for records in self.hubspot.contacts_by_id(properties, on_total=expect):
                    at_newest |= at_moment(records, newest)
                    yield Page(records)
                if newest is not None:
                    yield Page(
                        [], cursor=_hubspot_cursor_final(newest, at_newest, read_began_ms=began)
                    )
                return
            read = False
            for records in self.hubspot.contacts_modified_since(
                since, properties, handled, on_total=expect
            ):
                since, handled = _hubspot_cursor_after(since, handled, records)
                yield Page(records, cursor=_hubspot_cursor_text(since, handled))
                read = True
            if read:
                yield Page([], cursor=_hubspot_cursor_final(since, handled, read_began_ms=began))

    def _hubspot_one(self, contact: str) -> list[dict[str, Any]]:
        """The one contact asked for, by email, HubSpot id or Salesforce id."""
        contact = contact.strip()
        person = None
        if "@" in contact:
            email = contact.lower()
            person = SalesforcePerson.objects.filter(email=email, is_deleted=False).first()
            records = self._read_contacts([email], "email", {email: person} if person else {})
        elif contact.isdigit():
            records = self._read_contacts([contact])
        else:
            person = SalesforcePerson.objects.filter(salesforce_id=contact).first()
            records = []
            if person is not None and person.email:
                records = self._read_contacts([person.email], "email", {person.email: person})
        if not records and person is not None:
            # only Salesforce has it: the Salesforce -> HubSpot pass decides (auto-create)
            SalesforcePerson.objects.filter(pk=person.pk).update(pending=True)
        elif not records and not self.failed_keys:
            raise NoSuchContact(
                f"No such contact: neither HubSpot nor Salesforce has “{contact[:254]}”."
            )
        return records

    def sync_hubspot_page(self, page: Page) -> None:
        """Link or create the page's eligible contacts in Salesforce, then sync fields;
        then store the page's cursor."""
        self.sync_records(self.eligible_of(page.records))
        with self.bookkeeping():
            if page.cursor is not None:
                _cursor_set(HUBSPOT_CURSOR, page.cursor)
        self.ctx.raise_if_cancelled()

    def _write_batch(self, count: int) -> int:
        """How many records one Salesforce write takes: all of them above the client's Bulk
        threshold (one Bulk API 2.0 job), else a collection's 200."""
        return count if count > self.salesforce.bulk_threshold else SALESFORCE_BATCH

    def sync_hubspot_stream(self, pages: Iterable[Page]) -> None:
        """The pages' eligible contacts, then the stream's cursor.

        A run with at most ``SYNC_UNIT_RECORDS`` eligible contacts syncs them here. A
        bigger one hands them out as work units of that many, which any worker takes
        (``units.py``), while this run reads on; it then waits for the last unit
        and counts what the units settled. The cursor is stored once every contact read
        before it has synced."""
        size = django_settings.SYNC_UNIT_RECORDS
        held: list[dict[str, Any]] = []
        cursor: str | None = None
        planned = 0
        for page in pages:
            held.extend(self.eligible_of(page.records))
            cursor = page.cursor if page.cursor is not None else cursor
            while len(held) >= size:
                planned += contact_units_plan(self, held[:size])
                held = held[size:]
            self.ctx.raise_if_cancelled()
        if planned:
            if held:
                contact_units_plan(self, held)
            contact_units_finish(self)
        else:
            self.sync_records(held)
        with self.bookkeeping():
            if cursor is not None:
                _cursor_set(HUBSPOT_CURSOR, cursor)
        self.ctx.raise_if_cancelled()

    def eligible_of(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The contacts the inclusion gate lets through; the others are settled as skipped
        (committed before any write is sent)."""
        eligible = []
        for record in records:
            if f"hs:{record['id']}" in self.failed_keys:
                continue
            if not _email_of(record):
                self.skip("no_email", hubspot_id=record["id"])
            elif not self.gate.allows(record["id"]):
                self.outside_list[_email_of(record)] = record["id"]
                self.skip("not_in_list", hubspot_id=record["id"], email=_email_of(record))
            else:
                eligible.append(record)
        with self.bookkeeping():
            pass  # the skips commit with their counts before any write is sent
        return eligible

    def sync_records(self, eligible: list[dict[str, Any]]) -> None:
        """Link (by email) or create eligible contacts in Salesforce, then sync fields."""
        eligible = [r for r in eligible if f"hs:{r['id']}" not in self.failed_keys]
        links = {
            link.hubspot_id: link
            for link in ContactLink.objects.filter(hubspot_id__in=[r["id"] for r in eligible])
        }
        unlinked = [r for r in eligible if r["id"] not in links]
        matches = self._match_by_email(unlinked)
        if matches:
            intents = self._intents_of(r for r in unlinked if r["id"] in matches)
            with self.bookkeeping():
                links.update(
                    self._link_all(
                        [
                            (record, matches[record["id"]], intents.get(record["id"]))
                            for record in unlinked
                            if record["id"] in matches
                        ]
                    )
                )
        to_create = [r for r in unlinked if r["id"] not in matches]
        self._create_in_salesforce(to_create)
        pairs = [(r, links[r["id"]]) for r in eligible if r["id"] in links]
        self._sync_pairs(pairs)

    def absorb_job_outcomes(self, *, hubspot_ids: Iterable[str] | None = None) -> None:
        """What other workers already settled for this job (its units): their records'
        outcomes count once, and what failed is not tried again in this run."""
        events = AuditEvent.objects.filter(job_id=self.ctx.job_id).exclude(outcome="")
        if hubspot_ids is not None:
            events = events.filter(hubspot_id__in=list(hubspot_ids))
        for hubspot_id, salesforce_id, outcome in events.values_list(
            "hubspot_id", "salesforce_id", "outcome"
        ).iterator(chunk_size=2000):
            keys = _keys(hubspot_id=hubspot_id, salesforce_id=salesforce_id)
            self.ledger.adopt(keys, outcome)
            if outcome == FAILED:
                self.failed_keys.update(keys)

    def _match_by_email(self, records: list[dict[str, Any]]) -> dict[str, SalesforcePerson]:
        """Unlinked contacts -> an existing Salesforce contact (preferred) or lead, by email."""
        emails = {_email_of(r) for r in records}
        candidates: dict[str, SalesforcePerson] = {}
        linked = set(
            ContactLink.objects.filter(email__in=emails).values_list("salesforce_id", flat=True)
        )
        for person in SalesforcePerson.objects.filter(email__in=emails, is_deleted=False).order_by(
            "created_at"
        ):
            if person.salesforce_id in linked:
                continue
            best = candidates.get(person.email)
            if best is None or (
                best.salesforce_type == "Lead" and person.salesforce_type == "Contact"
            ):
                candidates[person.email] = person
        return {
            r["id"]: candidates[email] for r in records if (email := _email_of(r)) in candidates
        }

    def _intents_of(self, records: Iterable[dict[str, Any]]) -> dict[str, ContactCreateIntent]:
        """The unconfirmed creates of these contacts, one query for the batch."""
        return {
            i.hubspot_id: i
            for i in ContactCreateIntent.objects.filter(hubspot_id__in=[r["id"] for r in records])
        }

    def _link_all(
        self,
        matched: list[tuple[dict[str, Any], SalesforcePerson, ContactCreateIntent | None]],
    ) -> dict[str, ContactLink]:
        """Link each HubSpot contact to the Salesforce record matched by its email (with
        the contact's unconfirmed create, if it has one); returns the links by HubSpot id."""
        for _, person, intent in matched:
            if intent is not None and intent.email == person.email:
                self._adopt(intent, person)  # the record our own unconfirmed create made
        pairs = contact_links_create(
            [
                NewLink(
                    record=record,
                    salesforce_id=person.salesforce_id,
                    salesforce_type=person.salesforce_type,
                    email=person.email or _email_of(record),
                )
                for record, person, _ in matched
            ]
        )
        SalesforcePerson.objects.filter(pk__in=[p.pk for _, p, _ in matched]).update(pending=False)
        for (_, person, _), (link, created) in zip(matched, pairs, strict=True):
            if created:
                self.settle(
                    LINKED,
                    action="record.linked",
                    email=link.email,
                    hubspot_id=link.hubspot_id,
                    salesforce_id=link.salesforce_id,
                    message="Matched by email to the existing Salesforce "
                    f"{person.salesforce_type.lower()}.",
                )
        return {link.hubspot_id: link for link, _ in pairs}

    def _create_in_salesforce(self, records: list[dict[str, Any]]) -> None:
        """Create the contacts' records in Salesforce: each write is written ahead, a few
        collections are sent side by side, and each is booked as it was answered."""
        object_type = self.settings.create_new_as
        batches = [
            (chunk, [self._create_payload(record, object_type) for record in chunk])
            for chunk in chunks(records, self._write_batch(len(records)))
        ]
        for group in chunks(batches, django_settings.SALESFORCE_WRITES_AT_ONCE):
            intents = [self._intend_creates(chunk, object_type) for chunk, _ in group]
            outcomes = side_by_side(
                [partial(self.salesforce.create, object_type, payloads) for _, payloads in group],
                at_most=django_settings.SALESFORCE_WRITES_AT_ONCE,
            )
            stop: Exception | None = None
            for (chunk, payloads), intent, outcome in zip(group, intents, outcomes, strict=True):
                if isinstance(outcome, Exception) and not isinstance(outcome, errors.ServerError):
                    intent.delete()  # nothing was sent
                    stop = stop or outcome
                    continue
                self.salesforce_written[object_type] += len(chunk)
                self._created(chunk, payloads, outcome, intent, object_type)
            if stop is not None:
                raise stop

    def _create_payload(self, record: dict[str, Any], object_type: str) -> dict[str, Any]:
        """The Salesforce record to create for a HubSpot contact: its email and the mapped
        values HubSpot may write."""
        props = record["properties"]
        by_field = {m.salesforce_field: m for m in self.mappings}
        payload = {"Email": (props.get("email") or "").strip()}
        for sf_field in self.salesforce_fields(object_type):
            mapping = by_field.get(sf_field)
            if mapping is None or mapping.rule == PropertyMapping.Rule.DONT_SYNC:
                continue
            if mapping.rule == PropertyMapping.Rule.ALWAYS_SALESFORCE:
                continue  # Salesforce owns it: never written from HubSpot
            value = props.get(mapping.hubspot_property)
            if value not in (None, ""):
                payload[sf_field] = value
        return payload

    def _created(
        self,
        chunk: Sequence[dict[str, Any]],
        payloads: list[dict[str, Any]],
        outcome: Any,
        intents: QuerySet[ContactCreateIntent],
        object_type: str,
    ) -> None:
        """Book one create call: its results, or a lost answer (``ServerError``)."""
        if isinstance(outcome, errors.ServerError):
            # sent, but no answer: it may have been applied; looked up next run
            with self.bookkeeping():
                for record in chunk:
                    self._create_unconfirmed(
                        record,
                        f"{outcome.message} — the {object_type.lower()} may have been created",
                    )
            return
        unprocessed = {
            record["id"]
            for record, result in zip(chunk, outcome, strict=True)
            if any(e.status_code == UNPROCESSED for e in result.errors)
        }
        with self.bookkeeping():
            # the outcome of every other one is known now; one a Bulk job did not
            # report may still have been created: looked up by email, as a lost answer
            intents.exclude(hubspot_id__in=unprocessed).delete()
            answered = []
            for record, payload, result in zip(chunk, payloads, outcome, strict=True):
                if record["id"] in unprocessed:
                    self._create_unconfirmed(
                        record,
                        f"Salesforce's Bulk job did not report this {object_type.lower()}",
                    )
                else:
                    answered.append((record, payload, result))
            self._after_creates(answered, object_type)

    def _create_unconfirmed(self, record: dict[str, Any], why: str) -> None:
        """A create that was sent but whose outcome is unknown: owed, with the reason, and
        looked up by email before anything is sent again (inside bookkeeping)."""
        self._record_failed(
            record_key=f"hs:{record['id']}",
            hubspot_id=record["id"],
            email=_email_of(record),
            direction=TO_SALESFORCE,
            errors=[unconfirmed(f"{why}; syncadmin looks it up by email before it tries again")],
            what="Salesforce did not confirm the create",
        )

    def _intend_creates(
        self, chunk: Sequence[dict[str, Any]], object_type: str
    ) -> QuerySet[ContactCreateIntent]:
        """Write-ahead: committed before the create is sent (see ``ContactCreateIntent``);
        returns the chunk's intents."""
        intents = ContactCreateIntent.objects.filter(hubspot_id__in=[r["id"] for r in chunk])
        with transaction.atomic():
            intents.delete()
            ContactCreateIntent.objects.bulk_create(
                [
                    ContactCreateIntent(
                        hubspot_id=r["id"],
                        email=_email_of(r),
                        salesforce_type=object_type,
                        job_id=self.ctx.job_id,
                    )
                    for r in chunk
                ]
            )
        return intents

    def _after_creates(
        self, answered: list[tuple[dict[str, Any], dict[str, Any], Any]], object_type: str
    ) -> None:
        """Salesforce answered these creates: mirror and link what it created, fail what it
        refused (inside bookkeeping)."""
        created = []
        for record, payload, result in answered:
            if result.success:
                created.append((record, payload, result))
                continue
            self._record_failed(
                record_key=f"hs:{record['id']}",
                hubspot_id=record["id"],
                email=_email_of(record),
                direction=TO_SALESFORCE,
                errors=result.errors,
                what=f"Salesforce refused to create the {object_type.lower()}",
            )
        if not created:
            return
        fields = self.salesforce_fields(object_type)
        # every mirrored field, as the next pull will read it back: no false "changed"
        values = [{f: str(payload.get(f, "")) for f in fields} for _, payload, _ in created]
        now = timezone.now()
        SalesforcePerson.objects.bulk_create(
            [
                SalesforcePerson(
                    salesforce_id=result.id,
                    salesforce_type=object_type,
                    email=_email_of(record),
                    values=written,
                    created_at=now,
                    pending=False,
                )
                for (record, _, result), written in zip(created, values, strict=True)
            ],
            update_conflicts=True,
            unique_fields=["salesforce_id"],
            update_fields=["salesforce_type", "email", "values", "created_at", "pending"],
            batch_size=500,
        )
        contact_links_create(
            [
                NewLink(
                    record=record,
                    salesforce_id=result.id,
                    salesforce_type=object_type,
                    email=_email_of(record),
                    hubspot_values={
                        m.hubspot_property: record["properties"].get(m.hubspot_property) or ""
                        for m in self.mappings
                    },
                    salesforce_values=written,
                    hubspot_modified_at=vendor_time(record["properties"].get("lastmodifieddate")),
                )
                for (record, _, result), written in zip(created, values, strict=True)
            ]
        )
        record_errors_resolve(record_keys=[f"hs:{record['id']}" for record, _, _ in created])
        for (record, _, result), written in zip(created, values, strict=True):
            self.settle(
                CREATED,
                action="record.created",
                email=_email_of(record),
                hubspot_id=record["id"],
                salesforce_id=result.id,
                direction=TO_SALESFORCE,
                changes=new_record_changes(written, rule="new record", direction=TO_SALESFORCE),
                message=f"Created Salesforce {object_type.lower()} from the HubSpot contact.",
            )

    def _sync_pairs(self, pairs: list[tuple[dict[str, Any], ContactLink]]) -> set[str]:
        """Field values both ways for linked pairs whose HubSpot values are in hand.
        Returns the HubSpot ids whose writes failed."""
        if not pairs:
            return set()
        people = {
            p.salesforce_id: p
            for p in SalesforcePerson.objects.filter(
                salesforce_id__in=[link.salesforce_id for _, link in pairs]
            )
        }
        plans, gone = [], []
        for record, link in pairs:
            person = people.get(link.salesforce_id)
            if person is None or person.is_deleted:
                gone.append(link)
                continue
            props = record["properties"]
            hubspot_values = {
                m.hubspot_property: props.get(m.hubspot_property) or "" for m in self.mappings
            }
            decisions = mapping_rules.decide_record(
                self.mappings_for(link.salesforce_type),
                hubspot_values=hubspot_values,
                salesforce_values=person.values,
                last_hubspot=link.hubspot_values or None,
                last_salesforce=link.salesforce_values or None,
                hubspot_modified=vendor_time(props.get("lastmodifieddate")),
                salesforce_modified=person.modified_at,
            )
            plans.append(_Plan(record, link, person, hubspot_values, decisions))
        if gone:
            with self.bookkeeping():
                for link in gone:
                    self.skip(
                        "salesforce_record_gone",
                        hubspot_id=link.hubspot_id,
                        salesforce_id=link.salesforce_id,
                        email=link.email,
                    )
        return self._write_plans(plans)

    def _write_plans(self, plans: list[_Plan]) -> set[str]:
        to_salesforce = [p for p in plans if p.salesforce_changes]
        to_hubspot = [p for p in plans if p.hubspot_changes]
        failures: list[tuple[_Plan, str, list[Any], str]] = []
        stop: Exception | None = None
        for object_type in SALESFORCE_TYPES:
            typed = [p for p in to_salesforce if p.link.salesforce_type == object_type]
            batches = list(chunks(typed, self._write_batch(len(typed))))
            outcomes = side_by_side(
                [
                    partial(
                        self.salesforce.update,
                        object_type,
                        [{"Id": p.link.salesforce_id, **p.salesforce_changes} for p in chunk],
                    )
                    for chunk in batches
                ],
                at_most=django_settings.SALESFORCE_WRITES_AT_ONCE,
            )
            for chunk, results in zip(batches, outcomes, strict=True):
                if isinstance(results, Exception):
                    stop = stop or results
                    continue
                self.salesforce_written[object_type] += len(chunk)
                for plan, result in zip(chunk, results, strict=True):
                    if not result.success:
                        failures.append(
                            (
                                plan,
                                TO_SALESFORCE,
                                result.errors,
                                f"Salesforce refused the update of {object_type.lower()}",
                            )
                        )
        if stop is not None:
            raise stop
        for chunk in chunks(to_hubspot, 100):
            outcome = self.hubspot.contacts_batch_update(
                [{"id": p.link.hubspot_id, "properties": p.hubspot_changes} for p in chunk]
            )
            self.wrote_hubspot = True
            for index, plan in enumerate(chunk):
                error = outcome.error_for(index)
                if error is not None:
                    failures.append((plan, TO_HUBSPOT, [error], "HubSpot refused the update"))
                else:
                    written = outcome.results.get(index) or {}
                    plan.hubspot_modified = vendor_time(
                        (written.get("properties") or {}).get("lastmodifieddate")
                        or written.get("updatedAt")
                    )
        with self.bookkeeping():
            for plan, direction, errors_, what in failures:
                self._link_failed(plan.link, direction, errors_, what)
            failed = {plan.link.hubspot_id for plan, *_ in failures}
            self._remember(plans, failed)
        return failed

    def _remember(self, plans: list[_Plan], failed: set[str]) -> None:
        """Store what both sides now hold, audit each write, clear resolved errors."""
        synced = [plan for plan in plans if plan.link.hubspot_id not in failed]
        now = timezone.now()
        people = []
        for plan in synced:
            link = plan.link
            link.hubspot_values = {**plan.hubspot_values, **plan.hubspot_changes_by_property}
            link.salesforce_values = {**plan.person.values, **plan.salesforce_changes}
            link.hubspot_modified_at = plan.hubspot_modified or vendor_time(
                plan.record["properties"].get("lastmodifieddate")
            )
            link.salesforce_modified_at = plan.person.modified_at
            link.hubspot_owner_id = plan.record["properties"].get("hubspot_owner_id") or ""
            link.last_synced_at = now
            plan.person.values, plan.person.pending = link.salesforce_values, False
            people.append(plan.person)
        rows_update(
            [plan.link for plan in synced],
            [
                "hubspot_owner_id",
                "hubspot_values",
                "salesforce_values",
                "hubspot_modified_at",
                "salesforce_modified_at",
                "last_synced_at",
            ],
        )
        rows_update(people, ["values", "pending"])
        for plan in synced:
            link = plan.link
            if not plan.decisions:
                self.settle(
                    UNCHANGED,
                    action="record.unchanged",
                    email=link.email,
                    hubspot_id=link.hubspot_id,
                    salesforce_id=link.salesforce_id,
                    message="Both sides already hold the same mapped values.",
                )
                continue
            directions = {d.direction for d in plan.decisions}
            self.settle(
                UPDATED,
                action="record.updated",
                email=link.email,
                hubspot_id=link.hubspot_id,
                salesforce_id=link.salesforce_id,
                direction=directions.pop() if len(directions) == 1 else "",
                changes=[d.audit_change() for d in plan.decisions],
                message=_update_message(plan.decisions, link.salesforce_type),
            )
        record_errors_resolve(record_keys=[f"hs:{plan.link.hubspot_id}" for plan in synced])

    # --- 4. Salesforce -> HubSpot -------------------------------------------------------
    def sync_salesforce_pending(self, *, counted: bool = False) -> None:
        """Every Salesforce record changed since it last synced. Only what synced (or needs
        nothing) stops being pending: a refused read or write keeps it owed.
        ``counted``: the run's main pass, which adds them to the job's total first."""
        if counted:
            self.expect(self.pending_unsettled())
        last = ""
        while True:
            batch = list(
                SalesforcePerson.objects.filter(pending=True, is_deleted=False, pk__gt=last)
                .exclude(pk__in=[k[3:] for k in self.failed_keys if k.startswith("sf:")])
                .order_by("pk")[:100]
            )
            if not batch:
                return
            last = batch[-1].pk
            owed = self._sync_salesforce_batch(batch)
            with self.bookkeeping():
                SalesforcePerson.objects.filter(
                    pk__in=[p.pk for p in batch if p.pk not in owed]
                ).update(pending=False)
            self.ctx.raise_if_cancelled()

    def _sync_salesforce_batch(self, people: list[SalesforcePerson]) -> set[str]:
        """Sync the batch; returns the Salesforce ids still owed (their sync failed)."""
        links = {
            link.salesforce_id: link
            for link in ContactLink.objects.filter(salesforce_id__in=[p.pk for p in people])
        }
        linked = [p for p in people if p.pk in links]
        unlinked = [p for p in people if p.pk not in links and p.email]
        no_email = [p for p in people if p.pk not in links and not p.email]
        if no_email:
            with self.bookkeeping():
                for person in no_email:
                    self.skip_person("no_email", person)
        # a contact that failed earlier in this run is tried again by the next one
        owed = {p.pk for p in linked if f"hs:{links[p.pk].hubspot_id}" in self.failed_keys}
        linked = [p for p in linked if p.pk not in owed]
        if linked:
            by_hubspot_id = {links[p.pk].hubspot_id: p for p in linked}
            records = self._read_contacts(list(by_hubspot_id))
            read = {r["id"] for r in records}
            owed |= {
                p.pk
                for hubspot_id, p in by_hubspot_id.items()
                if hubspot_id not in read and f"hs:{hubspot_id}" in self.failed_keys
            }
            with self.bookkeeping():
                for hubspot_id, person in by_hubspot_id.items():
                    if hubspot_id not in read and f"hs:{hubspot_id}" not in self.failed_keys:
                        self.skip_person("hubspot_contact_gone", person, hubspot_id=hubspot_id)
                    elif hubspot_id in read and not self.gate.allows(hubspot_id):
                        self.skip_person("not_in_list", person, hubspot_id=hubspot_id)
            pairs = [
                (record, links[by_hubspot_id[record["id"]].pk])
                for record in records
                if record["id"] in by_hubspot_id and self.gate.allows(record["id"])
            ]
            failed = self._sync_pairs(pairs)
            owed |= {by_hubspot_id[h].pk for h in failed if h in by_hubspot_id}
        if unlinked:
            owed |= self._salesforce_unlinked(unlinked)
        return owed

    def _salesforce_unlinked(self, people: list[SalesforcePerson]) -> set[str]:
        """Returns the Salesforce ids still owed."""
        auto = [
            p
            for p in people
            if auto_create_applies(
                self.settings, salesforce_type=p.salesforce_type, created_at=p.created_at
            )
        ]
        others = [p for p in people if p not in auto]
        owed: set[str] = set()
        if auto:
            owed |= self._auto_create_in_hubspot(auto)
        if others and self.hubspot_fully_read:
            # every HubSpot contact was read: one with this email would be linked by now
            with self.bookkeeping():
                linked_emails = set(
                    ContactLink.objects.filter(email__in={p.email for p in others}).values_list(
                        "email", flat=True
                    )
                )
                for person in others:
                    hubspot_id = self.outside_list.get(person.email, "")
                    if hubspot_id:
                        reason = "not_in_list"
                    elif person.email in linked_emails:
                        reason = "duplicate_email"
                    else:
                        reason = "not_in_hubspot"
                    self.skip_person(reason, person, hubspot_id=hubspot_id)
        if others and not self.hubspot_fully_read:
            # a Salesforce record with no link may match a HubSpot contact in the list
            by_email = {}
            for person in others:
                by_email.setdefault(person.email, person)
            records = self._read_contacts(sorted(by_email), "email", by_email)
            refused = {e for e, p in by_email.items() if f"sf:{p.pk}" in self.failed_keys}
            owed |= {p.pk for p in others if p.email in refused}
            found = {_email_of(r): r for r in records}
            intents = self._intents_of(records)
            taken = set(
                ContactLink.objects.filter(hubspot_id__in=[r["id"] for r in records]).values_list(
                    "hubspot_id", flat=True
                )
            )
            matched = []
            with self.bookkeeping():
                for person in others:
                    if person.email in refused:
                        continue
                    record = found.get(person.email)
                    if record is None:
                        self.skip_person("not_in_hubspot", person)
                        continue
                    if f"hs:{record['id']}" in self.failed_keys:
                        continue  # its create is unconfirmed in this run: the next one settles it
                    if not self.gate.allows(record["id"]):
                        self.skip_person("not_in_list", person, hubspot_id=record["id"])
                        continue
                    if record["id"] in taken:
                        self.skip_person("duplicate_email", person, hubspot_id=record["id"])
                        continue
                    taken.add(record["id"])
                    matched.append((record, person, intents.get(record["id"])))
                links = self._link_all(matched)
            pairs = [(record, links[record["id"]]) for record, _, _ in matched]
            failed = self._sync_pairs(pairs)
            owed |= {link.salesforce_id for _, link in pairs if link.hubspot_id in failed}
        return owed

    def _auto_create_in_hubspot(self, people: list[SalesforcePerson]) -> set[str]:
        """Auto-create bypass (SPEC §3.5): create, or link to, the HubSpot contact even
        outside the inclusion list; later updates wait until it is in the list. Returns
        the Salesforce ids still owed."""
        by_field = {m.salesforce_field: m for m in self.mappings}
        inputs = []
        for person in people:
            props = {"email": person.email}
            for sf_field, value in person.values.items():
                mapping = by_field.get(sf_field)
                if mapping and mapping.rule != PropertyMapping.Rule.DONT_SYNC and value:
                    props[mapping.hubspot_property] = value
            inputs.append({"id": person.email, "properties": props})
        outcome = self.hubspot.contacts_batch_upsert(inputs, id_property="email")
        self.wrote_hubspot = True
        owed: set[str] = set()
        with self.bookkeeping():
            for index, person in enumerate(people):
                error = outcome.error_for(index)
                record = outcome.results.get(index)
                if error is not None or record is None:
                    owed.add(person.pk)
                    self._record_failed(
                        record_key=f"sf:{person.pk}",
                        salesforce_id=person.pk,
                        email=person.email,
                        direction=TO_HUBSPOT,
                        errors=[error] if error else [],
                        what="HubSpot refused to create the contact",
                    )
                    continue
                self._auto_created(person, record, inputs[index]["properties"])
        return owed

    def _link_written(
        self,
        person: SalesforcePerson,
        record: dict[str, Any],
        origin: str,
        **values: dict[str, str],
    ) -> ContactLink | None:
        """Link the Salesforce record to the HubSpot contact written for it; None when
        that contact is already linked to another record (skipped as a duplicate email)."""
        link, created = contact_link_create(
            record=record,
            salesforce_id=person.pk,
            salesforce_type=person.salesforce_type,
            email=person.email,
            origin=origin,
            **values,
        )
        if not created:
            self.skip_person("duplicate_email", person, hubspot_id=link.hubspot_id)
            return None
        return link

    def _auto_created(
        self, person: SalesforcePerson, record: dict[str, Any], written: dict[str, Any]
    ) -> None:
        link = self._link_written(
            person,
            record,
            ContactLink.Origin.AUTO_CREATE,
            hubspot_values=dict(written),
            salesforce_values=person.values,
        )
        if link is None:
            return
        record_errors_resolve(record_keys=[f"sf:{person.pk}"])
        self.settle(
            CREATED,
            action="record.created",
            email=person.email,
            hubspot_id=link.hubspot_id,
            salesforce_id=person.pk,
            direction=TO_HUBSPOT,
            changes=new_record_changes(written, rule="auto-create", direction=TO_HUBSPOT),
            message=(
                f"A new Salesforce {person.salesforce_type.lower()} created (or linked to) "
                "this HubSpot contact (auto-create setting), even outside the inclusion list."
            ),
        )

    # --- import from Salesforce ---------------------------------------------------------
    def import_from_salesforce(self) -> None:
        """SPEC §3.6: bring every Salesforce lead/contact into HubSpot, writing the email only."""
        last = ""
        while True:
            people = list(
                SalesforcePerson.objects.filter(is_deleted=False, pk__gt=last)
                .exclude(email="")
                .exclude(salesforce_id__in=ContactLink.objects.values("salesforce_id"))
                .exclude(email__in=ContactLink.objects.values("email"))
                .order_by("pk")[:100]
            )
            if not people:
                return
            last = people[-1].pk
            unique = list({p.email: p for p in people}.values())
            outcome = self.hubspot.contacts_batch_upsert(
                [{"id": p.email, "properties": {"email": p.email}} for p in unique],
                id_property="email",
            )
            with self.bookkeeping():
                for index, person in enumerate(unique):
                    record = outcome.results.get(index)
                    if record is None:
                        self._record_failed(
                            record_key=f"sf:{person.pk}",
                            salesforce_id=person.pk,
                            email=person.email,
                            direction=TO_HUBSPOT,
                            errors=[e for e in [outcome.error_for(index)] if e],
                            what="HubSpot refused the imported contact",
                        )
                        continue
                    self._imported(person, record)
                if len(unique) < len(people):
                    # same email on several Salesforce records: the others stay unlinked
                    kept = {p.pk for p in unique}
                    dupes = [p for p in people if p.pk not in kept]
                    SalesforcePerson.objects.filter(pk__in=[p.pk for p in dupes]).update(
                        pending=False
                    )
                    for person in dupes:
                        self.skip_person("duplicate_email", person)
            self.ctx.raise_if_cancelled()

    def _imported(self, person: SalesforcePerson, record: dict[str, Any]) -> None:
        link = self._link_written(person, record, ContactLink.Origin.IMPORT)
        if link is None:
            return
        self.settle(
            CREATED,
            action="record.imported",
            email=person.email,
            hubspot_id=link.hubspot_id,
            salesforce_id=person.pk,
            direction=TO_HUBSPOT,
            changes=[{"field": "email", "before": "", "after": person.email, "rule": "import"}],
            message="Imported from Salesforce: only the email is written at import.",
        )


@dataclass
class _Plan:
    record: dict[str, Any]
    link: ContactLink
    person: SalesforcePerson
    hubspot_values: dict[str, Any]
    decisions: list[FieldDecision]
    hubspot_modified: datetime | None = None

    @property
    def salesforce_changes(self) -> dict[str, str]:
        return {d.salesforce_field: d.after for d in self.decisions if d.direction == TO_SALESFORCE}

    @property
    def hubspot_changes(self) -> dict[str, str]:
        return {d.hubspot_property: d.after for d in self.decisions if d.direction == TO_HUBSPOT}

    @property
    def hubspot_changes_by_property(self) -> dict[str, str]:
        return {
            **self.hubspot_changes,
            **{d.hubspot_property: d.after for d in self.decisions if d.direction == TO_SALESFORCE},
        }


def _update_message(decisions: Iterable[FieldDecision], salesforce_type: str) -> str:
    to_sf = [d.salesforce_field for d in decisions if d.direction == TO_SALESFORCE]
    to_hs = [d.hubspot_property for d in decisions if d.direction == TO_HUBSPOT]
    parts = []
    if to_sf:
        parts.append(f"Salesforce {salesforce_type.lower()} updated: {', '.join(to_sf)}.")
    if to_hs:
        parts.append(f"HubSpot contact updated: {', '.join(to_hs)}.")
    return " ".join(parts)


def contacts_sync_run(ctx: JobContext) -> None:
    """The job kind's entry point: ``params["mode"]`` says which contacts."""
    with JobClients(ctx) as clients:
        run = ContactSync(ctx=ctx, clients=clients, mode=ctx.params.get("mode", Mode.INCREMENTAL))
        try:
            _contacts_sync(ctx, run)
        finally:
            run.close()


def _contacts_sync(ctx: JobContext, run: ContactSync) -> None:
    mode = run.mode
    # the job's total, as soon as it is known: what is asked for, then each read's count
    # (``expect``), then, once all is done, what the run really looked at
    if mode == Mode.ONE:
        ctx.set_total(1)
    elif mode == Mode.RETRY:
        ctx.set_total(len(ctx.params.get("records", [])))
    run.check_inclusion_list()
    shared = run.full_read_plan()
    if shared is None or mode == Mode.IMPORT:
        run.pull_salesforce()  # else the units pull it, beside the HubSpot reads
    if shared is None:
        run.settle_unconfirmed_creates()  # else each slice settles its own contacts'
    if mode not in (Mode.ONE, Mode.RETRY):
        run.retry_owed(read_hubspot=shared is None)
    if mode == Mode.RETRY:
        # Salesforce-side failures are retried by looking at those records again
        retry_salesforce = [
            key.removeprefix("sf:")
            for key in ctx.params.get("records", [])
            if key.startswith("sf:")
        ]
        SalesforcePerson.objects.filter(pk__in=retry_salesforce).update(pending=True)
    if mode == Mode.IMPORT:
        run.import_from_salesforce()
        # SPEC §3.6: then a sync fills the other mapped fields, for list members only;
        # membership is read afresh, since the imported contacts may have joined the list
        run.mode, run._gate = Mode.ALL, None
    if shared is not None:
        run.sync_shared_out(shared)
    else:
        run.sync_hubspot_stream(
            run.hubspot_pages(contact=ctx.params.get("contact", ""), counted=True)
        )
    run.sync_salesforce_pending(counted=True)
    # echo pass: absorb the modification times our own writes caused
    if mode not in (Mode.ONE, Mode.RETRY):
        run.mode = Mode.INCREMENTAL
        if run.salesforce_written:
            run.pull_salesforce_echo()
            run.sync_salesforce_pending()
        if run.wrote_hubspot or mode == Mode.IMPORT:
            run.sync_hubspot_stream(run.hubspot_pages())
    run.flush()
    ctx.total_is_seen()
