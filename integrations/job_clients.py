"""Clients for a running job, with every API call attributed to that job.

The transport counts each attempt in a ``CallMeter``; ``report`` drains the
meters into the job's counters together with the record counts, so the job
page shows API calls per side as they happen.

Every write either client sends first checks that the job is still this
worker's (``JobContext.ensure_owned``): a job declared dead never writes again,
whatever engine code it is in; it stops with ``JobAbandoned``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import requests

from core.services.job_runtime import JobContext
from integrations.connections import hubspot_client, salesforce_client
from integrations.http.budget import budget_store_org_usage
from integrations.http.transport import CallMeter, is_read
from integrations.salesforce.describe_cache import describe_max_age_s


class JobClients:
    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.hubspot_meter = CallMeter()
        self.salesforce_meter = CallMeter()

    @cached_property
    def hubspot(self) -> Any:
        return hubspot_client(meter=self.hubspot_meter, before_call=[self._writes_owned])

    @cached_property
    def salesforce(self) -> Any:
        """Reuses the stored session and the stored describes while they are young enough
        (``docs/salesforce-calls.md``)."""
        return salesforce_client(
            meter=self.salesforce_meter,
            before_call=[self._writes_owned],
            describe_max_age_s=describe_max_age_s(),
        )

    def _writes_owned(self, request: requests.PreparedRequest) -> None:
        if not is_read(request):
            self.ctx.ensure_owned()

    def __enter__(self) -> JobClients:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """However the job ends (done, failed, waiting, cancelled), its calls are counted."""
        self.report()

    def report(self, skipped_reasons: dict[str, int] | None = None, **counts: int) -> None:
        """Add record counts (and skip reasons) and the API calls made since the last report;
        the org's API usage is stored with them."""
        budget_store_org_usage()
        self.ctx.progress(
            skipped_reasons=skipped_reasons,
            hubspot_calls=self.hubspot_meter.drain(),
            salesforce_calls=self.salesforce_meter.drain(),
            **counts,
        )
