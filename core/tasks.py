"""django-q2 task entry points: they take ids and call services."""

from core.services.job_units import job_units_work
from core.services.jobs import job_run, job_watch


def run_job(job_id: int) -> str:
    job = job_run(job_id=job_id)
    return job.status if job else "gone"


def watch_jobs() -> str:
    """The per-minute schedule (``core.services.jobs.WATCH_SCHEDULE``)."""
    ended, handed_over = job_watch()
    return f"{len(ended)} dead job(s) ended, {len(handed_over)} queued job(s) handed over"


def run_job_units(job_id: int) -> str:
    """One worker's share of a fanned-out job (``core.services.job_units``)."""
    return f"{job_units_work(job_id=job_id)} unit(s) run"
