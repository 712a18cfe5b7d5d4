"""Registry of job kinds. Each capability registers its kinds at app start-up.

A kind is a name, a label for pages, the function a worker runs with a
``JobContext``, and optionally what a run is for, in words for its page. The
platform knows nothing else about what a job does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from core.services.job_runtime import JobContext


class UnknownJobKind(LookupError):
    pass


@dataclass(frozen=True)
class JobPurpose:
    """What one run is for, as its page says it: a sentence, and (label, url) links."""

    text: str
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: Callable[[JobContext], None]
    #: from a job's params, what the run is for
    purpose: Callable[[dict[str, Any]], JobPurpose] | None = None


_KINDS: dict[str, JobKind] = {}


def register_job_kind(
    name: str,
    *,
    label: str,
    run: Callable[[JobContext], None],
    purpose: Callable[[dict[str, Any]], JobPurpose] | None = None,
) -> JobKind:
    kind = JobKind(name=name, label=label, run=run, purpose=purpose)
    _KINDS[name] = kind
    return kind


def job_kind_get(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(f"No job kind named {name!r} is registered.") from None


def job_kind_label(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.label if kind else name


def job_kind_purpose(name: str, params: dict[str, Any]) -> JobPurpose | None:
    kind = _KINDS.get(name)
    return kind.purpose(params) if kind and kind.purpose else None


def load_job_kind_modules() -> None:
    """Import the modules that register kinds (``JOB_KIND_MODULES`` setting)."""
    for module in settings.JOB_KIND_MODULES:
        import_module(module)
