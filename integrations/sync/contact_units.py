"""A big contact sync fanned out: eligible HubSpot contacts in work units any worker runs.

The run that reads HubSpot (``ContactSync.sync_hubspot_stream``) applies the
inclusion gate itself and hands each ``SYNC_UNIT_RECORDS`` eligible contacts, as
read, to a unit (``core.services.job_units``). A unit links them by email or
creates them in Salesforce and syncs their fields, exactly as the run would have:
its creates are written ahead, its bookkeeping commits per batch with its audit
events, and its counts go into the job's counters.

A unit run a second time (its first worker died) first counts what its first run
already committed for this job, so no record is counted twice, and settles the
creates that run sent without an answer before it creates anything: a record is
never created twice. The run waits for every unit, then adopts their outcomes, so
its later passes (Salesforce -> HubSpot, the echo pass) count each record once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.services.job_runtime import JobContext
from core.services.job_units import job_unit_handler_register, job_units_finish, job_units_plan
from integrations.job_clients import JobClients
from integrations.sync.inclusion import InclusionGate

if TYPE_CHECKING:
    from integrations.sync.contacts import ContactSync

HANDLER = "contacts.records"


def contact_units_plan(run: ContactSync, records: list[dict[str, Any]]) -> int:
    """One unit for these eligible contacts; returns 1."""
    run.flush()  # what the run settled so far commits before a unit may count the same
    return job_units_plan(
        run.ctx, handler=HANDLER, payloads=[{"mode": run.mode, "records": records}]
    )


def contact_units_finish(run: ContactSync) -> None:
    """Work on the units too, wait for the last, then take over what they settled."""
    results = job_units_finish(run.ctx)
    run.wrote_hubspot |= any(r.get("wrote_hubspot") for r in results)
    run.wrote_salesforce |= any(r.get("wrote_salesforce") for r in results)
    run.absorb_job_outcomes()


def contacts_records_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The unit handler: sync the payload's eligible contacts."""
    from integrations.sync.contacts import ContactSync

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


job_unit_handler_register(HANDLER, contacts_records_unit)
