"""What a job's outcome buckets and skip reasons are called on its page.

A job's ``seen`` is the sum of its buckets (``SyncJob.OUTCOMES``), and each bucket's
count equals the job's audit events with that ``outcome``. Capabilities register the
skip reasons they use, so the platform can name them without knowing the capability.
"""

from __future__ import annotations

from collections.abc import Mapping

OUTCOME_LABELS = {
    "created": "Created",
    "updated": "Updated",
    "linked": "Linked",
    "unchanged": "Unchanged",
    "skipped": "Skipped",
    "failed": "Failed",
}

_SKIP_REASONS: dict[str, str] = {}


def skip_reasons_register(labels: Mapping[str, str]) -> None:
    _SKIP_REASONS.update(labels)


def skip_reason_known(code: str) -> bool:
    return code in _SKIP_REASONS


def skip_reason_label(code: str) -> str:
    return _SKIP_REASONS.get(code) or code.replace("_", " ").capitalize()
