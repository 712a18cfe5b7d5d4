"""Odd request bodies and parameters get HubSpot's 4xx error shape, never a 500.

In-process (werkzeug's test client), so hundreds of requests stay fast and
stay clear of the sandbox's rate limits. The emulator's last-resort guard logs
to stderr; these tests also insist it never had to step in.
"""

from __future__ import annotations

import json

import pytest
from werkzeug.test import Client

from integrations.sandbox.hubspot.app import ACCESS_TOKEN, HubSpotEmulator

HEADERS = {"Authorization": f"Bearer {ACCESS_TOKEN}", "Content-Type": "application/json"}
WEIRD_BODIES = [
    None,
    1,
    "x",
    [],
    [1],
    {},
    {"inputs": "x"},
    {"inputs": [1, None, "a", {"id": None}, {"properties": "x"}, {"id": [1]}]},
    {"properties": "x"},
    {"properties": {"email": {"a": 1}}},
    {"filterGroups": "x"},
    {"filterGroups": [{"filters": [1]}]},
    {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN", "values": "x"}]}]},
    {"sorts": [1]},
    {"limit": "abc"},
    {"after": "-5"},
    {"name": "x", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": []},
    {"name": ["x"], "objectTypeId": "0-1", "processingType": "MANUAL"},
    {"processingTypes": "DYNAMIC", "listIds": 5},
    {"count": True, "offset": -1},
    {"idProperty": 5, "properties": 5, "inputs": [{"id": "1"}]},
]
POST_PATHS = [
    "/crm/v3/objects/contacts",
    "/crm/v3/objects/contacts/search",
    "/crm/v3/objects/contacts/batch/read",
    "/crm/v3/objects/contacts/batch/create",
    "/crm/v3/objects/contacts/batch/update",
    "/crm/v3/objects/contacts/batch/upsert",
    "/crm/v3/objects/contacts/batch/archive",
    "/crm/v3/lists",
    "/crm/v3/lists/search",
]


@pytest.fixture(scope="module")
def client() -> Client:
    emulator = HubSpotEmulator()
    emulator.reset(seed="demo", contacts=50)
    emulator.update_settings({"search_per_second": 10**6, "ten_second_limit": 10**6})
    return Client(emulator)


@pytest.mark.parametrize("path", POST_PATHS)
def test_weird_bodies_are_refused_politely(client, path, capsys):
    for body in WEIRD_BODIES:
        response = client.post(path, data=json.dumps(body), headers=HEADERS)
        assert response.status_code < 500, (body, response.data)
        if response.status_code >= 400:
            assert response.json["status"] == "error" and response.json["category"]
    assert "hubspot sandbox:" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "query", ["limit=abc", "limit=0", "limit=-1", "after=abc", "after=-1", "idProperty=x"]
)
def test_odd_query_parameters_are_400(client, query, capsys):
    for path in ("/crm/v3/objects/contacts", "/crm/v3/owners", "/crm/v3/lists/1/memberships"):
        response = client.get(f"{path}?{query}", headers=HEADERS)
        assert response.status_code < 500, (path, response.data)
    assert "hubspot sandbox:" not in capsys.readouterr().err
