"""Clients built from the saved connection settings: HubSpot's rate-limited across all
workers, Salesforce's logged in and within the daily budget. Jobs and pages alike call
through them; saving and testing the settings is the Connections page's
(``integrations.pages.connections.services``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import requests
from django.conf import settings

from integrations import connection_state
from integrations.connection_state import CallWatch
from integrations.http import budget
from integrations.http.errors import ApiError
from integrations.http.transport import CallMeter, Hook, TransportAdapter
from integrations.models import HubSpotConnection, SalesforceConnection
from integrations.secrets import decrypt

if TYPE_CHECKING:  # the clients import this module
    from integrations.hubspot.client import HubSpotClient
    from integrations.salesforce.client import SalesforceClient


def salesforce_caches_forget() -> None:
    """The next Salesforce client logs in and describes afresh (docs/salesforce-calls.md)."""
    from integrations.salesforce.describe_cache import salesforce_describes_forget
    from integrations.salesforce.session_cache import salesforce_session_forget

    salesforce_session_forget()
    salesforce_describes_forget()


class NotConfigured(ApiError):
    pass


def _gate_first(session: requests.Session, hooks: Sequence[Hook]) -> None:
    """Run ``hooks`` before every attempt of ``session``, ahead of its own gates."""
    adapters = {id(a): a for a in session.adapters.values() if isinstance(a, TransportAdapter)}
    for adapter in adapters.values():
        adapter.before_call = [*hooks, *adapter.before_call]


def hubspot_client(
    *, meter: CallMeter | None = None, before_call: Sequence[Hook] = ()
) -> HubSpotClient:
    """A HubSpot client on the saved connection, rate-limited across all workers.

    ``before_call`` hooks run before each attempt, ahead of the rate limiter.
    """
    from integrations.hubspot.client import client_for

    row = HubSpotConnection.load()
    if not row.is_configured:
        raise NotConfigured("No HubSpot access token is set.", side="HubSpot")
    client = client_for(
        row.base_url,
        decrypt(row.access_token),
        meter or CallMeter(),
        ten_second_limit=row.ten_second_limit,
        search_per_second=row.search_per_second,
    )
    _gate_first(client.session, before_call)
    client.watch = CallWatch(connection_state.HUBSPOT)
    return client


def salesforce_session(
    *, meter: CallMeter, row: SalesforceConnection, before_call: Sequence[Hook] = ()
) -> requests.Session:
    from integrations.http.transport import api_session

    return api_session(
        meter=meter,
        before_call=[
            *before_call,
            lambda request: budget.budget_reserve(cap=row.daily_budget, request=request),
        ],
        after_call=[budget.budget_record_org_usage],
        ca_bundle=row.ca_bundle or None,
    )


def salesforce_client(
    *,
    meter: CallMeter | None = None,
    before_call: Sequence[Hook] = (),
    describe_max_age_s: float | None = None,
) -> SalesforceClient:
    """A logged-in Salesforce client on the saved connection, within the daily budget.

    ``before_call`` hooks run before each attempt (the login too), ahead of the budget.
    The session stored by an earlier login is reused (``salesforce.session_cache``).
    Describes are read from the database while younger than ``describe_max_age_s``
    (jobs); by default (pages) they are read live, and stored either way
    (``salesforce.describe_cache``).
    """
    from integrations.salesforce.client import SalesforceClient
    from integrations.salesforce.describe_cache import DbDescribeStore
    from integrations.salesforce.session_cache import DbSessionStore, credentials_fingerprint

    row = SalesforceConnection.load()
    if not row.is_configured:
        raise NotConfigured("Salesforce credentials are not set.", side="Salesforce")
    session = salesforce_session(meter=meter or CallMeter(), row=row, before_call=before_call)
    watch = CallWatch(connection_state.SALESFORCE)
    describes = DbDescribeStore(describe_max_age_s)
    if row.auth_mode == SalesforceConnection.AuthMode.TOKEN:
        return SalesforceClient.from_token(
            session=session,
            instance_url=row.instance_url,
            access_token=decrypt(row.access_token),
            api_version=row.api_version,
            watch=watch,
            describes=describes,
            bulk_threshold=settings.SALESFORCE_BULK_THRESHOLD,
            bulk_first_poll_s=settings.SALESFORCE_BULK_FIRST_POLL_S,
            bulk_query_above=settings.SALESFORCE_BULK_QUERY_ABOVE,
        )
    return SalesforceClient.login(
        session=session,
        login_url=row.login_url,
        username=row.username,
        password=decrypt(row.password),
        security_token=decrypt(row.security_token),
        api_version=row.api_version,
        watch=watch,
        sessions=DbSessionStore(credentials_fingerprint(row)),
        describes=describes,
        bulk_threshold=settings.SALESFORCE_BULK_THRESHOLD,
        bulk_first_poll_s=settings.SALESFORCE_BULK_FIRST_POLL_S,
        bulk_query_above=settings.SALESFORCE_BULK_QUERY_ABOVE,
    )
