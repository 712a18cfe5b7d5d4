"""Which fields each view reads: its form class's fields, the inputs of the forms the pages
render for it, and the names its source reads from ``request.POST`` / ``request.GET``."""

from __future__ import annotations

import inspect
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from django import forms
from django.urls import Resolver404, resolve

from tests.fuzz.routes import view_source

#: names no form has, which a view must ignore (or refuse) all the same
UNEXPECTED_FIELDS = ["id", "pk", "__proto__", "csrfmiddlewaretoken", "next", "_method", "x[]"]

_READS = re.compile(
    r"\b(?:request\.)?(?P<dict>POST|GET|post|get_params)\.(?:get|getlist)\(\s*\"(?P<name>[^\"]+)\""
)


def _functions_called(func: Callable[..., Any], depth: int = 2) -> list[Callable[..., Any]]:
    """``func`` and the functions of its own module it names, ``depth`` calls deep
    (a view that builds its form in a helper, like ``_channel_form``)."""
    found = [func]
    code, module_globals = getattr(func, "__code__", None), getattr(func, "__globals__", {})
    if code is None or depth == 0:
        return found
    for name in code.co_names:
        value = module_globals.get(name)
        same_module = getattr(value, "__module__", None) == func.__module__
        if same_module and hasattr(value, "__code__") and value is not func:
            found += _functions_called(value, depth - 1)
    return found


def form_classes(view: Callable[..., Any]) -> list[type[forms.BaseForm]]:
    """The form classes the view (or a helper of its module) names in its code."""
    found: list[type[forms.BaseForm]] = []
    for func in _functions_called(inspect.unwrap(view)):
        for name in func.__code__.co_names:
            value = func.__globals__.get(name)
            is_form = isinstance(value, type) and issubclass(value, forms.BaseForm)
            if is_form and value not in found:
                found.append(value)
    return found


def form_class_fields(view: Callable[..., Any]) -> dict[str, list[str]]:
    """Field name -> plausible values (a choice field's choices) of the view's forms."""
    fields: dict[str, list[str]] = {}
    for form_class in form_classes(view):
        for name, field in form_class.base_fields.items():
            choices = getattr(field, "choices", None) or []
            fields[name] = [str(value) for value, _ in choices if value != ""]
    return fields


def source_fields(view: Callable[..., Any], method: str) -> list[str]:
    """Names the view's source reads from the query (GET) or the form body (POST)."""
    wanted = {"POST": ("POST", "post"), "GET": ("GET", "get_params")}[method]
    return [m["name"] for m in _READS.finditer(view_source(view)) if m["dict"] in wanted]


def _plausible(element: Any) -> list[str]:
    if element.name == "select":
        return [o.get("value", o.get_text()) for o in element.find_all("option")]
    if element.get("type") in ("checkbox", "radio"):
        return [element.get("value", "on")]
    return [element["value"]] if element.get("value") else []


def page_forms(
    html: str, page_path: str, method: str
) -> Iterable[tuple[str, dict[str, list[str]]]]:
    """(url name the form submits to, field name -> plausible values) of each form of
    ``method`` on a page."""
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != method.lower():
            continue
        action = urlsplit(form.get("action") or page_path).path
        try:
            url_name = resolve(action).url_name
        except Resolver404:
            continue
        elements = form.find_all(["input", "select", "textarea", "button"])
        if form.get("id"):
            elements += soup.find_all(attrs={"form": form["id"]})
        fields: dict[str, list[str]] = defaultdict(list)
        for element in elements:
            if element.get("name"):
                fields[element["name"]] += _plausible(element)
        yield url_name, dict(fields)


def merged(*sources: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for source in sources:
        for name, values in source.items():
            out[name] += [v for v in values if v not in out[name]]
    return dict(out)
