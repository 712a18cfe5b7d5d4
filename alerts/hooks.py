"""Called by the worker that ran a job once it ended (``JOB_FINISHED_HOOKS``)."""

from __future__ import annotations

from alerts.services.evaluation import incidents_evaluate
from core.models import SyncJob


def job_finished(job: SyncJob) -> None:
    incidents_evaluate()
