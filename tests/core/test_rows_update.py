"""``rows_update``: each row gets its own values (JSON and times as Django stores them),
other rows and other fields are left alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.models import SyncJob
from core.rows_update import rows_update
from tests.factories import SyncJobFactory


@pytest.mark.django_db
def test_each_row_gets_its_own_values_and_nothing_else_changes() -> None:
    first, second, untouched = SyncJobFactory.create_batch(3)
    first.params, first.started_at = {"mode": "all", "n": [1, 2]}, datetime(2026, 1, 2, tzinfo=UTC)
    second.params, second.started_at = {"emoji": "✓", "quote": "it's"}, None
    first.error = "not stored: not in the fields"
    rows_update([first, second], ["params", "started_at"])
    stored = {job.pk: job for job in SyncJob.objects.all()}
    assert stored[first.pk].params == {"mode": "all", "n": [1, 2]}
    assert stored[first.pk].started_at == datetime(2026, 1, 2, tzinfo=UTC)
    assert stored[first.pk].error == ""
    assert stored[second.pk].params == {"emoji": "✓", "quote": "it's"}
    assert stored[second.pk].started_at is None
    assert stored[untouched.pk].params == untouched.params


def test_no_rows_is_no_statement() -> None:
    rows_update([], ["params"])  # no database needed: nothing to send
