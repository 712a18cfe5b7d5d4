"""The sandbox's two sides as tests see them: seeding and inspecting HubSpot and
Salesforce over their public APIs, and fixtures that connect syncadmin to them.

Registered for the whole suite in ``tests/conftest.py`` (``pytest_plugins``)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pytest
import requests

from core.models import SyncJob
from core.services.jobs import job_run
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.models import ContactSyncSettings
from integrations.pages.connections.services import connections_use_sandbox
from integrations.pages.contacts.services import contact_settings_update
from tests.sandbox import Sandbox


class HubSpotSide:
    """Seeds and inspects the HubSpot emulator through HubSpot's public API shapes."""

    def __init__(self, sandbox: Sandbox) -> None:
        info = sandbox.info["hubspot"]
        self.base = info["base_url"]
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {info['access_token']}"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"{self.base}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def create_contacts(self, *people: dict[str, str]) -> list[str]:
        """The ids of ``people``, in order: created in one batch, except those whose email
        HubSpot already has, which are updated instead (HubSpot refuses a whole
        batch/create over one existing email: 409 CONFLICT, nothing created)."""
        response = self.http.post(
            f"{self.base}/crm/v3/objects/contacts/batch/create",
            json={"inputs": [{"properties": p} for p in people]},
            timeout=30,
        )
        if response.status_code == 409:
            return self._create_around_existing(people)
        response.raise_for_status()
        by_email = {r["properties"].get("email"): r["id"] for r in response.json()["results"]}
        return [by_email[p.get("email")] for p in people]

    def _create_around_existing(self, people: tuple[dict[str, str], ...]) -> list[str]:
        found = self.call(
            "POST",
            "/crm/v3/objects/contacts/batch/read",
            {
                "idProperty": "email",
                "properties": ["email"],
                "inputs": [{"id": p["email"]} for p in people if p.get("email")],
            },
        )
        ids = {r["properties"]["email"].lower(): r["id"] for r in found["results"]}
        for p in people:
            if (p.get("email") or "").lower() in ids:
                self.update_contact(ids[p["email"].lower()], **p)
        fresh = [p for p in people if (p.get("email") or "").lower() not in ids]
        for p, contact_id in zip(fresh, self.create_contacts(*fresh) if fresh else [], strict=True):
            ids[(p.get("email") or "").lower()] = contact_id
        return [ids[(p.get("email") or "").lower()] for p in people]

    def update_contact(self, contact_id: str, **properties: str) -> None:
        self.call("PATCH", f"/crm/v3/objects/contacts/{contact_id}", {"properties": properties})

    def contact(self, contact_id: str, *properties: str) -> dict[str, str]:
        query = ",".join(properties or ("email", "firstname", "lastname", "company", "phone"))
        return self.call("GET", f"/crm/v3/objects/contacts/{contact_id}?properties={query}")[
            "properties"
        ]

    def contact_by_email(self, email: str, *properties: str) -> dict[str, str] | None:
        query = ",".join(properties or ("email", "firstname", "lastname", "company", "phone"))
        response = self.http.get(
            f"{self.base}/crm/v3/objects/contacts/{email}?idProperty=email&properties={query}",
            timeout=30,
        )
        return None if response.status_code == 404 else response.json()

    def create_list(self, name: str, processing_type: str = "DYNAMIC", **filters: str) -> str:
        body: dict[str, Any] = {
            "name": name,
            "objectTypeId": "0-1",
            "processingType": processing_type,
        }
        if processing_type == "DYNAMIC":
            body["filterBranch"] = {
                "filterBranchType": "OR",
                "filters": [],
                "filterBranches": [
                    {
                        "filterBranchType": "AND",
                        "filterBranches": [],
                        "filters": [
                            {
                                "filterType": "PROPERTY",
                                "property": prop,
                                "operation": {
                                    "operationType": "STRING",
                                    "operator": "IS_EQUAL_TO",
                                    "value": value,
                                },
                            }
                            for prop, value in filters.items()
                        ],
                    }
                ],
            }
        return str(self.call("POST", "/crm/v3/lists", body)["list"]["listId"])

    def delete_list(self, list_id: str) -> None:
        self.call("DELETE", f"/crm/v3/lists/{list_id}")


class SalesforceSide:
    """Seeds and inspects the Salesforce emulator (through our client, tested on its own)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.info = sandbox.info["salesforce"]

    @cached_property
    def sf(self) -> Any:
        from integrations.http.transport import CallMeter, api_session
        from integrations.salesforce.client import SalesforceClient

        client = SalesforceClient.login(
            session=api_session(meter=CallMeter(), ca_bundle=self.info["ca_bundle"]),
            login_url=self.info["login_url"],
            username=self.info["username"],
            password=self.info["password"],
            security_token=self.info["security_token"],
            api_version=self.info["api_version"],
        )
        return client

    def query(self, soql: str) -> list[dict[str, Any]]:
        return soql_records(self.sf, soql)

    def create(self, object_type: str, **fields: str) -> str:
        [result] = self.sf.create(object_type, [fields])
        assert result.success, result.errors
        return result.id

    def update(self, object_type: str, record_id: str, **fields: str) -> None:
        [result] = self.sf.update(object_type, [{"Id": record_id, **fields}])
        assert result.success, result.errors

    def people(self, email: str) -> list[dict[str, Any]]:
        found = []
        for object_type in ("Lead", "Contact"):
            found += self.query(
                f"SELECT Id, Email, FirstName, LastName, Phone FROM {object_type} "
                f"WHERE Email = '{email}'"
            )
        return found


@pytest.fixture
def connected(sandbox: Sandbox, db) -> Sandbox:
    connections_use_sandbox(info=sandbox.info)
    return sandbox


@pytest.fixture
def hubspot(connected: Sandbox) -> HubSpotSide:
    return HubSpotSide(connected)


@pytest.fixture
def salesforce(connected: Sandbox) -> SalesforceSide:
    return SalesforceSide(connected)


def run_sync(
    mode: str = "incremental",
    contact: str = "",
    user=None,
    expect: str | None = SyncJob.Status.SUCCEEDED,
) -> SyncJob:
    """Start a contact sync job and run it the way a django-q2 worker does.

    The job must end ``expect`` (succeeded unless the test says otherwise; ``None``
    when the test asserts the status itself)."""
    job, _ = contacts_sync_start(mode=mode, requested_by=user, contact=contact)
    result = job_run(job_id=job.pk)
    assert result is not None
    assert_job_status(result, expect)
    return result


def assert_job_status(job: SyncJob, expect: str | None) -> None:
    """A helper that ran a job checks how it ended, with the job's error if it is not so."""
    if expect is not None:
        assert job.status == expect, f"job {job.pk} ended {job.status}: {job.error}"


def person(email: str, **extra: str) -> dict[str, str]:
    first, _, rest = email.partition("@")
    return {
        "email": email,
        "firstname": first.title(),
        "lastname": "Tester",
        "company": "Acme",
        **extra,
    }


def contact_options(**values: Any) -> None:
    """Change some contact sync options as the Contacts page saves them; the others
    stay as they are."""
    current = ContactSyncSettings.load()
    contact_settings_update(
        actor=None,
        values={
            "create_new_as": current.create_new_as,
            "auto_create_from_leads": current.auto_create_from_leads,
            "auto_create_from_contacts": current.auto_create_from_contacts,
            "schedule_minutes": current.schedule_minutes,
            **values,
        },
    )


def soql_records(client: Any, soql: str, include_deleted: bool = False) -> list[dict[str, Any]]:
    """Every record a test's SOQL query finds, all pages read."""
    return [
        record
        for page in client.query_pages(soql, include_deleted)
        for record in page.get("records") or []
    ]
