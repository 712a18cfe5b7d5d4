"""A big contact sync fanned out: work units any worker runs.

**A full read** of more than ``SYNC_UNIT_RECORDS`` contacts (a first sync, *Sync now*
for everything) is planned from three searches side by side (how many contacts, the
lowest and highest id, the newest change) before anything else is read, so every worker
has work within a second:

- **mirror units** (``contacts.mirror``), one per Salesforce object, planned before
  those searches by any run that may read every contact: pull the leads and the
  contacts changed since their cursors into the local mirror, side by side (a read
  that turns out too small to share out waits for them);
- **id slices** (``contacts.slice``): the contact ids cut into ranges (``above < id <=
  up_to``, about ``SYNC_UNIT_RECORDS`` contacts each, or ``SYNC_BULK_READ_SLICES`` in
  a read of more than ``SYNC_BULK_READ_ABOVE``; the last one open-ended, so a
  contact created during the read is not missed). Each reads its contacts from HubSpot
  (ids never change, so slices never overlap and nothing falls between them), waits
  for the mirror (matching by email needs all of it) and for its members of the
  inclusion list, then applies the list and syncs a unit's worth of contacts at a time
  as it reads them (links by email, field values), holding only the ones to create:
  those go together at the end, so a big slice's creates make one Bulk job while its
  memory holds one unit's bookkeeping;
- **a paged unit** (``contacts.paged``) for the lowest ``SYNC_PAGED_READ_SHARE`` of the
  ids in a read of unit-sized slices: it pages them through HubSpot's contact listing
  (in id order, stopping past its range), a unit's worth ahead of their sync
  (``read_ahead``: the listing goes page after page), and syncs them as a slice does.
  The listing's calls count against HubSpot's 190 per 10 seconds, the slices' against
  its 5 searches per second, so the read is not bound by the searches alone.

Meanwhile the job's own worker reads the list's members in a thread beside its work
on units (``Beside``; HubSpot serves them in ascending id order) and posts each slice's
members as soon as the pages are past it (``job_note_post``). The reads that the limits
allow to run side by side (searches, the Salesforce queries, the member pages) so all
run at once.

**The echo pass** of a run that wrote more than ``ECHO_RECORDS`` records of a
Salesforce object reads that object's changes back as ``contacts.echo`` units, one per
time range holding at most a query page of the run's writes (at most
``ECHO_UNITS_AT_MOST`` of them), and each other object's in one unit, side by side;
each cursor moves once all are mirrored.

**Any other read** (an incremental one) is read by the run, which applies the inclusion
gate itself and hands each ``SYNC_UNIT_RECORDS`` eligible contacts, as read, to a
``contacts.records`` unit.

Every unit links its contacts by email or creates them in Salesforce and syncs their
fields exactly as the run would have: its creates are written ahead, its bookkeeping
commits per batch with its audit events, and its counts go into the job's counters. A
unit run a second time (its first worker died) first counts what its first run already
committed for this job, so no record is counted twice, and settles the creates that run
sent without an answer before it creates anything: a record is never created twice. The
run waits for every unit; its later passes (Salesforce -> HubSpot, the echo pass) adopt
the units' outcomes of the records they handle, so each record counts once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from itertools import pairwise
from typing import Any

from django.conf import settings as django_settings

from core.services.job_runtime import JobContext
from core.services.job_units import (
    job_note_post,
    job_note_ready,
    job_unit_handler_register,
    job_units_done,
    job_units_finish,
    job_units_halt,
    job_units_plan,
    job_units_wait_until,
)
from integrations.chunks import chunks
from integrations.engine.contacts.creates import create_in_salesforce, settle_unconfirmed_creates
from integrations.engine.contacts.mirror import (
    mirror_modified,
    pull_salesforce,
    salesforce_cursor_name,
)
from integrations.engine.contacts.pairs import eligible_of, link_by_email, sync_pairs, sync_records
from integrations.engine.contacts.reads import FullRead, at_moment
from integrations.engine.contacts.run import SALESFORCE_TYPES, ContactRun
from integrations.engine.cursors import cursor_get, cursor_set
from integrations.engine.run import engine_run
from integrations.http.side_by_side import Beside, read_ahead
from integrations.hubspot import limits as hubspot_limits
from integrations.hubspot.streams import IdSpan, ListedOutOfOrder
from integrations.rules.inclusion import InclusionGate
from integrations.vendor_time import vendor_time

logger = logging.getLogger(__name__)

HANDLER = "contacts.records"
SLICE_HANDLER = "contacts.slice"
PAGED_HANDLER = "contacts.paged"
MIRROR_HANDLER = "contacts.mirror"
ECHO_HANDLER = "contacts.echo"
#: records of a Salesforce query page: the echo pass gives each unit about this many
ECHO_RECORDS = 2000
#: ...in at most this many units: each unit's query costs calls of the org's allowance,
#: and a bigger range reads more records per call
ECHO_UNITS_AT_MOST = 8
#: a slice holding more than this many units' worth of contacts shares out the rest
SPLIT_ABOVE = 1.5
#: a searched read's last this many slices go out as twice as many half slices
TAPERED_SLICES = 2


def slice_size(total: int) -> int:
    """How many contacts a slice of a full read of ``total`` holds: a unit's worth
    (``SYNC_UNIT_RECORDS``: many small units share the work out best), or, in a read
    of more than ``SYNC_BULK_READ_ABOVE``, the read's share of
    ``SYNC_BULK_READ_SLICES`` slices, so that each slice's creates go in a Bulk job
    (there, hundreds of collections would cost more of the org's API calls)."""
    unit = django_settings.SYNC_UNIT_RECORDS
    if total <= django_settings.SYNC_BULK_READ_ABOVE:
        return unit
    return max(unit, -(-total // django_settings.SYNC_BULK_READ_SLICES))


def contact_units_plan(run: ContactRun, records: list[dict[str, Any]]) -> int:
    """One unit for these eligible contacts; returns 1."""
    run.flush()  # what the run settled so far commits before a unit may count the same
    return job_units_plan(run.ctx, handler=HANDLER, payloads=[{"records": records}])


def contact_units_finish(run: ContactRun) -> list[dict[str, Any]]:
    """Work on the units too and wait for the last; returns their results. What they
    settled, later passes take over record by record (``absorb_job_outcomes``)."""
    results = job_units_finish(run.ctx)
    run.wrote_hubspot |= any(r.get("wrote_hubspot") for r in results)
    for result in results:
        run.salesforce_writes += [tuple(write) for write in result.get("salesforce_writes") or ()]
    for result in results:
        run.outside_list.update(result.get("outside") or {})
    return results


def contact_units_mirror(run: ContactRun) -> None:
    """Plan the mirror units, one per Salesforce object: other workers pull the mirror
    while this run plans its read, so the slices find it ready."""
    run.flush()
    job_units_plan(
        run.ctx,
        handler=MIRROR_HANDLER,
        payloads=[{"object_type": object_type} for object_type in SALESFORCE_TYPES],
    )


def contact_units_halt(run: ContactRun, exc: BaseException) -> None:
    """The run failed while units ran: stop them (see ``job_units_halt``)."""
    job_units_halt(run.ctx, why=str(exc) or type(exc).__name__)


def read_ranges(read: FullRead) -> tuple[tuple[int, int] | None, list[tuple[int, int | None]]]:
    """A full read's id ranges ``(above, up_to)``: the lowest ``SYNC_PAGED_READ_SHARE``
    of its ids for one paged unit (None when it has none: the share is 0, or the read is
    cut into Bulk slices), and the rest in search slices of ``slice_size`` contacts, the
    last ones half as big (``tapered_slices``; not Bulk slices) and the last open-ended.
    HubSpot's two limits then both serve the read: the searches' 5 per second and the
    listing's share of 190 calls per 10 seconds."""
    span, size = read.span, slice_size(read.total)
    share = django_settings.SYNC_PAGED_READ_SHARE
    up_to = span.first - 1 + int((span.last - span.first + 1) * share)
    if read.total > django_settings.SYNC_BULK_READ_ABOVE:
        return None, span.slices(-(-read.total // size))
    if not span.first <= up_to < span.last:
        return None, tapered_slices(span, -(-read.total // size))
    searched = round(read.total * (1 - share))
    rest = IdSpan(first=up_to + 1, last=span.last)
    return (span.first - 1, up_to), tapered_slices(rest, -(-searched // size))


def tapered_slices(span: IdSpan, count: int) -> list[tuple[int, int | None]]:
    """``count`` slices of ``span`` (``IdSpan.slices``), the last ``TAPERED_SLICES`` of them
    cut in halves: the workers take slices in order, and the ones that finish first then
    share the end of the read instead of waiting while one worker reads and syncs a whole
    last slice."""
    if count <= TAPERED_SLICES:
        return span.slices(count)
    halves = span.slices(2 * count)
    whole = count - TAPERED_SLICES
    return [(halves[2 * n][0], halves[2 * n + 1][1]) for n in range(whole)] + halves[2 * whole :]


def contact_units_full_read(run: ContactRun, read: FullRead) -> set[str]:
    """Share out a full read (see the module docstring), read the list's members here
    meanwhile, work on the units too and wait for the last; returns the ids the slices
    read that were last modified at ``read.newest`` (the cursor's handled ids)."""
    paged, searched = read_ranges(read)
    slices = ([paged] if paged else []) + searched
    size = slice_size(read.total)
    listed = bool(run.list_id)
    run.flush()  # what the run settled so far commits before a unit may count the same
    payloads = [
        {
            "above": above,
            "up_to": up_to,
            "members": _members_note(n) if listed else None,
            "newest": read.newest,
            "highest": read.span.last,
            "size": size,
        }
        for n, (above, up_to) in enumerate(slices)
    ]
    if paged:  # first: it reads the most
        job_units_plan(run.ctx, handler=PAGED_HANDLER, payloads=payloads[:1])
    job_units_plan(run.ctx, handler=SLICE_HANDLER, payloads=payloads[1 if paged else 0 :])
    # the members are read beside the units (this worker works on them meanwhile); a
    # failed read halts the units waiting for them, and the run fails as the read did
    members = Beside(partial(_read_members, run, slices)) if listed else None
    try:
        results = contact_units_finish(run)
    except Exception:
        if members is not None:
            members.result()  # a failed read is what stopped the units: it says why
        raise
    if members is not None:
        members.result()
    return {i for r in results for i in r.get("at_newest") or ()}


def _read_members(run: ContactRun, slices: list[tuple[int, int | None]]) -> None:
    """Read the list's members, posting each slice's as soon as they are all read."""
    try:
        posted = _SliceMembers(run.ctx, slices)
        run.read_members(on_page=posted.add)
        posted.finish()
    except BaseException as exc:
        contact_units_halt(run, exc)
        raise


def _members_note(n: int) -> str:
    return f"contacts.members.{n}"


class MembersOutOfOrder(Exception):
    """HubSpot sent the list's members out of id order after some slices had theirs."""


class _SliceMembers:
    """Posts each slice's members of the inclusion list as soon as the list's pages
    (ascending ids, as HubSpot documents them) are past the slice."""

    def __init__(self, ctx: JobContext, slices: list[tuple[int, int | None]]) -> None:
        self.ctx, self.slices = ctx, slices
        self.posted = 0
        self.held: list[int] = []
        self.last = 0
        self.in_order = True

    def add(self, page: list[str]) -> None:
        ids = [int(member) for member in page if member.isdigit()]
        if not ids:
            return
        if ids[0] <= self.last or ids != sorted(ids):
            if self.posted:
                # a slice may already have synced without this member: say so, never skip it
                raise MembersOutOfOrder(
                    "HubSpot sent the inclusion list's members out of id order; the run "
                    "stopped before any contact of the list could be left out"
                )
            self.in_order = False  # nothing posted yet: post everything at the end
        self.held.extend(ids)
        self.last = max(self.last, ids[-1])
        if self.in_order:
            self._post(through=self.last)

    def finish(self) -> None:
        self.held.sort()
        self._post(through=None)

    def _post(self, *, through: int | None) -> None:
        """Post the slices whose every member has been read (all of them: ``None``)."""
        while self.posted < len(self.slices):
            above, up_to = self.slices[self.posted]
            if through is not None and (up_to is None or up_to > through):
                return
            mine = [m for m in self.held if above < m and (up_to is None or m <= up_to)]
            job_note_post(self.ctx, _members_note(self.posted), [str(m) for m in mine])
            self.held = [m for m in self.held if up_to is not None and m > up_to]
            self.posted += 1


def contacts_records_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The unit handler: sync the payload's eligible contacts."""
    records = payload["records"]
    ids = [r["id"] for r in records]
    with engine_run(ContactRun, ctx) as run:
        run.use_gate(InclusionGate(list_id="", members=None))  # the planning run applied it
        run.absorb_job_outcomes(hubspot_ids=ids)
        settle_unconfirmed_creates(run, hubspot_ids=ids)
        sync_records(run, records)
    return {"wrote_hubspot": run.wrote_hubspot, "salesforce_writes": run.salesforce_writes}


def contacts_mirror_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The mirror handler: pull one Salesforce object's changes into the mirror."""
    with engine_run(ContactRun, ctx) as run:
        pull_salesforce(run, [payload["object_type"]])
    return {}


def _split(ctx: JobContext, payload: dict[str, Any], *, after: int, remaining: int) -> None:
    """Share out the rest of a slice that holds more than a unit (contact ids are rarely
    spread evenly): the ids after ``after`` in slices of about a unit's worth each, the
    last one as open-ended as the slice was. They wait for the same members' note: the
    slice's members are a superset of theirs."""
    up_to = payload["up_to"]
    last = up_to if up_to is not None else max(payload["highest"], after + 1)
    count = -(-remaining // payload["size"])
    parts = IdSpan(first=after + 1, last=last).slices(count)
    if up_to is not None:
        parts[-1] = (parts[-1][0], up_to)
    job_units_plan(
        ctx,
        handler=SLICE_HANDLER,
        payloads=[{**payload, "above": above, "up_to": end} for above, end in parts],
    )


def contacts_slice_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The slice handler: read the slice's contacts by search (sharing out the rest if
    the slice holds more than a unit) and sync them as they are read."""
    return _sync_as_read(ctx, payload, _searched)


def contacts_paged_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The paged handler: page the lowest ids of the full read through HubSpot's contact
    listing, a unit's worth ahead of their sync (the listing goes page after page, so
    it is read meanwhile), and sync them as they are read.

    Should HubSpot list them out of id order (it pages them by id, but does not
    document it), a search slice reads the range again instead: what this unit synced
    counts once (``absorb_job_outcomes``)."""
    try:
        return _sync_as_read(ctx, payload, _paged)
    except ListedOutOfOrder as exc:
        logger.warning("Job %s: %s; a search slice reads them again", ctx.job_id, exc)
        job_units_plan(ctx, handler=SLICE_HANDLER, payloads=[payload])
        return {}


Reader = Callable[[ContactRun, JobContext, dict[str, Any]], Iterator[list[dict[str, Any]]]]


def _searched(
    run: ContactRun, ctx: JobContext, payload: dict[str, Any]
) -> Iterator[list[dict[str, Any]]]:
    """The slice's contacts by search, in id order; once the first page shows that the
    slice holds more than ``SPLIT_ABOVE`` units, the rest is shared out instead."""
    total: list[int] = []
    for page, records in enumerate(
        run.hubspot.contacts_by_id(
            run.hubspot_properties, total.append, above=payload["above"], up_to=payload["up_to"]
        )
    ):
        yield records
        if page == 0 and total[0] > payload["size"] * SPLIT_ABOVE:
            _split(ctx, payload, after=int(records[-1]["id"]), remaining=total[0] - len(records))
            return


def _paged(
    run: ContactRun, ctx: JobContext, payload: dict[str, Any]
) -> Iterator[list[dict[str, Any]]]:
    """The range's contacts through HubSpot's contact listing, read a unit's worth ahead
    of the caller (the listing goes page after page)."""
    pages = run.hubspot.contacts_listed_by_id(
        run.hubspot_properties, above=payload["above"], up_to=payload["up_to"]
    )
    ahead = -(-django_settings.SYNC_UNIT_RECORDS // hubspot_limits.OBJECTS_PAGE_SIZE)
    return read_ahead(pages, depth=ahead)


def _sync_as_read(ctx: JobContext, payload: dict[str, Any], read: Reader) -> dict[str, Any]:
    """Once the mirror is pulled and the range's members of the inclusion list are
    posted, apply the list to the contacts ``read`` yields and sync them a unit's worth
    at a time as they are read, holding only the ones to create, which go together at
    the end (one Bulk job in a big slice or the paged unit)."""
    unit = django_settings.SYNC_UNIT_RECORDS
    at_newest: set[str] = set()
    with engine_run(ContactRun, ctx) as run:
        held: list[dict[str, Any]] = []
        to_create: list[dict[str, Any]] = []
        gated = False
        for records in read(run, ctx, payload):
            held.extend(records)
            at_newest |= at_moment(records, payload["newest"])
            ctx.raise_if_cancelled()
            if len(held) >= unit and (gated or (gated := _gate_ready(run, ctx, payload))):
                to_create += _sync_read(run, held)
                held = []

        if not gated:
            _gate_wait(run, ctx, payload)
        to_create += _sync_read(run, held)
        create_in_salesforce(run, to_create)
    return {
        "wrote_hubspot": run.wrote_hubspot,
        "salesforce_writes": run.salesforce_writes,
        "at_newest": sorted(at_newest),
        "outside": run.outside_list,
    }


def _gate_ready(run: ContactRun, ctx: JobContext, payload: dict[str, Any]) -> bool:
    """Whether the mirror is pulled and the slice's members are posted, without waiting;
    if so, the run's inclusion gate holds those members."""
    if not job_units_done(ctx, handler=MIRROR_HANDLER):
        return False
    members = None
    if payload["members"] is not None:
        posted, members = job_note_ready(ctx, payload["members"])
        if not posted:
            return False
    _use_members(run, members)
    return True


def _gate_wait(run: ContactRun, ctx: JobContext, payload: dict[str, Any]) -> None:
    """Wait for the mirror and the range's members; the run's gate then holds them.
    Meanwhile the worker starts the next queued slice beside this one
    (``job_units_wait_until``): a range read before its members are keeps the searches
    going instead of idling, and both slices' writes go side by side. Not in a read cut
    into Bulk slices: each holds its creates until its end, and two in one worker would
    double its memory."""
    unit_sized = payload["size"] <= django_settings.SYNC_UNIT_RECORDS
    job_units_wait_until(
        ctx,
        partial(_gate_ready, run, ctx, payload),
        runs=[MIRROR_HANDLER],
        beside=[SLICE_HANDLER] if unit_sized else [],
    )


def _use_members(run: ContactRun, members: list[str] | None) -> None:
    run.use_gate(InclusionGate(list_id="", members=None if members is None else frozenset(members)))


def _sync_read(run: ContactRun, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply the gate to contacts read and link and sync them, a unit's worth at a time
    (a big slice holds no more bookkeeping than a small one); returns the eligible ones
    still to create in Salesforce."""
    to_create: list[dict[str, Any]] = []
    for part in chunks(records, django_settings.SYNC_UNIT_RECORDS):
        ids = [r["id"] for r in part]
        # a second run of the unit: what its first run settled counts once
        run.absorb_job_outcomes(hubspot_ids=ids)
        settle_unconfirmed_creates(run, hubspot_ids=ids)
        pairs, unmatched = link_by_email(run, eligible_of(run, list(part)))
        sync_pairs(run, pairs)
        to_create.extend(unmatched)
    return to_create


def contact_units_echo(run: ContactRun) -> set[str]:
    """The echo pass's pull, once the run wrote more than a query page of records to a
    Salesforce object: units pull each such object's changes since its cursor in time
    ranges, and every other object's in one range, all side by side; each cursor moves
    once all are mirrored. Returns the objects they pulled (none: the run pulls them)."""
    if all(written <= ECHO_RECORDS for written in run.salesforce_written.values()):
        return set()
    payloads = []
    for object_type in SALESFORCE_TYPES:
        since = vendor_time(cursor_get(salesforce_cursor_name(object_type)))
        # the run's writes cut the time since the cursor (or the first record, without
        # one) into ranges of a query page each, the last one open-ended
        writes = sorted(
            (datetime.fromisoformat(when), records)
            for written_to, when, records in run.salesforce_writes
            if written_to == object_type
        )
        cuts = echo_cuts(writes, per_range=ECHO_RECORDS, at_most=ECHO_UNITS_AT_MOST)
        cuts = [cut for cut in cuts if since is None or cut > since]
        payloads += [
            {
                "object_type": object_type,
                "since": start.isoformat() if start else None,
                "before": end.isoformat() if end else None,
            }
            for start, end in zip([since, *cuts], [*cuts, None], strict=True)
        ]
    run.flush()
    job_units_plan(run.ctx, handler=ECHO_HANDLER, payloads=payloads)
    newest: dict[str, str] = {}
    for result in job_units_finish(run.ctx):
        for object_type, stamp in (result.get("echo") or {}).items():
            current = newest.get(object_type)
            if stamp and (current is None or vendor_time(stamp) > vendor_time(current)):
                newest[object_type] = stamp
    with run.bookkeeping():
        for object_type, stamp in newest.items():
            cursor_set(salesforce_cursor_name(object_type), stamp)
    return set(SALESFORCE_TYPES)


def echo_cuts(
    writes: list[tuple[datetime, int]], *, per_range: int, at_most: int
) -> list[datetime]:
    """Moments that cut a run's writes of one object (when, how many records; in time
    order) into ranges of at most ``per_range`` records each (a query page: each range
    is then read in one call, side by side with the others), each cut halfway between
    two writes; a single write of more (a Bulk job) is a range of its own. Should that
    take more than ``at_most`` ranges, ``at_most`` of about as many records each."""
    cuts: list[datetime] = []
    held = 0
    for (moment, records), (following, then) in pairwise(writes):
        held += records
        if held + then > per_range:
            cuts.append(moment + (following - moment) / 2)
            held = 0
    if len(cuts) < at_most:
        return _distinct(cuts)
    total = sum(records for _, records in writes)
    cuts, seen = [], 0
    for (moment, records), (following, _) in pairwise(writes):
        seen += records
        if len(cuts) < at_most - 1 and seen >= total * (len(cuts) + 1) / at_most:
            cuts.append(moment + (following - moment) / 2)
    return _distinct(cuts)


def _distinct(cuts: list[datetime]) -> list[datetime]:
    """The cuts without repeats (writes at one moment), in order."""
    return sorted(set(cuts))


def contacts_echo_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The echo handler: mirror one Salesforce object's changes in one time range."""
    since, before = payload["since"], payload["before"]
    with engine_run(ContactRun, ctx) as run:
        newest = mirror_modified(
            run,
            payload["object_type"],
            since=datetime.fromisoformat(since) if since else None,
            before=datetime.fromisoformat(before) if before else None,
        )
    return {"echo": {payload["object_type"]: newest}}


job_unit_handler_register(HANDLER, contacts_records_unit)
job_unit_handler_register(ECHO_HANDLER, contacts_echo_unit)
job_unit_handler_register(SLICE_HANDLER, contacts_slice_unit)
job_unit_handler_register(PAGED_HANDLER, contacts_paged_unit)
job_unit_handler_register(MIRROR_HANDLER, contacts_mirror_unit)
