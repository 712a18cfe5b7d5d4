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

from django.db.models import Q, QuerySet

from integrations.engine.activities.engagement_types import ENGAGEMENT_TYPES
from integrations.engine.activities.sync import (
    FROM_SALESFORCE,
    MARKER,
    Candidate,
    TimelineReader,
    of_kind,
)
from integrations.engine.reconcile.findings import Compared, Found, Kind
from integrations.engine.reconcile.reads import (
    BATCH,
    AfterPage,
    Side,
    batches,
    short_id,
    snapshot,
    snapshot_add,
)
from integrations.models import (
    ActivityLink,
    ActivityType,
    ContactLink,
    ReconcileSnapshot,
    SalesforceConnection,
)
from integrations.rules.activity_types import (
    SALESFORCE_TO_HUBSPOT,
    TIMELINE_BY_KEY,
    SalesforceActivityType,
)
from integrations.rules.multi_contact import activity_contact
from integrations.rules.timeline_windows import in_window, window_start
from integrations.salesforce.streams import ACTIVITIES, TASK_MARKERS, Condition, pages
from integrations.vendor_time import epoch_ms, vendor_time

_TOKEN = re.compile(r"sfsync([A-Za-z0-9]{15,18})")


def candidate_details(candidate: Candidate) -> dict[str, Any]:
    """What Fix needs to hand the activity back to the sync (``WaitingActivity``)."""
    return {
        "type_key": candidate.kind.key,
        "source_key": candidate.source_key,
        "occurred_at": candidate.occurred_at.astimezone(UTC).isoformat(),
        "contacts": list(candidate.contacts),
        "payload": candidate.payload(),
    }


def _candidate(details: dict[str, Any]) -> Candidate:
    """A staged activity back as the candidate it was read as (``candidate_details``)."""
    payload = details["payload"]
    return Candidate(
        kind=TIMELINE_BY_KEY[details["type_key"]],
        source_key=details["source_key"],
        occurred_at=datetime.fromisoformat(details["occurred_at"]),
        contacts=list(details["contacts"]),
        name=payload["name"],
        description=payload["description"],
        owner=payload["owner"],
        status=payload["status"],
        priority=payload["priority"],
    )


class ActivitiesCompare:
    """``read`` stages what both systems hold (every API call), ``batches`` compares it
    from the staged rows a batch at a time."""

    def __init__(
        self,
        *,
        job_id: int,
        hubspot: Any,
        salesforce: Any,
        after_page: AfterPage,
        last_sync_at: datetime | None,
    ) -> None:
        self.job_id = job_id
        self.hubspot = hubspot
        self.salesforce = salesforce
        self.after_page = after_page
        self.last_sync_at = last_sync_at
        rows = list(ActivityType.objects.filter(enabled=True, enabled_at__isnull=False))
        self.timeline = [
            r for r in rows if r.direction == ActivityType.Direction.HUBSPOT_TO_SALESFORCE
        ]
        by_key = {r.key: r for r in rows}
        self.salesforce_kinds = [
            (kind, by_key[kind.key]) for kind in SALESFORCE_TO_HUBSPOT if kind.key in by_key
        ]
        self.enabled_at = {r.key: r.enabled_at for r in rows}
        #: the Salesforce kinds with an activity on a synced contact
        self.owed: set[str] = set()

    def _staged(self, side: str) -> QuerySet[ReconcileSnapshot]:
        return snapshot(self.job_id, side)

    def _stage(self, side: str, key: str, vendor_id: str = "", **fields: Any) -> ReconcileSnapshot:
        return ReconcileSnapshot(
            job_id=self.job_id, side=side, key=key, vendor_id=vendor_id, **fields
        )

    def read(self) -> None:
        if self.timeline:
            self._read_tasks()
            self._read_timeline()
        for kind, row in self.salesforce_kinds:
            self._read_salesforce_kind(kind, row)

    def batches(self) -> Iterator[list[Compared]]:
        for rows in batches(self._staged(Side.HUBSPOT_ACTIVITY)):
            yield self._timeline_batch([_candidate(row.values) for row in rows])
        for kind, _ in self.salesforce_kinds:
            if kind.key in self.owed:
                for records in batches(
                    self._staged(Side.SALESFORCE_ACTIVITY).filter(type=kind.key)
                ):
                    yield self._salesforce_batch(kind, [r.values for r in records])

    def _changed_since_sync(self, when: datetime | None) -> bool:
        return self.last_sync_at is None or (when is not None and when > self.last_sync_at)

    def _unit(self, key: str, *, label: str, contact: ContactLink, salesforce_id: str) -> Compared:
        return Compared(
            key=f"activity {key}",
            object_type="activity",
            label=label,
            email=contact.email,
            hubspot_id=contact.hubspot_id,
            salesforce_id=salesforce_id,
        )

    def _check(
        self,
        unit: Compared,
        *,
        key: str,
        found: list[str],
        copy: tuple[str, str],
        link: ActivityLink | None,
        gone_id: str,
        changed_at: datetime | None,
        details: dict[str, Any],
        name: str,
        about: str,
        what: str,
    ) -> None:
        """The activity (``what``, ``name``) has exactly one copy the sync wrote in the
        other system (``copy``: that system and what the copy is); else a finding:
        not synced (``gone_id``: the copy its ``link`` named), or a duplicate."""
        if len(found) == 1:
            return
        system, noun = copy
        to_salesforce = system == "Salesforce"
        own, other = (
            ("hubspot_value", "salesforce_value")
            if to_salesforce
            else ("salesforce_value", "hubspot_value")
        )
        details = {
            **details,
            "link_id": link.pk if link else None,
            "changed_since_sync": self._changed_since_sync(changed_at),
        }
        common = {
            "object_type": "activity",
            "record_key": key,
            "email": unit.email,
            own: what,
        }
        if not found:
            why = (
                f"its {system} {noun} {gone_id} no longer exists"
                if gone_id
                else f"no {system} {noun} was written for it"
            )
            unit.findings.append(
                Found(
                    kind=Kind.ACTIVITY_NOT_SYNCED,
                    hubspot_id=unit.hubspot_id,
                    salesforce_id=unit.salesforce_id,
                    message=f"{about}: {why}.",
                    details=details,
                    **{other: f"(no {noun})"},
                    **common,
                )
            )
            return
        ids = (
            {"hubspot_id": unit.hubspot_id}
            if to_salesforce
            else {"salesforce_id": unit.salesforce_id}
        )
        unit.findings.append(
            Found(
                kind=Kind.DUPLICATE,
                message=f"{name} has {len(found)} {system} {noun}s: {', '.join(found)}. "
                f"Delete all but one in {system}.",
                details={**details, "records": found},
                **{other: ", ".join(found)},
                **ids,
                **common,
            )
        )

    # --- HubSpot -> Salesforce --------------------------------------------------------
    def _read_tasks(self) -> None:
        """Every task the sync wrote, by the HubSpot activity its marker names."""
        user = (
            SalesforceConnection.load().integration_user_id or self.salesforce.identity()["user_id"]
        )
        rows = []
        for page in pages(
            self.salesforce, TASK_MARKERS, where=[Condition("CreatedById", "=", user)]
        ):
            for task in page:
                for line in (task.get("Description") or "").splitlines():
                    if line.startswith(MARKER):
                        source_key = line.removeprefix(MARKER).strip()
                        rows.append(self._stage(Side.TASK, source_key, task["Id"]))
                if len(rows) >= BATCH:
                    snapshot_add(rows)
                    rows = []
        snapshot_add(rows)
        self.after_page()

    def _read_timeline(self) -> None:
        for row in self.timeline:
            kind = TIMELINE_BY_KEY.get(row.key)
            if kind is None:
                continue
            reader = TimelineReader(
                self.hubspot, kind, window_start(kind, row.enabled_at), use_cursors=False
            )
            for candidates, _, _ in reader.pages():
                snapshot_add(
                    self._stage(
                        Side.HUBSPOT_ACTIVITY,
                        c.source_key,
                        type=row.key,
                        values=candidate_details(c),
                    )
                    for c in candidates
                )
                self.after_page()

    def _timeline_batch(self, candidates: list[Candidate]) -> list[Compared]:
        keys = [c.source_key for c in candidates]
        copies = set(
            ActivityLink.objects.filter(
                source=ActivityLink.Source.SALESFORCE, hubspot_id__in=keys
            ).values_list("hubspot_id", flat=True)
        )
        links = _contact_links(candidates)
        ours = {
            link.source_key: link
            for link in ActivityLink.objects.filter(
                source=ActivityLink.Source.HUBSPOT, source_key__in=keys
            )
        }
        tasks: dict[str, list[str]] = {}
        for task in self._staged(Side.TASK).filter(key__in=keys).order_by("pk"):
            tasks.setdefault(task.key, []).append(task.vendor_id)
        units = []
        for candidate in candidates:
            if candidate.source_key in copies or FROM_SALESFORCE in candidate.description:
                continue  # syncadmin's own copy of a Salesforce activity: never synced back
            contact = activity_contact(links[r] for r in candidate.contacts if r in links)
            if contact is None or not in_window(
                candidate.kind,
                occurred_at=candidate.occurred_at,
                enabled_at=self.enabled_at[candidate.kind.key],
                contact_first_synced_at=contact.first_synced_at,
            ):
                continue  # waits for its contact, or outside its window: not owed
            key = f"hs:{candidate.source_key}"
            unit = self._unit(
                key, label=candidate.subject, contact=contact, salesforce_id=contact.salesforce_id
            )
            units.append(unit)
            link = ours.get(candidate.source_key)
            self._check(
                unit,
                key=key,
                found=tasks.get(candidate.source_key, []),
                copy=("Salesforce", "task"),
                link=link,
                gone_id=link.salesforce_id if link else "",
                changed_at=candidate.occurred_at,
                details={"direction": "hs_to_sf", "candidate": candidate_details(candidate)},
                name=f"HubSpot {candidate.source_key}",
                about=f"HubSpot {candidate.source_key} ({candidate.kind.label}, "
                f"{candidate.occurred_at:%Y-%m-%d %H:%M} UTC)",
                what=f"{candidate.kind.label}: {candidate.subject}",
            )
        return units

    # --- Salesforce -> HubSpot --------------------------------------------------------
    def _read_engagements(self, kind: SalesforceActivityType, since: datetime) -> None:
        """The sync's engagements of the kind's object, by the Salesforce id their token
        names."""
        object_type = kind.hubspot_object
        body = ENGAGEMENT_TYPES[object_type].marker_property
        for page in self.hubspot.engagements_modified_since(object_type, epoch_ms(since), [body]):
            snapshot_add(
                self._stage(
                    Side.ENGAGEMENT, short_id(token), f"{object_type}:{record['id']}", type=kind.key
                )
                for record in page
                for token in set(_TOKEN.findall(record["properties"].get(body) or ""))
            )
            self.after_page()

    def _read_salesforce_kind(self, kind: SalesforceActivityType, row: ActivityType) -> None:
        rows = []
        for record in self._salesforce_activities(kind, row.enabled_at):
            values = {k: record.get(k) for k in ("Id", "Subject", "WhoId", "SystemModstamp")}
            rows.append(
                self._stage(
                    Side.SALESFORCE_ACTIVITY,
                    record["Id"],
                    record["Id"],
                    type=kind.key,
                    values=values,
                )
            )
            if len(rows) >= BATCH:
                snapshot_add(rows)
                rows = []
        snapshot_add(rows)
        for records in batches(self._staged(Side.SALESFORCE_ACTIVITY).filter(type=kind.key)):
            if _contacts_of([r.values for r in records]):
                self.owed.add(kind.key)
                self._read_engagements(kind, row.enabled_at)
                return

    def _salesforce_batch(
        self, kind: SalesforceActivityType, records: list[dict[str, Any]]
    ) -> list[Compared]:
        contacts = _contacts_of(records)
        records = [r for r in records if short_id(r.get("WhoId") or "") in contacts]
        engagements: dict[str, list[str]] = {}
        for row in (
            self._staged(Side.ENGAGEMENT)
            .filter(type=kind.key, key__in=[short_id(r["Id"]) for r in records])
            .order_by("pk")
        ):
            engagements.setdefault(row.key, []).append(row.vendor_id)
        theirs = {
            link.salesforce_id: link
            for link in ActivityLink.objects.filter(
                source=ActivityLink.Source.SALESFORCE,
                salesforce_id__in=[r["Id"] for r in records],
            )
        }
        units = []
        for record in records:
            contact = contacts[short_id(record["WhoId"])]
            key = f"sf:{record['Id']}"
            unit = self._unit(
                key,
                label=record.get("Subject") or kind.label,
                contact=contact,
                salesforce_id=record["Id"],
            )
            units.append(unit)
            link = theirs.get(record["Id"])
            name = f"Salesforce {kind.sobject.lower()} {record['Id']}"
            self._check(
                unit,
                key=key,
                found=engagements.get(short_id(record["Id"]), []),
                copy=("HubSpot", "engagement"),
                link=link,
                gone_id=link.hubspot_id if link else "",
                changed_at=vendor_time(record["SystemModstamp"]),
                details={"direction": "sf_to_hs", "type_key": kind.key},
                name=name,
                about=name,
                what=f"{kind.label}: {record.get('Subject') or '(no subject)'}",
            )
        return units

    def _salesforce_activities(
        self, kind: SalesforceActivityType, enabled_at: datetime
    ) -> Iterator[dict[str, Any]]:
        """The kind's records changed after its toggle, not written by syncadmin."""
        stream = ACTIVITIES[kind.sobject]
        for page in pages(self.salesforce, stream, since=enabled_at, where=of_kind(kind)):
            for record in page:
                stamp = vendor_time(record.get("SystemModstamp"))
                if stamp is not None and stamp <= enabled_at:
                    continue  # SOQL compares to the second; the toggle is strict
                if MARKER in (record.get("Description") or ""):
                    continue  # syncadmin's own task from a HubSpot activity: never synced back
                yield record
        self.after_page()


def _contacts_of(records: list[dict[str, Any]]) -> dict[str, ContactLink]:
    """The synced contacts these Salesforce activities are on, by 15-character id."""
    return {
        short_id(link.salesforce_id): link
        for link in ContactLink.objects.filter(
            salesforce_id__in=[r["WhoId"] for r in records if r.get("WhoId")]
        )
    }


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
