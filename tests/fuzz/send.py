"""Sending fuzzed requests byte for byte, and telling a refused answer from an accepted one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote_from_bytes

from django.contrib.messages import constants, get_messages
from django.http import HttpResponse
from django.test import Client

from tests.fuzz.routes import Route

Value = str | bytes
_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
#: what a page says when it shows a form again with a field's error
_FORM_ERRORS = ('class="errorlist', 'aria-invalid="true"')


def raw(value: Value) -> bytes:
    """The bytes a careless client sends: UTF-8, and a lone surrogate encoded anyway."""
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def urlencoded(pairs: list[tuple[Value, Value]]) -> str:
    """``application/x-www-form-urlencoded`` of ``pairs``, whatever their bytes."""
    return "&".join(
        f"{quote_from_bytes(raw(k), safe='')}={quote_from_bytes(raw(v), safe='')}" for k, v in pairs
    )


def route_path(route: Route, values: dict[str, Value]) -> str:
    """``route`` with each path parameter replaced by its (percent-encoded) value."""

    def fill(match: re.Match[str]) -> str:
        return quote_from_bytes(raw(values[match["name"]]), safe="")

    return "/" + _PARAM.sub(fill, route.route)


@dataclass
class Answer:
    response: HttpResponse
    #: (level, text) of every flash message the request added
    messages: list[tuple[int, str]]

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def error_messages(self) -> list[str]:
        return [text for level, text in self.messages if level >= constants.ERROR]

    @property
    def refused(self) -> bool:
        """A 4xx, a flash message of level error, or the form shown again with errors."""
        if 400 <= self.status < 500 or self.error_messages:
            return True
        if self.status == 200 and not getattr(self.response, "streaming", False):
            page = self.response.content.decode("utf-8", "replace")
            return any(marker in page for marker in _FORM_ERRORS)
        return False

    def describe(self) -> str:
        shown = "; ".join(text[:200] for _, text in self.messages)
        return f"HTTP {self.status}" + (f" ({shown})" if shown else "")


def _forget_messages(client: Client) -> None:
    """Start each request with no flash messages left over from the one before."""
    client.cookies.pop("messages", None)
    session = client.session
    if "_messages" in session:
        del session["_messages"]
        session.save()


def _answer(response: HttpResponse) -> Answer:
    request = response.wsgi_request
    found = (
        [(m.level, str(m)) for m in get_messages(request)] if hasattr(request, "_messages") else []
    )
    return Answer(response=response, messages=found)


def post(client: Client, path: str, pairs: list[tuple[Value, Value]]) -> Answer:
    _forget_messages(client)
    response = client.post(
        path, data=urlencoded(pairs), content_type="application/x-www-form-urlencoded"
    )
    return _answer(response)


def get(client: Client, path: str, pairs: list[tuple[Value, Value]]) -> Answer:
    _forget_messages(client)
    response = client.get(path, QUERY_STRING=urlencoded(pairs))
    return _answer(response)
