"""Writes: sObject Collections in chunks of 200, Bulk API 2.0 above the threshold,
per-record results tied to the right inputs either way."""

from __future__ import annotations

from integrations.salesforce import limits
from integrations.salesforce.client import SalesforceClient
from tests.integrations.salesforce.conftest import calls, login, reset_calls
from tests.sandbox import Sandbox
from tests.sides import soql_records

COLLECTIONS = "/composite/sobjects"


def leads(n: int, prefix: str = "Lead") -> list[dict[str, str]]:
    return [{"LastName": f"{prefix} {i}", "Company": "Acme"} for i in range(n)]


def test_450_records_take_three_collection_calls(sf: SalesforceClient, sandbox: Sandbox) -> None:
    reset_calls(sandbox)

    results = sf.create("Lead", leads(450))

    assert calls(sandbox, "POST", COLLECTIONS) == 3
    assert limits.COLLECTION_BATCH_SIZE == 200
    assert len(results) == 450
    assert all(r.success and r.created and r.id.startswith("00Q") for r in results)
    assert len({r.id for r in results}) == 450
    names = {r["Id"]: r["LastName"] for r in soql_records(sf, "SELECT Id, LastName FROM Lead")}
    assert [names[r.id] for r in results] == [f"Lead {i}" for i in range(450)]


def test_injected_record_errors_land_on_the_right_inputs(
    sf: SalesforceClient, sandbox: Sandbox
) -> None:
    sandbox.salesforce.fault(
        method="POST",
        path=f"*{COLLECTIONS}",
        record_errors={
            "7": {
                "statusCode": "DUPLICATES_DETECTED",
                "message": "Use one of these records?",
                "fields": [],
            }
        },
    )

    results = sf.create("Lead", leads(250))

    assert [i for i, r in enumerate(results) if not r.success] == [7]
    failed = results[7]
    assert failed.id is None and failed.created is None
    assert failed.errors[0].status_code == "DUPLICATES_DETECTED"
    assert failed.errors[0].message == "Use one of these records?"


def test_a_real_validation_error_is_tied_to_its_input(sf: SalesforceClient) -> None:
    records = leads(3)
    del records[1]["Company"]

    results = sf.create("Lead", records)

    assert [r.success for r in results] == [True, False, True]
    error = results[1].errors[0]
    assert error.status_code == "REQUIRED_FIELD_MISSING"
    assert "Company" in error.message
    assert error.fields == ["Company"]


def test_update_by_id_reports_each_record(sf: SalesforceClient) -> None:
    created = sf.create("Contact", [{"LastName": "One"}, {"LastName": "Two"}])

    results = sf.update(
        "Contact",
        [
            {"Id": created[0].id, "Title": "CTO"},
            {"Id": "003000000000000AAA", "Title": "Nobody"},
            {"Id": created[1].id, "LastName": None},
        ],
    )

    assert results[0].success and results[0].created is False
    assert not results[1].success and results[1].errors[0].status_code
    assert not results[2].success
    assert results[2].errors[0].status_code == "REQUIRED_FIELD_MISSING"
    titles = {r["Id"]: r["Title"] for r in soql_records(sf, "SELECT Id, Title FROM Contact")}
    assert titles[created[0].id] == "CTO"


def test_upsert_creates_then_updates_by_external_id(sf: SalesforceClient) -> None:
    first = sf.upsert(
        "Contact", "Syncadmin_Id__c", [{"Syncadmin_Id__c": "hs-1", "LastName": "Before"}]
    )
    second = sf.upsert(
        "Contact",
        "Syncadmin_Id__c",
        [
            {"Syncadmin_Id__c": "hs-1", "LastName": "After"},
            {"Syncadmin_Id__c": "hs-2", "LastName": "New"},
        ],
    )

    assert first[0].success and first[0].created is True
    assert second[0].success and second[0].created is False and second[0].id == first[0].id
    assert second[1].success and second[1].created is True
    query = "SELECT LastName FROM Contact ORDER BY LastName"
    names = [r["LastName"] for r in soql_records(sf, query)]
    assert names == ["After", "New"]


def test_above_the_threshold_writes_go_through_bulk_api_2(sandbox: Sandbox) -> None:
    client = login(sandbox, bulk_threshold=10, bulk_first_poll_s=0.05)
    records = leads(25, prefix="Bulk")
    del records[13]["Company"]
    reset_calls(sandbox)

    results = client.create("Lead", records)

    assert calls(sandbox, "POST", COLLECTIONS) == 0
    assert calls(sandbox, "POST", "/jobs/ingest") == 1
    assert [i for i, r in enumerate(results) if not r.success] == [13]
    assert results[13].errors[0].status_code == "REQUIRED_FIELD_MISSING"
    names = {r["Id"]: r["LastName"] for r in soql_records(client, "SELECT Id, LastName FROM Lead")}
    assert [names.get(r.id) for r in results if r.success] == [
        f"Bulk {i}" for i in range(25) if i != 13
    ]


def test_bulk_update_and_upsert_keep_input_order(sandbox: Sandbox) -> None:
    client = login(sandbox, bulk_threshold=3, bulk_first_poll_s=0.05)
    created = client.create(
        "Contact", [{"LastName": f"C{i}", "Syncadmin_Id__c": f"x{i}"} for i in range(5)]
    )
    assert all(r.success for r in created)

    updated = client.update(
        "Contact", [{"Id": r.id, "Title": f"T{i}"} for i, r in reversed(list(enumerate(created)))]
    )

    assert [r.id for r in updated] == [r.id for r in reversed(created)]
    assert all(r.success and r.created is False for r in updated)
    titles = {r["Id"]: r["Title"] for r in soql_records(client, "SELECT Id, Title FROM Contact")}
    assert [titles[r.id] for r in created] == [f"T{i}" for i in range(5)]

    upserted = client.upsert(
        "Contact",
        "Syncadmin_Id__c",
        [{"Syncadmin_Id__c": f"x{i}", "Title": "Upserted"} for i in (4, 2, 0)]
        + [{"Syncadmin_Id__c": "x9", "LastName": "New"}],
    )

    assert [r.id for r in upserted[:3]] == [created[i].id for i in (4, 2, 0)]
    assert [r.created for r in upserted] == [False, False, False, True]
    assert upserted[3].id not in {r.id for r in created}


def test_a_bulk_update_clears_fields_set_to_none(sandbox: Sandbox) -> None:
    client = login(sandbox, bulk_threshold=1, bulk_first_poll_s=0.05)
    created = client.create("Contact", [{"LastName": "A", "Title": "CEO"}, {"LastName": "B"}])

    results = client.update(
        "Contact", [{"Id": created[0].id, "Title": None}, {"Id": created[1].id, "Title": "CFO"}]
    )

    assert all(r.success for r in results)
    titles = {r["Id"]: r["Title"] for r in soql_records(client, "SELECT Id, Title FROM Contact")}
    assert [titles[r.id] for r in created] == [None, "CFO"]
