"""What the client needs from the caches it is given: the session and the describes.

The client stays free of the database: it is handed a ``SessionStore`` and a
``DescribeStore`` (``session_cache`` and ``describe_cache`` keep them in the
database, shared by every worker process), or none (tests, the sandbox's own
seeding), in which case it logs in and describes as it always did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

#: record or call errors that mean the org's setup changed under a cached describe: a
#: field deleted or renamed, its field-level security changed, a picklist value removed
DESCRIBE_CHANGED = frozenset(
    {
        "INVALID_FIELD",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "INVALID_TYPE",
    }
)
#: what the product reads of a field's describe (the mappings page, the sync's field
#: list, the Task Type dropdown); the rest (often hundreds of KB per object) is not kept
FIELD_KEYS = (
    "name",
    "label",
    "type",
    "length",
    "nillable",
    "createable",
    "updateable",
    "calculated",
    "externalId",
    "restrictedPicklist",
    "referenceTo",
)
PICKLIST_KEYS = ("value", "label", "active", "defaultValue")


@dataclass(frozen=True)
class StoredSession:
    session_id: str
    instance_url: str
    obtained_at: datetime

    def __repr__(self) -> str:  # never the session id, whoever prints it
        return f"StoredSession(instance_url={self.instance_url!r}, obtained_at={self.obtained_at})"


class SessionStore(Protocol):
    def load(self) -> StoredSession | None: ...

    def save(self, session_id: str, instance_url: str) -> None: ...

    def drop(self, session_id: str | None = None) -> None:
        """Forget it; with ``session_id``, only if it is still that one."""


class DescribeStore(Protocol):
    def load(self, object_type: str) -> dict[str, Any] | None:
        """The cached describe, or None when there is none or it is older than allowed."""

    def save(self, object_type: str, describe: dict[str, Any]) -> None: ...

    def drop(self, object_type: str | None = None) -> None:
        """Forget one object's describe, or all of them."""


def describe_essentials(describe: dict[str, Any]) -> dict[str, Any]:
    """``describe`` cut to the object's name and what the product reads of each field."""
    fields = []
    for spec in describe.get("fields") or []:
        kept = {key: spec[key] for key in FIELD_KEYS if key in spec}
        kept["picklistValues"] = [
            {key: value[key] for key in PICKLIST_KEYS if key in value}
            for value in spec.get("picklistValues") or []
        ]
        fields.append(kept)
    return {"name": describe.get("name"), "label": describe.get("label"), "fields": fields}
