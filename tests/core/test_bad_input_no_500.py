"""Issue #12's bad input, tried as a sloppy admin or an attacker would: each answer is a
clear message, never a 500, and nothing changes (no row, no audit event, no vendor call)."""

import html
from pathlib import Path
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.messages import get_messages
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, AuditRetention, SyncJob
from integrations.models import (
    ActivityType,
    ContactLink,
    ContactSyncSettings,
    OwnerMapping,
    RecordError,
    SalesforceConnection,
)

pytestmark = pytest.mark.django_db

NUL = "\x00"


def page_of(response) -> str:
    return html.unescape(response.content.decode())


def nothing_written(before_events: int) -> None:
    assert AuditEvent.objects.count() == before_events
    assert not SyncJob.objects.exists()


# --- numbers that int() refuses or no column holds -------------------------------------


@pytest.mark.parametrize("record", ["²", "٣", "1" * 30, "9223372036854775808"])
def test_retry_with_a_record_that_is_no_id_retries_nothing(admin_web: Client, record) -> None:
    RecordError.objects.create(
        record_key="hs:101", hubspot_id="101", category="validation", message="Bad company"
    )
    events = AuditEvent.objects.count()
    response = admin_web.post(reverse("health_retry"), {"record": record}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("health")
    assert "is not a record id: nothing was retried" in page_of(response)
    nothing_written(events)  # not even "retry everything" instead


@pytest.mark.parametrize("cursor", ["before", "after"])
@pytest.mark.parametrize("value", ["²", "٣", "1" * 30])
def test_history_with_a_cursor_that_is_no_id_says_so(admin_web: Client, cursor, value) -> None:
    events = AuditEvent.objects.count()
    response = admin_web.get(reverse("audit_history"), {"email": "ann@example.com", cursor: value})
    assert response.status_code == 400
    assert f"“{cursor}” is not an event id" in page_of(response)
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("key", ["email", "hubspot_id", "salesforce_id"])
def test_history_with_a_nul_byte_is_refused(admin_web: Client, key) -> None:
    response = admin_web.get(reverse("audit_history"), {key: f"ann{NUL}@example.com"})
    assert response.status_code == 400
    assert "contains a NUL character" in page_of(response)


# --- Connections ------------------------------------------------------------------------

SALESFORCE = {
    "auth_mode": "password",
    "login_url": "https://login.salesforce.com",
    "username": "integration@acme.example",
    "password": "Sal3sforce-pa55word!",
    "security_token": "AbCdEfGhIjKlMnOpQrStUv",
    "api_version": "59.0",
    "daily_budget": "5000",
}


def save_salesforce(client: Client, **overrides: str):
    return client.post(reverse("connections_salesforce_save"), {**SALESFORCE, **overrides})


def save_hubspot(client: Client, **overrides: str):
    data = {
        "base_url": "https://api.hubapi.com",
        "access_token": "pat-na1-11111111",
        "ten_second_limit": "190",
        "search_per_second": "5",
        **overrides,
    }
    return client.post(reverse("connections_hubspot_save"), data)


@pytest.fixture
def saved(admin_web: Client) -> dict:
    """A working Salesforce connection: what a refused save must leave as it is."""
    assert save_salesforce(admin_web).status_code == 302
    return model_to_dict(SalesforceConnection.load())


def assert_refused(response, saved: dict, events: int, message: str) -> None:
    assert response.status_code == 400
    page = page_of(response)
    assert "The Salesforce connection was not saved" in page and message in page
    assert model_to_dict(SalesforceConnection.load()) == saved
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("daily_budget", "9" * 30, "less than or equal to 1000000000"),
        ("api_version", "٥٩.0", "Use the form 59.0."),
        ("api_version", "59.0\n", "Use the form 59.0."),
        ("password", "Sal3sforce\u200b", "contains U+200B at character 11"),
        ("security_token", "AbCd\u200bEf", "contains U+200B at character 5"),
        ("security_token", "AbCd</n1:password><x>", "contains <, > or &"),
        ("security_token", "AbCd&amp;Ef", "contains <, > or &"),
    ],
)
def test_salesforce_values_no_call_could_use_are_refused(
    admin_web: Client, saved, field, value, message
) -> None:
    events = AuditEvent.objects.count()
    assert_refused(save_salesforce(admin_web, **{field: value}), saved, events, message)


def test_a_token_outside_latin_1_is_refused_and_not_echoed(admin_web: Client, saved) -> None:
    events = AuditEvent.objects.count()
    token = "00Dxx0000001gPL!AR8AQ\u200bsecret"
    response = save_salesforce(
        admin_web,
        auth_mode="token",
        instance_url="https://acme.my.salesforce.com",
        access_token=token,
    )
    assert_refused(response, saved, events, "The access token contains U+200B")
    assert "AR8AQ" not in page_of(response)
    response = save_hubspot(admin_web, access_token="pat-na1-\u200b1111")
    assert response.status_code == 400
    assert "The private-app access token contains U+200B" in page_of(response)
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("path", ["/etc/passwd", "/no/such/file.pem", "../../../etc/passwd"])
def test_a_ca_bundle_outside_the_data_folder_is_refused_alike(
    admin_web: Client, saved, path
) -> None:
    events = AuditEvent.objects.count()
    response = save_salesforce(admin_web, ca_bundle=path)
    assert_refused(response, saved, events, "Put the CA bundle in syncadmin's data folder")
    assert "There is no file" not in page_of(response)  # exists or not: the same answer


def test_a_ca_bundle_in_the_data_folder_is_accepted(admin_web: Client, saved) -> None:
    bundle = Path(settings.DATA_DIR) / f"test-ca-{__name__}.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    try:
        assert save_salesforce(admin_web, ca_bundle=bundle.name).status_code == 302
        assert SalesforceConnection.load().ca_bundle == str(Path(settings.DATA_DIR) / bundle.name)
    finally:
        bundle.unlink()
    response = save_salesforce(admin_web, ca_bundle="missing.pem")
    assert response.status_code == 400
    assert "There is no file missing.pem in the data folder" in page_of(response)


# --- Contacts: one-contact sync, the explainer, the list builder ---------------------------


def hubspot_calls(sandbox) -> int:
    return sandbox.hubspot.calls()["total"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (f"ann{NUL}@example.com", "contains a NUL character"),
        (f"12{NUL}34", "contains a NUL character"),
        (f"003000000{NUL}00001", "contains a NUL character"),
        ("²", "is neither an email address"),
        ("١٢٣", "is neither an email address"),
    ],
    ids=["nul-email", "nul-hubspot-id", "nul-salesforce-id", "superscript", "arabic-digits"],
)
def test_one_contact_sync_refuses_what_names_no_contact(
    admin_web: Client, connected, value, message
) -> None:
    calls, events = hubspot_calls(connected), AuditEvent.objects.count()
    response = admin_web.post(
        reverse("contacts_sync_now"), {"mode": "one", "contact": value}, follow=True
    )
    assert response.status_code == 200
    assert "Nothing was synced." in page_of(response) and message in page_of(response)
    nothing_written(events)
    assert hubspot_calls(connected) == calls


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("@example.com", "is not a valid email address"),
        ("a@example..com", "is not a valid email address"),
        ("a@@example.com", "is not a valid email address"),
        ("a@example.com.", "is not a valid email address"),
        ("<b>x</b>@example.com", "is not a valid email address"),
        (f"ann{NUL}@example.com", "contains a NUL character"),
        ("²", "is neither an email address"),
    ],
)
def test_the_explainer_refuses_malformed_queries_before_asking_hubspot(
    admin_web: Client, connected, query, message
) -> None:
    calls, events = hubspot_calls(connected), AuditEvent.objects.count()
    response = admin_web.get(reverse("contacts_explain"), {"q": query})
    assert response.status_code == 200
    page = page_of(response)
    assert message in page and "<b>x</b>" not in response.content.decode()
    assert hubspot_calls(connected) == calls
    assert AuditEvent.objects.count() == events and not ContactLink.objects.exists()


def lists_created(sandbox) -> int:
    by_endpoint = sandbox.hubspot.calls()["by_endpoint"]
    return sum(
        n for endpoint, n in by_endpoint.items() if endpoint.startswith("POST /crm/v3/lists")
    )


@pytest.mark.parametrize(
    ("name", "row", "message"),
    [
        ("Big deals", ("num_employees", "IS_GREATER_THAN", "inf"), "is a number: “inf” is not one"),
        ("Big deals", ("num_employees", "IS_GREATER_THAN", "nan"), "is a number: “nan” is not one"),
        ("Big deals", ("num_employees", "IS_LESS_THAN", "1e999"), "is not one"),
        ("Big deals", ("num_employees", "IS_LESS_THAN", "1e3"), "is not one"),
        ("Big deals", ("num_employees", "IS_LESS_THAN", "9" * 5000), "is not one"),
        ("Big deals", ("num_employees", "IS_LESS_THAN", "١٢"), "is not one"),
        ("x" * 10_000, ("country", "IS_EQUAL_TO", "Finland"), "at most 255 characters"),
        (f"VIP{NUL}s", ("country", "IS_EQUAL_TO", "Finland"), "list name contains a NUL"),
        ("VIPs", ("country", "IS_EQUAL_TO", f"Fin{NUL}land"), "condition contains a NUL"),
        ("VIPs", (f"coun{NUL}try", "IS_EQUAL_TO", "Finland"), "condition contains a NUL"),
    ],
)
def test_the_list_builder_refuses_before_hubspot_creates_a_list(
    admin_web: Client, connected, name, row, message
) -> None:
    created, events = lists_created(connected), AuditEvent.objects.count()
    prop, operator, value = row
    response = admin_web.post(
        reverse("contacts_list_create"),
        {"name": name, "g0r0-property": prop, "g0r0-operator": operator, "g0r0-value": value},
    )
    assert response.status_code == 400
    assert message in page_of(response)
    assert lists_created(connected) == created
    assert AuditEvent.objects.count() == events


def test_the_list_builder_still_takes_a_plain_number(admin_web: Client, connected) -> None:
    response = admin_web.post(
        reverse("contacts_list_create"),
        {
            "name": "y" * 255,
            "g0r0-property": "num_employees",
            "g0r0-operator": "IS_GREATER_THAN",
            "g0r0-value": "1000.5",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="list.created").count() == 1


# --- Activities: a type or owner named in the URL, a task type ----------------------------
# (found by the fuzz in tests/fuzz/: PostgreSQL refuses a NUL in any query, a 500 before)


def salesforce_calls(sandbox) -> int:
    return sandbox.salesforce.calls()["total"]


@pytest.mark.parametrize("key", [f"form_submission{NUL}", NUL, "x" * 300])
def test_an_activity_type_that_does_not_exist_is_refused_and_nothing_changes(
    admin_web: Client, connected, key
) -> None:
    events = AuditEvent.objects.count()
    before = list(ActivityType.objects.values())
    response = admin_web.post(
        reverse("activities"),
        {"type": ["call_logged", key], "enabled-call_logged": "on", f"enabled-{key}": "on"},
        follow=True,
    )
    assert response.status_code == 200
    page = page_of(response)
    assert "Nothing was saved: There is no activity type" in page
    assert "x" * 100 not in page
    assert list(ActivityType.objects.values()) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("owner", [f"70000100{NUL}", NUL, "no-such-owner"])
def test_an_owner_that_does_not_exist_is_refused_before_salesforce_is_asked(
    admin_web: Client, connected, owner
) -> None:
    OwnerMapping.objects.create(hubspot_owner_id="70000100", hubspot_email="o@example.com")
    calls, events = salesforce_calls(connected), AuditEvent.objects.count()
    response = admin_web.post(f"/activities/owners/{quote(owner)}/", {"salesforce_user_id": ""})
    assert salesforce_calls(connected) == calls  # (the owners page it goes back to reads them)
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("The owner was not saved: There is no HubSpot owner" in m for m in said), said
    assert AuditEvent.objects.count() == events
    assert OwnerMapping.objects.get().automatic  # untouched


def _activities_save_with_call_logged_task_type(web: Client, task_type: str):
    """The Activities page's one Save: every row as it is, call_logged off with ``task_type``."""
    posted: dict = {"type": list(ActivityType.objects.values_list("key", flat=True))}
    for row in ActivityType.objects.filter(direction=ActivityType.Direction.HUBSPOT_TO_SALESFORCE):
        posted[f"task_type-{row.key}"] = task_type if row.key == "call_logged" else row.task_type
    for row in ActivityType.objects.filter(enabled=True).exclude(key="call_logged"):
        posted[f"enabled-{row.key}"] = "on"
    return web.post(reverse("activities"), posted, follow=True)


@pytest.mark.parametrize("task_type", ["Lunch", f"Call{NUL}", "Lunch " + "x" * 240])
def test_turning_a_type_off_does_not_save_a_task_type_salesforce_lacks(
    admin_web: Client, connected, task_type
) -> None:
    before = model_to_dict(ActivityType.objects.get(key="call_logged"))
    events = AuditEvent.objects.count()
    response = _activities_save_with_call_logged_task_type(admin_web, task_type)
    assert response.status_code == 400
    assert "x" * 100 not in page_of(response).split("<select", 1)[0]  # the refusal quotes it short
    assert "Nothing was saved" in page_of(response) and "Call logged" in page_of(response)
    assert "is not a value of Salesforce's Task Type picklist" in page_of(response)
    assert model_to_dict(ActivityType.objects.get(key="call_logged")) == before
    assert AuditEvent.objects.count() == events


def test_a_task_type_longer_than_any_picklist_value_is_refused_and_never_shown_back(
    admin_web: Client, connected
) -> None:
    before = model_to_dict(ActivityType.objects.get(key="call_logged"))
    events = AuditEvent.objects.count()
    response = _activities_save_with_call_logged_task_type(admin_web, "x" * 10_000)
    assert response.status_code == 200  # back on the page as saved, the refusal on top
    page = page_of(response)
    assert "Nothing was saved" in page and "10,000 characters" in page and "at most 255" in page
    assert "x" * 200 not in page
    assert model_to_dict(ActivityType.objects.get(key="call_logged")) == before
    assert AuditEvent.objects.count() == events


# --- a GET writes nothing, whatever it is sent ----------------------------------------------


def test_the_audit_page_creates_no_retention_row(admin_web: Client) -> None:
    AuditRetention.objects.all().delete()  # as on a database no admin has saved it in
    response = admin_web.get(reverse("audit_log"), {"q": "x" * 300, "job": "²"})
    assert response.status_code == 200
    assert "events older than 365 days are pruned daily" in page_of(response)
    assert not AuditRetention.objects.exists()


# --- HubSpot list ids: digits, checked before HubSpot is asked -----------------------------


@pytest.mark.parametrize("list_id", ["²", "١٢", "..", "1?x=1", f"1{NUL}"])
def test_a_list_id_that_is_no_number_is_refused_before_hubspot_is_asked(
    admin_web: Client, connected, list_id
) -> None:
    calls, events = hubspot_calls(connected), AuditEvent.objects.count()
    response = admin_web.get(f"/contacts/lists/{quote(list_id, safe='')}/status/")
    assert response.status_code == 200
    assert "is not a HubSpot list id" in page_of(response)
    response = admin_web.post(reverse("contacts_list_save"), {"list_id": list_id})
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("is not a HubSpot list id" in m for m in said), said
    assert hubspot_calls(connected) == calls
    assert AuditEvent.objects.count() == events
    assert ContactSyncSettings.load().inclusion_list_id == ""


# --- the login form ---------------------------------------------------------------------


def test_a_username_longer_than_any_user_has_is_a_failed_login(client: Client, admin) -> None:
    for username in ("a" * 151, "0" * 3000):
        response = client.post(reverse("login"), {"username": username, "password": "x"})
        assert response.status_code == 200  # a 500 on PostgreSQL before
        assert "Your username and password didn't match" in page_of(response)
    assert not AccessAttempt.objects.exists()  # nothing to count: no user has such a name
    assert "_auth_user_id" not in client.session
