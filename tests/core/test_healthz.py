"""/healthz answers monitors without a login: 200 when the database and broker answer."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from core.models import SyncJob
from core.views import health_check
from tests.factories import SyncJobFactory

pytestmark = pytest.mark.django_db


def test_it_reports_healthy_without_a_login() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "last_successful_sync": None,
    }


def test_it_reports_the_last_successful_sync() -> None:
    finished = timezone.now().replace(microsecond=0)
    SyncJobFactory(status=SyncJob.Status.SUCCEEDED, finished_at=finished)
    SyncJobFactory(status=SyncJob.Status.FAILED, finished_at=timezone.now())
    assert Client().get("/healthz").json()["last_successful_sync"] == finished.isoformat()


def test_it_answers_503_when_the_broker_is_down(monkeypatch) -> None:
    def broken_broker():
        raise ConnectionError("redis is gone")

    monkeypatch.setattr(health_check, "get_broker", broken_broker)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_monitors_may_use_head() -> None:
    assert Client().head("/healthz").status_code == 200
