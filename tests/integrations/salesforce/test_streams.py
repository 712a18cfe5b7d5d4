"""Salesforce streams: one pager, through REST pages or one Bulk API 2.0 query job, and
the same records either way."""

from __future__ import annotations

import math
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from simple_salesforce import Salesforce

from integrations.connections import salesforce_client
from integrations.salesforce import limits
from integrations.salesforce.client import SalesforceClient
from integrations.salesforce.streams import (
    BY_EMAIL,
    MIRROR,
    PEOPLE,
    TASK_MARKERS,
    Condition,
    SalesforceStream,
    pages,
)
from integrations.sandbox.salesforce.client import sandbox_session
from tests.integrations.salesforce.conftest import (
    INVALID_SESSION,
    calls,
    login,
    reset_calls,
    soap_logins,
)
from tests.sandbox import Sandbox

#: above every read of these tests: REST pages all the way
NEVER = 10**9
#: a Lead's fields of every type the sandbox's schema has (besides the stream's own Id,
#: CreatedDate and SystemModstamp, IsDeleted and IsConverted)
LEAD_FIELDS = (
    "FirstName",  # string
    "LastName",
    "Email",  # email
    "Phone",  # phone
    "Company",
    "LeadSource",  # picklist
    "Status",  # restricted picklist
    "Description",  # textarea
    "OwnerId",  # reference
    "ConvertedContactId",  # reference, set by a conversion
    "ConvertedDate",  # date, set by a conversion
    "LastModifiedDate",  # datetime
    "AnnualRevenue",  # currency
    "NumberOfEmployees",  # int
)


def read(client: SalesforceClient, stream: SalesforceStream, **options: Any) -> list[list[dict]]:
    return list(pages(client, stream, **options))


def records(client: SalesforceClient, stream: SalesforceStream, **options: Any) -> list[dict]:
    return [record for page in read(client, stream, **options) for record in page]


def as_text(pages_read: list[list[dict]]) -> list[list[dict[str, str]]]:
    return [[{k: str(v) for k, v in r.items()} for r in page] for page in pages_read]


def query_jobs(sandbox: Sandbox) -> int:
    return calls(sandbox, "POST", "/jobs/query")


def seed_leads(client: SalesforceClient, count: int) -> list[str]:
    """``count`` leads with values and nulls of each type, and text CSV must quote."""
    leads = []
    for i in range(count):
        lead: dict[str, Any] = {"LastName": f"Lead {i}", "Company": f"Acme, {i % 7}"}
        if i % 2:
            lead |= {"FirstName": f'Ann "{i}"', "Email": f"lead{i}@example.com"}
        if i % 3:
            lead |= {"AnnualRevenue": i * 1000.25, "NumberOfEmployees": i, "LeadSource": "Web"}
        if i % 5 == 0:
            lead |= {"Description": f"line one\nline two, {i}", "Phone": "+1 555 0100"}
        if i % 4 == 0:
            lead |= {"Company": f"Société Générale, Zürich {i}"}
        leads.append(lead)
    results = client.create("Lead", leads)
    assert all(r.success for r in results), [r.errors for r in results if not r.success][:3]
    return [str(r.id) for r in results]


def raw_salesforce(sandbox: Sandbox) -> Salesforce:
    info = sandbox.info["salesforce"]
    return Salesforce(
        username=info["username"],
        password=info["password"],
        security_token=info["security_token"],
        version=info["api_version"],
        session=sandbox_session(info),
    )


def test_a_big_read_goes_through_one_bulk_job_and_gives_what_rest_gives(
    sandbox: Sandbox,
) -> None:
    """The mirror compares values as strings: a value Bulk gave in another form than REST
    would mark every record changed."""
    count = limits.QUERY_PAGE_SIZE + 150
    ids = seed_leads(login(sandbox), count)
    sandbox.salesforce.control("POST", f"leads/{ids[1]}/convert")
    raw_salesforce(sandbox).Lead.delete(ids[3])
    by_rest = login(sandbox, bulk_query_above=NEVER)
    by_bulk = login(sandbox, bulk_query_above=count - 1, bulk_first_poll_s=0.01)
    reset_calls(sandbox)

    rest = read(by_rest, MIRROR["Lead"], fields=LEAD_FIELDS)
    assert query_jobs(sandbox) == 0
    bulk = read(by_bulk, MIRROR["Lead"], fields=LEAD_FIELDS)
    assert query_jobs(sandbox) == 1

    assert [len(page) for page in bulk] == [len(page) for page in rest]
    assert max(len(page) for page in bulk) == limits.QUERY_PAGE_SIZE
    # every record once, in the same order, with the same values as the mirror sees them
    # (as text: 1 == 1.0 and True == 1 in Python, "1" != "1.0" in the mirror)
    assert as_text(bulk) == as_text(rest)
    assert bulk == rest
    everything = [record for page in bulk for record in page]
    assert len({r["Id"] for r in everything}) == count
    # the values compared above include each type, and nulls of each
    for name in LEAD_FIELDS:
        if name not in ("LastName", "Company", "Status", "OwnerId", "LastModifiedDate"):
            assert any(r[name] is None for r in everything), name
        assert any(r[name] is not None for r in everything), name
    assert {type(r["AnnualRevenue"]) for r in everything} == {float, type(None)}
    assert {type(r["NumberOfEmployees"]) for r in everything} == {int, type(None)}
    for flag in ("IsDeleted", "IsConverted"):
        assert {r[flag] for r in everything} == {True, False}, flag
    assert all(r["SystemModstamp"].endswith("+0000") for r in everything)
    assert any("\n" in (r["Description"] or "") for r in everything)


def test_50000_records_take_a_handful_of_calls_through_bulk_instead_of_25_pages(
    connected: Sandbox, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Salesforce half of a 100,000-contact sync: 50,000 leads."""
    sandbox = connected
    sandbox.salesforce.reset("bench", 100_000)
    settings.SALESFORCE_BULK_FIRST_POLL_S = 0.05
    fields = ("FirstName", "LastName", "Email", "Phone", "Title", "Company", "Country")

    settings.SALESFORCE_BULK_QUERY_ABOVE = NEVER
    client = salesforce_client()
    reset_calls(sandbox)
    by_rest = records(client, MIRROR["Lead"], fields=fields)
    rest_calls = sandbox.salesforce.calls()["total"]

    settings.SALESFORCE_BULK_QUERY_ABOVE = 2 * limits.QUERY_PAGE_SIZE
    client = salesforce_client()
    reset_calls(sandbox)
    by_bulk = records(client, MIRROR["Lead"], fields=fields)
    bulk_calls = sandbox.salesforce.calls()["total"]

    assert len(by_rest) == 50_000
    assert by_bulk == by_rest
    assert rest_calls == math.ceil(len(by_rest) / limits.QUERY_PAGE_SIZE)
    assert calls(sandbox, "GET", "/queryAll") == 1  # the first page, which counted them
    assert query_jobs(sandbox) == 1
    results = math.ceil(len(by_bulk) / limits.BULK_QUERY_RESULTS_PAGE)
    assert calls(sandbox, "GET", "/results") == results
    # a handful: that first page, the describe (field types), the job, its poll, results
    assert bulk_calls <= 4 + results
    with capsys.disabled():
        print(f"\n{len(by_rest)} records: {rest_calls} calls by REST, {bulk_calls} by Bulk")


def test_a_read_that_fits_on_its_first_page_never_starts_a_job(sandbox: Sandbox) -> None:
    seed_leads(login(sandbox), 30)
    client = login(sandbox, bulk_query_above=10)
    reset_calls(sandbox)

    found = records(client, PEOPLE["Lead"])

    assert len(found) == 30
    assert query_jobs(sandbox) == 0
    assert sandbox.salesforce.calls()["total"] == 1


def test_an_expired_session_in_a_bulk_read_logs_in_once_and_reads_on(sandbox: Sandbox) -> None:
    count = limits.QUERY_PAGE_SIZE + 10
    seed_leads(login(sandbox), count)
    client = login(sandbox, bulk_query_above=count - 1, bulk_first_poll_s=0.01)
    reset_calls(sandbox)
    sandbox.salesforce.fault(
        path="/services/data/*/jobs/query/*/results*", count=1, status=401, body=INVALID_SESSION
    )

    found = records(client, PEOPLE["Lead"])

    assert len({r["Id"] for r in found}) == count
    assert soap_logins(sandbox) == 1
    assert query_jobs(sandbox) == 1  # the job outlives the session: not started again
    assert calls(sandbox, "GET", "/results") == 2


def test_a_bulk_read_leaves_no_file_behind_even_when_its_reader_stops_early(
    sandbox: Sandbox, tmp_path, monkeypatch
) -> None:
    """Each results page streams into a temporary file (memory stays flat however big
    the page): the files go once read, and so does a page its reader never finished."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    count = limits.QUERY_PAGE_SIZE + 10
    seed_leads(login(sandbox), count)
    client = login(sandbox, bulk_query_above=count - 1, bulk_first_poll_s=0.01)

    assert len(records(client, PEOPLE["Lead"])) == count
    assert list(tmp_path.iterdir()) == []

    reading = client.bulk_query("Lead", "SELECT Id FROM Lead")
    assert next(reading)["Id"]
    assert [len(list(folder.iterdir())) for folder in tmp_path.iterdir()] == [1]
    reading.close()
    assert list(tmp_path.iterdir()) == []


def test_bounds_and_conditions_select_the_records(sandbox: Sandbox) -> None:
    client = login(sandbox)
    old = datetime(2024, 1, 1, tzinfo=UTC)
    stamps = [old + timedelta(days=n) for n in range(4)]
    sandbox.salesforce.control(
        "POST",
        "records",
        {
            "type": "Contact",
            "records": [
                {
                    "LastName": f"Day {n}",
                    "Email": f"o'brien.{n}@example.com",
                    "CreatedDate": stamp.isoformat(),
                    "SystemModstamp": stamp.isoformat(),
                }
                for n, stamp in enumerate(stamps)
            ],
        },
    )

    def names(**options: Any) -> list[str]:
        return [r["LastName"] for r in records(client, MIRROR["Contact"], **options)]

    assert names(fields=["LastName"]) == ["Day 0", "Day 1", "Day 2", "Day 3"]
    assert names(fields=["LastName"], since=stamps[1]) == ["Day 1", "Day 2", "Day 3"]
    assert names(fields=["LastName"], since=stamps[1], before=stamps[3]) == ["Day 1", "Day 2"]
    emails = ["O'Brien.2@example.com", "o'brien.0@example.com", "nobody@example.com"]
    assert names(fields=["LastName"], where=[Condition("Email", "IN", emails)]) == [
        "Day 0",
        "Day 2",
    ]
    assert names(fields=["LastName"], where=[Condition("Email", "NOT IN", [])]) == names(
        fields=["LastName"]
    )
    me = client.identity()["user_id"]
    mine = [Condition("CreatedById", "=", me), Condition("CreatedDate", ">=", stamps[2])]
    assert [r["Id"] for r in records(client, TASK_MARKERS, where=mine)] == []
    reset_calls(sandbox)
    assert records(client, BY_EMAIL["Contact"], where=[Condition("Email", "IN", [])]) == []
    assert sandbox.salesforce.calls()["total"] == 0  # nothing can match: nothing is sent


def test_people_by_email_come_oldest_first(sandbox: Sandbox) -> None:
    client = login(sandbox)
    created = [datetime(2024, 3, day, tzinfo=UTC) for day in (9, 2, 5)]
    sandbox.salesforce.control(
        "POST",
        "records",
        {
            "type": "Lead",
            "records": [
                {
                    "LastName": f"Twin {n}",
                    "Company": "Acme",
                    "Email": "twin@example.com",
                    "CreatedDate": stamp.isoformat(),
                }
                for n, stamp in enumerate(created)
            ],
        },
    )

    found = records(
        client,
        BY_EMAIL["Lead"],
        fields=["LastName"],
        where=[Condition("Email", "IN", ["twin@example.com"])],
    )

    assert [r["LastName"] for r in found] == ["Twin 1", "Twin 2", "Twin 0"]


@pytest.mark.parametrize(
    ("field", "operator", "value"),
    [
        ("Email = '' OR Id", "=", "x"),  # a name is interpolated: only names pass
        ("Who.Email", "=", "x"),
        ("Email", "LIKE", "x"),
        ("Email", "IN", "x@example.com"),  # a list operator takes a list
        ("Email", "=", ["x@example.com"]),
        ("Email", ">", None),
    ],
)
def test_a_condition_refuses_what_is_not_soql_data(field: str, operator: str, value: Any) -> None:
    with pytest.raises(ValueError):
        Condition(field, operator, value)


def test_a_stream_refuses_a_field_that_is_not_a_name(sf: SalesforceClient) -> None:
    with pytest.raises(ValueError):
        read(sf, PEOPLE["Lead"], fields=["Email FROM Lead --"])
