"""Contact sync (SPEC §3): HubSpot contacts <-> Salesforce leads/contacts.

A run is a sequence of passes, each a function of the run's fixed options
(``options.py``) and its shared context (``run.py``):

1. **Inclusion gate**: the chosen list must exist and be active, else contact sync
   pauses (``rules/inclusion.py``). Members are read only when there is something to
   check, so a run with nothing changed costs a handful of calls.
2. **Salesforce pull** (``mirror.py``): leads and contacts modified since their
   ``SystemModstamp`` cursors refresh the local mirror; records whose mapped values
   really changed are marked *pending*.
3. **Owed records**: creates whose answer was lost are looked up by email
   (``creates.py``), and every record with an open error is tried again.
4. **HubSpot -> Salesforce** (``reads.py``, ``pairs.py``): the HubSpot contacts read
   (modified since the cursor, or all, or the list's members, or one) that the gate
   allows are linked by email to a mirrored record or created in Salesforce, then
   field values flow both ways by the mapping rules. A big read goes out as work
   units that every worker takes (``units.py``).
5. **Salesforce -> HubSpot** (``salesforce_side.py``): pending Salesforce records;
   new leads/contacts create HubSpot contacts when auto-create is on.
6. **Echo pass**: our own writes bump both sides' modification times; the streams are
   read once more so they are absorbed now, not re-read by the next run.

Nothing is lost, nothing created twice: reads never shift (``reads.py``), each batch's
bookkeeping commits at once with its audit events (``engine/bookkeeping.py``), creates
are written ahead (``creates.py``), and what failed stays owed with an open error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings as django_settings

from core.services.job_runtime import JobContext
from integrations.chunks import chunks
from integrations.engine.contacts.creates import settle_unconfirmed_creates
from integrations.engine.contacts.mirror import pull_salesforce
from integrations.engine.contacts.options import ContactOptions, Mode
from integrations.engine.contacts.pairs import eligible_of, sync_records
from integrations.engine.contacts.reads import (
    HUBSPOT_CURSOR,
    FullRead,
    Page,
    full_read_plan,
    full_read_possible,
    hubspot_cursor_final,
    hubspot_pages,
    read_contacts,
)
from integrations.engine.contacts.run import SALESFORCE_TYPES, ContactRun
from integrations.engine.contacts.salesforce_side import (
    import_from_salesforce,
    sync_salesforce_pending,
)
from integrations.engine.contacts.units import (
    contact_units_echo,
    contact_units_finish,
    contact_units_full_read,
    contact_units_halt,
    contact_units_mirror,
    contact_units_plan,
)
from integrations.engine.cursors import cursor_set
from integrations.engine.run import engine_run
from integrations.models.contacts import RecordError, SalesforcePerson

__all__ = ["Mode", "contacts_sync_run"]


def contacts_sync_run(ctx: JobContext) -> None:
    """The job kind's entry point: ``params`` say which contacts (``ContactOptions``)."""
    with engine_run(ContactRun, ctx) as run:
        _passes(run, ContactOptions.of_job(ctx.params))


def _passes(run: ContactRun, opts: ContactOptions) -> None:
    ctx = run.ctx
    # the job's total, as soon as it is known: what is asked for, then each read's count
    # (``expect``), then, once all is done, what the run really looked at
    if opts.mode == Mode.ONE:
        ctx.set_total(1)
    elif opts.mode == Mode.RETRY:
        ctx.set_total(len(opts.records))
    run.check_inclusion_list()
    shared = _mirror_and_plan(run, opts)
    if shared is None:
        _resync(run, settle_unconfirmed_creates(run))  # else each slice settles its own
    if opts.mode not in (Mode.ONE, Mode.RETRY):
        _retry_owed(run, read_hubspot=shared is None)
    if opts.mode == Mode.RETRY:
        # Salesforce-side failures are retried by looking at those records again
        retry_salesforce = [k.removeprefix("sf:") for k in opts.records if k.startswith("sf:")]
        SalesforcePerson.objects.filter(pk__in=retry_salesforce).update(pending=True)
    if opts.mode == Mode.IMPORT:
        import_from_salesforce(run)
        # SPEC §3.6: then a sync fills the other mapped fields, for list members only;
        # membership is read afresh, since the imported contacts may have joined the list
        opts = replace(opts, mode=Mode.ALL)
        run.use_gate(None)
    if shared is not None:
        _sync_shared_out(run, shared)
    else:
        sync_hubspot_stream(run, hubspot_pages(run, opts, counted=True))
    sync_salesforce_pending(run, counted=True)
    if opts.mode not in (Mode.ONE, Mode.RETRY):
        _echo(run, imported=ctx.params.get("mode") == Mode.IMPORT)
    run.flush()
    ctx.total_is_seen()


def _mirror_and_plan(run: ContactRun, opts: ContactOptions) -> FullRead | None:
    """Pull the Salesforce mirror and plan the HubSpot read (a full read to share out, or
    None). A run that may read every contact leaves the pull to mirror units that other
    workers start at once, while it plans; a read too small to share out waits for them."""
    if opts.mode == Mode.IMPORT or not full_read_possible(run, opts):
        pull_salesforce(run)  # the import reads the mirror first
        return full_read_plan(run, opts)
    contact_units_mirror(run)
    try:
        shared = full_read_plan(run, opts)
    except BaseException as exc:
        contact_units_halt(run, exc)
        raise
    if shared is None:
        contact_units_finish(run)
    return shared


def _echo(run: ContactRun, *, imported: bool) -> None:
    """Absorb the modification times our own writes caused, so the next run does not
    read them again: Salesforce's in time ranges side by side when there are many."""
    incremental = ContactOptions(mode=Mode.INCREMENTAL)
    if run.salesforce_written:
        shared = contact_units_echo(run)
        pull_salesforce(run, [t for t in SALESFORCE_TYPES if t not in shared])
        sync_salesforce_pending(run)
    if run.wrote_hubspot or imported:
        sync_hubspot_stream(run, hubspot_pages(run, incremental))


def sync_hubspot_stream(run: ContactRun, pages: Iterable[Page]) -> None:
    """The pages' eligible contacts, then the stream's cursor.

    A run with at most ``SYNC_UNIT_RECORDS`` eligible contacts syncs them here. A bigger
    one hands them out as work units of that many, which any worker takes
    (``units.py``), while this run reads on; it then waits for the last unit and counts
    what the units settled. The cursor is stored once every contact read before it has
    synced."""
    size = django_settings.SYNC_UNIT_RECORDS
    held: list[dict] = []
    cursor: str | None = None
    planned = 0
    for page in pages:
        # a record a unit of this job settled (an echo read after them) counts once
        run.absorb_job_outcomes(hubspot_ids=[r["id"] for r in page.records])
        held.extend(eligible_of(run, page.records))
        cursor = page.cursor if page.cursor is not None else cursor
        while len(held) >= size:
            planned += contact_units_plan(run, held[:size])
            held = held[size:]
        run.ctx.raise_if_cancelled()
    if planned:
        if held:
            contact_units_plan(run, held)
        contact_units_finish(run)
    else:
        sync_records(run, held)
    with run.bookkeeping():
        if cursor is not None:
            cursor_set(HUBSPOT_CURSOR, cursor)
    run.ctx.raise_if_cancelled()


def _sync_shared_out(run: ContactRun, read: FullRead) -> None:
    """Every HubSpot contact, read and synced by work units; then the stream's cursor."""
    run.hubspot_fully_read = True
    run.expect(read.total)
    at_newest = contact_units_full_read(run, read)
    with run.bookkeeping():
        if read.newest is not None:
            cursor_set(
                HUBSPOT_CURSOR,
                hubspot_cursor_final(read.newest, at_newest, read_began_ms=read.began_ms),
            )
    run.ctx.raise_if_cancelled()


def _resync(run: ContactRun, hubspot_ids: list[str]) -> None:
    """Read these contacts again and sync them."""
    for chunk in chunks(hubspot_ids, 100):
        records = read_contacts(run, list(chunk))
        if records:
            sync_records(run, eligible_of(run, records))
            run.ctx.raise_if_cancelled()


def _retry_owed(run: ContactRun, *, read_hubspot: bool) -> None:
    """Every record with an open error is tried again, whether or not it changed since:
    what failed stays owed until it syncs (Retry in Sync health only does it sooner).
    ``read_hubspot=False``: the run reads every HubSpot contact anyway (a full read)."""
    keys = list(
        RecordError.objects.filter(object_type="contact").values_list("record_key", flat=True)
    )
    salesforce_ids = [k.removeprefix("sf:") for k in keys if k.startswith("sf:")]
    SalesforcePerson.objects.filter(pk__in=salesforce_ids, is_deleted=False).update(pending=True)
    if read_hubspot:
        _resync(
            run,
            [
                k.removeprefix("hs:")
                for k in keys
                if k.startswith("hs:") and k[3:].isdigit() and k not in run.failed_keys
            ],
        )
