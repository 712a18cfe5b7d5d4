"""The login form, fuzzed as an anonymous visitor: never a 500, nobody gets in, and the
only rows a refused login writes are django-axes' failure count and the audit trail's
lockout events (refusing a guesser is meant to leave a trace)."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import PASSWORD
from tests.fuzz.engine import Request, fuzz_settings, send_one
from tests.fuzz.routes import all_routes
from tests.fuzz.values import garbage

pytestmark = pytest.mark.django_db

LOGIN = next(r for r in all_routes() if r.name == "login")
#: what a refused login may write: axes' attempts, and the audit trail (lockout events)
TRACES = ("axes_", "core_audit")


def test_login_fuzz(admin, request_errors) -> None:
    usernames = st.one_of(
        garbage,
        st.text(min_size=1, max_size=3).map(lambda s: s * 400),  # longer than any column
        st.just(admin.username),
        st.just(f"{admin.username}\x00"),
    )
    passwords = st.one_of(garbage, st.just(f"{PASSWORD}\x00"), st.just(PASSWORD.upper()))

    @fuzz_settings(LOGIN)
    @given(
        username=usernames,
        password=passwords,
        extra=st.lists(st.tuples(garbage, garbage), max_size=2),
    )
    def one_login(username, password, extra) -> None:
        client = Client(raise_request_exception=False)
        request = Request(
            path="/login/", pairs=[("username", username), ("password", password), *extra]
        )
        sent = send_one(client, "POST", request, request_errors)
        answer = sent.answer
        assert answer.status < 500 and not sent.errors, (
            f"POST {request.shown()} -> {answer.describe()}\n" + "\n".join(sent.errors)
        )
        assert "_auth_user_id" not in client.session, f"{request.shown()} logged in"
        assert answer.status in (200, 403, 429), answer.describe()
        others = [t for t in sent.changed if not t.startswith(TRACES)]
        assert not others, f"POST {request.shown()} changed {', '.join(others)}"

    one_login()
