"""Users and roles are part of the trail: created, re-roled, password reset; never the password."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from core.models import AuditEvent
from core.roles import ADMIN, role_group

pytestmark = pytest.mark.django_db

FIRST = "a-long-passphrase-1"
SECOND = "another-long-passphrase-2"


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _no_password_in(event: AuditEvent, *passwords: str) -> None:
    user = get_user_model().objects.get(username=event.object_label)
    dump = f"{event.message} {event.changes}"
    for secret in (*passwords, user.password):
        assert secret not in dump


def test_creating_a_user_by_command_is_audited() -> None:
    call_command("create_user", "ada", "--role", "viewer", "--password", FIRST)

    [event] = _events("user.created")
    assert event.object_label == "ada" and event.actor_type == AuditEvent.Actor.SYSTEM
    changes = {c["field"]: (c["before"], c["after"]) for c in event.changes}
    assert changes["role"] == (None, "viewer")
    assert "replaced" in changes["password"][1]
    assert "manage.py create_user" in event.message
    _no_password_in(event, FIRST)


def test_changing_a_role_by_command_records_before_and_after() -> None:
    call_command("create_user", "ada", "--role", "viewer", "--password", FIRST)
    call_command("create_user", "ada", "--role", "admin", "--password", SECOND)

    [event] = _events("user.changed")
    changes = {c["field"]: (c["before"], c["after"]) for c in event.changes}
    assert changes["role"] == ("viewer", "admin")
    assert "password" in changes  # the command reset it as well
    _no_password_in(event, FIRST, SECOND)


def test_a_refused_password_writes_no_event() -> None:
    with pytest.raises(Exception, match="too short"):
        call_command("create_user", "bob", "--role", "admin", "--password", "abc")

    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


@pytest.fixture
def superuser_web() -> Client:
    root = get_user_model().objects.create_superuser("root", password=FIRST)
    client = Client()
    client.force_login(root)
    return client


def _admin_form(user) -> dict:
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "groups": [role_group(ADMIN).pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }


def test_changing_a_role_on_the_admin_site_is_audited_with_who(superuser_web) -> None:
    call_command("create_user", "ada", "--role", "viewer", "--password", FIRST)
    ada = get_user_model().objects.get(username="ada")

    response = superuser_web.post(f"/admin/auth/user/{ada.pk}/change/", _admin_form(ada))

    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = _events("user.changed")
    assert event.actor_username == "root"
    assert {c["field"]: (c["before"], c["after"]) for c in event.changes} == {
        "role": ("viewer", "admin")
    }
    assert "the admin site" in event.message


def test_resetting_a_password_on_the_admin_site_is_audited(superuser_web) -> None:
    call_command("create_user", "ada", "--role", "viewer", "--password", FIRST)
    ada = get_user_model().objects.get(username="ada")

    response = superuser_web.post(
        f"/admin/auth/user/{ada.pk}/password/",
        {"password1": SECOND, "password2": SECOND, "usable_password": "true"},
    )

    assert response.status_code == 302
    [event] = _events("user.changed")
    assert event.actor_username == "root"
    assert [c["field"] for c in event.changes] == ["password"]
    assert "password reset" in event.message
    _no_password_in(event, FIRST, SECOND)


def test_creating_a_user_on_the_admin_site_is_audited(superuser_web) -> None:
    response = superuser_web.post(
        "/admin/auth/user/add/",
        {"username": "neo", "password1": SECOND, "password2": SECOND, "usable_password": "true"},
    )

    assert response.status_code == 302
    [event] = _events("user.created")
    assert event.object_label == "neo" and event.actor_username == "root"
    _no_password_in(event, SECOND)


def test_deleting_a_user_on_the_admin_site_is_audited(superuser_web) -> None:
    call_command("create_user", "ada", "--role", "admin", "--password", FIRST)
    ada = get_user_model().objects.get(username="ada")
    password_hash = ada.password

    response = superuser_web.post(f"/admin/auth/user/{ada.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="ada").exists()
    [event] = _events("user.deleted")
    assert event.object_label == "ada" and event.actor_username == "root"
    assert "Deleted user 'ada' (admin) via the admin site" in event.message
    changes = {c["field"]: (c["before"], c["after"]) for c in event.changes}
    assert changes["role"] == ("admin", None)
    for secret in (FIRST, password_hash):
        assert secret not in f"{event.message} {event.changes}"


def test_deleting_users_in_bulk_on_the_admin_site_audits_each(superuser_web) -> None:
    for name in ("ada", "bob"):
        call_command("create_user", name, "--role", "viewer", "--password", FIRST)
    ids = get_user_model().objects.filter(username__in=("ada", "bob")).values_list("pk", flat=True)

    response = superuser_web.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": list(ids), "post": "yes"},
    )

    assert response.status_code == 302
    assert sorted(e.object_label for e in _events("user.deleted")) == ["ada", "bob"]
