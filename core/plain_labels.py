"""Plain labels for the internal names the audit trail stores (actions, object types,
settings fields, codes), for the pages that show them.

The trail itself keeps the internal names: they are what filters, the CSV export and
the hash chain rely on. Only what a person reads goes through here. A name nobody
gave a label gets a readable fallback ("task_type" -> "Task type") rather than none.

The tables below hold the platform's own names only (jobs, settings, users, sign-in,
the trail). A capability names its own at app start-up, from an
``AppConfig.ready()``: its actions, object types, fields and codes with
``register_labels``, the object types whose change fields are its settings with
``register_settings_object_type``, and values only it can name (an id of a person in a
vendor's app) with ``register_value_labeller``. Job kinds are named where they
register (``core/job_kinds.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, get_args

from core.job_kinds import job_kind_label
from core.job_outcomes import OUTCOME_LABELS

#: what a label names: an event's action, its object type, a changed field, a stored
#: code shown as a value, an error category
LabelKind = Literal["action", "object_type", "field", "value", "error_category"]
LABEL_KINDS: tuple[LabelKind, ...] = get_args(LabelKind)

#: the platform's own names
_PLATFORM_LABELS: dict[LabelKind, dict[str, str]] = {
    "action": {
        "job.queued": "Job queued",
        "job.started": "Job started",
        "job.waiting": "Job waiting",
        "job.finished": "Job finished",
        "job.cancel_requested": "Job cancel requested",
        "job.cancelled": "Job cancelled",
        "job.abandoned": "Job abandoned",
        "settings.changed": "Settings changed",
        "user.created": "User created",
        "user.changed": "User changed",
        "user.deleted": "User deleted",
        "login.locked_out": "Sign-in locked out",
        "audit.pruned": "Audit events pruned",
    },
    "object_type": {
        "job": "Job",
        "settings": "Settings",
        "user": "User",
        "audit": "Audit trail",
    },
    "field": {
        "retention_days": "Retention (days)",
        "interval_minutes": "Every (minutes)",
    },
    "value": {},
    "error_category": {},
}

#: what capabilities registered, by kind
_REGISTERED_LABELS: dict[LabelKind, dict[str, str]] = {kind: {} for kind in LABEL_KINDS}

#: events whose change fields are syncadmin's own names (record writes keep the names
#: of the app they were written to); capabilities add theirs
_SETTINGS_OBJECTS: set[str] = {"settings", "user", "audit"}

#: a stored string value -> its label, or None when the labeller does not know it
ValueLabeller = Callable[[str], str | None]
#: registered labellers, asked in order; registering the same function twice keeps one
_VALUE_LABELLERS: dict[ValueLabeller, None] = {}


class LabelConflict(ValueError):
    """Two labels for one name: the page could show only one of them."""


def register_labels(kind: LabelKind, labels: Mapping[str, str]) -> None:
    """Name a capability's own ``kind`` of names (``{"list.created": "... created"}``).

    Registering the same label again changes nothing; a second, different label for a
    name that already has one raises ``LabelConflict`` (at start-up, not on a page).
    """
    if kind not in _REGISTERED_LABELS:
        raise ValueError(f"No label kind {kind!r}; one of {', '.join(LABEL_KINDS)}.")
    for name, label in labels.items():
        known = _known_label(kind, name)
        if known is not None and known != label:
            raise LabelConflict(f"The {kind} {name!r} is already labelled {known!r}.")
    _REGISTERED_LABELS[kind].update(labels)


def register_settings_object_type(object_type: str) -> None:
    """Events on ``object_type`` change settings: their fields without a label read as
    words ("some_setting" -> "Some setting") rather than as they are stored."""
    _SETTINGS_OBJECTS.add(object_type)


def register_value_labeller(labeller: ValueLabeller) -> ValueLabeller:
    """Name the stored values only a capability knows (e.g. a vendor's user ids)."""
    _VALUE_LABELLERS[labeller] = None
    return labeller


def _known_label(kind: LabelKind, name: str) -> str | None:
    return _PLATFORM_LABELS[kind].get(name) or _REGISTERED_LABELS[kind].get(name)


def humanized(name: str) -> str:
    """``task_type`` / ``job.cancel_requested`` -> "Task type" / "Job cancel requested"."""
    words = re.sub(r"[._]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else name


def action_label(action: str) -> str:
    return _known_label("action", action) or job_kind_plain(action)


def job_kind_plain(name: str) -> str:
    """A job kind's label as it registered (``core/job_kinds.py``), else ``humanized``."""
    label = job_kind_label(name)
    return label if label != name else humanized(name)


def object_type_label(object_type: str) -> str:
    return _known_label("object_type", object_type) or humanized(object_type)


def field_label(field: str, object_type: str = "") -> str:
    """A changed field's label. Record writes keep the field names of the app they were
    written to (they are what the mappings name), except the few given a label."""
    if label := _known_label("field", field):
        return label
    if object_type in _SETTINGS_OBJECTS or not object_type:
        return humanized(field)
    return field


def error_category_label(category: str) -> str:
    return _known_label("error_category", category) or humanized(category)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome) or humanized(outcome)


def value_label(value: Any) -> Any:
    """A stored value as a person reads it: codes by their label, booleans as Yes / No,
    the values a registered labeller knows by its label (a person's id by their name),
    anything else as it is."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if not isinstance(value, str):
        return value
    if label := _known_label("value", value):
        return label
    for labeller in _VALUE_LABELLERS:
        if (label := labeller(value)) is not None:
            return label
    return value
