"""Template access to the connections' auth state (``integrations.connection_state``),
so any page can show the banner with one ``{% include %}``."""

from __future__ import annotations

from django import template

from integrations.connection_state import (
    ConnectionAlert,
    connection_alert,
    connection_alert_list,
)
from integrations.models import HubSpotConnection, SalesforceConnection

register = template.Library()


@register.simple_tag
def connection_alerts() -> list[ConnectionAlert]:
    return connection_alert_list()


@register.filter(name="connection_alert")
def connection_alert_of(row: HubSpotConnection | SalesforceConnection) -> ConnectionAlert | None:
    return connection_alert(row)
