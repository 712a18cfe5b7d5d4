"""Login lockout: a few wrong passwords lock the username and the address out."""

import pytest
from django.test import Client

from core.models import AuditEvent
from core.roles import ADMIN, VIEWER
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-42"


def _log_in(username: str, password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def _fail(times: int, username: str, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert _log_in(username, WRONG, address).status_code in (200, 429)


def test_it_refuses_the_right_password_after_five_wrong_ones_and_says_why() -> None:
    make_user("alice", ADMIN)
    _fail(5, "alice")

    response = _log_in("alice", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in response.client.session
    text = response.content.decode()
    assert "Too many failed logins" in text and "blocked for 15 minutes" in text
    assert 'name="password"' in text  # still the login page, not a bare error


def test_four_wrong_passwords_do_not_lock_anyone_out() -> None:
    make_user("alice", ADMIN)
    _fail(4, "alice")

    assert _log_in("alice", PASSWORD).status_code == 302


def test_a_locked_username_is_locked_from_any_address() -> None:
    make_user("alice", ADMIN)
    for n in range(5):
        _fail(1, "alice", address=f"10.0.1.{n}")

    assert _log_in("alice", PASSWORD, address="10.0.2.1").status_code == 429


def test_a_locked_address_is_locked_for_any_username() -> None:
    make_user("bob", VIEWER)
    for n in range(5):
        _fail(1, f"guess{n}", address="10.0.0.9")

    assert _log_in("bob", PASSWORD, address="10.0.0.9").status_code == 429
    assert _log_in("bob", PASSWORD, address="10.0.0.10").status_code == 302


def test_other_users_from_other_addresses_still_log_in() -> None:
    make_user("alice", ADMIN)
    make_user("bob", VIEWER)
    _fail(5, "alice")

    response = _log_in("bob", PASSWORD, address="10.0.0.2")

    assert response.status_code == 302
    assert response.client.session["_auth_user_id"]


def test_each_lockout_is_audited_without_the_password() -> None:
    make_user("alice", ADMIN)
    _fail(5, "alice")
    _log_in("alice", PASSWORD)

    events = list(AuditEvent.objects.filter(action="login.locked_out"))
    assert events, "the lockout left no audit event"
    assert {event.object_label for event in events} == {"alice"}
    assert "10.0.0.1" in events[0].message
    for event in events:
        dump = f"{event.message} {event.changes} {event.object_label}"
        assert WRONG not in dump and PASSWORD not in dump


def test_a_shell_authenticate_without_a_request_still_works() -> None:
    from django.contrib.auth import authenticate

    make_user("alice", ADMIN)
    assert authenticate(username="alice", password=PASSWORD) is not None


def _log_in_via_proxy(username: str, password: str, forwarded_for: str):
    client = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=forwarded_for)
    return client.post("/login/", {"username": username, "password": password})


def test_behind_a_proxy_one_guesser_does_not_lock_out_everyone_else(settings) -> None:
    """All logins arrive from the proxy's address; with TRUSTED_PROXY_COUNT the client's
    own address is counted, so the guesser is locked out and a colleague is not."""
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("alice", ADMIN)
    for attempt in range(5):
        _log_in_via_proxy(f"nobody{attempt}", WRONG, "203.0.113.7")

    assert _log_in_via_proxy("alice", PASSWORD, "198.51.100.4").status_code == 302
    assert _log_in_via_proxy("alice", PASSWORD, "203.0.113.7").status_code == 429
    locked = AuditEvent.objects.filter(action="login.locked_out")
    assert locked.exists()
    assert all("from 203.0.113.7 " in event.message for event in locked)


def test_a_forged_x_forwarded_for_entry_does_not_escape_the_lockout(settings) -> None:
    """The client can put anything left of what the proxy appends: only the proxy's
    entry counts, so varying the forged part gives no fresh tries."""
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("alice", ADMIN)
    for attempt in range(5):
        _log_in_via_proxy(f"nobody{attempt}", WRONG, f"192.0.2.{attempt}, 203.0.113.7")

    assert _log_in_via_proxy("alice", PASSWORD, "192.0.2.99, 203.0.113.7").status_code == 429
    # and the guesser's lockout is theirs alone, not the proxy's
    assert _log_in_via_proxy("alice", PASSWORD, "198.51.100.4").status_code == 302


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    """A direct client cannot dodge the lockout by sending X-Forwarded-For."""
    make_user("alice", ADMIN)
    for attempt in range(5):
        _log_in_via_proxy(f"nobody{attempt}", WRONG, f"192.0.2.{attempt}")

    assert _log_in_via_proxy("alice", PASSWORD, "198.51.100.4").status_code == 429
