"""A test-only job kind, registered in the test process and (via JOB_KIND_MODULES)
in the qcluster workers the tests start."""

from __future__ import annotations

import time

from core.job_kinds import register_job_kind
from core.services.job_runtime import JobContext


def count_up(ctx: JobContext) -> None:
    """Counts ``steps`` records, ``delay`` seconds apart; fails the ones in ``fail``;
    with ``say_total``, says first how many it will count."""
    steps = int(ctx.params.get("steps", 3))
    delay = float(ctx.params.get("delay", 0))
    fail = set(ctx.params.get("fail", []))
    if ctx.params.get("say_total"):
        ctx.set_total(steps)
    for step in range(steps):
        ctx.raise_if_cancelled()
        if step in fail:
            ctx.progress(seen=1, failed=1, hubspot_calls=1)
        else:
            ctx.progress(seen=1, created=1, hubspot_calls=1, salesforce_calls=1)
        time.sleep(delay)
    if ctx.params.get("crash"):
        raise RuntimeError(ctx.params["crash"])


register_job_kind("test.count", label="Test counter", run=count_up)


def wait_once(ctx: JobContext) -> None:
    """Parks itself the first time, finishes the second."""
    from datetime import timedelta

    from django.utils import timezone

    from core.services.job_runtime import JobMustWait

    if ctx.counters()["seen"] == 0:
        ctx.progress(seen=1)
        raise JobMustWait("Budget used up.", resume_at=timezone.now() + timedelta(seconds=1))
    ctx.progress(seen=1, created=1)


register_job_kind("test.wait", label="Test waiter", run=wait_once)
