"""How the platform's pages name the product's own names: the actions, object types,
fields and codes its audit events store, and the vendor values only the integration
knows (a Salesforce user id by the person behind it).

``IntegrationsConfig.ready()`` registers them into ``core/plain_labels.py``
(``register_labels``, ``register_settings_object_type``, ``register_value_labeller``);
core itself names only the platform's events (jobs, settings, users, the trail).
"""

from __future__ import annotations

import re

from core.plain_labels import LabelKind
from integrations.models import (
    ActivityType,
    OwnerMapping,
    PropertyMapping,
    RecordError,
    SalesforceConnection,
)

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
}

OBJECT_TYPE_LABELS = {
    "contact": "Contact",
    "activity": "Activity",
    "connection": "Connection",
    "list": "HubSpot list",
}

#: settings and connection fields as their pages name them
FIELD_LABELS = {
    "task_type": "Task type",
    "enabled": "Turned on",
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

#: stored codes that reach pages as values: sync directions and mapping rules, as their
#: settings pages name them
VALUE_LABELS = dict(ActivityType.Direction.choices) | dict(PropertyMapping.Rule.choices)

#: a record error's category as Sync health names it, and a connection's failures
ERROR_CATEGORY_LABELS = dict(RecordError.Category.choices) | {"connection": "Connection"}

#: every table above, by the kind of name it labels
PRODUCT_LABELS: dict[LabelKind, dict[str, str]] = {
    "action": ACTION_LABELS,
    "object_type": OBJECT_TYPE_LABELS,
    "field": FIELD_LABELS,
    "value": VALUE_LABELS,
    "error_category": ERROR_CATEGORY_LABELS,
}

#: object types whose events change the product's settings (their fields read as words)
SETTINGS_OBJECT_TYPES = ("connection",)

#: Salesforce user ids: key prefix 005, 15 or 18 letters and digits
SALESFORCE_USER_ID = re.compile(r"^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")


def salesforce_user_name(user_id: str) -> str:
    """The person behind a Salesforce user id, as the owners mirror or the connection
    knows them ("" when neither does)."""
    owner = (
        OwnerMapping.objects.filter(salesforce_user_id__in={user_id, user_id[:15]})
        .exclude(hubspot_name="", salesforce_email="")
        .values_list("hubspot_name", "salesforce_email")
        .first()
    )
    if owner:
        return owner[0] or owner[1]
    connection = SalesforceConnection.objects.filter(pk=1).first()
    if connection and connection.integration_user_id[:15] == user_id[:15]:
        return connection.integration_user_name
    return ""


def salesforce_user_label(value: str) -> str | None:
    """A Salesforce user id as "name (id)", the id alone when nobody is known by it
    (which is what Salesforce shows); None for any other value."""
    if not SALESFORCE_USER_ID.match(value):
        return None
    name = salesforce_user_name(value)
    return f"{name} ({value})" if name else value
