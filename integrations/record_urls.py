"""Where a record opens in HubSpot's and Salesforce's own web apps.

Built from what the connections store: HubSpot's portal id and web app host (read when
the connection is tested; an EU portal lives on ``app-eu1.hubspot.com``) and
Salesforce's instance URL (set for an access-token connection, learnt at login
otherwise). A connection pointed at the sandbox gets sandbox URLs, so a demo never
opens a real account. Rows are read, never created: pages call this on GET.
"""

from __future__ import annotations

import re

from integrations.models import HubSpotConnection, SalesforceConnection, SalesforceSession

#: HubSpot's web app, for portals reached through its public API host
HUBSPOT_APP_URL = "https://app.hubspot.com"
#: the web app hosts HubSpot names in account-info's ``uiDomain`` (one per data centre)
HUBSPOT_UI_DOMAIN = re.compile(r"app(-[a-z0-9]+)?\.hubspot\.com")
#: HubSpot's object type id for contacts in record URLs
HUBSPOT_CONTACT_TYPE = "0-1"


def hubspot_contact_url(hubspot_id: str) -> str:
    """The contact's record page in HubSpot ("" until the connection's portal id is known)."""
    row = HubSpotConnection.objects.filter(pk=1).first() or HubSpotConnection()
    if not (row.portal_id and hubspot_id):
        return ""
    default = row.base_url.rstrip("/") == HubSpotConnection.DEFAULT_BASE_URL
    if default:
        app = f"https://{row.ui_domain}" if row.ui_domain else HUBSPOT_APP_URL
    else:
        app = row.base_url.rstrip("/")
    return f"{app}/contacts/{row.portal_id}/record/{HUBSPOT_CONTACT_TYPE}/{hubspot_id}"


def hubspot_ui_domain(answer: object) -> str:
    """The web app host an account-info answer names, if it is one of HubSpot's
    (``app.hubspot.com``, ``app-eu1.hubspot.com``, ...); else "", and links use
    ``app.hubspot.com``, which sends a signed-in user on to the portal's own host."""
    host = str(answer or "").strip().lower()
    return host if HUBSPOT_UI_DOMAIN.fullmatch(host) else ""


def salesforce_instance_url() -> str:
    """The org's own host: the token connection's, else the last login's, else the login
    host (which sends a signed-in user on to the record)."""
    row = SalesforceConnection.objects.filter(pk=1).first() or SalesforceConnection()
    if row.auth_mode == SalesforceConnection.AuthMode.TOKEN and row.instance_url:
        return row.instance_url.rstrip("/")
    session = SalesforceSession.objects.filter(pk=1).only("instance_url").first()
    return (row.instance_url or (session and session.instance_url) or row.login_url).rstrip("/")


def salesforce_record_url(salesforce_id: str) -> str:
    """Any record's page in Salesforce: ``/<id>`` opens it in Classic and Lightning alike."""
    base = salesforce_instance_url()
    return f"{base}/{salesforce_id}" if base and salesforce_id else ""
