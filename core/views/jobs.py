"""Job list, job page with live progress, cancel; what a button that starts a job says."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.job_kinds import job_kind_label, job_kind_purpose
from core.models import SyncJob
from core.selectors.jobs import (
    job_ahead,
    job_events,
    job_list,
    job_list_live,
    job_outcomes,
    job_progress_bar,
    job_settled,
)
from core.services.job_heartbeat import job_silent_since
from core.services.jobs import JobStart, JobStartOutcome, job_cancel


def _jobs_page(request: HttpRequest) -> dict[str, object]:
    status = request.GET.get("status", "")
    if status not in SyncJob.Status.values:
        status = ""
    page = Paginator(job_list(status=status), 50).get_page(request.GET.get("page"))
    return {
        "page": page,
        "status": status,
        "statuses": SyncJob.Status.choices,
        "live": job_list_live(list(page.object_list)),
    }


@require_GET
def jobs(request: HttpRequest) -> HttpResponse:
    return render(request, "core/jobs.html", _jobs_page(request))


@require_GET
def jobs_table(request: HttpRequest) -> HttpResponse:
    """The Jobs list's table, which the page polls to follow its jobs."""
    return render(request, "core/_jobs_live.html", _jobs_page(request))


def _progress(job: SyncJob) -> dict[str, object]:
    """What the live part of the job page shows besides the row."""
    return {
        "job": job,
        "bar": job_progress_bar(job),
        "outcomes": job_outcomes(job),
        "ahead": job_ahead(job=job),
        "silent_since": job_silent_since(job),
    }


def _events(job: SyncJob) -> dict[str, object]:
    return {"job": job, "events": job_events(job_id=job.pk), "settled": job_settled(job)}


@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(SyncJob.objects.select_related("requested_by"), pk=job_id)
    return render(
        request,
        "core/job_detail.html",
        {
            **_progress(job),
            "kind_label": job_kind_label(job.kind),
            "purpose": job_kind_purpose(job.kind, job.params),
            **_events(job),
        },
    )


@require_GET
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The fragment htmx polls while the job is active."""
    job = get_object_or_404(SyncJob, pk=job_id)
    return render(request, "core/_job_progress.html", _progress(job))


@require_GET
def job_events_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job page's audit events, polled until the job's trail is closed."""
    job = get_object_or_404(SyncJob, pk=job_id)
    return render(request, "core/_job_events.html", _events(job))


@require_GET
def job_cancel_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    """Cancelling asks first, on a page of its own (works without JavaScript)."""
    job = get_object_or_404(SyncJob, pk=job_id)
    return render(
        request,
        "core/job_cancel.html",
        {
            "job": job,
            "kind_label": job_kind_label(job.kind),
            "silent_since": job_silent_since(job),
        },
    )


@require_POST
def job_cancel_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_cancel(job=get_object_or_404(SyncJob, pk=job_id), actor=request.user)
    if job.status == SyncJob.Status.CANCELLED:
        messages.success(request, f"Job #{job.pk} was cancelled. {job.error}".strip())
    elif job.cancel_requested and job.is_active:
        messages.info(request, f"Job #{job.pk} will stop after its current batch.")
    else:
        messages.warning(
            request, f"Job #{job.pk} had already finished ({job.get_status_display()})."
        )
    return redirect("job_detail", job_id=job.pk)


def job_start_flash(request: HttpRequest, start: JobStart, *, what: str) -> None:
    """Say whether the click started ``what``, joined the same request, or queued behind."""
    job, outcome = start
    ahead = job_ahead(job=job) if outcome == JobStartOutcome.QUEUED else None
    if outcome == JobStartOutcome.JOINED:
        messages.info(
            request,
            f"The same request is already {job.get_status_display().lower()} (job #{job.pk}, "
            f"{what}): your request joined it instead of starting a second one.",
        )
    elif ahead is not None:
        messages.info(
            request,
            f"{what[:1].upper()}{what[1:]} (job #{job.pk}). Queued behind job #{ahead.pk}: "
            f"it starts when #{ahead.pk} finishes.",
        )
    else:
        messages.success(request, f"Started: {what}.")
