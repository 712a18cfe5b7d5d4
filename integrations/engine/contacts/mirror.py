"""The local mirror of Salesforce's leads and contacts (``SalesforcePerson``).

Matching a HubSpot contact by email, and deciding what changed on Salesforce's side,
need no call per contact: the mirror holds every lead and contact with its mapped
values. Each object's changes are pulled by ``SystemModstamp`` from its cursor; a
record whose mapped values really changed is marked *pending* for the Salesforce ->
HubSpot pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import chain

from django.db import transaction

from core.rows_update import rows_update
from integrations.engine.contacts.run import SALESFORCE_TYPES, ContactRun
from integrations.engine.cursors import cursor_get, cursor_set
from integrations.models.contacts import SalesforcePerson
from integrations.salesforce.streams import BY_EMAIL, MIRROR, Condition, pages
from integrations.vendor_time import vendor_time


def salesforce_cursor_name(object_type: str) -> str:
    return f"salesforce:{object_type}:SystemModstamp"


def pull_salesforce(run: ContactRun, object_types: Sequence[str] = SALESFORCE_TYPES) -> None:
    """Refresh the mirror from every lead/contact modified since the cursor."""
    for object_type in object_types:
        cursor_name = salesforce_cursor_name(object_type)
        since = vendor_time(cursor_get(cursor_name))
        mirror_modified(run, object_type, since=since, cursor_name=cursor_name)


def mirror_modified(
    run: ContactRun,
    object_type: str,
    *,
    since: datetime | None,
    before: datetime | None = None,
    cursor_name: str | None = None,
) -> str:
    """Mirror the records of ``object_type`` modified from ``since`` (and before
    ``before``), page by page, moving ``cursor_name`` with each page; returns the newest
    ``SystemModstamp`` read ("" if none)."""
    fields = run.salesforce_fields(object_type)
    newest = ""
    for page in pages(
        run.salesforce, MIRROR[object_type], fields=fields, since=since, before=before
    ):
        _mirror(object_type, fields, page, cursor_name)
        newest = str(page[-1]["SystemModstamp"])
    return newest


@transaction.atomic
def _mirror(
    object_type: str, fields: list[str], records: list[dict], cursor_name: str | None
) -> None:
    existing = {
        p.salesforce_id: p
        for p in SalesforcePerson.objects.filter(salesforce_id__in=[r["Id"] for r in records])
    }
    new, changed = [], []
    for record in records:
        values = {f: record.get(f) for f in fields}
        values = {k: ("" if v is None else str(v)) for k, v in values.items()}
        deleted = bool(record.get("IsDeleted")) or bool(record.get("IsConverted"))
        person = existing.get(record["Id"])
        if person is None:
            new.append(
                SalesforcePerson(
                    salesforce_id=record["Id"],
                    salesforce_type=object_type,
                    email=(record.get("Email") or "").strip().lower(),
                    values=values,
                    created_at=vendor_time(record.get("CreatedDate")),
                    modified_at=vendor_time(record.get("SystemModstamp")),
                    is_deleted=deleted,
                    pending=not deleted,
                )
            )
        elif person.values != values or person.is_deleted != deleted:
            person.values = values
            person.email = (record.get("Email") or "").strip().lower()
            person.modified_at = vendor_time(record.get("SystemModstamp"))
            person.is_deleted = deleted
            person.pending = not deleted
            changed.append(person)
    SalesforcePerson.objects.bulk_create(new, batch_size=500)
    rows_update(changed, ["values", "email", "modified_at", "is_deleted", "pending"])
    if cursor_name is not None:
        cursor_set(cursor_name, str(records[-1]["SystemModstamp"]))


def salesforce_by_email(
    run: ContactRun, object_type: str, emails: list[str]
) -> dict[str, SalesforcePerson]:
    """Live lookup (not the mirror: a late write can carry an older SystemModstamp than
    the mirror's cursor), stored in the mirror; the oldest record per email."""
    fields = run.salesforce_fields(object_type)
    wanted = sorted(set(emails))
    if not wanted:
        return {}
    found: dict[str, SalesforcePerson] = {}
    records = chain.from_iterable(
        pages(
            run.salesforce,
            BY_EMAIL[object_type],
            fields=fields,
            where=[Condition("Email", "IN", wanted)],
        )
    )
    for record in records:  # the oldest record of each email comes first
        email = (record.get("Email") or "").strip().lower()
        if email in found:
            continue
        values = {f: "" if record.get(f) is None else str(record.get(f)) for f in fields}
        person, _ = SalesforcePerson.objects.update_or_create(
            salesforce_id=record["Id"],
            defaults={
                "salesforce_type": object_type,
                "email": email,
                "values": values,
                "created_at": vendor_time(record.get("CreatedDate")),
                "modified_at": vendor_time(record.get("SystemModstamp")),
                "is_deleted": False,
                "pending": False,
            },
        )
        found[email] = person
    return found
