"""The Salesforce sandbox at the HTTP level: error arrays, limits, sessions, faults, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

V = "/services/data/v59.0"


class Api:
    """A bare HTTPS client with an OAuth session, to check exact statuses and bodies."""

    def __init__(self, sandbox):
        info = sandbox.info["salesforce"]
        self.base = info["instance_url"]
        self.verify = info["ca_bundle"]
        token = requests.post(
            f"{self.base}/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": "x",
                "client_secret": "y",
                "username": info["username"],
                "password": info["password"] + info["security_token"],
            },
            verify=self.verify,
            timeout=10,
        )
        assert token.status_code == 200, token.text
        self.token = token.json()["access_token"]

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else f"{self.base}{path}"
        return requests.request(
            method, url, headers=headers, verify=self.verify, timeout=10, **kwargs
        )

    def create(self, sobject: str, **fields) -> str:
        response = self("POST", f"{V}/sobjects/{sobject}/", json=fields)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def query(self, soql: str, all_rows: bool = False) -> requests.Response:
        return self("GET", f"{V}/{'queryAll' if all_rows else 'query'}/", params={"q": soql})


@pytest.fixture
def api(sandbox) -> Api:
    return Api(sandbox)


def error_code(response: requests.Response) -> str:
    body = response.json()
    assert isinstance(body, list), body
    return body[0]["errorCode"]


def test_every_response_carries_limit_info(api):
    response = api("GET", f"{V}/limits/")
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    assert response.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 14999}
    assert api("GET", f"{V}/sobjects/Nope/").headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_versions_list(api):
    versions = api("GET", "/services/data/").json()
    assert {"label": "Sandbox 59.0", "url": "/services/data/v59.0", "version": "59.0"} in versions


def test_bad_or_expired_session_is_401(api, sandbox):
    bad = requests.get(
        f"{api.base}{V}/limits/",
        headers={"Authorization": "Bearer nope"},
        verify=api.verify,
        timeout=10,
    )
    assert bad.status_code == 401
    assert bad.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert api("GET", f"{V}/limits/").status_code == 200
    sandbox.salesforce.control("POST", "sessions/expire")
    assert api("GET", f"{V}/limits/").status_code == 401


def test_daily_limit_refuses_with_403(api, sandbox):
    sandbox.salesforce.control("PATCH", "settings", {"daily_api_limit": 3})
    assert [api("GET", f"{V}/limits/").status_code for _ in range(3)] == [200, 200, 200]
    refused = api("GET", f"{V}/limits/")
    assert refused.status_code == 403
    assert error_code(refused) == "REQUEST_LIMIT_EXCEEDED"
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=3/3"


def test_malformed_json_is_json_parser_error(api):
    response = api(
        "POST",
        f"{V}/sobjects/Contact/",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert error_code(response) == "JSON_PARSER_ERROR"


def test_unknown_object_and_field(api):
    assert api("GET", f"{V}/sobjects/Widget/describe/").status_code == 404
    response = api("POST", f"{V}/sobjects/Contact/", json={"LastName": "X", "Shoe__c": 1})
    assert response.status_code == 400
    assert response.json()[0] == {
        "message": "No such column 'Shoe__c' on sobject of type Contact",
        "errorCode": "INVALID_FIELD",
        "fields": [],
    }
    assert error_code(api.query("SELECT Shoe FROM Contact")) == "INVALID_FIELD"
    assert error_code(api.query("SELECT Id FROM Widget")) == "INVALID_TYPE"
    assert api("GET", f"{V}/sobjects/Contact/0035g00000009ZZZZZ").status_code == 404


@pytest.mark.parametrize(
    ("sobject", "fields", "code"),
    [
        ("Contact", {"FirstName": "No last"}, "REQUIRED_FIELD_MISSING"),
        ("Lead", {"LastName": "No company"}, "REQUIRED_FIELD_MISSING"),
        ("Contact", {"LastName": "x" * 81}, "STRING_TOO_LONG"),
        ("Task", {"Subject": "s" * 256}, "STRING_TOO_LONG"),
        ("Task", {"Status": "Sleeping"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ("Task", {"WhoId": "0035g0000000999AAA"}, "INVALID_CROSS_REFERENCE_KEY"),
        ("Task", {"OwnerId": "0055g0000000999AAA"}, "INVALID_CROSS_REFERENCE_KEY"),
        ("Event", {"Subject": "No times"}, "REQUIRED_FIELD_MISSING"),
        ("Task", {"IsClosed": True}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ],
)
def test_validation_errors(api, sobject, fields, code):
    response = api("POST", f"{V}/sobjects/{sobject}/", json=fields)
    assert response.status_code == 400
    assert error_code(response) == code


def test_task_defaults_and_create_only_subtype(api):
    contact = api.create("Contact", LastName="Who")
    task_id = api.create("Task", Subject="Call", WhoId=contact, TaskSubtype="Call", Type="Webinar")
    task = api("GET", f"{V}/sobjects/Task/{task_id}").json()
    assert (task["Status"], task["Priority"], task["TaskSubtype"]) == (
        "Not Started",
        "Normal",
        "Call",
    )
    response = api("PATCH", f"{V}/sobjects/Task/{task_id}", json={"TaskSubtype": "Email"})
    assert error_code(response) == "INVALID_FIELD_FOR_INSERT_UPDATE"
    done = api("PATCH", f"{V}/sobjects/Task/{task_id}", json={"Status": "Completed"})
    assert done.status_code == 204
    assert api("GET", f"{V}/sobjects/Task/{task_id}").json()["IsClosed"] is True


def test_event_duration_gives_end(api):
    event_id = api.create(
        "Event", Subject="Demo", StartDateTime="2026-01-05T10:00:00Z", DurationInMinutes=45
    )
    event = api("GET", f"{V}/sobjects/Event/{event_id}").json()
    assert event["EndDateTime"] == "2026-01-05T10:45:00.000+0000"
    assert event["ActivityDate"] == "2026-01-05"


def test_picklist_values_are_settable(api, sandbox):
    sandbox.salesforce.control("PUT", "picklists/Task/Type", {"values": ["Call", "Demo"]})
    fields = api("GET", f"{V}/sobjects/Task/describe/").json()["fields"]
    values = [v["value"] for f in fields if f["name"] == "Type" for v in f["picklistValues"]]
    assert values == ["Call", "Demo"]


def test_duplicate_rule(api, sandbox):
    api.create("Lead", LastName="A", Company="C", Email="Same@Example.com")
    api.create("Lead", LastName="B", Company="C", Email="same@example.com")  # rule off
    sandbox.salesforce.control("PATCH", "settings", {"duplicate_rule": True})
    response = api(
        "POST", f"{V}/sobjects/Lead/", json={"LastName": "C", "Company": "C", "Email": "SAME@x.com"}
    )
    assert response.status_code == 201
    response = api(
        "POST",
        f"{V}/sobjects/Lead/",
        json={"LastName": "C", "Company": "C", "Email": "same@EXAMPLE.com"},
    )
    assert error_code(response) == "DUPLICATES_DETECTED"


def test_system_modstamp_increases_and_orders_reads(api):
    first = api.create("Contact", LastName="First")
    second = api.create("Contact", LastName="Second")
    api("PATCH", f"{V}/sobjects/Contact/{first}", json={"Title": "Moved"})
    rows = api.query(
        "SELECT Id, SystemModstamp FROM Contact "
        "WHERE SystemModstamp > 2020-01-01T00:00:00.000+0000 ORDER BY SystemModstamp"
    ).json()["records"]
    assert [r["Id"] for r in rows] == [second, first]
    assert rows[0]["SystemModstamp"] < rows[1]["SystemModstamp"]


def test_upsert_by_external_id_statuses(api):
    url = f"{V}/sobjects/Contact/Syncadmin_Id__c/abc"
    created = api("PATCH", url, json={"LastName": "New"})
    assert created.status_code == 201 and created.json()["created"] is True
    updated = api("PATCH", url, json={"LastName": "Newer"})
    assert updated.status_code == 200 and updated.json()["created"] is False
    assert api("PATCH", f"{V}/sobjects/Contact/Email/x@y.com", json={}).status_code == 404


def test_collection_over_200_is_refused(api):
    records = [{"attributes": {"type": "Contact"}, "LastName": str(i)} for i in range(201)]
    response = api("POST", f"{V}/composite/sobjects", json={"records": records})
    assert response.status_code == 400
    assert error_code(response) == "EXCEEDED_ID_LIMIT"


def test_collection_outcomes_in_input_order(api):
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "Ok"},
        {"attributes": {"type": "Contact"}, "LastName": "x" * 81},
        {"attributes": {"type": "Lead"}, "LastName": "Ok", "Company": "C"},
    ]
    result = api("POST", f"{V}/composite/sobjects", json={"records": records}).json()
    assert [r["success"] for r in result] == [True, False, True]
    assert result[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert result[1]["errors"][0]["fields"] == ["LastName"]
    ids = [result[0]["id"], result[2]["id"]]
    read = api("GET", f"{V}/composite/sobjects/Contact", params={"ids": ids[0], "fields": "Name"})
    assert read.json()[0]["Name"] == "Ok"
    update = [{"attributes": {"type": "Contact"}, "Id": ids[0], "Title": "CEO"}]
    assert api("PATCH", f"{V}/composite/sobjects", json={"records": update}).json()[0]["success"]
    deleted = api("DELETE", f"{V}/composite/sobjects", params={"ids": ",".join(ids)}).json()
    assert [r["success"] for r in deleted] == [True, True]


def test_collection_all_or_none_rolls_back(api):
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "Ok"},
        {"attributes": {"type": "Contact"}},
    ]
    result = api(
        "POST", f"{V}/composite/sobjects", json={"allOrNone": True, "records": records}
    ).json()
    assert [r["success"] for r in result] == [False, False]
    assert result[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert api.query("SELECT COUNT() FROM Contact").json()["totalSize"] == 0


def test_collection_upsert_reports_created(api):
    records = [
        {"attributes": {"type": "Contact"}, "Syncadmin_Id__c": "k1", "LastName": "One"},
        {"attributes": {"type": "Contact"}, "Syncadmin_Id__c": "k1", "LastName": "Two"},
    ]
    result = api(
        "PATCH", f"{V}/composite/sobjects/Contact/Syncadmin_Id__c", json={"records": records}
    ).json()
    assert [r["created"] for r in result] == [True, False]
    assert result[0]["id"] == result[1]["id"]


def test_record_errors_fault(api, sandbox):
    sandbox.salesforce.fault(
        method="POST",
        path="/services/data/*/composite/sobjects",
        record_errors={"1": {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked"}},
    )
    records = [{"attributes": {"type": "Contact"}, "LastName": str(i)} for i in range(3)]
    result = api("POST", f"{V}/composite/sobjects", json={"records": records}).json()
    assert [r["success"] for r in result] == [True, False, True]
    assert result[1]["errors"][0] == {
        "statusCode": "UNABLE_TO_LOCK_ROW",
        "message": "locked",
        "fields": [],
    }


def test_status_and_drop_faults(api, sandbox):
    sandbox.salesforce.fault(path="*/limits/", status=503)
    response = api("GET", f"{V}/limits/")
    assert response.status_code == 503
    assert error_code(response) == "SERVER_UNAVAILABLE"
    sandbox.salesforce.fault(path="*/limits/", drop=True)
    with pytest.raises(requests.ConnectionError):
        api("GET", f"{V}/limits/")
    assert api("GET", f"{V}/limits/").status_code == 200
    assert sandbox.salesforce.calls()["by_endpoint"]["GET /services/data/<ver>/limits/"] == 3


def test_paging_with_batch_size_terminates(api, sandbox):
    records = [{"LastName": f"N{i}"} for i in range(450)]
    sandbox.salesforce.control("POST", "records", {"type": "Contact", "records": records})
    page = api(
        "GET",
        f"{V}/query/",
        params={"q": "SELECT Id FROM Contact"},
        headers={"Sforce-Query-Options": "batchSize=200"},
    ).json()
    sizes = [len(page["records"])]
    while not page["done"]:
        page = api("GET", page["nextRecordsUrl"]).json()
        sizes.append(len(page["records"]))
    assert sizes == [200, 200, 50]
    assert "nextRecordsUrl" not in page


def test_old_activities_only_in_query_all(api, sandbox):
    old = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    sandbox.salesforce.control(
        "POST",
        "records",
        {
            "type": "Task",
            "records": [
                {
                    "Subject": "Old",
                    "CreatedDate": old,
                    "SystemModstamp": old,
                    "ActivityDate": old[:10],
                },
                {"Subject": "New"},
            ],
        },
    )
    assert [r["Subject"] for r in api.query("SELECT Subject FROM Task").json()["records"]] == [
        "New"
    ]
    everything = api.query("SELECT Subject, IsArchived FROM Task ORDER BY Subject", True).json()
    assert [(r["Subject"], r["IsArchived"]) for r in everything["records"]] == [
        ("New", False),
        ("Old", True),
    ]


def test_bulk_ingest_failed_results_csv(api):
    job = api("POST", f"{V}/jobs/ingest/", json={"object": "Lead", "operation": "insert"}).json()
    assert job["state"] == "Open"
    upload = api(
        "PUT",
        f"{V}/jobs/ingest/{job['id']}/batches/",
        data="LastName,Company\nOk,C\nNoCompany,\n",
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 201
    api("PATCH", f"{V}/jobs/ingest/{job['id']}/", json={"state": "UploadComplete"})
    info = api("GET", f"{V}/jobs/ingest/{job['id']}/").json()
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        2,
        1,
    )
    failed = api("GET", f"{V}/jobs/ingest/{job['id']}/failedResults/").text.splitlines()
    assert failed[0] == '"sf__Id","sf__Error","LastName","Company"'
    assert "REQUIRED_FIELD_MISSING" in failed[1]


def test_bulk_query_pages_carry_locator(api, sandbox):
    sandbox.salesforce.control(
        "POST", "records", {"type": "Contact", "records": [{"LastName": str(i)} for i in range(5)]}
    )
    job = api(
        "POST", f"{V}/jobs/query/", json={"operation": "query", "query": "SELECT Id FROM Contact"}
    ).json()
    first = api("GET", f"{V}/jobs/query/{job['id']}/results/", params={"maxRecords": 3})
    assert first.headers["Sforce-NumberOfRecords"] == "3"
    locator = first.headers["Sforce-Locator"]
    # since API 49.0 an opaque string, not the row number a client could compute itself
    assert not locator.isdigit()
    last = api(
        "GET",
        f"{V}/jobs/query/{job['id']}/results/",
        params={"maxRecords": 3, "locator": locator},
    )
    assert last.headers["Sforce-NumberOfRecords"] == "2"
    assert last.headers["Sforce-Locator"] == "null"
    rows = first.text.splitlines()[1:] + last.text.splitlines()[1:]
    assert len(set(rows)) == 5
    made_up = api("GET", f"{V}/jobs/query/{job['id']}/results/", params={"locator": "3"})
    assert made_up.status_code == 400


def test_bulk_query_csv_writes_each_type_as_salesforce_documents(api, sandbox):
    """Bulk API 2.0 query results: every value quoted, null as an empty value, booleans
    true/false, dateTimes in UTC with a Z (REST says +0000), numbers as decimals."""
    lead = api.create(
        "Lead", LastName="Typed", Company="C", AnnualRevenue=1500000, NumberOfEmployees=12
    )
    fields = "Id, IsConverted, CreatedDate, AnnualRevenue, NumberOfEmployees, Email"
    rest = api.query(f"SELECT {fields} FROM Lead").json()["records"][0]
    job = api("POST", f"{V}/jobs/query/", json={"query": f"SELECT {fields} FROM Lead"}).json()
    header, row = api("GET", f"{V}/jobs/query/{job['id']}/results/").text.splitlines()

    assert header == '"Id","IsConverted","CreatedDate","AnnualRevenue","NumberOfEmployees","Email"'
    created = rest["CreatedDate"].removesuffix("+0000") + "Z"
    assert row == f'"{lead}","false","{created}","1500000.0","12",""'


def test_composite_over_25_and_all_or_none(api):
    sub = {"method": "GET", "url": f"{V}/limits/", "referenceId": "r"}
    too_many = api("POST", f"{V}/composite", json={"compositeRequest": [sub] * 26})
    assert too_many.status_code == 400
    result = api(
        "POST",
        f"{V}/composite",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "a",
                    "body": {"LastName": "A"},
                },
                {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "b", "body": {}},
            ],
        },
    ).json()["compositeResponse"]
    assert [r["httpStatusCode"] for r in result] == [400, 400]
    assert result[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert api.query("SELECT COUNT() FROM Contact").json()["totalSize"] == 0


def test_soap_login_fault_shape(api):
    envelope = (
        '<?xml version="1.0" encoding="utf-8" ?><env:Envelope '
        'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
        '<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>x</n1:username>'
        "<n1:password>y</n1:password></n1:login></env:Body></env:Envelope>"
    )
    response = requests.post(
        f"{api.base}/services/Soap/u/59.0",
        data=envelope,
        headers={"Content-Type": "text/xml", "SOAPAction": "login"},
        verify=api.verify,
        timeout=10,
    )
    assert response.status_code == 500
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in response.text


def test_bulk_ingest_record_errors_fault(api, sandbox):
    job = api("POST", f"{V}/jobs/ingest/", json={"object": "Contact", "operation": "insert"}).json()
    api(
        "PUT",
        f"{V}/jobs/ingest/{job['id']}/batches/",
        data="LastName\nA\nB\nC\n",
        headers={"Content-Type": "text/csv"},
    )
    sandbox.salesforce.fault(
        method="PATCH",
        path=f"*/jobs/ingest/{job['id']}*",
        record_errors={"1": {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked"}},
    )
    api("PATCH", f"{V}/jobs/ingest/{job['id']}/", json={"state": "UploadComplete"})
    failed = api("GET", f"{V}/jobs/ingest/{job['id']}/failedResults/").text.splitlines()
    assert len(failed) == 2 and "UNABLE_TO_LOCK_ROW:locked" in failed[1] and '"B"' in failed[1]
