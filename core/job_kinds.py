"""Registry of job kinds. Each capability registers its kinds at app start-up.

A kind is a name, a label for pages, and the function a worker runs with a
``JobContext``. The platform knows nothing else about what a job does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from core.services.job_runtime import JobContext


class UnknownJobKind(LookupError):
    pass


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: Callable[[JobContext], None]


_KINDS: dict[str, JobKind] = {}


def register_job_kind(name: str, *, label: str, run: Callable[[JobContext], None]) -> JobKind:
    kind = JobKind(name=name, label=label, run=run)
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


def load_job_kind_modules() -> None:
    """Import the modules that register kinds (``JOB_KIND_MODULES`` setting)."""
    for module in settings.JOB_KIND_MODULES:
        import_module(module)
