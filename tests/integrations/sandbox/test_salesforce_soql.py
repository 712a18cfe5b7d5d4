"""The sandbox's SOQL subset, evaluated in-process against a small org."""

from __future__ import annotations

import pytest

from integrations.sandbox.salesforce.app import SalesforceEmulator
from integrations.sandbox.salesforce.soql import SoqlError, canonical_datetime, parse


@pytest.fixture(scope="module")
def org() -> SalesforceEmulator:
    emulator = SalesforceEmulator()
    records = [
        {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com", "Title": "CEO"},
        {"FirstName": "Alan", "LastName": "Turing", "Email": "ALAN@example.org", "Title": None},
        {"FirstName": "Grace", "LastName": "Hopper", "Email": None, "Title": "CTO"},
        {"FirstName": "Edsger", "LastName": "Dijkstra", "Email": "ed@example.net", "Title": "CTO"},
    ]
    for number, values in enumerate(records):
        stamp = f"2024-01-0{number + 1}T12:00:00.000+0000"
        emulator.store.insert_raw(
            "Contact",
            {**values, "CreatedDate": stamp, "SystemModstamp": stamp},
            emulator.integration_user,
        )
    emulator.store.sort_by_modstamp("Contact")
    return emulator


def names(org: SalesforceEmulator, where: str, order: str = "ORDER BY LastName") -> list[str]:
    _, _, _, rows = org.run_soql(f"SELECT Id, LastName FROM Contact {where} {order}", False)
    return [r["LastName"] for r in rows]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("WHERE Email = 'ada@example.com'", ["Lovelace"]),
        ("WHERE Email = 'alan@EXAMPLE.org'", ["Turing"]),  # text compares ignore case
        ("WHERE Email != null", ["Dijkstra", "Lovelace", "Turing"]),
        ("WHERE Email = null", ["Hopper"]),
        ("WHERE Email IN ('ada@example.com', 'ed@example.net')", ["Dijkstra", "Lovelace"]),
        ("WHERE Title NOT IN ('CTO')", ["Lovelace", "Turing"]),
        ("WHERE LastName LIKE 'T%'", ["Turing"]),
        ("WHERE LastName LIKE '_opper'", ["Hopper"]),
        ("WHERE Title = 'CTO' AND FirstName = 'Grace'", ["Hopper"]),
        ("WHERE Title = 'CEO' OR Email LIKE '%.net'", ["Dijkstra", "Lovelace"]),
        ("WHERE (Title = 'CTO' OR Title = 'CEO') AND NOT Email = null", ["Dijkstra", "Lovelace"]),
        ("WHERE NOT (Title = 'CTO')", ["Lovelace", "Turing"]),
        ("WHERE CreatedDate > 2024-01-02T12:00:00Z", ["Dijkstra", "Hopper"]),
        ("WHERE CreatedDate >= 2024-01-02T12:00:00.000+0000", ["Dijkstra", "Hopper", "Turing"]),
        ("WHERE CreatedDate < 2024-01-02T14:00:00+02:00", ["Lovelace"]),
        ("WHERE CreatedDate <= 2024-01-01T12:00:00Z", ["Lovelace"]),
        ("WHERE IsDeleted = false AND LastName > 'L'", ["Lovelace", "Turing"]),
        ("WHERE LastName = 'O\\'Brien'", []),
    ],
)
def test_where(org, where, expected):
    assert names(org, where) == expected


def test_order_limit_offset(org):
    assert names(org, "", "ORDER BY Title DESC NULLS LAST, LastName ASC") == [
        "Dijkstra",
        "Hopper",
        "Lovelace",
        "Turing",
    ]
    assert names(org, "", "ORDER BY Title ASC NULLS FIRST, LastName DESC") == [
        "Turing",
        "Lovelace",
        "Hopper",
        "Dijkstra",
    ]
    assert names(org, "", "ORDER BY LastName LIMIT 2 OFFSET 1") == ["Hopper", "Lovelace"]
    assert names(org, "", "") == ["Lovelace", "Turing", "Hopper", "Dijkstra"]  # SystemModstamp


def test_count_and_case_insensitive_names(org):
    _, _, parsed, rows = org.run_soql("select count() from contact where title = 'cto'", False)
    assert parsed.count_only and len(rows) == 2
    _, fields, _, _ = org.run_soql("SELECT id, EMAIL FROM Contact", False)
    assert fields == ["Id", "Email"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Contact WHERE Title = 'a' AND Title = 'b' OR Title = 'c'",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Contact WHERE Title = 'unterminated", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact LIMIT -1", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact GROUP BY Title", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE Title > null", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE Nope = 1", "INVALID_FIELD"),
        ("SELECT Id FROM Contact ORDER BY Nope", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE CreatedDate > '2024-01-01'", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE LastName = 5", "INVALID_FIELD"),
        ("SELECT Id FROM Gadget__c", "INVALID_TYPE"),
    ],
)
def test_refused(org, soql, code):
    with pytest.raises(SoqlError) as caught:
        org.run_soql(soql, False)
    assert caught.value.code == code


def test_malformed_message_points_at_the_token():
    with pytest.raises(SoqlError) as caught:
        parse("SELECT Id FROM Contact WHERE A = 1 AND B = 2 OR C = 3")
    assert "ERROR at Row:1:Column:46" in caught.value.message
    assert "unexpected token: OR" in caught.value.message


def test_datetime_literals_are_canonical_utc():
    assert canonical_datetime("2024-01-01T00:00:00Z") == "2024-01-01T00:00:00.000+0000"
    assert canonical_datetime("2024-01-01T02:00:00.5+02:00") == "2024-01-01T00:00:00.500+0000"
    assert canonical_datetime("2024-01-01T00:00:00.000+0000") == "2024-01-01T00:00:00.000+0000"


def test_status_value_objects_follow_picklists(org):
    _, _, _, rows = org.run_soql(
        "SELECT MasterLabel, IsClosed FROM TaskStatus WHERE IsClosed = true", False
    )
    assert [r["MasterLabel"] for r in rows] == ["Completed"]
    _, _, _, rows = org.run_soql(
        "SELECT MasterLabel FROM TaskPriority WHERE IsDefault = true", False
    )
    assert [r["MasterLabel"] for r in rows] == ["Normal"]


def test_unknown_column_message_points_at_it(org):
    with pytest.raises(SoqlError) as caught:
        org.run_soql("SELECT Id, Shoe FROM Contact", False)
    message = caught.value.message
    assert "ERROR at Row:1:Column:12" in message
    assert "No such column 'Shoe' on entity 'Contact'" in message
    assert "\n           ^\n" in message


def test_indexed_lookups_agree_with_a_scan(org):
    by_index = names(org, "WHERE Email IN ('ADA@example.com', 'alan@example.org')")
    by_scan = names(org, "WHERE Email LIKE 'ada@%' OR Email LIKE 'alan@%'")
    assert by_index == by_scan == ["Lovelace", "Turing"]
    ada = org.run_soql("SELECT Id FROM Contact WHERE LastName = 'Lovelace'", False)[3][0]["Id"]
    assert names(org, f"WHERE Id = '{ada[:15]}' AND Title = 'CEO'") == ["Lovelace"]
    assert names(org, f"WHERE Id = '{ada}' AND Title = 'CTO'") == []
