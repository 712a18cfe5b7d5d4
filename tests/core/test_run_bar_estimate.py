"""A run's total can be an estimate (records change while it pages): the bar then never
reads more than 100 %, nor more records seen than in total."""

import pytest

from core.models import SyncJob
from core.selectors.jobs import job_progress_bar

pytestmark = pytest.mark.django_db


def test_a_total_the_run_has_gone_past_shows_as_what_it_has_seen() -> None:
    job = SyncJob.objects.create(kind="test.count", scope="t", total=5, seen=7, created=7)
    bar = job_progress_bar(job)
    assert bar.text == "7 of 7 records (100 %)"
    assert bar.total == 7


def test_an_unknown_total_stays_unknown() -> None:
    job = SyncJob.objects.create(kind="test.count", scope="t", seen=3, created=3)
    assert job_progress_bar(job).text == "3 of ? records"
