"""Every URL pattern of the project, read from the URL resolver, with the HTTP methods
its view answers: what the fuzz tests walk, so a new view cannot be left out."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

#: what a view without a method decorator answers
ANY_METHOD = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Route:
    """One URL pattern: its name, the namespace it sits in, and its path converters."""

    name: str
    namespace: str
    route: str
    view: Callable[..., Any]
    #: path parameter name -> converter name ("int", "str", "path", "slug", ...)
    params: dict[str, str] = field(default_factory=dict)

    @property
    def methods(self) -> frozenset[str]:
        return view_methods(self.view)

    @property
    def accepts_post(self) -> bool:
        return "POST" in self.methods

    @property
    def accepts_get(self) -> bool:
        return "GET" in self.methods


def _decorated_methods(func: Callable[..., Any]) -> frozenset[str] | None:
    """The methods a ``require_http_methods`` wrapper (``require_POST``, ``require_GET``,
    ``require_safe``) lets through, read from its closure; None if ``func`` is no such
    wrapper."""
    code = getattr(func, "__code__", None)
    if code is None or "request_method_list" not in code.co_freevars:
        return None
    cell = func.__closure__[code.co_freevars.index("request_method_list")]
    return frozenset(cell.cell_contents)


def view_methods(view: Callable[..., Any]) -> frozenset[str]:
    """The HTTP methods ``view`` answers with something other than 405."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a class-based view: the handlers it defines
        names = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
        return frozenset(names | {"OPTIONS"})
    func = view
    while func is not None:
        methods = _decorated_methods(func)
        if methods is not None:
            return methods
        func = getattr(func, "__wrapped__", None)
    return ANY_METHOD


def _walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(
                entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace
            )
        elif isinstance(entry, URLPattern):
            converters = getattr(entry.pattern, "converters", {})
            params = {
                name: type(converter).__name__.removesuffix("Converter").lower()
                for name, converter in converters.items()
            }
            yield Route(
                name=entry.name or "",
                namespace=namespace,
                route=prefix + str(entry.pattern),
                view=entry.callback,
                params=params,
            )


def all_routes() -> list[Route]:
    """Every URL pattern the project serves, in resolver order."""
    return list(_walk(get_resolver().url_patterns, "", ""))


def view_source(view: Callable[..., Any]) -> str:
    """The source of the innermost function behind ``view`` ("" if there is none)."""
    func = inspect.unwrap(view)
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""
