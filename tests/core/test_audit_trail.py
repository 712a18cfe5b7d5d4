"""The audit trail is append-only everywhere: ORM, admin, database."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, AuditPruneWindow
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


def _refused(action) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


def _sql(statement: str, params: list | None = None):
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params or [])

    return run


def _copy(event: AuditEvent, **fields) -> AuditEvent:
    values = {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields}
    return AuditEvent(**{**values, **fields})


def test_the_database_refuses_every_other_way_to_edit_or_delete(event: AuditEvent) -> None:
    old = audit_record(
        action="record.updated",
        object_type="contact",
        occurred_at=timezone.now() - timedelta(days=400),
    )
    base = AuditEvent._base_manager
    upsert = (
        "INSERT INTO core_auditevent (id, occurred_at, actor_type, actor_username, action,"
        " object_type, object_label, hubspot_id, salesforce_id, email, direction, status,"
        " changes, message, error_category, outcome, reason)"
        " VALUES (%s, %s, 'system', '', 'x', 'x', '', '', '', '', '', 'ok', '[]', 'x', '', '', '')"
    )
    ways = {
        "_base_manager update": lambda: base.filter(pk=event.pk).update(message="x"),
        "bulk_update": lambda: base.bulk_update([_copy(event, message="x")], ["message"]),
        "save() of an existing pk": lambda: _copy(event, message="x").save(),
        "save(force_update)": lambda: _copy(event, message="x").save(force_update=True),
        "bulk_create(update_conflicts)": lambda: base.bulk_create(
            [_copy(event, message="x")],
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["message"],
        ),
        "_raw_delete": lambda: base.filter(pk=event.pk)._raw_delete(connection.alias),
        "_raw_delete of an old event": lambda: base.filter(pk=old.pk)._raw_delete("default"),
        "raw UPDATE": _sql("UPDATE core_auditevent SET message = 'x'"),
        "raw DELETE": _sql("DELETE FROM core_auditevent"),
        "INSERT ... ON CONFLICT DO UPDATE": _sql(
            upsert + " ON CONFLICT (id) DO UPDATE SET message = 'x'",
            [event.pk, event.occurred_at],
        ),
    }
    if connection.vendor == "sqlite":
        ways["REPLACE"] = _sql(
            upsert.replace("INSERT", "REPLACE", 1), [event.pk, event.occurred_at]
        )
    else:
        ways["TRUNCATE"] = _sql("TRUNCATE core_auditevent")
    for name, way in ways.items():
        try:
            _refused(way)
        except BaseException as error:
            raise AssertionError(f"{name} was not refused") from error
    assert AuditEvent.objects.get(pk=event.pk).message == ""
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.count() == 2


def test_a_prune_window_cannot_reach_younger_than_the_minimum_or_be_widened() -> None:
    for cutoff in (timezone.now() + timedelta(days=3650), timezone.now() - timedelta(days=29)):
        with pytest.raises(DatabaseError, match="prune window refused"), transaction.atomic():
            AuditPruneWindow.objects.create(cutoff=cutoff)
    window = AuditPruneWindow.objects.create(cutoff=timezone.now() - timedelta(days=31))
    with pytest.raises(DatabaseError, match="cannot be edited"), transaction.atomic():
        AuditPruneWindow.objects.filter(pk=window.pk).update(cutoff=timezone.now())


def test_a_prune_below_the_minimum_retention_is_refused() -> None:
    young = audit_record(
        action="record.updated",
        object_type="contact",
        occurred_at=timezone.now() - timedelta(days=2),
    )
    with pytest.raises(ValueError, match="at least 30 days"):
        audit_prune(older_than_days=1)
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    assert not AuditPruneWindow.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transaction ids are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_window_left_behind_opens_no_delete_later() -> None:
    old = audit_record(
        action="record.updated",
        object_type="contact",
        occurred_at=timezone.now() - timedelta(days=400),
    )
    AuditPruneWindow.objects.create(cutoff=timezone.now() - timedelta(days=31))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.filter(pk=old.pk).exists()


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="roles and grants are PostgreSQL's")
def test_the_app_role_from_audit_grants_cannot_disable_or_bypass_the_triggers(
    event: AuditEvent,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP ROLE IF EXISTS syncadmin_test_app")
        cursor.execute("CREATE ROLE syncadmin_test_app")
    out = StringIO()
    call_command("audit_grants", "syncadmin_test_app", "--apply", stdout=out)
    assert "cannot TRUNCATE or UPDATE" in out.getvalue()
    with pytest.raises(CommandError, match="owns the audit table"):
        call_command("audit_grants", "postgres", "--apply")
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE syncadmin_test_app")
        try:
            audit_record(action="record.created", object_type="contact")
            for sql in (
                "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
                "TRUNCATE core_auditevent",
                "UPDATE core_auditevent SET message = 'x'",
            ):
                with pytest.raises(DatabaseError), transaction.atomic():
                    cursor.execute(sql)
        finally:
            cursor.execute("RESET ROLE")
    assert AuditEvent.objects.get(pk=event.pk).message == ""
    assert AuditEvent.objects.count() == 2
