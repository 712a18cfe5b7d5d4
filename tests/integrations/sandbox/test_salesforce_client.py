"""simple-salesforce 1.12.10 itself, unpatched, against the Salesforce sandbox over HTTPS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from integrations.sandbox.salesforce.client import sandbox_session


@pytest.fixture
def info(sandbox):
    return sandbox.info["salesforce"]


@pytest.fixture
def sf(info) -> Salesforce:
    return Salesforce(
        username=info["username"],
        password=info["password"],
        security_token=info["security_token"],
        version=info["api_version"],
        session=sandbox_session(info),
    )


def test_soap_login_reaches_the_sandbox(sf, info):
    assert info["instance_url"].endswith(sf.sf_instance)
    assert sf.query("SELECT Id, Name FROM Organization")["totalSize"] == 1


def test_bad_password_is_invalid_login(info):
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(
            username=info["username"],
            password="wrong",
            security_token=info["security_token"],
            session=sandbox_session(info),
        )
    assert caught.value.code == "INVALID_LOGIN"


def test_session_id_and_instance_url_login(sf, info):
    direct = Salesforce(
        session_id=sf.session_id,
        instance_url=info["instance_url"],
        version=info["api_version"],
        session=sandbox_session(info),
    )
    users = direct.query("SELECT Id, Username FROM User")["records"]
    assert info["username"] in [u["Username"] for u in users]


def test_it_logs_in_again_after_sessions_expire(sf, sandbox):
    sf.Contact.create({"LastName": "Before"})
    old = sf.session_id
    sandbox.salesforce.control("POST", "sessions/expire")
    sf.Contact.create({"LastName": "After"})
    assert sf.session_id != old
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 2


def test_crud_upsert_and_describe(sf):
    created = sf.Contact.create({"LastName": "Lovelace", "Email": "ada@example.com"})
    assert created["success"] and created["id"].startswith("003")
    sf.Contact.update(created["id"], {"FirstName": "Ada"})
    record = sf.Contact.get(created["id"])
    assert record["Name"] == "Ada Lovelace"
    assert record["attributes"]["type"] == "Contact"
    assert sf.Contact.upsert("Syncadmin_Id__c/ext-1", {"LastName": "New"}) == 201
    assert sf.Contact.upsert("Syncadmin_Id__c/ext-1", {"LastName": "Again"}) == 200
    assert sf.Contact.get_by_custom_id("Syncadmin_Id__c", "ext-1")["LastName"] == "Again"
    sf.Contact.delete(created["id"])
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(created["id"])
    task = sf.Task.describe()
    fields = {f["name"]: f for f in task["fields"]}
    assert "Marketing email" in [v["value"] for v in fields["Type"]["picklistValues"]]
    assert fields["TaskSubtype"]["updateable"] is False
    assert fields["Status"]["restrictedPicklist"] is True
    assert "Contact" in [s["name"] for s in sf.describe()["sobjects"]]


def test_several_external_id_matches_is_300(sf, sandbox):
    sandbox.salesforce.control(
        "POST",
        "records",
        {
            "type": "Lead",
            "records": [{"LastName": "A", "Company": "C", "Syncadmin_Id__c": "x"}] * 2,
        },
    )
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Lead.upsert("Syncadmin_Id__c/x", {"LastName": "B"})


def test_query_pages_and_query_all(sf, sandbox):
    records = [{"LastName": f"P{i:04d}", "Company": "C"} for i in range(4500)]
    sandbox.salesforce.control("POST", "records", {"type": "Lead", "records": records})
    first = sf.query("SELECT Id, LastName FROM Lead")
    assert first["totalSize"] == 4500 and len(first["records"]) == 2000 and not first["done"]
    everything = sf.query_all("SELECT Id, LastName FROM Lead ORDER BY LastName DESC")
    assert len(everything["records"]) == 4500
    assert everything["records"][0]["LastName"] == "P4499"
    assert sum(1 for _ in sf.query_all_iter("SELECT Id FROM Lead")) == 4500
    victim = first["records"][0]["Id"]
    sf.Lead.delete(victim)
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 4499
    deleted = sf.query_all(
        f"SELECT Id, IsDeleted FROM Lead WHERE Id = '{victim}'", include_deleted=True
    )
    assert deleted["records"][0]["IsDeleted"] is True


def test_bad_soql_is_malformed_request(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Contact WHERE")
    assert caught.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_collections_through_restful(sf):
    result = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Contact"}, "LastName": "One"},
                {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
            ],
        },
    )
    assert result[0]["success"] is True
    assert result[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"


def test_composite_references(sf):
    result = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": "/services/data/v59.0/sobjects/Account",
                    "referenceId": "acct",
                    "body": {"Name": "Acme"},
                },
                {
                    "method": "POST",
                    "url": "/services/data/v59.0/sobjects/Contact",
                    "referenceId": "person",
                    "body": {"LastName": "Coyote", "AccountId": "@{acct.id}"},
                },
                {
                    "method": "GET",
                    "url": "/services/data/v59.0/sobjects/Contact/@{person.id}",
                    "referenceId": "read",
                },
            ],
        },
    )
    responses = result["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [201, 201, 200]
    assert responses[2]["body"]["AccountId"] == responses[0]["body"]["id"]


def test_limits_and_api_usage(sf, sandbox):
    sandbox.salesforce.control("PATCH", "settings", {"daily_api_limit": 500})
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 500
    usage = sf.api_usage["api-usage"]
    assert usage.total == 500 and usage.used >= 1


def test_bulk2_insert_upsert_update_query(sf):
    rows = [{"LastName": f"Bulk{i}", "Email": f"bulk{i}@example.com"} for i in range(10)]
    rows.append({"FirstName": "Missing last name"})
    result = sf.bulk2.Contact.insert(records=rows, wait=0.1)
    assert result[0]["numberRecordsProcessed"] == 11
    assert result[0]["numberRecordsFailed"] == 1
    job_id = result[0]["job_id"]
    failed = sf.bulk2.Contact.get_failed_records(job_id)
    assert "REQUIRED_FIELD_MISSING" in failed
    ok = sf.bulk2.Contact.get_successful_records(job_id)
    assert ok.splitlines()[0].startswith('"sf__Id","sf__Created"')
    upserted = sf.bulk2.Contact.upsert(
        records=[{"Syncadmin_Id__c": "b-1", "LastName": "Up"}],
        external_id_field="Syncadmin_Id__c",
        wait=0.1,
    )
    assert upserted[0]["numberRecordsFailed"] == 0
    pages = list(
        sf.bulk2.Contact.query("SELECT Id, LastName FROM Contact", max_records=4, wait=0.1)
    )
    lines = [line for page in pages for line in page.splitlines()[1:]]
    assert len(pages) == 3 and len(lines) == 11


def test_oauth_password_flow_login(info):
    sf = Salesforce(
        username=info["username"],
        password=info["password"],
        consumer_key="sandbox-app",
        consumer_secret="sandbox-secret",
        version=info["api_version"],
        session=sandbox_session(info),
    )
    assert info["instance_url"].endswith(sf.sf_instance)
    assert sf.oauth2("userinfo")["preferred_username"] == info["username"]
    statuses = sf.query("SELECT MasterLabel FROM TaskStatus ORDER BY SortOrder")["records"]
    assert [s["MasterLabel"] for s in statuses][0] == "Not Started"


def test_updated_deleted_and_lead_conversion(sf, sandbox):
    start = datetime.now(UTC) - timedelta(minutes=1)
    lead = sf.Lead.create({"LastName": "Convert", "Company": "C", "Email": "c@example.com"})["id"]
    gone = sf.Contact.create({"LastName": "Gone"})["id"]
    sf.Contact.delete(gone)
    end = datetime.now(UTC) + timedelta(minutes=1)
    assert lead in sf.Lead.updated(start, end)["ids"]
    assert [r["id"] for r in sf.Contact.deleted(start, end)["deletedRecords"]] == [gone]
    converted = sandbox.salesforce.control("POST", f"leads/{lead}/convert")
    record = sf.Lead.get(lead)
    assert record["IsConverted"] is True
    assert record["ConvertedContactId"] == converted["contactId"]
    assert sf.Contact.get(converted["contactId"])["Email"] == "c@example.com"


def test_bulk2_update_and_delete(sf):
    ids = [sf.Contact.create({"LastName": f"L{i}"})["id"] for i in range(3)]
    updated = sf.bulk2.Contact.update(
        records=[{"Id": i, "Title": "Bulk-updated"} for i in ids], wait=0.1
    )
    assert updated[0]["numberRecordsFailed"] == 0
    titles = sf.query("SELECT Title FROM Contact")["records"]
    assert {r["Title"] for r in titles} == {"Bulk-updated"}
    deleted = sf.bulk2.Contact.delete(records=[{"Id": i} for i in ids[:2]], wait=0.1)
    assert deleted[0]["numberRecordsProcessed"] == 2
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1
    rows = list(sf.bulk2.Contact.query_all("SELECT Id, IsDeleted FROM Contact", wait=0.1))
    assert rows[0].count('"true"') == 2


def test_parent_relationship_fields_in_select(sf):
    contact = sf.Contact.create({"LastName": "Parent", "Email": "p@example.com"})["id"]
    sf.Task.create({"Subject": "With who", "WhoId": contact})
    sf.Task.create({"Subject": "Without who"})
    rows = sf.query("SELECT Subject, Who.Email, Who.Name, Owner.Email FROM Task ORDER BY Subject")
    with_who, without = rows["records"]
    assert with_who["Who"]["Email"] == "p@example.com"
    assert with_who["Who"]["attributes"]["type"] == "Contact"
    assert with_who["Owner"]["Email"].startswith("integration@")
    assert without["Who"] is None
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Who.Shoe FROM Task")
    csv_pages = list(sf.bulk2.Task.query("SELECT Subject, Who.Email FROM Task", wait=0.1))
    assert '"With who","p@example.com"' in csv_pages[0]
