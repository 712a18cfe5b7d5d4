"""What the Salesforce client hands back: plain typed values, no simple-salesforce objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict


@dataclass
class RecordError:
    """Why Salesforce refused one record, in its own words.

    ``status_code`` is Salesforce's ``statusCode`` (e.g. ``REQUIRED_FIELD_MISSING``).
    """

    status_code: str
    message: str
    fields: list[str] = field(default_factory=list)


@dataclass
class RecordResult:
    """Outcome of one input record of a create/update/upsert, at the input's position.

    ``created`` is True for a new record, False for an updated one, None when
    the record failed.
    """

    success: bool
    id: str | None
    created: bool | None
    errors: list[RecordError] = field(default_factory=list)


class Identity(TypedDict):
    """The org and the integration user (the user the connection logs in as)."""

    org_id: str
    org_name: str
    user_id: str
    user_name: str
    user_email: str


class ApiUsage(TypedDict):
    """The org's daily API requests: used out of max, and what is left."""

    used: int
    max: int
    remaining: int


@dataclass(frozen=True)
class PicklistValue:
    value: str
    label: str
    default: bool = False
