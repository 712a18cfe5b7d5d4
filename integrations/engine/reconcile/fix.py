"""Fix a Reconcile finding: hand the record back to the sync, so it is synced again.

- missing in Salesforce, field drift: the HubSpot contact is synced again (a
  contact retry of it: linked by email or created, then its fields by the rules);
- missing in HubSpot: the Salesforce record is synced again (auto-create);
- orphaned link: the dead link is dropped first (audited; the record Reconcile saw
  gone is marked gone in the mirror, so nothing links to it again), then the
  surviving record is synced again, which links or creates its partner;
- activity not synced: the dead activity link (if any) is dropped and the
  activity made owed, so the next activity sync writes it;
- duplicates are not fixed here: which record survives is a person's call.

Then a Reconcile runs behind those jobs (it waits for them) and clears what they
fixed; what is still wrong stays listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.models import SyncJob
from core.services.audit import audit_record
from core.services.jobs import JobStart
from integrations.engine.activities.jobs import activities_sync_start
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.engine.contacts.options import Mode
from integrations.engine.reconcile.findings import Kind
from integrations.engine.reconcile.jobs import reconcile_start
from integrations.engine.record_errors import FailedRecord, Reason, record_error_open
from integrations.models import (
    ActivityLink,
    ContactLink,
    ReconcileFinding,
    SalesforcePerson,
    WaitingActivity,
)
from integrations.rules.mapping_rules import TO_HUBSPOT
from integrations.vendor_time import vendor_time


class FixRefused(ValueError):
    """Nothing to fix, or a finding that cannot be fixed here; nothing was changed."""


@dataclass
class FixStarted:
    #: (what it does, the job) for each job the Fix started, the verifying Reconcile last
    starts: list[tuple[str, JobStart]]
    count: int


def _chosen(finding_ids: list[int] | None, kind: str) -> list[ReconcileFinding]:
    findings = ReconcileFinding.objects.all()
    if finding_ids is not None:
        findings = findings.filter(pk__in=finding_ids)
    if kind:
        if kind not in Kind.values:
            raise FixRefused(f"There is no finding kind “{kind[:40]}”. Nothing was changed.")
        findings = findings.filter(kind=kind)
    chosen = list(findings)
    if finding_ids is not None and len(chosen) < len(set(finding_ids)):
        missing = sorted(set(finding_ids) - {f.pk for f in chosen})
        raise FixRefused(
            f"There is no open finding {', '.join(f'#{i}' for i in missing)} (a Reconcile "
            "may have cleared it meanwhile). Nothing was changed."
        )
    if not chosen:
        raise FixRefused("There is nothing to fix.")
    fixable = [f for f in chosen if f.kind != Kind.DUPLICATE]
    if not fixable:
        raise FixRefused(
            "Duplicates are not fixed automatically: merge the records in Salesforce (or "
            "HubSpot), keeping the linked one; the next Reconcile clears the finding."
        )
    return fixable


def _audit(
    finding: ReconcileFinding, actor: AbstractBaseUser | None, *, action: str, message: str
) -> None:
    audit_record(
        action=action,
        object_type=finding.object_type,
        actor=actor,
        email=finding.email,
        hubspot_id=finding.hubspot_id,
        salesforce_id=finding.salesforce_id,
        message=message,
    )


def _drop_link(finding: ReconcileFinding, actor: AbstractBaseUser | None) -> str:
    """Drop the dead link; the key of the record to sync again ("" if both are gone)."""
    details = finding.details
    link = ContactLink.objects.filter(hubspot_id=finding.hubspot_id).first()
    if link is not None:
        link.delete()
    if details.get("salesforce_gone"):
        SalesforcePerson.objects.filter(salesforce_id=finding.salesforce_id).update(
            is_deleted=True, pending=False
        )
    gone = "the HubSpot contact" if details.get("hubspot_gone") else "the Salesforce record"
    _audit(
        finding,
        actor,
        action="reconcile.link_dropped",
        message=f"Fix dropped the link: {gone} it pointed at no longer exists. "
        "The surviving record is synced again, which links or creates its partner.",
    )
    if not details.get("hubspot_gone"):
        return f"hs:{finding.hubspot_id}"
    if not details.get("salesforce_gone"):
        return f"sf:{finding.salesforce_id}"
    return ""


def _owe_activity(finding: ReconcileFinding, actor: AbstractBaseUser | None) -> None:
    """Make the activity owed again, as the activity sync owes what it could not write."""
    details = finding.details
    link = ActivityLink.objects.filter(pk=details.get("link_id")).first()
    if link is not None:
        link.delete()
    if details.get("direction") == "hs_to_sf":
        candidate = details["candidate"]
        WaitingActivity.objects.get_or_create(
            source_key=candidate["source_key"],
            defaults={
                "type_key": candidate["type_key"],
                "occurred_at": vendor_time(candidate["occurred_at"]),
                "contacts": candidate["contacts"],
                "payload": candidate["payload"],
            },
        )
    else:
        # the activity sync tries every Salesforce activity with an open error again
        record_error_open(
            FailedRecord(
                object_type="activity",
                record_key=finding.record_key,
                what="Not synced",
                errors=[
                    Reason(
                        category="",
                        message="Reconcile found no HubSpot engagement for this Salesforce "
                        "activity; Fix asked the activity sync to write it.",
                    )
                ],
                hubspot_id=finding.hubspot_id,
                salesforce_id=finding.salesforce_id,
                email=finding.email,
                direction=TO_HUBSPOT,
            )
        )
    _audit(
        finding,
        actor,
        action="reconcile.activity_owed",
        message=f"Fix handed {finding.record_key} back to the activity sync"
        + (" (its dead link dropped)." if link is not None else "."),
    )


def reconcile_fix(
    *, actor: AbstractBaseUser | None, finding_ids: list[int] | None = None, kind: str = ""
) -> FixStarted:
    """Fix the chosen findings (by id, by kind, or all fixable ones)."""
    fixable = _chosen(finding_ids, kind)
    contact_keys: list[str] = []
    activities = 0
    with transaction.atomic():
        for finding in fixable:
            if finding.kind == Kind.ORPHANED_LINK:
                key = _drop_link(finding, actor)
                if key:
                    contact_keys.append(key)
            elif finding.kind in (Kind.MISSING_IN_SALESFORCE, Kind.FIELD_DRIFT):
                contact_keys.append(f"hs:{finding.hubspot_id}")
            elif finding.kind == Kind.MISSING_IN_HUBSPOT:
                contact_keys.append(f"sf:{finding.salesforce_id}")
            elif finding.kind == Kind.ACTIVITY_NOT_SYNCED:
                _owe_activity(finding, actor)
                activities += 1
    starts: list[tuple[str, JobStart]] = []
    keys = list(dict.fromkeys(contact_keys))
    if keys:
        plural = "s" if len(keys) != 1 else ""
        starts.append(
            (
                f"resync of {len(keys)} contact record{plural}",
                contacts_sync_start(
                    mode=Mode.RETRY,
                    trigger=SyncJob.Trigger.RETRY,
                    requested_by=actor,
                    records=keys,
                ),
            )
        )
    if activities:
        plural = "ies" if activities != 1 else "y"
        starts.append(
            (
                f"activity sync writing {activities} activit{plural}",
                activities_sync_start(trigger=SyncJob.Trigger.RETRY, requested_by=actor),
            )
        )
    starts.append(
        (
            "Reconcile after the fix",
            reconcile_start(trigger=SyncJob.Trigger.RETRY, requested_by=actor),
        )
    )
    job_ids = [start.job.pk for _, start in starts]
    for finding in fixable:
        finding.details = {**finding.details, "fix_jobs": job_ids}
    ReconcileFinding.objects.bulk_update(fixable, ["details"])
    return FixStarted(starts=starts, count=len(fixable))
