"""How the audit pages name the vendor values only the integration knows: a Salesforce
user id by the person behind it. Registered as a value labeller in
``IntegrationsConfig.ready()`` (``core/plain_labels.py``)."""

from __future__ import annotations

import re

from integrations.models import OwnerMapping, SalesforceConnection

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
