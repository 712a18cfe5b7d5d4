"""Job list, job page with live progress, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.job_kinds import job_kind_label
from core.models import SyncJob
from core.selectors.jobs import job_events, job_list
from core.services.jobs import job_cancel


@require_GET
def jobs(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in SyncJob.Status.values:
        status = ""
    page = Paginator(job_list(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/jobs.html",
        {"page": page, "status": status, "statuses": SyncJob.Status.choices},
    )


@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(SyncJob.objects.select_related("requested_by"), pk=job_id)
    return render(
        request,
        "core/job_detail.html",
        {"job": job, "kind_label": job_kind_label(job.kind), "events": job_events(job_id=job.pk)},
    )


@require_GET
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The fragment htmx polls while the job is active."""
    job = get_object_or_404(SyncJob, pk=job_id)
    return render(request, "core/_job_progress.html", {"job": job})


@require_POST
def job_cancel_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_cancel(job=get_object_or_404(SyncJob, pk=job_id), actor=request.user)
    if job.status == SyncJob.Status.CANCELLED:
        messages.success(request, f"Job #{job.pk} was cancelled.")
    elif job.cancel_requested and job.is_active:
        messages.info(request, f"Job #{job.pk} will stop after its current batch.")
    else:
        messages.warning(
            request, f"Job #{job.pk} had already finished ({job.get_status_display()})."
        )
    return redirect("job_detail", job_id=job.pk)
