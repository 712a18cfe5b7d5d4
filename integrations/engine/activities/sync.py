"""Activity sync (SPEC §4), both ways.

**HubSpot -> Salesforce (timeline).** Each enabled event type is read from its
source (forms, marketing email events, CRM emails, the Events API, CRM
meetings/calls/notes/tasks) incrementally by its own cursor, filtered by its
time window (``timeline_windows.py``), attached to exactly one synced contact
(``multi_contact.py``), given its Assigned To (``assigned_to.py``), and
written as Salesforce Tasks in collections of 200 (``ActivitySync.sync_type``).
With more than one type enabled, each type is a work unit of the job, read and
written by whichever worker takes it (``units.py``, where the run begins); each
type fills its own collections. Activities whose contacts have not synced yet
wait (``WaitingActivity``) and go when one does. One ``ActivityLink`` per
activity, written ahead of its create: re-runs, crashes and a unit run again
never duplicate; updates to HubSpot tasks, notes and calls update their
Salesforce task.

**Salesforce -> HubSpot.** Tasks (by ``TaskSubtype``) and Events created or
updated after their toggle was turned on become HubSpot engagements on the
linked contact (batches of 100, association inline), owner mapped back. Tasks
syncadmin wrote never echo back; a changed Assigned To on them flows back to
the HubSpot activity's owner.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db.models import Q
from django.utils import timezone

from core.models import AuditEvent
from core.services.audit import new_record_changes
from integrations.chunks import chunks
from integrations.engine.activities.engagement_types import ENGAGEMENT_TYPES
from integrations.engine.activities.text import DESCRIPTION_MAX, clip, text_to_html
from integrations.engine.cursors import cursor_get, cursor_set
from integrations.engine.outcomes import (
    CREATED,
    FAILED,
    SKIPPED,
    UPDATED,
    skip_reason_label,
)
from integrations.engine.record_errors import (
    FailedRecord,
    record_errors_resolve,
    record_failure,
    unconfirmed,
)
from integrations.engine.run import EngineRun
from integrations.engine.stamp_cursor import StampCursor
from integrations.http import errors
from integrations.hubspot.streams import cursor_ms
from integrations.models import (
    ActivityLink,
    ActivityType,
    ContactLink,
    RecordError,
    SalesforceConnection,
    SkippedActivity,
    WaitingActivity,
)
from integrations.pages.activities.services import owner_to_user
from integrations.rules.activity_types import (
    SALESFORCE_BY_KEY,
    SALESFORCE_TO_HUBSPOT,
    TIMELINE_BY_KEY,
    SalesforceActivityType,
    TimelineType,
)
from integrations.rules.assigned_to import assigned_to
from integrations.rules.mapping_rules import TO_HUBSPOT, TO_SALESFORCE
from integrations.rules.multi_contact import activity_contact
from integrations.rules.timeline_windows import in_window, window_start
from integrations.salesforce.streams import ACTIVITIES, TASK_MARKERS, Condition, pages
from integrations.vendor_time import epoch_ms, iso_ms, vendor_time

logger = logging.getLogger(__name__)

#: Salesforce sObject Collections take at most 200 records
SALESFORCE_BATCH = 200
#: HubSpot CRM batch endpoints take at most 100 inputs
HUBSPOT_BATCH = 100
#: Salesforce Task Subject is at most 255 characters
SUBJECT_MAX = 255
#: the last line of every task's description: how a crashed run finds what it created
MARKER = "syncadmin key: hubspot/"
#: the last line of every HubSpot engagement syncadmin writes from a Salesforce activity
FROM_SALESFORCE = "From Salesforce by syncadmin:"
#: what an unconfirmed create's open error promises
NOT_SENT_AGAIN = (
    "it may have been created, so it is not sent again until it is found (linked) or "
    "known never to have happened"
)
#: task fields a "created" audit event shows
AUDITED_TASK_FIELDS = ("Subject", "Type", "OwnerId", "WhoId", "ActivityDate")
#: HubSpot types whose later edits update their Salesforce task (SPEC §4b)
UPDATABLE = frozenset({"task_created", "note_created", "call_logged"})


@dataclass
class Candidate:
    """One HubSpot activity, as every source is turned into before it is synced."""

    kind: TimelineType
    source_key: str
    occurred_at: datetime
    name: str
    description: str
    #: ``id:<hubspot id>`` or ``email:<address>``
    contacts: list[str]
    owner: str = ""
    status: str = "Completed"
    priority: str = "Normal"

    @property
    def subject(self) -> str:
        name = " ".join(self.name.split()) or "(untitled)"
        return clip(self.kind.subject.format(name=name), SUBJECT_MAX)

    def payload(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "owner": self.owner,
            "status": self.status,
            "priority": self.priority,
        }

    @classmethod
    def from_waiting(cls, row: WaitingActivity) -> Candidate:
        data = row.payload
        return cls(
            kind=TIMELINE_BY_KEY[row.type_key],
            source_key=row.source_key,
            occurred_at=row.occurred_at,
            contacts=list(row.contacts),
            name=data.get("name", ""),
            description=data.get("description", ""),
            owner=data.get("owner", ""),
            status=data.get("status", "Completed"),
            priority=data.get("priority", "Normal"),
        )


def contact_links_for(candidates: Iterable[Candidate]) -> dict[str, ContactLink]:
    """The synced contacts the candidates name, by each of their references
    (``id:<hubspot id>`` and ``email:<address>``), in one query."""
    refs = {ref for c in candidates for ref in c.contacts}
    ids = {ref[3:] for ref in refs if ref.startswith("id:")}
    emails = {ref[6:] for ref in refs if ref.startswith("email:")}
    found: dict[str, ContactLink] = {}
    if not (ids or emails):
        return found
    for link in ContactLink.objects.filter(Q(hubspot_id__in=ids) | Q(email__in=emails)):
        found[f"id:{link.hubspot_id}"] = link
        found[f"email:{link.email}"] = link
    return found


# --- reading HubSpot -----------------------------------------------------------------------


class TimelineReader:
    """Pages of ``Candidate`` for one enabled type, from its cursor (or window start).
    ``use_cursors=False`` reads the whole window from ``since`` whatever the stored
    cursors say (the Activities page's preview, Reconcile)."""

    def __init__(
        self, hubspot: Any, kind: TimelineType, since: datetime, *, use_cursors: bool = True
    ) -> None:
        self.hubspot = hubspot
        self.kind = kind
        self.since = since
        self.use_cursors = use_cursors

    def pages(self) -> Iterator[tuple[list[Candidate], str, str]]:
        """``(candidates, cursor name, cursor value to store once they are written)``."""
        return getattr(self, f"_read_{self.kind.source}")()

    def _cursor(self, name: str) -> datetime:
        if not self.use_cursors:
            return self.since
        stored = cursor_get(name)
        return max(self.since, vendor_time(stored)) if stored else self.since

    def _late_cursor(self, name: str) -> datetime:
        """For sources read by when an activity happened (forms, marketing email events,
        the Events API): HubSpot records some late (an open reported days after, an event
        sent in by an app later), behind a cursor that has moved on. The read starts
        ``ACTIVITY_LATE_ARRIVAL_H`` behind it; the links drop what already synced."""
        cursor = self._cursor(name)
        if cursor <= self.since:
            return self.since
        overlap = timedelta(hours=django_settings.ACTIVITY_LATE_ARRIVAL_H)
        return max(self.since, cursor - overlap)

    def _read_forms(self) -> Iterator[tuple[list[Candidate], str, str]]:
        for form in self.hubspot.forms():
            if form.get("formType") == "blog_comment":
                continue  # HubSpot answers 400 for their submissions
            name = f"hubspot:form:{form['id']}"
            since = self._late_cursor(name)
            newest = epoch_ms(self._cursor(name))  # the cursor never moves back
            for page in self.hubspot.form_submissions(form["id"], epoch_ms(since)):
                found = []
                for submission in page:
                    values = {v["name"]: v["value"] for v in submission.get("values", [])}
                    when = datetime.fromtimestamp(int(submission["submittedAt"]) / 1000, tz=UTC)
                    newest = max(newest, int(submission["submittedAt"]))
                    email = (values.get("email") or "").strip().lower()
                    found.append(
                        Candidate(
                            kind=self.kind,
                            source_key=f"form:{submission['conversionId']}",
                            occurred_at=when,
                            name=form.get("name", ""),
                            description="\n".join(f"{k}: {v}" for k, v in values.items())
                            + (
                                f"\nPage: {submission['pageUrl']}"
                                if submission.get("pageUrl")
                                else ""
                            ),
                            contacts=[f"email:{email}"] if email else [],
                        )
                    )
                # newest first: the cursor moves only once every page is written
                yield found, "", ""
            yield [], name, str(newest)

    def _read_email_events(self) -> Iterator[tuple[list[Candidate], str, str]]:
        name = f"hubspot:email_events:{self.kind.source_filter}"
        since = self._late_cursor(name)
        end = timezone.now()
        for page in self.hubspot.email_events(
            self.kind.source_filter, epoch_ms(since), epoch_ms(end)
        ):
            found = []
            for event in page:
                campaign = self.hubspot.email_campaign(event["emailCampaignId"])
                found.append(
                    Candidate(
                        kind=self.kind,
                        source_key=f"email_event:{event['id']}",
                        occurred_at=datetime.fromtimestamp(int(event["created"]) / 1000, tz=UTC),
                        name=campaign.get("name") or campaign.get("subject") or "",
                        description=f"Marketing email “{campaign.get('subject', '')}” "
                        f"{event['type'].lower()}"
                        + (f"\nLink: {event['url']}" if event.get("url") else ""),
                        contacts=[f"email:{(event.get('recipient') or '').lower()}"],
                    )
                )
            yield found, "", ""
        yield [], name, iso_ms(end)

    def _read_events(self) -> Iterator[tuple[list[Candidate], str, str]]:
        name = f"hubspot:events:{self.kind.source_filter}"
        since = self._late_cursor(name)
        newest = self._cursor(name)  # the cursor never moves back
        for page in self.hubspot.events(self.kind.source_filter, iso_ms(since)):
            found = []
            for event in page:
                props = event.get("properties") or {}
                when = vendor_time(event["occurredAt"])
                newest = max(newest, when)
                if self.kind.key == "integration_event":
                    label = f"{props.get('hs_app_name', 'App')}: {props.get('hs_event_name', '')}"
                elif self.kind.key == "document_viewed":
                    label = props.get("hs_document_name", "")
                else:
                    label = props.get("hs_email_subject", "")
                found.append(
                    Candidate(
                        kind=self.kind,
                        source_key=f"event:{event['id']}",
                        occurred_at=when,
                        name=label,
                        description="\n".join(f"{k}: {v}" for k, v in props.items()),
                        contacts=[f"id:{event['objectId']}"],
                    )
                )
            yield found, name, iso_ms(newest)

    def _read_crm_emails(self) -> Iterator[tuple[list[Candidate], str, str]]:
        yield from self._read_crm_objects("emails")

    def _read_crm(self) -> Iterator[tuple[list[Candidate], str, str]]:
        yield from self._read_crm_objects(self.kind.source_filter)

    def _read_crm_objects(self, object_type: str) -> Iterator[tuple[list[Candidate], str, str]]:
        name = f"hubspot:{object_type}:{self.kind.key}"
        since = self._cursor(name)
        properties = ENGAGEMENT_TYPES[object_type].read_properties()
        for page in self.hubspot.engagements_modified_since(
            object_type, epoch_ms(since), properties
        ):
            if object_type == "emails":
                page = [
                    r
                    for r in page
                    if r["properties"].get("hs_email_direction") == self.kind.source_filter
                ]
            contacts = (
                self.hubspot.associations_batch_read(
                    object_type, "contacts", [r["id"] for r in page]
                )
                if page
                else {}
            )
            found = [
                self._crm_candidate(object_type, r, contacts.get(str(r["id"]), [])) for r in page
            ]
            newest = max(
                (cursor_ms(r["properties"].get("hs_lastmodifieddate")) or 0 for r in page),
                default=0,
            )
            value = iso_ms(datetime.fromtimestamp(newest / 1000, tz=UTC)) if newest else ""
            yield found, (name if value else ""), value

    def _crm_candidate(self, object_type: str, record: dict, contact_ids: list[str]) -> Candidate:
        props = record["properties"]
        when = vendor_time(props.get("hs_timestamp")) or vendor_time(record.get("createdAt"))
        text = ENGAGEMENT_TYPES[object_type].text_of(props)
        return Candidate(
            kind=self.kind,
            source_key=f"{object_type}:{record['id']}",
            occurred_at=when or timezone.now(),
            name=text.label,
            description=text.body,
            contacts=[f"id:{c}" for c in contact_ids],
            owner=props.get("hubspot_owner_id") or "",
            status=text.status,
            priority=text.priority,
        )


# --- the run ---------------------------------------------------------------------------------


@dataclass
class ActivitySync(EngineRun):
    """One activity sync run (the job's own, or one of its work units)."""

    #: source keys not to try again in this run: they failed, or their create is still
    #: unconfirmed (reported by the recovery); they stay owed for the next run
    _not_again: set[str] = field(default_factory=set)
    _owners: dict[str, str] | None = None
    _integration_user: str = ""

    def settle(self, key: str, outcome: str, **fields: Any) -> None:
        """The activity's outcome in this run, with its audit event (inside bookkeeping).
        ``key``: ``hs:<source key>`` or ``sf:<Salesforce id>``."""
        self.ledger.settle([key], outcome, object_type="activity", **fields)

    def failed_event(self, key: str, event: AuditEvent) -> None:
        """The activity did not sync: its failure's event, already built with its open
        error (``record_failure``), counted under ``key`` (inside bookkeeping)."""
        self.ledger.settle([key], FAILED, event=event)

    @property
    def owners(self) -> dict[str, str]:
        if self._owners is None:
            self._owners = owner_to_user()
        return self._owners

    @property
    def integration_user(self) -> str:
        if not self._integration_user:
            self._integration_user = (
                SalesforceConnection.load().integration_user_id
                or self.salesforce.identity()["user_id"]
            )
        return self._integration_user

    # HubSpot -> Salesforce ------------------------------------------------------------
    def timeline_rows(self) -> dict[str, ActivityType]:
        """The enabled HubSpot -> Salesforce types, by key (read when asked: a type
        turned on or off meanwhile counts from then)."""
        return {
            row.key: row
            for row in ActivityType.objects.filter(
                direction=ActivityType.Direction.HUBSPOT_TO_SALESFORCE, enabled=True
            )
        }

    def sync_type(self, row: ActivityType) -> None:
        """One enabled type's new activities, written in full collections of 200: each
        page's cursor moves only once its activities are written."""
        kind = TIMELINE_BY_KEY[row.key]
        rows = {row.key: row}
        gathered: list[Candidate] = []
        cursors: list[tuple[str, str]] = []
        reader = TimelineReader(self.hubspot, kind, window_start(kind, row.enabled_at))
        for candidates, cursor_name, cursor_value in reader.pages():
            gathered.extend(candidates)
            if cursor_name and cursor_value:
                cursors.append((cursor_name, cursor_value))
            if len(gathered) >= SALESFORCE_BATCH:
                self._write_gathered(gathered, cursors, rows)
        self._write_gathered(gathered, cursors, rows)

    def absorb_job_failures(self) -> None:
        """HubSpot activities that failed earlier in this job (in another worker's unit,
        a first run of this unit, the recovery) are not tried again in this run, as if
        they had failed here: they stay owed for the next run and count once."""
        keys = RecordError.objects.filter(
            object_type="activity", job_id=self.ctx.job_id, record_key__startswith="hs:"
        ).values_list("record_key", flat=True)
        self._not_again.update(key.removeprefix("hs:") for key in keys)

    def _write_gathered(
        self, gathered: list[Candidate], cursors: list[tuple[str, str]], rows: dict
    ) -> None:
        if gathered:
            self.write_candidates(gathered, rows)
        with self.bookkeeping():
            for name, value in cursors:
                cursor_set(name, value)
        gathered.clear()
        cursors.clear()
        self.flush()

    def sync_waiting(self, *, owed_up_to: int | None = None) -> None:
        """Activities that waited for their contact: those whose contact has now synced.
        ``owed_up_to``: only those owed before this job's units began (the last
        ``WaitingActivity`` id then); what the units owed is theirs, counted by them, and
        goes next run."""
        enabled = self.timeline_rows()
        owed = WaitingActivity.objects.filter(type_key__in=enabled)
        if owed_up_to is not None:
            owed = owed.filter(pk__lte=owed_up_to)
        last = 0
        while True:
            rows = list(owed.filter(pk__gt=last).order_by("pk")[:SALESFORCE_BATCH])
            if not rows:
                return
            last = rows[-1].pk
            self.write_candidates([Candidate.from_waiting(r) for r in rows], enabled)
            self.flush()

    def _new_to_us(self, candidates: list[Candidate]) -> list[Candidate]:
        """Leave out what syncadmin itself wrote to HubSpot from Salesforce activities (no
        activity ever comes back), creates still unconfirmed (owed, reported by the
        recovery; a write-ahead link without its task: also one a unit's earlier run
        sent before its worker died), and what already synced and never changes (read
        again by the late-arrival overlap)."""
        keys = [c.source_key for c in candidates]
        unconfirmed_creates = set(
            ActivityLink.objects.filter(
                source=ActivityLink.Source.HUBSPOT, source_key__in=keys, salesforce_id=""
            ).values_list("source_key", flat=True)
        )
        copies = set(
            ActivityLink.objects.filter(
                source=ActivityLink.Source.SALESFORCE, hubspot_id__in=keys
            ).values_list("hubspot_id", flat=True)
        )
        settled = set(
            ActivityLink.objects.filter(source=ActivityLink.Source.HUBSPOT, source_key__in=keys)
            .exclude(type_key__in=UPDATABLE)
            .values_list("source_key", flat=True)
        ) | set(
            SkippedActivity.objects.filter(source_key__in=keys).values_list("source_key", flat=True)
        )
        return [
            c
            for c in candidates
            if c.source_key not in copies
            and c.source_key not in settled
            and c.source_key not in self._not_again
            and c.source_key not in unconfirmed_creates
            and FROM_SALESFORCE not in c.description
        ]

    def write_candidates(self, candidates: list[Candidate], rows: dict[str, ActivityType]) -> None:
        candidates = self._new_to_us(candidates)
        links = contact_links_for(candidates)
        waiting = set(
            WaitingActivity.objects.filter(
                source_key__in=[c.source_key for c in candidates]
            ).values_list("source_key", flat=True)
        )
        skipped: list[tuple[Candidate, str]] = []
        existing = {
            link.source_key: link
            for link in ActivityLink.objects.filter(
                source=ActivityLink.Source.HUBSPOT,
                source_key__in=[c.source_key for c in candidates],
            )
        }
        creates: list[tuple[Candidate, ContactLink, dict]] = []
        updates: list[tuple[Candidate, ActivityLink, dict]] = []
        for candidate in candidates:
            row = rows[candidate.kind.key]
            if candidate.occurred_at < window_start(candidate.kind, row.enabled_at):
                skipped.append((candidate, "outside_window"))
                continue
            contact = activity_contact(links[r] for r in candidate.contacts if r in links)
            if contact is None and not candidate.contacts:
                skipped.append((candidate, "no_contact"))
                continue
            if contact is None:
                if candidate.source_key not in waiting:  # already waiting: nothing new
                    _owe([candidate])
                    skipped.append((candidate, "contact_not_synced"))
                continue
            if not in_window(
                candidate.kind,
                occurred_at=candidate.occurred_at,
                enabled_at=row.enabled_at,
                contact_first_synced_at=contact.first_synced_at,
            ):
                _owed_no_more([candidate])
                skipped.append((candidate, "outside_window"))
                continue
            task = self._task(candidate, contact, row)
            link = existing.get(candidate.source_key)
            if link is None:
                creates.append((candidate, contact, task))
            elif candidate.kind.key in UPDATABLE and (
                link.subject != task["Subject"] or link.owner_id != task["OwnerId"]
            ):
                updates.append((candidate, link, task))
            else:
                _owed_no_more([candidate])  # already synced, nothing changed: not counted
        if skipped:
            with self.bookkeeping():
                self._skipped(skipped)
        for chunk in chunks(creates, SALESFORCE_BATCH):
            self._create_tasks(chunk)
        self._adopt_job_outcomes(
            {link.salesforce_id: f"hs:{c.source_key}" for c, link, _ in updates}
        )
        for chunk in chunks(updates, SALESFORCE_BATCH):
            _owe([candidate for candidate, _, _ in chunk])
            results = self.salesforce.update(
                "Task",
                [{"Id": link.salesforce_id, **_updatable(task)} for _, link, task in chunk],
            )
            with self.bookkeeping():
                for (candidate, link, task), result in zip(chunk, results, strict=True):
                    self._updated(candidate, link, task, result)

    def _adopt_job_outcomes(self, keys_by_task: dict[str, str]) -> None:
        """What this job already counted for these tasks elsewhere (the recovery in the
        job's own run, another unit) counts once: an update now is a follow-up.
        ``keys_by_task``: Salesforce task id -> ``hs:<source key>``."""
        if not keys_by_task:
            return
        events = AuditEvent.objects.filter(
            job_id=self.ctx.job_id, direction=TO_SALESFORCE, salesforce_id__in=keys_by_task
        ).exclude(outcome="")
        for task_id, outcome in events.values_list("salesforce_id", "outcome"):
            self.ledger.adopt([keys_by_task[task_id]], outcome)

    def _create_tasks(self, chunk: Sequence[tuple[Candidate, ContactLink, dict]]) -> None:
        self._intend(chunk)
        try:
            results = self.salesforce.create("Task", [task for _, _, task in chunk])
        except errors.ServerError as exc:
            # sent, no answer: the tasks may exist; the recovery finds them by their marker
            with self.bookkeeping():
                for candidate, contact, _ in chunk:
                    self._failed(
                        f"hs:{candidate.source_key}",
                        candidate,
                        contact,
                        [unconfirmed(f"{exc.message} — {NOT_SENT_AGAIN}")],
                        "Salesforce did not confirm the task",
                    )
            return
        except BaseException:
            ActivityLink.objects.filter(  # nothing was sent
                source=ActivityLink.Source.HUBSPOT,
                source_key__in=[c.source_key for c, _, _ in chunk],
                salesforce_id="",
            ).delete()
            raise
        with self.bookkeeping():
            for (candidate, contact, task), result in zip(chunk, results, strict=True):
                self._created(candidate, contact, task, result)

    def _intend(self, chunk: Sequence[tuple[Candidate, ContactLink, dict]]) -> None:
        """Write-ahead: a link without a Salesforce id, and the activity as owed, committed
        before the tasks are created. If the worker dies before the ids are stored, the
        next run finds the tasks by their marker instead of creating them again
        (``recover_pending``); one never created is still owed and goes later."""
        _owe([candidate for candidate, _, _ in chunk])
        ActivityLink.objects.bulk_create(
            [
                ActivityLink(
                    source=ActivityLink.Source.HUBSPOT,
                    source_key=candidate.source_key,
                    type_key=candidate.kind.key,
                    salesforce_id="",
                    hubspot_id=candidate.source_key,
                    hubspot_contact_id=contact.hubspot_id,
                    subject=task["Subject"],
                    owner_id=task["OwnerId"],
                )
                for candidate, contact, task in chunk
            ],
            ignore_conflicts=True,
        )

    def recover_pending(self) -> None:
        """Tasks and engagements a run sent without learning the outcome (a crash, a lost
        answer): found by their marker, they are linked; not found, they stay owed until
        ``WRITE_SETTLE_S`` has passed, when they are known never to have been created."""
        self._recover_pending_engagements()
        pending = list(
            ActivityLink.objects.filter(source=ActivityLink.Source.HUBSPOT, salesforce_id="")
        )
        if not pending:
            return
        since = min(link.created_at for link in pending) - timedelta(minutes=5)
        ours = [
            Condition("CreatedDate", ">=", since),
            Condition("CreatedById", "=", self.integration_user),
        ]
        found = {}
        for page in pages(self.salesforce, TASK_MARKERS, where=ours):
            for task in page:
                for line in (task.get("Description") or "").splitlines():
                    if line.startswith(MARKER):
                        found[line.removeprefix(MARKER).strip()] = task["Id"]
        with self.bookkeeping():
            for link in pending:
                self._settle(link, found.get(link.source_key, ""), direction=TO_SALESFORCE)

    def _settle(self, link: ActivityLink, found_id: str, *, direction: str) -> None:
        """One write-ahead link after looking for what it wrote (``found_id``, or "")."""
        contact = ContactLink.objects.filter(hubspot_id=link.hubspot_contact_id).first()
        to_salesforce = direction == TO_SALESFORCE
        key = f"hs:{link.source_key}" if to_salesforce else f"sf:{link.salesforce_id}"
        if found_id:
            if to_salesforce:
                link.salesforce_id = found_id
            else:
                link.hubspot_id = found_id
            link.save(update_fields=["salesforce_id", "hubspot_id", "updated_at"])
            record_errors_resolve(record_keys=[key], object_type="activity")
            self.settle(
                key,
                CREATED,
                action="activity.created",
                object_label=link.subject,
                email=contact.email if contact else "",
                hubspot_id=link.hubspot_contact_id,
                salesforce_id=link.salesforce_id,
                direction=direction,
                message=(
                    f"{'Salesforce task' if to_salesforce else 'HubSpot ' + found_id} for "
                    f"{link.source_key}: created by an earlier run that never got the answer; "
                    "found by its marker and linked, not created again."
                ),
            )
            return
        settle_before = timezone.now() - timedelta(seconds=django_settings.WRITE_SETTLE_S)
        if link.created_at < settle_before:
            link.delete()  # never created: the next pass creates it
            return
        self._not_again.add(link.source_key)
        self.failed_event(
            key,
            record_failure(
                FailedRecord(
                    object_type="activity",
                    record_key=key,
                    errors=[
                        unconfirmed(
                            "an earlier run sent this create but never got the answer, and it "
                            f"is not there yet — {NOT_SENT_AGAIN}"
                        )
                    ],
                    what=f"Not created yet: {link.source_key}",
                    hubspot_id=link.hubspot_contact_id,
                    salesforce_id=contact.salesforce_id if contact else "",
                    email=contact.email if contact else "",
                    direction=direction,
                    label=link.subject,
                ),
                job_id=self.ctx.job_id,
            ),
        )

    def _skipped(self, skipped: list[tuple[Candidate, str]]) -> None:
        """Skips are remembered (``SkippedActivity``) but the wait for a contact, which
        ``WaitingActivity`` remembers: the late-arrival overlap's re-read is not a new skip."""
        SkippedActivity.objects.bulk_create(
            [
                SkippedActivity(source_key=c.source_key, reason=reason)
                for c, reason in skipped
                if reason != "contact_not_synced"
            ],
            ignore_conflicts=True,
        )
        for candidate, reason in skipped:
            self.settle(
                f"hs:{candidate.source_key}",
                SKIPPED,
                reason=reason,
                action="activity.skipped",
                object_label=candidate.subject,
                direction=TO_SALESFORCE,
                message=f"{skip_reason_label(reason)}: HubSpot {candidate.source_key} "
                f"({candidate.kind.label}, {candidate.occurred_at:%Y-%m-%d %H:%M} UTC).",
            )

    def _task(self, candidate: Candidate, contact: ContactLink, row: ActivityType) -> dict:
        assignment = assigned_to(
            activity_owner=candidate.owner,
            contact_owner=contact.hubspot_owner_id,
            owner_to_user=self.owners,
            integration_user=self.integration_user,
        )
        marker = f"\n\n{MARKER}{candidate.source_key}"  # recovery reads it line by line
        task = {
            "Subject": candidate.subject,
            "Status": candidate.status,
            "Priority": candidate.priority,
            "ActivityDate": candidate.occurred_at.astimezone(UTC).date().isoformat(),
            "WhoId": contact.salesforce_id,
            "OwnerId": assignment.user_id,
            "Description": clip(
                f"{candidate.kind.label} in HubSpot at {candidate.occurred_at:%Y-%m-%d %H:%M} UTC "
                f"(synced by syncadmin; Assigned To: {assignment.reason})."
                f"\n\n{candidate.description}".rstrip(),
                DESCRIPTION_MAX - len(marker),
            )
            + marker,
        }
        if row.task_type:
            task["Type"] = row.task_type
        return task

    def _created(self, candidate: Candidate, contact: ContactLink, task: dict, result: Any) -> None:
        key = f"hs:{candidate.source_key}"
        pending = ActivityLink.objects.filter(
            source=ActivityLink.Source.HUBSPOT, source_key=candidate.source_key, salesforce_id=""
        )
        if not result.success:
            pending.delete()
            self._failed(key, candidate, contact, result.errors, "Salesforce refused the task")
            return
        pending.update(salesforce_id=result.id)
        _owed_no_more([candidate])
        record_errors_resolve(record_keys=[key], object_type="activity")
        self.settle(
            key,
            CREATED,
            action="activity.created",
            object_label=task["Subject"],
            email=contact.email,
            hubspot_id=contact.hubspot_id,
            salesforce_id=result.id,
            direction=TO_SALESFORCE,
            changes=new_record_changes(
                {k: task.get(k) for k in AUDITED_TASK_FIELDS}, rule=candidate.kind.label
            ),
            message=f"Salesforce task “{task['Subject']}” from HubSpot {candidate.source_key}.",
        )

    def _updated(self, candidate: Candidate, link: ActivityLink, task: dict, result: Any) -> None:
        key = f"hs:{candidate.source_key}"
        if not result.success:
            contact = ContactLink.objects.filter(hubspot_id=link.hubspot_contact_id).first()
            self._failed(key, candidate, contact, result.errors, "Salesforce refused the update")
            return
        changes = [
            {"field": "Subject", "before": link.subject, "after": task["Subject"]},
            {"field": "OwnerId", "before": link.owner_id, "after": task["OwnerId"]},
        ]
        link.subject, link.owner_id = task["Subject"], task["OwnerId"]
        link.save(update_fields=["subject", "owner_id", "updated_at"])
        _owed_no_more([candidate])
        record_errors_resolve(record_keys=[key], object_type="activity")
        self.settle(
            key,
            UPDATED,
            action="activity.updated",
            object_label=task["Subject"],
            hubspot_id=link.hubspot_contact_id,
            salesforce_id=link.salesforce_id,
            direction=TO_SALESFORCE,
            changes=[c for c in changes if c["before"] != c["after"]],
            message=f"Salesforce task updated from HubSpot {candidate.source_key}.",
        )

    def _failed(
        self, key: str, candidate: Candidate, contact: ContactLink | None, errors: list, what: str
    ) -> None:
        _owe([candidate])
        self._not_again.add(candidate.source_key)
        self.failed_event(
            key,
            record_failure(
                FailedRecord(
                    object_type="activity",
                    record_key=key,
                    errors=errors,
                    what=f"{what} for HubSpot {candidate.source_key}",
                    hubspot_id=contact.hubspot_id if contact else "",
                    salesforce_id=contact.salesforce_id if contact else "",
                    email=contact.email if contact else "",
                    direction=TO_SALESFORCE,
                    label=candidate.subject,
                ),
                job_id=self.ctx.job_id,
            ),
        )

    # Salesforce -> HubSpot --------------------------------------------------------------
    def sync_salesforce_activities(self) -> None:
        rows = {
            row.key: row
            for row in ActivityType.objects.filter(
                direction=ActivityType.Direction.SALESFORCE_TO_HUBSPOT, enabled=True
            )
        }
        for kind in SALESFORCE_TO_HUBSPOT:
            if kind.key in rows:
                self._sync_salesforce_kind(kind, rows[kind.key])

    def _sync_salesforce_kind(self, kind: SalesforceActivityType, row: ActivityType) -> None:
        cursor_name = f"salesforce:{kind.key}:SystemModstamp"
        cursor = StampCursor.parse(cursor_get(cursor_name))
        since = max(filter(None, [cursor.stamp, row.enabled_at]))
        stream = ACTIVITIES[kind.sobject]
        page: list[dict] = []
        for read in pages(self.salesforce, stream, since=since, where=of_kind(kind)):
            for record in read:
                if not cursor.is_new(record):
                    continue  # handled by an earlier run (SOQL compares to the second)
                # never retroactive: strictly after the toggle
                if (vendor_time(record["SystemModstamp"]) or since) <= row.enabled_at:
                    continue
                page.append(record)
                if len(page) == HUBSPOT_BATCH:
                    cursor.advance(page)
                    self._write_salesforce_page(kind, page, (cursor_name, cursor.text()))
                    page = []
        if page:
            cursor.advance(page)
            self._write_salesforce_page(kind, page, (cursor_name, cursor.text()))
        self._sync_owed_salesforce(kind)

    def _sync_owed_salesforce(self, kind: SalesforceActivityType) -> None:
        """Salesforce activities whose HubSpot write failed (open errors) are read again by
        id and tried again, whatever the cursor has moved past."""
        owed = [
            key.removeprefix("sf:")
            for key in RecordError.objects.filter(
                object_type="activity", direction=TO_HUBSPOT, record_key__startswith="sf:"
            ).values_list("record_key", flat=True)
            if key not in self._not_again
        ]
        for chunk in chunks(owed, SALESFORCE_BATCH):
            where = [Condition("Id", "IN", list(chunk)), *of_kind(kind)]
            records = [
                record
                for read in pages(self.salesforce, ACTIVITIES[kind.sobject], where=where)
                for record in read
            ]
            for page in chunks(records, HUBSPOT_BATCH):
                self._write_salesforce_page(kind, list(page), cursor=None)

    def _write_salesforce_page(
        self, kind: SalesforceActivityType, records: list[dict], cursor: tuple[str, str] | None
    ) -> None:
        ids = [r["Id"] for r in records]
        ours = {
            link.salesforce_id: link
            for link in ActivityLink.objects.filter(
                source=ActivityLink.Source.HUBSPOT, salesforce_id__in=ids
            )
        }
        theirs = {
            link.salesforce_id: link
            for link in ActivityLink.objects.filter(
                source=ActivityLink.Source.SALESFORCE, salesforce_id__in=ids
            )
        }
        contacts = {
            link.salesforce_id: link
            for link in ContactLink.objects.filter(
                salesforce_id__in=[r.get("WhoId") for r in records if r.get("WhoId")]
            )
        }
        user_to_owner = {user: owner for owner, user in self.owners.items()}
        creates, updates, owner_changes, unsynced = [], [], [], []
        for record in records:
            if MARKER in (record.get("Description") or "") and record["Id"] not in ours:
                continue  # written by syncadmin, its link not stored yet: never comes back
            if record["Id"] in theirs and not theirs[record["Id"]].hubspot_id:
                continue  # its create is unconfirmed: owed, reported by the recovery
            owner = user_to_owner.get(record.get("OwnerId") or "", "")
            if record["Id"] in ours:
                # written by syncadmin from HubSpot: never echoed, but Assigned To flows back
                link = ours[record["Id"]]
                if record.get("OwnerId") != link.owner_id and owner and kind.key == "sf_tasks":
                    owner_changes.append((link, record, owner))
                continue  # else our own write read back: not counted
            contact = contacts.get(record.get("WhoId") or "")
            if contact is None:
                unsynced.append(record)
                continue
            properties = _engagement_properties(kind, record, owner)
            if record["Id"] in theirs:
                updates.append((theirs[record["Id"]], record, properties))
            else:
                creates.append((contact, record, properties))
        if unsynced:
            with self.bookkeeping():
                for record in unsynced:
                    self._salesforce_skipped(kind, record, "not_on_synced_contact")
        self._hubspot_creates(kind, creates)
        self._hubspot_updates(kind.hubspot_object, updates)
        self._owner_flows_back(owner_changes)
        if cursor is not None:
            with self.bookkeeping():
                cursor_set(*cursor)
        self.ctx.raise_if_cancelled()

    def _hubspot_creates(self, kind: SalesforceActivityType, creates: list) -> None:
        engagement = ENGAGEMENT_TYPES[kind.hubspot_object]
        for chunk in chunks(creates, HUBSPOT_BATCH):
            inputs = [
                {
                    "properties": properties,
                    "associations": [engagement.contact_association(contact.hubspot_id)],
                }
                for contact, _, properties in chunk
            ]
            self._intend_engagements(kind, chunk)
            pending = ActivityLink.objects.filter(
                source=ActivityLink.Source.SALESFORCE,
                source_key__in=[f"{kind.sobject}:{record['Id']}" for _, record, _ in chunk],
                hubspot_id="",
            )
            try:
                outcome = self.hubspot.engagements_batch_create(kind.hubspot_object, inputs)
            except errors.ServerError as exc:
                # sent, no answer: they may exist; the recovery finds them by their marker
                with self.bookkeeping():
                    for contact, record, _ in chunk:
                        self._engagement_failed(
                            kind,
                            contact,
                            record,
                            [unconfirmed(f"{exc.message} — {NOT_SENT_AGAIN}")],
                            what=f"HubSpot did not confirm the {kind.hubspot_object[:-1]}",
                        )
                continue
            except BaseException:
                pending.delete()  # nothing was sent
                raise
            with self.bookkeeping():
                for index, (contact, record, properties) in enumerate(chunk):
                    self._engagement_created(kind, contact, record, properties, outcome, index)

    def _salesforce_skipped(self, kind: SalesforceActivityType, record: dict, reason: str) -> None:
        self.settle(
            f"sf:{record['Id']}",
            SKIPPED,
            reason=reason,
            action="activity.skipped",
            object_label=record.get("Subject") or kind.label,
            salesforce_id=record["Id"],
            direction=TO_HUBSPOT,
            message=f"{skip_reason_label(reason)}: Salesforce {kind.sobject.lower()} "
            f"{record['Id']}.",
        )

    def _engagement_failed(
        self,
        kind: SalesforceActivityType,
        contact: ContactLink,
        record: dict,
        errs: list,
        what: str,
    ) -> None:
        self._not_again.add(f"sf:{record['Id']}")
        self.failed_event(
            f"sf:{record['Id']}",
            record_failure(
                FailedRecord(
                    object_type="activity",
                    record_key=f"sf:{record['Id']}",
                    errors=errs,
                    what=what,
                    salesforce_id=record["Id"],
                    hubspot_id=contact.hubspot_id,
                    email=contact.email,
                    direction=TO_HUBSPOT,
                ),
                job_id=self.ctx.job_id,
            ),
        )

    def _engagement_created(
        self,
        kind: SalesforceActivityType,
        contact: ContactLink,
        record: dict,
        properties: dict,
        outcome: Any,
        index: int,
    ) -> None:
        created = outcome.results.get(index)
        pending = ActivityLink.objects.filter(
            source=ActivityLink.Source.SALESFORCE,
            source_key=f"{kind.sobject}:{record['Id']}",
            hubspot_id="",
        )
        if created is None:
            pending.delete()
            error = outcome.error_for(index)
            self._engagement_failed(
                kind,
                contact,
                record,
                [error] if error else [],
                what=f"HubSpot refused the {kind.hubspot_object[:-1]}",
            )
            return
        pending.update(hubspot_id=f"{kind.hubspot_object}:{created['id']}")
        record_errors_resolve(record_keys=[f"sf:{record['Id']}"], object_type="activity")
        self.settle(
            f"sf:{record['Id']}",
            CREATED,
            action="activity.created",
            object_label=record.get("Subject") or kind.label,
            email=contact.email,
            hubspot_id=contact.hubspot_id,
            salesforce_id=record["Id"],
            direction=TO_HUBSPOT,
            changes=new_record_changes(properties, rule=kind.label),
            message=f"HubSpot {kind.hubspot_object[:-1]} from Salesforce "
            f"{kind.sobject.lower()} {record['Id']}.",
        )

    def _intend_engagements(self, kind: SalesforceActivityType, chunk: Sequence) -> None:
        """Write-ahead, as for tasks: links without a HubSpot id, committed before the
        engagements are created; ``recover_pending`` finds them by their marker."""
        ActivityLink.objects.bulk_create(
            [
                ActivityLink(
                    source=ActivityLink.Source.SALESFORCE,
                    source_key=f"{kind.sobject}:{record['Id']}",
                    type_key=kind.key,
                    salesforce_id=record["Id"],
                    hubspot_id="",
                    hubspot_contact_id=contact.hubspot_id,
                    subject=(record.get("Subject") or "")[:SUBJECT_MAX],
                    owner_id=record.get("OwnerId") or "",
                )
                for contact, record, _ in chunk
            ],
            ignore_conflicts=True,
        )

    def _recover_pending_engagements(self) -> None:
        for link in ActivityLink.objects.filter(
            source=ActivityLink.Source.SALESFORCE, hubspot_id=""
        ):
            kind = SALESFORCE_BY_KEY[link.type_key]
            found = self.hubspot.engagements_with_token(
                kind.hubspot_object,
                ENGAGEMENT_TYPES[kind.hubspot_object].marker_property,
                _marker(link.salesforce_id),
            )
            with self.bookkeeping():
                hubspot_id = f"{kind.hubspot_object}:{found[0]['id']}" if found else ""
                self._settle(link, hubspot_id, direction=TO_HUBSPOT)

    def _hubspot_updates(self, object_type: str, updates: list) -> None:
        for chunk in chunks(updates, HUBSPOT_BATCH):
            outcome = self.hubspot.engagements_batch_update(
                object_type,
                [
                    {"id": link.hubspot_id.split(":", 1)[1], "properties": properties}
                    for link, _, properties in chunk
                ],
            )
            contacts = {
                c.hubspot_id: c
                for c in ContactLink.objects.filter(
                    hubspot_id__in=[link.hubspot_contact_id for link, _, _ in chunk]
                )
            }
            with self.bookkeeping():
                for index, (link, record, _properties) in enumerate(chunk):
                    contact = contacts.get(link.hubspot_contact_id)
                    error = outcome.error_for(index)
                    self._engagement_updated(object_type, link, record, contact, error)

    def _engagement_updated(
        self,
        object_type: str,
        link: ActivityLink,
        record: dict,
        contact: ContactLink | None,
        error: Any,
    ) -> None:
        if error is not None:
            self._engagement_failed(
                SALESFORCE_BY_KEY[link.type_key],
                contact or ContactLink(hubspot_id=link.hubspot_contact_id),
                record,
                [error],
                what=f"HubSpot refused the update of the {object_type[:-1]}",
            )
            return
        before = link.subject
        link.subject = (record.get("Subject") or "")[:SUBJECT_MAX]
        link.owner_id = record.get("OwnerId") or ""
        link.save(update_fields=["subject", "owner_id", "updated_at"])
        record_errors_resolve(record_keys=[f"sf:{record['Id']}"], object_type="activity")
        self.settle(
            f"sf:{record['Id']}",
            UPDATED,
            action="activity.updated",
            object_label=link.subject,
            email=contact.email if contact else "",
            hubspot_id=link.hubspot_contact_id,
            salesforce_id=link.salesforce_id,
            direction=TO_HUBSPOT,
            changes=[{"field": "subject", "before": before, "after": link.subject}]
            if before != link.subject
            else [],
            message=f"HubSpot {link.hubspot_id} updated from Salesforce "
            f"{link.source_key.split(':', 1)[0].lower()} {link.salesforce_id}.",
        )

    def _owner_flows_back(self, changes: list) -> None:
        by_type: dict[str, list] = {}
        for link, record, owner in changes:
            object_type, _, hubspot_id = link.source_key.partition(":")
            if object_type in ENGAGEMENT_TYPES:
                by_type.setdefault(object_type, []).append((link, record, owner, hubspot_id))
            else:
                with self.bookkeeping():
                    self._salesforce_skipped(
                        SALESFORCE_BY_KEY[link.type_key], record, "no_owner_field"
                    )
        for object_type, items in by_type.items():
            outcome = self.hubspot.engagements_batch_update(
                object_type,
                [
                    {"id": hid, "properties": {"hubspot_owner_id": owner}}
                    for _, _, owner, hid in items
                ],
            )
            with self.bookkeeping():
                self._owners_flowed_back(object_type, items, outcome)

    def _owners_flowed_back(self, object_type: str, items: list, outcome: Any) -> None:
        for index, (link, record, owner, _hid) in enumerate(items):
            error = outcome.error_for(index)
            if error is not None:
                self._not_again.add(f"sf:{record['Id']}")
                self.failed_event(
                    f"sf:{record['Id']}",
                    record_failure(
                        FailedRecord(
                            object_type="activity",
                            record_key=f"sf:{record['Id']}",
                            errors=[error],
                            what=f"HubSpot refused the new owner of the {object_type[:-1]}",
                            salesforce_id=record["Id"],
                            hubspot_id=link.hubspot_contact_id,
                            direction=TO_HUBSPOT,
                            label=link.subject,
                        ),
                        job_id=self.ctx.job_id,
                    ),
                )
                continue
            before = link.owner_id
            link.owner_id = record.get("OwnerId") or ""
            link.save(update_fields=["owner_id", "updated_at"])
            self.settle(
                f"sf:{record['Id']}",
                UPDATED,
                action="activity.updated",
                object_label=link.subject,
                hubspot_id=link.hubspot_contact_id,
                salesforce_id=link.salesforce_id,
                direction=TO_HUBSPOT,
                changes=[
                    {
                        "field": "hubspot_owner_id",
                        "before": before,
                        "after": owner,
                        "rule": "Assigned To flows back",
                    }
                ],
                message="Assigned To changed in Salesforce: the HubSpot owner follows.",
            )


def of_kind(kind: SalesforceActivityType) -> list[Condition]:
    """What keeps a read of the kind's object to the kind: a Task kind's subtypes (an Event
    kind is every event)."""
    if kind.sobject == "Task":
        return [Condition("TaskSubtype", "IN", list(kind.subtypes))]
    return []


def _owe(candidates: Sequence[Candidate]) -> None:
    """Keep the activities owed (``WaitingActivity``): tried again by every run until they
    sync, whatever the source's cursor has moved past."""
    WaitingActivity.objects.bulk_create(
        [
            WaitingActivity(
                source_key=c.source_key,
                type_key=c.kind.key,
                occurred_at=c.occurred_at,
                contacts=c.contacts,
                payload=c.payload(),
            )
            for c in candidates
        ],
        ignore_conflicts=True,
    )


def skipped_activities_prune() -> int:
    """Forget skips the late-arrival overlap can no longer read again."""
    keep = timedelta(hours=django_settings.ACTIVITY_LATE_ARRIVAL_H + 24)
    deleted, _ = SkippedActivity.objects.filter(skipped_at__lt=timezone.now() - keep).delete()
    return deleted


def _owed_no_more(candidates: Sequence[Candidate]) -> None:
    WaitingActivity.objects.filter(source_key__in=[c.source_key for c in candidates]).delete()


def _updatable(task: dict) -> dict:
    """Fields a later HubSpot edit may change on its task (WhoId stays; TaskSubtype is
    create-only)."""
    return {
        k: v
        for k, v in task.items()
        if k in ("Subject", "Description", "Status", "Priority", "OwnerId", "ActivityDate")
    }


def _marker(salesforce_id: str) -> str:
    """One search token that ties a HubSpot engagement to its Salesforce record."""
    return f"sfsync{salesforce_id}"


def _engagement_properties(kind: SalesforceActivityType, record: dict, owner: str) -> dict:
    when = vendor_time(record.get("StartDateTime") or record.get("CreatedDate")) or timezone.now()
    if record.get("ActivityDate") and kind.sobject == "Task":
        when = vendor_time(f"{record['ActivityDate']}T12:00:00Z") or when
    stamp = str(epoch_ms(when))
    # the marker stays a word of its own line, in the text and in the HTML made of it
    signed = f"{FROM_SALESFORCE} {_marker(record['Id'])}"
    text = f"{record['Description']}\n\n{signed}" if record.get("Description") else signed
    body = text_to_html(text)  # HubSpot bodies are HTML; the Description is plain text
    end = vendor_time(record.get("EndDateTime")) or when
    properties = ENGAGEMENT_TYPES[kind.hubspot_object].properties_from_salesforce(
        record, stamp=stamp, text=text, html=body, ends=str(epoch_ms(end))
    )
    if owner:
        properties["hubspot_owner_id"] = owner
    return properties
