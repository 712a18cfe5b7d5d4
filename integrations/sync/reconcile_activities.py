"""Reconcile, activities: is every activity the rules say syncs there exactly once?

- HubSpot -> Salesforce: for every timeline type that is on, every HubSpot activity
  inside its window (``timeline_windows``) whose contact has synced has exactly
  one Salesforce task. The sync's tasks are known by the marker line at the end
  of their description (``syncadmin key: hubspot/<source key>``), read from every
  task the integration user created.
- Salesforce -> HubSpot: for every Salesforce kind that is on, every task/event
  created or changed after its toggle, on a synced contact and not written by
  syncadmin, has exactly one HubSpot engagement. The sync's engagements carry
  the ``sfsync<Salesforce id>`` token in their body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from integrations.models import ActivityLink, ActivityType, ContactLink, SalesforceConnection
from integrations.salesforce.soql import soql_datetime, soql_quote
from integrations.sync.activities import (
    BODY_PROPERTY,
    FROM_SALESFORCE,
    MARKER,
    Candidate,
    TimelineReader,
)
from integrations.sync.activity_contact import activity_contact
from integrations.sync.activity_types import (
    SALESFORCE_TO_HUBSPOT,
    TIMELINE_BY_KEY,
    SalesforceActivityType,
)
from integrations.sync.reconcile_findings import Compared, Found, Kind
from integrations.sync.reconcile_reads import AfterPage, short_id
from integrations.sync.timeline_windows import in_window, window_start
from integrations.vendor_time import vendor_time

_TOKEN = re.compile(r"sfsync([A-Za-z0-9]{15,18})")


class _WholeWindow(TimelineReader):
    """The type's whole window, whatever the sync's cursors say."""

    def _cursor(self, name: str) -> datetime:
        return self.since


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def candidate_details(candidate: Candidate) -> dict[str, Any]:
    """What Fix needs to hand the activity back to the sync (``WaitingActivity``)."""
    return {
        "type_key": candidate.kind.key,
        "source_key": candidate.source_key,
        "occurred_at": candidate.occurred_at.astimezone(UTC).isoformat(),
        "contacts": list(candidate.contacts),
        "payload": candidate.payload(),
    }


class ActivitiesCompare:
    def __init__(
        self,
        *,
        hubspot: Any,
        salesforce: Any,
        after_page: AfterPage,
        last_sync_at: datetime | None,
    ) -> None:
        self.hubspot = hubspot
        self.salesforce = salesforce
        self.after_page = after_page
        self.last_sync_at = last_sync_at
        self.units: dict[str, Compared] = {}

    def run(self) -> dict[str, Compared]:
        rows = list(ActivityType.objects.filter(enabled=True, enabled_at__isnull=False))
        timeline = [r for r in rows if r.direction == ActivityType.Direction.HUBSPOT_TO_SALESFORCE]
        if timeline:
            self._timeline(timeline)
        by_key = {r.key: r for r in rows}
        for kind in SALESFORCE_TO_HUBSPOT:
            if kind.key in by_key:
                self._salesforce_kind(kind, by_key[kind.key])
        return self.units

    def _changed_since_sync(self, when: datetime | None) -> bool:
        return self.last_sync_at is None or (when is not None and when > self.last_sync_at)

    # --- HubSpot -> Salesforce --------------------------------------------------------
    def _tasks_by_source(self) -> dict[str, list[str]]:
        """Every task the sync wrote, by the HubSpot activity its marker names."""
        user = (
            SalesforceConnection.load().integration_user_id or self.salesforce.identity()["user_id"]
        )
        found: dict[str, list[str]] = {}
        soql = f"SELECT Id, Description FROM Task WHERE CreatedById = {soql_quote(user)}"
        for task in self.salesforce.query_iter(soql):
            for line in (task.get("Description") or "").splitlines():
                if line.startswith(MARKER):
                    found.setdefault(line.removeprefix(MARKER).strip(), []).append(task["Id"])
        self.after_page()
        return found

    def _timeline(self, rows: list[ActivityType]) -> None:
        tasks = self._tasks_by_source()
        for row in rows:
            kind = TIMELINE_BY_KEY.get(row.key)
            if kind is None:
                continue
            reader = _WholeWindow(self.hubspot, kind, window_start(kind, row.enabled_at))
            for candidates, _, _ in reader.pages():
                self._timeline_page(row, candidates, tasks)
                self.after_page()

    def _timeline_page(
        self, row: ActivityType, candidates: list[Candidate], tasks: dict[str, list[str]]
    ) -> None:
        copies = set(
            ActivityLink.objects.filter(
                source=ActivityLink.Source.SALESFORCE,
                hubspot_id__in=[c.source_key for c in candidates],
            ).values_list("hubspot_id", flat=True)
        )
        links = _contact_links(candidates)
        ours = {
            link.source_key: link
            for link in ActivityLink.objects.filter(
                source=ActivityLink.Source.HUBSPOT,
                source_key__in=[c.source_key for c in candidates],
            )
        }
        for candidate in candidates:
            if candidate.source_key in copies or FROM_SALESFORCE in candidate.description:
                continue  # syncadmin's own copy of a Salesforce activity: never synced back
            contact = activity_contact(links[r] for r in candidate.contacts if r in links)
            if contact is None or not in_window(
                candidate.kind,
                occurred_at=candidate.occurred_at,
                enabled_at=row.enabled_at,
                contact_first_synced_at=contact.first_synced_at,
            ):
                continue  # waits for its contact, or outside its window: not owed
            key = f"hs:{candidate.source_key}"
            unit = Compared(
                key=f"activity {key}",
                object_type="activity",
                label=candidate.subject,
                email=contact.email,
                hubspot_id=contact.hubspot_id,
                salesforce_id=contact.salesforce_id,
            )
            self.units[unit.key] = unit
            found = tasks.get(candidate.source_key, [])
            if len(found) == 1:
                continue
            link = ours.get(candidate.source_key)
            details = {
                "direction": "hs_to_sf",
                "candidate": candidate_details(candidate),
                "link_id": link.pk if link else None,
                "changed_since_sync": self._changed_since_sync(candidate.occurred_at),
            }
            if not found:
                why = (
                    f"its Salesforce task {link.salesforce_id} no longer exists"
                    if link and link.salesforce_id
                    else "no Salesforce task was written for it"
                )
                unit.findings.append(
                    Found(
                        kind=Kind.ACTIVITY_NOT_SYNCED,
                        object_type="activity",
                        record_key=key,
                        hubspot_id=contact.hubspot_id,
                        salesforce_id=contact.salesforce_id,
                        email=contact.email,
                        hubspot_value=f"{candidate.kind.label}: {candidate.subject}",
                        salesforce_value="(no task)",
                        message=f"HubSpot {candidate.source_key} ({candidate.kind.label}, "
                        f"{candidate.occurred_at:%Y-%m-%d %H:%M} UTC): {why}.",
                        details=details,
                    )
                )
                continue
            unit.findings.append(
                Found(
                    kind=Kind.DUPLICATE,
                    object_type="activity",
                    record_key=key,
                    hubspot_id=contact.hubspot_id,
                    email=contact.email,
                    hubspot_value=f"{candidate.kind.label}: {candidate.subject}",
                    salesforce_value=", ".join(found),
                    message=f"HubSpot {candidate.source_key} has {len(found)} Salesforce tasks: "
                    f"{', '.join(found)}. Delete all but one in Salesforce.",
                    details={**details, "records": found},
                )
            )

    # --- Salesforce -> HubSpot --------------------------------------------------------
    def _engagements_by_salesforce(self, object_type: str, since: datetime) -> dict[str, list[str]]:
        """The sync's engagements of ``object_type``, by the Salesforce id their token names."""
        found: dict[str, list[str]] = {}
        body = BODY_PROPERTY[object_type]
        for page in self.hubspot.engagements_modified_since(object_type, _ms(since), [body]):
            for record in page:
                for token in set(_TOKEN.findall(record["properties"].get(body) or "")):
                    found.setdefault(short_id(token), []).append(f"{object_type}:{record['id']}")
            self.after_page()
        return found

    def _salesforce_kind(self, kind: SalesforceActivityType, row: ActivityType) -> None:
        records = list(self._salesforce_activities(kind, row.enabled_at))
        contacts = {
            short_id(link.salesforce_id): link
            for link in ContactLink.objects.filter(
                salesforce_id__in=[r["WhoId"] for r in records if r.get("WhoId")]
            )
        }
        records = [r for r in records if short_id(r.get("WhoId") or "") in contacts]
        if not records:
            return
        engagements = self._engagements_by_salesforce(kind.hubspot_object, row.enabled_at)
        theirs = {
            link.salesforce_id: link
            for link in ActivityLink.objects.filter(
                source=ActivityLink.Source.SALESFORCE,
                salesforce_id__in=[r["Id"] for r in records],
            )
        }
        for record in records:
            contact = contacts[short_id(record["WhoId"])]
            key = f"sf:{record['Id']}"
            unit = Compared(
                key=f"activity {key}",
                object_type="activity",
                label=record.get("Subject") or kind.label,
                email=contact.email,
                hubspot_id=contact.hubspot_id,
                salesforce_id=record["Id"],
            )
            self.units[unit.key] = unit
            found = engagements.get(short_id(record["Id"]), [])
            if len(found) == 1:
                continue
            link = theirs.get(record["Id"])
            details = {
                "direction": "sf_to_hs",
                "type_key": kind.key,
                "link_id": link.pk if link else None,
                "changed_since_sync": self._changed_since_sync(
                    vendor_time(record["SystemModstamp"])
                ),
            }
            subject = f"{kind.label}: {record.get('Subject') or '(no subject)'}"
            if not found:
                why = (
                    f"its HubSpot engagement {link.hubspot_id} no longer exists"
                    if link and link.hubspot_id
                    else "no HubSpot engagement was written for it"
                )
                unit.findings.append(
                    Found(
                        kind=Kind.ACTIVITY_NOT_SYNCED,
                        object_type="activity",
                        record_key=key,
                        hubspot_id=contact.hubspot_id,
                        salesforce_id=record["Id"],
                        email=contact.email,
                        hubspot_value="(no engagement)",
                        salesforce_value=subject,
                        message=f"Salesforce {kind.sobject.lower()} {record['Id']}: {why}.",
                        details=details,
                    )
                )
                continue
            unit.findings.append(
                Found(
                    kind=Kind.DUPLICATE,
                    object_type="activity",
                    record_key=key,
                    salesforce_id=record["Id"],
                    email=contact.email,
                    hubspot_value=", ".join(found),
                    salesforce_value=subject,
                    message=f"Salesforce {kind.sobject.lower()} {record['Id']} has "
                    f"{len(found)} HubSpot engagements: {', '.join(found)}. Delete all but one "
                    "in HubSpot.",
                    details={**details, "records": found},
                )
            )

    def _salesforce_activities(
        self, kind: SalesforceActivityType, enabled_at: datetime
    ) -> Iterator[dict[str, Any]]:
        """The kind's records changed after its toggle, not written by syncadmin."""
        where = f"SystemModstamp > {soql_datetime(enabled_at)}"
        if kind.sobject == "Task":
            subtypes = ", ".join(soql_quote(s) for s in kind.subtypes)
            where += f" AND TaskSubtype IN ({subtypes})"
        soql = (
            f"SELECT Id, Subject, Description, WhoId, SystemModstamp FROM {kind.sobject} "
            f"WHERE {where}"
        )
        for record in self.salesforce.query_iter(soql):
            stamp = vendor_time(record.get("SystemModstamp"))
            if stamp is not None and stamp <= enabled_at:
                continue  # SOQL compares to the second; the toggle is strict
            if MARKER in (record.get("Description") or ""):
                continue  # syncadmin's own task from a HubSpot activity: never synced back
            yield record
        self.after_page()


def _contact_links(candidates: Iterable[Candidate]) -> dict[str, ContactLink]:
    refs = {ref for c in candidates for ref in c.contacts}
    ids = {ref[3:] for ref in refs if ref.startswith("id:")}
    emails = {ref[6:] for ref in refs if ref.startswith("email:")}
    found: dict[str, ContactLink] = {}
    if not ids and not emails:
        return found
    for link in ContactLink.objects.filter(Q(hubspot_id__in=ids) | Q(email__in=emails)):
        found[f"id:{link.hubspot_id}"] = link
        found[f"email:{link.email}"] = link
    return found
