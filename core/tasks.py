"""django-q2 task entry points: they take ids and call services."""

from core.services.jobs import job_run


def run_job(job_id: int) -> str:
    job = job_run(job_id=job_id)
    return job.status if job else "gone"
