"""Which routes the fuzz tests send what, and the few they leave out (each one says why).

Everything else the URL resolver lists is fuzzed: a new view is fuzzed the day it is
added, and ``test_fuzz_coverage`` fails if an exclusion here names a view that is gone."""

from __future__ import annotations

from tests.fuzz.routes import Route, all_routes

#: Whole namespaces left out.
EXCLUDED_NAMESPACES = {
    # Django's own admin site (superusers only): its forms are Django's ModelForms, and
    # what it may change is Django's business; our part of it (user audit) has its own
    # tests in tests/core/test_user_audit.py.
    "admin": "Django's admin site",
}

#: POST views the main fuzz leaves out.
POST_EXCLUDED = {
    # Takes no input and ends the session the fuzz is logged in with; every other
    # request after it would be a redirect to the login page.
    "logout": "ends the fuzz's own session and reads no field",
    # A refused login is meant to write (django-axes counts the failure, the audit trail
    # records a lockout), so the "refused changes nothing" property does not hold there:
    # test_login_fuzz sends it garbage as an anonymous visitor instead.
    "login": "fuzzed by test_login_fuzz",
}

#: GET views the GET fuzz leaves out.
GET_EXCLUDED = {
    # GET of the logout URL is a 405 in Django 5: nothing to fuzz.
    "logout": "POST only",
}

#: Views whose error message reports how an action they carried out went, not a refusal
#: of their input: the action (a test message, a test call) is the point and is recorded
#: whatever the receiver answered. Refused there means a 4xx answer.
OUTCOME_VIEWS = {
    "alerts_channel_test": "a failed Send test is logged as a delivery and audited",
    "connections_test": "a failed Test connection is saved on the connection and audited",
}

#: Views that call HubSpot or Salesforce on every request: fewer examples, since each one
#: is a real HTTP round trip to the sandbox (a Salesforce login, a catalogue read).
VENDOR_VIEWS = frozenset(
    {
        "connections_test",
        "contacts_list_save",
        "contacts_mappings_add",
        "contacts_mappings_change",
        "contacts_list_create",
        "activities_owners_match",
        "activities_owner_save",
        "contacts_mappings",
        "activities",
        "activities_owners",
        "contacts_list_choices",
        "contacts_list_preview",
        "contacts_list_status",
        "contacts_explain",
        "contacts_list_builder",
        "activity_type_preview",
    }
)


def _ours(route: Route) -> bool:
    return route.namespace not in EXCLUDED_NAMESPACES


def post_routes() -> list[Route]:
    """Every named route of ours that answers POST, less ``POST_EXCLUDED``."""
    return [r for r in all_routes() if _ours(r) and r.accepts_post and r.name not in POST_EXCLUDED]


def get_routes() -> list[Route]:
    """Every named route of ours that answers GET, less ``GET_EXCLUDED``."""
    return [r for r in all_routes() if _ours(r) and r.accepts_get and r.name not in GET_EXCLUDED]
