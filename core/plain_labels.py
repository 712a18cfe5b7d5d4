"""Plain labels for the internal names the audit trail stores (actions, object types,
settings fields, codes), for the pages that show them.

The trail itself keeps the internal names: they are what filters, the CSV export and
the hash chain rely on. Only what a person reads goes through here. A name nobody
gave a label gets a readable fallback ("task_type" -> "Task type") rather than none.

Values only a capability can name (a Salesforce user id is a person the integration's
owner mirror knows) get a *value labeller* it registers at app start-up
(``register_value_labeller``, from an ``AppConfig.ready()``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from core.job_kinds import job_kind_label
from core.job_outcomes import OUTCOME_LABELS

ACTION_LABELS = {
    "record.created": "Record created",
    "record.updated": "Record updated",
    "record.unchanged": "Record unchanged",
    "record.linked": "Records linked",
    "record.imported": "Record imported",
    "record.skipped": "Record skipped",
    "record.failed": "Record failed",
    "activity.created": "Activity created",
    "activity.updated": "Activity updated",
    "activity.skipped": "Activity skipped",
    "activity.failed": "Activity failed",
    "job.queued": "Job queued",
    "job.started": "Job started",
    "job.waiting": "Job waiting",
    "job.finished": "Job finished",
    "job.cancel_requested": "Job cancel requested",
    "job.cancelled": "Job cancelled",
    "job.abandoned": "Job abandoned",
    "settings.changed": "Settings changed",
    "connection.tested": "Connection tested",
    "connection.auth_failed": "Connection refused",
    "connection.auth_restored": "Connection accepted again",
    "contacts.paused": "Contact sync paused",
    "list.created": "HubSpot list created",
    "reconcile.summary": "Reconcile summary",
    "reconcile.finding": "Reconcile finding",
    "reconcile.agrees": "Reconcile: both sides agree",
    "reconcile.link_dropped": "Reconcile: link dropped",
    "reconcile.activity_owed": "Reconcile: activity owed",
    "user.created": "User created",
    "user.changed": "User changed",
    "user.deleted": "User deleted",
    "login.locked_out": "Sign-in locked out",
    "audit.pruned": "Audit events pruned",
}

OBJECT_TYPE_LABELS = {
    "contact": "Contact",
    "activity": "Activity",
    "job": "Job",
    "settings": "Settings",
    "connection": "Connection",
    "list": "HubSpot list",
    "user": "User",
    "audit": "Audit trail",
}

#: settings and connection fields as their pages name them
FIELD_LABELS = {
    "task_type": "Task type",
    "enabled": "Turned on",
    "retention_days": "Retention (days)",
    "interval_minutes": "Every (minutes)",
    "schedule_minutes": "Sync every (minutes)",
    "every_hours": "Every (hours)",
    "inclusion_list": "Inclusion list",
    "create_new_as": "Create new records as",
    "auto_create_from_leads": "Create HubSpot contacts from new leads",
    "auto_create_from_contacts": "Create HubSpot contacts from new contacts",
    "salesforce_user": "Salesforce user",
    "hubspot_property": "HubSpot property",
    "salesforce_field": "Salesforce field",
    "rule": "Rule",
    "base_url": "Base URL",
    "access_token": "Access token",
    "ten_second_limit": "Calls per 10 seconds",
    "search_per_second": "Searches per second",
    "auth_mode": "Sign-in method",
    "login_url": "Login URL",
    "instance_url": "Instance URL",
    "api_version": "API version",
    "ca_bundle": "CA bundle",
    "daily_budget": "Daily API budget",
    "security_token": "Security token",
    # Salesforce task fields, as Salesforce's own layout labels them
    "OwnerId": "Assigned To",
    "WhoId": "Name (lead or contact)",
    "ActivityDate": "Due date",
    "hubspot_owner_id": "HubSpot owner",
}

#: stored codes that reach pages as values (directions, mapping rules, record types)
VALUE_LABELS = {
    "hs_to_sf": "HubSpot → Salesforce",
    "sf_to_hs": "Salesforce → HubSpot",
    "prefer_salesforce": "Prefer Salesforce unless blank",
    "always_salesforce": "Always use Salesforce",
    "two_way": "Two-way (most recent change wins)",
    "dont_sync": "Don't sync",
}

ERROR_CATEGORY_LABELS = {
    "duplicate": "Duplicates",
    "permission": "Permissions",
    "validation": "Validation / picklist",
    "association": "Missing association",
    "rate_limit": "Rate limit / API budget",
    "authentication": "Authentication",
    "unconfirmed": "Unconfirmed writes",
    "connection": "Connection",
    "other": "Other",
}

#: a stored string value -> its label, or None when the labeller does not know it
ValueLabeller = Callable[[str], str | None]
#: registered labellers, asked in order; registering the same function twice keeps one
_VALUE_LABELLERS: dict[ValueLabeller, None] = {}
#: events whose change fields are syncadmin's own names (record writes name vendor fields)
_SETTINGS_OBJECTS = frozenset({"settings", "connection", "user", "audit"})


def humanized(name: str) -> str:
    """``task_type`` / ``contacts.sync`` -> "Task type" / "Contacts sync"."""
    words = re.sub(r"[._]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else name


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    return job_kind_plain(action)


def job_kind_plain(name: str) -> str:
    """A job kind's registered label (``contacts.sync`` -> "Contact sync")."""
    label = job_kind_label(name)
    return label if label != name else humanized(name)


def object_type_label(object_type: str) -> str:
    return OBJECT_TYPE_LABELS.get(object_type) or humanized(object_type)


def field_label(field: str, object_type: str = "") -> str:
    """A changed field's label. Record writes keep the vendor's field names (they are
    what the mappings name), except the few syncadmin labels itself."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    if object_type in _SETTINGS_OBJECTS or not object_type:
        return humanized(field)
    return field


def error_category_label(category: str) -> str:
    return ERROR_CATEGORY_LABELS.get(category) or humanized(category)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome) or humanized(outcome)


def register_value_labeller(labeller: ValueLabeller) -> ValueLabeller:
    """Name the stored values only a capability knows (e.g. Salesforce user ids)."""
    _VALUE_LABELLERS[labeller] = None
    return labeller


def value_label(value: Any) -> Any:
    """A stored value as a person reads it: codes by their label, booleans as Yes / No,
    the values a registered labeller knows by its label (a Salesforce user id by the
    user's name), anything else as it is."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if not isinstance(value, str):
        return value
    if value in VALUE_LABELS:
        return VALUE_LABELS[value]
    for labeller in _VALUE_LABELLERS:
        if (label := labeller(value)) is not None:
            return label
    return value
