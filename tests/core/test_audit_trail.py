"""The audit trail is append-only everywhere: ORM, admin, database."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.models.audit import AuditTrailIsAppendOnly
from core.services.audit import audit_prune, audit_record, audit_settings_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(action="record.updated", object_type="contact", email="A@Example.com")


def test_an_event_cannot_be_edited(event: AuditEvent) -> None:
    event.message = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).message == ""


def test_an_event_cannot_be_deleted(event: AuditEvent) -> None:
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_queryset_cannot_edit_or_delete(event: AuditEvent) -> None:
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(message="x")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).message == ""


def test_the_admin_site_refuses_edits_and_deletes(event: AuditEvent) -> None:
    superuser = get_user_model().objects.create_superuser("root", password="pw-123456-x")
    client = Client()
    client.force_login(superuser)
    change_url = reverse("admin:core_auditevent_change", args=[event.pk])
    delete_url = reverse("admin:core_auditevent_delete", args=[event.pk])
    response = client.post(change_url, {"message": "rewritten"})
    assert response.status_code in (302, 403)
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    page = client.get(change_url).content.decode()
    assert 'name="_save"' not in page
    assert AuditEvent.objects.get(pk=event.pk).message == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger is PostgreSQL's")
def test_the_database_refuses_raw_sql_edits_and_deletes(event: AuditEvent) -> None:
    for sql in (
        "UPDATE core_auditevent SET message = 'x'",
        "DELETE FROM core_auditevent",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).message == ""


def test_retention_prunes_only_old_events_and_audits_itself() -> None:
    old = audit_record(
        action="record.updated",
        object_type="contact",
        occurred_at=timezone.now() - timedelta(days=91),
    )
    recent = audit_record(
        action="record.updated",
        object_type="contact",
        occurred_at=timezone.now() - timedelta(days=89),
    )
    assert audit_prune(older_than_days=90) == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    pruned = AuditEvent.objects.get(action="audit.pruned")
    assert "Pruned 1 audit events older than 90 days" in pruned.message


def test_settings_changes_record_who_and_before_after(admin) -> None:
    event = audit_settings_change(
        actor=admin,
        object_type="settings",
        object_label="Schedule",
        before={"interval_minutes": 15, "token": "old-secret-value"},
        after={"interval_minutes": 30, "token": "new-secret-value"},
        secret_fields=["token"],
    )
    assert event.actor_username == "alice"
    interval = next(c for c in event.changes if c["field"] == "interval_minutes")
    assert (interval["before"], interval["after"]) == (15, 30)
    stored = str(AuditEvent.objects.values_list("changes", "message").get(pk=event.pk))
    assert "secret-value" not in stored


def test_unchanged_settings_write_no_event(admin) -> None:
    assert (
        audit_settings_change(
            actor=admin, object_type="settings", object_label="x", before={"a": 1}, after={"a": 1}
        )
        is None
    )
    assert not AuditEvent.objects.exists()


def test_the_audit_page_lists_and_searches_events(viewer_web: Client, event: AuditEvent) -> None:
    audit_record(action="record.created", object_type="contact", email="b@example.com")
    page = viewer_web.get(reverse("audit_log"), {"q": "a@example.com"}).content.decode()
    assert "a@example.com" in page and "b@example.com" not in page
