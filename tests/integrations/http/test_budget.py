"""The Salesforce API budget: reserved before each call, never passed, jobs wait."""

import threading

import pytest
from django.db import connection
from django.db.models import QuerySet

from core.models import SyncJob
from core.services.jobs import job_run, job_start
from integrations.http import budget
from integrations.http.errors import BudgetExhausted
from integrations.models import ApiUsageDay


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_pass_the_cap() -> None:
    admitted: list[int] = []
    refused: list[int] = []

    def worker() -> None:
        for _ in range(20):
            try:
                budget.budget_reserve(cap=37)
                admitted.append(1)
            except BudgetExhausted:
                refused.append(1)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 37 and len(refused) == 80 - 37
    assert budget.budget_today(side=budget.SALESFORCE).calls == 37


@pytest.mark.django_db
def test_the_first_call_of_the_day_is_counted_when_another_worker_makes_one_too(
    monkeypatch,
) -> None:
    """Two workers' first calls of a UTC day: the other's creates the day's row just
    after this one found none. This call is counted, not refused as over the budget."""
    real_update = QuerySet.update

    def update_then_the_other_worker_counts(self, **changes):
        updated = real_update(self, **changes)
        if self.model is ApiUsageDay and not ApiUsageDay.objects.exists():
            ApiUsageDay.objects.create(side=budget.SALESFORCE, day=budget._today(), calls=1)
        return updated

    monkeypatch.setattr(QuerySet, "update", update_then_the_other_worker_counts)

    budget.budget_reserve(cap=10)

    assert budget.budget_today(side=budget.SALESFORCE).calls == 2


@pytest.mark.django_db
def test_an_exhausted_budget_parks_the_job_with_the_reason() -> None:
    from core.job_kinds import register_job_kind

    def spend(ctx) -> None:
        while True:
            budget.budget_reserve(cap=3)
            ctx.progress(salesforce_calls=1)

    register_job_kind("test.spend", label="Spend budget", run=spend)
    job, _ = job_start(kind="test.spend", scope="test:spend")
    job = job_run(job_id=job.pk)
    assert job.status == SyncJob.Status.WAITING
    assert job.salesforce_calls == 3
    assert "daily Salesforce API budget of 3 calls is used up" in job.waiting_reason
    assert "resumes when it renews" in job.waiting_reason
