"""Open per-record errors: recorded with the vendor's words, grouped by category for
Sync health, cleared when the record later syncs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from core.models import AuditEvent
from core.services.audit import audit_event_build
from integrations.models.contacts import RecordError

Category = RecordError.Category
#: the code of a write that was sent but never confirmed (it may have been applied)
UNCONFIRMED = "OUTCOME_UNKNOWN"

#: vendor codes (Salesforce ``statusCode``/``errorCode``, HubSpot ``category``) by category
_CATEGORY_BY_CODE = {
    "DUPLICATE_VALUE": Category.DUPLICATE,
    "DUPLICATES_DETECTED": Category.DUPLICATE,
    "CONFLICT": Category.DUPLICATE,
    "INSUFFICIENT_ACCESS": Category.PERMISSION,
    "INSUFFICIENT_ACCESS_OR_READONLY": Category.PERMISSION,
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": Category.PERMISSION,
    "MISSING_SCOPES": Category.PERMISSION,
    "REQUIRED_FIELD_MISSING": Category.VALIDATION,
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": Category.VALIDATION,
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": Category.VALIDATION,
    "STRING_TOO_LONG": Category.VALIDATION,
    "INVALID_EMAIL_ADDRESS": Category.VALIDATION,
    "INVALID_FIELD": Category.VALIDATION,
    "VALIDATION_ERROR": Category.VALIDATION,
    "INVALID_CROSS_REFERENCE_KEY": Category.ASSOCIATION,
    "ENTITY_IS_DELETED": Category.ASSOCIATION,
    "OBJECT_NOT_FOUND": Category.ASSOCIATION,
    "REQUEST_LIMIT_EXCEEDED": Category.RATE_LIMIT,
    "RATE_LIMIT": Category.RATE_LIMIT,
    "API_BUDGET": Category.RATE_LIMIT,
    "INVALID_SESSION_ID": Category.AUTHENTICATION,
    "INVALID_AUTHENTICATION": Category.AUTHENTICATION,
    UNCONFIRMED: Category.UNCONFIRMED,
}


@dataclass(frozen=True)
class Reason:
    """Why a record did not sync, in our words, where no vendor answer says it (a write
    whose answer was lost, one waiting to be confirmed). Read like a vendor error."""

    category: str
    message: str


def unconfirmed(message: str) -> Reason:
    return Reason(category=UNCONFIRMED, message=message)


def error_category(vendor_code: str) -> str:
    return _CATEGORY_BY_CODE.get(vendor_code.upper(), Category.OTHER)


@dataclass(frozen=True)
class FailedRecord:
    """One record that did not sync, and why: everything its open error and its audit
    event say, handed along as one value."""

    #: ``contact`` or ``activity``
    object_type: str
    #: the record's identity on the side that failed (``hs:<id>``, ``sf:<id>``, ...)
    record_key: str
    #: what was being done ("Salesforce refused to create the lead")
    what: str
    #: the vendor's errors (the first one is shown), or a ``Reason`` of ours
    errors: Sequence[Any] = ()
    hubspot_id: str = ""
    salesforce_id: str = ""
    email: str = ""
    direction: str = ""
    #: how the audit trail names the record (an activity's subject)
    label: str = ""

    @property
    def code(self) -> str:
        first = self.errors[0] if self.errors else None
        return getattr(first, "status_code", "") or getattr(first, "category", "") or ""

    @property
    def message(self) -> str:
        first = self.errors[0] if self.errors else None
        return getattr(first, "message", "") or "no reason given"


def record_error_open(failed: FailedRecord, *, job_id: int | None = None) -> None:
    """Record (or count again) the open error of a record that did not sync."""
    fields = {
        "category": error_category(failed.code),
        "vendor_code": failed.code,
        "message": failed.message,
        "hubspot_id": failed.hubspot_id,
        "salesforce_id": failed.salesforce_id,
        "email": failed.email.lower(),
        "direction": failed.direction,
        "job_id": job_id,
    }
    existing = RecordError.objects.filter(
        object_type=failed.object_type, record_key=failed.record_key
    )
    for _ in range(2):  # a concurrent first insert loses the race once, then updates
        if existing.update(occurrences=F("occurrences") + 1, **fields):
            return
        try:
            with transaction.atomic():
                RecordError.objects.create(
                    object_type=failed.object_type, record_key=failed.record_key, **fields
                )
            return
        except IntegrityError:
            continue


def record_errors_resolve(*, record_keys: list[str], object_type: str = "contact") -> int:
    """The records synced: their errors leave Sync health."""
    if not record_keys:
        return 0
    deleted, _ = RecordError.objects.filter(
        object_type=object_type, record_key__in=record_keys
    ).delete()
    return deleted


def record_failure(failed: FailedRecord, *, job_id: int | None) -> AuditEvent:
    """One record failed: open (or count) its error with the vendor's first message and
    code, and return the audit event that says so (the caller writes it with its batch)."""
    record_error_open(failed, job_id=job_id)
    object_type = failed.object_type
    return audit_event_build(
        job_id=job_id,
        action="record.failed" if object_type == "contact" else f"{object_type}.failed",
        object_type=object_type,
        object_label=failed.label,
        email=failed.email,
        hubspot_id=failed.hubspot_id,
        salesforce_id=failed.salesforce_id,
        direction=failed.direction,
        status="failed",
        error_category=failed.code,
        message=f"{failed.what}: {failed.message}",
    )
