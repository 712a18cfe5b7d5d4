"""Issue #12, fuzzed: every form of every state-changing view gets arbitrary text, numbers
and bytes (NUL, lone surrogates, 30-digit numbers, inf/nan, 10,000 characters, RTL,
emoji, HTML and SQL) as an admin. Whatever comes in, the answer is never a 500, and a
refused request changes no row of any table and writes no audit event."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.engine import (
    TALLY,
    fuzz_settings,
    note_accepted,
    page_fields,
    requests_for,
    route_fields,
    send_one,
)
from tests.fuzz.plan import OUTCOME_VIEWS, post_routes
from tests.fuzz.routes import Route

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("route", post_routes(), ids=lambda r: r.name)
def test_post_fuzz(route: Route, world, fuzz_client, request_errors) -> None:
    fields = route_fields(route, "POST", page_fields(fuzz_client, world.path_values, "POST"))
    tally = TALLY[f"POST {route.name}"]

    @fuzz_settings(route)
    @given(st.data())
    def one_post(data: st.DataObject) -> None:
        request = data.draw(requests_for(route, fields, world.path_values), label="request")
        sent = send_one(fuzz_client, "POST", request, request_errors)
        answer = sent.answer
        assert answer.status < 500 and not sent.errors, (
            f"POST {request.shown()} -> {answer.describe()}\n" + "\n".join(sent.errors)
        )
        refused = 400 <= answer.status < 500 if route.name in OUTCOME_VIEWS else answer.refused
        tally["sent"] += 1
        if refused:
            assert not sent.changed, (
                f"POST {request.shown()} was refused ({answer.describe()}) "
                f"but changed {', '.join(sent.changed)}"
            )
        else:
            note_accepted(f"POST {route.name}", request, answer)

    one_post()
