"""One fuzzed request: what to send a route, sending it inside a savepoint (every example
starts from the same world), and the database fingerprint around it."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.fuzz import fields as fuzz_fields
from tests.fuzz import send
from tests.fuzz.fingerprint import db_fingerprint, tables_changed
from tests.fuzz.plan import VENDOR_VIEWS, get_routes
from tests.fuzz.routes import Route
from tests.fuzz.values import NASTY, field_value, garbage, int_garbage, path_garbage

#: examples per view (fewer for a view that calls the sandbox each time); CI reproducible:
#: the same examples every run (derandomize), nothing replayed from a local database
EXAMPLES, VENDOR_EXAMPLES = 20, 8
if os.environ.get("FUZZ_EXAMPLES"):  # a longer local run: FUZZ_EXAMPLES=500 make test
    EXAMPLES = VENDOR_EXAMPLES = int(os.environ["FUZZ_EXAMPLES"])


def fuzz_settings(route: Route) -> settings:
    return settings(
        max_examples=VENDOR_EXAMPLES if route.name in VENDOR_VIEWS else EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.large_base_example,
            HealthCheck.data_too_large,
        ],
        print_blob=False,
    )


@dataclass
class Request:
    path: str
    pairs: list[tuple[send.Value, send.Value]]

    def shown(self) -> str:
        def cut(value: send.Value) -> str:
            text = repr(value)
            return text if len(text) <= 80 else f"{text[:60]}…({len(value)} long)"

        return f"{self.path} " + ", ".join(f"{cut(k)}={cut(v)}" for k, v in self.pairs)


#: (method, the world's ids) -> what page_fields found: the pages render the same forms
#: for the same objects, so each set of pages is read once a run (once on SQLite, whose
#: ids repeat from test to test; PostgreSQL's sequences move on)
_PAGE_FIELDS: dict[tuple, dict] = {}


def page_fields(client: Client, world_paths: dict[str, list[str]], method: str) -> dict:
    """url name -> field -> plausible values, from the forms of every page an admin can
    GET (path parameters filled with the world's objects)."""
    key = (method, tuple(sorted((name, tuple(ids)) for name, ids in world_paths.items())))
    if key not in _PAGE_FIELDS:
        with rolled_back():  # a page that reads a vendor meters the call
            _PAGE_FIELDS[key] = _page_fields(client, world_paths, method)
    return _PAGE_FIELDS[key]


def _page_fields(client: Client, world_paths: dict[str, list[str]], method: str) -> dict:
    found: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for route in get_routes():
        if not all(world_paths.get(name) for name in route.params):
            continue
        path = send.route_path(route, {n: world_paths[n][0] for n in route.params})
        response = client.get(path)
        if response.status_code != 200 or getattr(response, "streaming", False):
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        for url_name, fields in fuzz_fields.page_forms(response.content.decode(), path, method):
            found[url_name] = fuzz_fields.merged(found[url_name], fields)
    return dict(found)


def route_fields(route: Route, method: str, pages: dict) -> dict[str, list[str]]:
    """Every field the route may read, with the values its pages offer: the inputs of its
    forms on the pages, or (a view no page links a form to) its form classes' fields,
    and the names its source reads either way."""
    from_forms = pages.get(route.name) or fuzz_fields.form_class_fields(route.view)
    return fuzz_fields.merged(
        from_forms, {name: [] for name in fuzz_fields.source_fields(route.view, method)}
    )


def _path_value(converter: str, existing: list[str]) -> st.SearchStrategy[str]:
    wrong = int_garbage if converter == "int" else path_garbage
    return st.one_of(st.sampled_from(existing), wrong) if existing else wrong


#: what a field with no default or options on its page plausibly holds
GENERIC_PLAUSIBLE = ["ann@example.com", "Fuzz VIPs", "1000", "https://127.0.0.1:1/", "on"]


@st.composite
def requests_for(draw, route: Route, fields: dict[str, list[str]], world_paths: dict):
    """A path for ``route`` (real objects and garbage ids) and a body or query. Half the
    time every field is garbage or left out; otherwise the fields hold what the page
    offers but one or two, so the garbage also reaches the checks behind the first one.
    Now and then a field comes twice, or an unexpected one comes along."""
    path_values = {
        name: draw(_path_value(converter, world_paths.get(name, [])))
        for name, converter in route.params.items()
    }
    names = sorted(fields)
    all_garbage = draw(st.booleans())
    focus = set(draw(st.lists(st.sampled_from(names), max_size=2))) if names else set()
    pairs: list[tuple[send.Value, send.Value]] = []
    for name in names:
        plausible = fields[name] or GENERIC_PLAUSIBLE
        if all_garbage:
            times = draw(st.sampled_from([0, 1, 1, 1, 2]))
            pairs += [(name, draw(field_value(plausible))) for _ in range(times)]
        elif name in focus:
            pairs += [(name, draw(garbage)) for _ in range(draw(st.sampled_from([0, 1, 1, 2])))]
        else:
            pairs.append((name, draw(st.sampled_from(plausible))))
    extras = draw(st.lists(st.sampled_from(fuzz_fields.UNEXPECTED_FIELDS), max_size=2))
    pairs += [(name, draw(garbage)) for name in extras]
    pairs += draw(st.lists(st.tuples(st.sampled_from(NASTY), garbage), max_size=1))
    return Request(path=send.route_path(route, path_values), pairs=pairs)


#: url name -> {"sent": n, "accepted": n}: which views took fuzzed input (shown at the end)
TALLY: dict[str, Counter] = defaultdict(Counter)
#: url name -> a few accepted requests and their answers (FUZZ_SHOW_ACCEPTED=1 prints them)
ACCEPTED_SAMPLES: dict[str, list[str]] = defaultdict(list)


def note_accepted(name: str, request: Request, answer: send.Answer) -> None:
    TALLY[name]["accepted"] += 1
    if len(ACCEPTED_SAMPLES[name]) < 4:
        ACCEPTED_SAMPLES[name].append(f"{request.shown()} -> {answer.describe()}")


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever the example changed is undone before the next one starts."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class Sent:
    answer: send.Answer
    changed: list[str]
    errors: list[str]


def send_one(client: Client, method: str, request: Request, request_errors) -> Sent:
    """Send ``request`` and report what it changed; the changes are rolled back."""
    with rolled_back():
        before = db_fingerprint()
        do = send.post if method == "POST" else send.get
        answer = do(client, request.path, request.pairs)
        if getattr(answer.response, "streaming", False):
            b"".join(answer.response.streaming_content)  # a CSV export fails as it streams
        try:
            changed = tables_changed(before, db_fingerprint())
        except DatabaseError as exc:  # PostgreSQL: the request left the transaction broken
            changed = [f"(no fingerprint: {exc})"]
    return Sent(answer=answer, changed=changed, errors=request_errors.take())
