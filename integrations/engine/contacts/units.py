"""A big contact sync fanned out: HubSpot contacts in work units any worker runs.

Two kinds of unit (``core.services.job_units``):

- **An id slice** (``contacts.slice``). A full read of more than
  ``SYNC_UNIT_RECORDS`` contacts reads its first page itself, then shares out the
  rest as slices of the id range (``above < id <= up_to``, the last one open-ended,
  about ``SYNC_UNIT_RECORDS`` contacts each) with the inclusion list's members in
  that range. Each unit reads its slice from HubSpot (ids never change, so slices
  never overlap and nothing falls between them), applies the list and syncs, so
  the reads run side by side on every worker, within the shared rate limit.
- **Eligible records** (``contacts.records``). Any other read (an incremental one)
  is read by the run, which applies the inclusion gate itself and hands each
  ``SYNC_UNIT_RECORDS`` eligible contacts, as read, to a unit.

Either unit links its contacts by email or creates them in Salesforce and syncs
their fields, exactly as the run would have: its creates are written ahead, its
bookkeeping commits per batch with its audit events, and its counts go into the
job's counters.

A unit run a second time (its first worker died) first counts what its first run
already committed for this job, so no record is counted twice, and settles the
creates that run sent without an answer before it creates anything: a record is
never created twice. The run waits for every unit, then adopts their outcomes, so
its later passes (Salesforce -> HubSpot, the echo pass) count each record once.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings

from core.services.job_runtime import JobContext
from core.services.job_units import job_unit_handler_register, job_units_finish, job_units_plan
from integrations.hubspot.streams import IdSpan
from integrations.job_clients import JobClients
from integrations.rules.inclusion import InclusionGate

if TYPE_CHECKING:
    from integrations.engine.contacts.sync import ContactSync

HANDLER = "contacts.records"
SLICE_HANDLER = "contacts.slice"


def contact_units_plan(run: ContactSync, records: list[dict[str, Any]]) -> int:
    """One unit for these eligible contacts; returns 1."""
    run.flush()  # what the run settled so far commits before a unit may count the same
    return job_units_plan(
        run.ctx, handler=HANDLER, payloads=[{"mode": run.mode, "records": records}]
    )


def contact_units_finish(run: ContactSync) -> list[dict[str, Any]]:
    """Work on the units too, wait for the last, then take over what they settled;
    returns their results."""
    results = job_units_finish(run.ctx)
    run.wrote_hubspot |= any(r.get("wrote_hubspot") for r in results)
    run.wrote_salesforce |= any(r.get("wrote_salesforce") for r in results)
    for result in results:
        run.outside_list.update(result.get("outside") or {})
    run.absorb_job_outcomes()
    return results


def contact_units_read_rest(
    run: ContactSync, *, after_id: int, remaining: int, newest: int | None
) -> set[str]:
    """Share out a full read's contacts after ``after_id`` (about ``remaining`` of them)
    as id slices, work on them too and wait for the last; returns the ids the slices
    read that were last modified at ``newest`` (the cursor's handled ids)."""
    highest = run.hubspot.contacts_highest_id()
    if highest is None or highest <= after_id:
        return set()
    span = IdSpan(first=after_id + 1, last=highest)
    slices = span.slices(-(-remaining // django_settings.SYNC_UNIT_RECORDS))
    members = _sorted_members(run.gate.members)
    run.flush()  # what the run settled so far commits before a unit may count the same
    job_units_plan(
        run.ctx,
        handler=SLICE_HANDLER,
        payloads=[
            {
                "mode": run.mode,
                "above": above,
                "up_to": up_to,
                "members": None if members is None else _members_in(members, above, up_to),
                "newest": newest,
            }
            for above, up_to in slices
        ],
    )
    results = contact_units_finish(run)
    return {i for r in results for i in r.get("at_newest") or ()}


def _sorted_members(members: frozenset[str] | None) -> list[int] | None:
    if members is None:
        return None
    return sorted(int(m) for m in members if m.isdigit())


def _members_in(members: list[int], above: int, up_to: int | None) -> list[str]:
    start = bisect_right(members, above)
    end = len(members) if up_to is None else bisect_right(members, up_to)
    return [str(m) for m in members[start:end]]


def contacts_records_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The unit handler: sync the payload's eligible contacts."""
    from integrations.engine.contacts.sync import ContactSync

    records = payload["records"]
    ids = [r["id"] for r in records]
    with JobClients(ctx) as clients:
        run = ContactSync(ctx=ctx, clients=clients, mode=payload.get("mode", ""))
        run._gate = InclusionGate(list_id="", members=None)  # the planning run applied it
        try:
            run.absorb_job_outcomes(hubspot_ids=ids)
            run.settle_unconfirmed_creates(hubspot_ids=ids)
            run.sync_records(records)
        finally:
            run.close()
    return {"wrote_hubspot": run.wrote_hubspot, "wrote_salesforce": run.wrote_salesforce}


def contacts_slice_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The slice handler: read the slice's contacts from HubSpot, apply the inclusion
    list (its members in the slice came with the payload) and sync them, a unit's worth
    of eligible contacts at a time."""
    from integrations.engine.contacts.sync import ContactSync, at_moment

    members = payload["members"]
    size = django_settings.SYNC_UNIT_RECORDS
    at_newest: set[str] = set()
    with JobClients(ctx) as clients:
        run = ContactSync(ctx=ctx, clients=clients, mode=payload.get("mode", ""))
        run._gate = InclusionGate(
            list_id="", members=None if members is None else frozenset(members)
        )
        held: list[dict[str, Any]] = []
        try:
            for records in run.hubspot.contacts_by_id(
                run.hubspot_properties, above=payload["above"], up_to=payload["up_to"]
            ):
                ids = [r["id"] for r in records]
                # a second run of the unit: what its first run settled counts once
                run.absorb_job_outcomes(hubspot_ids=ids)
                run.settle_unconfirmed_creates(hubspot_ids=ids)
                held.extend(run.eligible_of(records))
                at_newest |= at_moment(records, payload["newest"])
                if len(held) >= size:
                    run.sync_records(held)
                    held = []
                ctx.raise_if_cancelled()
            run.sync_records(held)
        finally:
            run.close()
    return {
        "wrote_hubspot": run.wrote_hubspot,
        "wrote_salesforce": run.wrote_salesforce,
        "at_newest": sorted(at_newest),
        "outside": run.outside_list,
    }


job_unit_handler_register(HANDLER, contacts_records_unit)
job_unit_handler_register(SLICE_HANDLER, contacts_slice_unit)
