"""Issue #12, fuzzed: every page and export an admin can GET, with garbage in every query
parameter it reads (the audit filters, the record history, the searches) and in its path.
Never a 500, and a GET writes nothing, whatever it is sent."""

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
from tests.fuzz.plan import get_routes
from tests.fuzz.routes import Route

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("route", get_routes(), ids=lambda r: r.name)
def test_get_fuzz(route: Route, world, fuzz_client, request_errors) -> None:
    fields = route_fields(route, "GET", page_fields(fuzz_client, world.path_values, "GET"))
    tally = TALLY[f"GET {route.name}"]

    @fuzz_settings(route)
    @given(st.data())
    def one_get(data: st.DataObject) -> None:
        request = data.draw(requests_for(route, fields, world.path_values), label="request")
        sent = send_one(fuzz_client, "GET", request, request_errors)
        answer = sent.answer
        assert answer.status < 500 and not sent.errors, (
            f"GET {request.shown()} -> {answer.describe()}\n" + "\n".join(sent.errors)
        )
        assert not sent.changed, f"GET {request.shown()} changed {', '.join(sent.changed)}"
        tally["sent"] += 1
        if not answer.refused:
            note_accepted(f"GET {route.name}", request, answer)

    one_get()
