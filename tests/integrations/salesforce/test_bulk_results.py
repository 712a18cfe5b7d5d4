"""Bulk API 2.0 result files come back unordered: each row must find its own input."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from integrations.salesforce import bulk
from integrations.salesforce.errors import redact

SUCCESSFUL = """"sf__Id","sf__Created",LastName,Company
"00Q000000000002AAA","true","B","Acme"
"00Q000000000001AAA","true","A","Acme"
"""
FAILED = """"sf__Id","sf__Error",LastName,Company
"","REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --","C",""
"""


def test_results_follow_the_inputs_not_the_files() -> None:
    rows = bulk.csv_rows(
        [
            {"LastName": "A", "Company": "Acme"},
            {"LastName": "C", "Company": None},
            {"LastName": "B", "Company": "Acme"},
        ],
        set_nulls=False,
    )

    results = bulk.match_results(
        rows,
        key_fields=None,
        successful=SUCCESSFUL,
        failed=FAILED,
        operation="insert",
    )

    assert [r.id for r in results] == ["00Q000000000001AAA", None, "00Q000000000002AAA"]
    assert [r.created for r in results] == [True, None, True]
    error = results[1].errors[0]
    assert error.status_code == "REQUIRED_FIELD_MISSING"
    assert error.message == "Required fields are missing: [Company]"
    assert error.fields == ["Company"]


def test_identical_inputs_each_get_one_result() -> None:
    rows = bulk.csv_rows([{"LastName": "Same"}, {"LastName": "Same"}], set_nulls=False)
    successful = '"sf__Id","sf__Created",LastName\n"00Q1","true","Same"\n"00Q2","true","Same"\n'

    results = bulk.match_results(
        rows, key_fields=None, successful=successful, failed="", operation="insert"
    )

    assert [r.id for r in results] == ["00Q1", "00Q2"]


def test_an_input_without_a_result_is_reported_unprocessed_not_dropped() -> None:
    rows = bulk.csv_rows([{"Id": "003A", "Title": "x"}], set_nulls=True)

    results = bulk.match_results(
        rows,
        key_fields=["Id"],
        successful="",
        failed="",
        operation="update",
    )

    assert not results[0].success
    assert results[0].errors[0].status_code == "UNPROCESSED"


def test_update_rows_clear_fields_with_csv_null() -> None:
    rows = bulk.csv_rows([{"Id": "003A", "Title": None, "Active__c": True}], set_nulls=True)

    assert rows == [{"Id": "003A", "Title": "#N/A", "Active__c": "true"}]


def test_an_error_without_fields_keeps_its_whole_message() -> None:
    error = bulk.parse_error(
        "DUPLICATE_VALUE:duplicate value found: Email on record with id: 003A --"
    )

    assert error.status_code == "DUPLICATE_VALUE"
    assert error.message == "duplicate value found: Email on record with id: 003A"
    assert error.fields == []


def test_redact_hides_password_and_token_together_and_apart() -> None:
    text = "login hunter2TOKEN failed for hunter2 with TOKEN"

    assert redact(text, ["hunter2", "TOKEN", "hunter2TOKEN"]) == "login *** failed for *** with ***"


@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12),
            min_size=3,
            max_size=3,
        ),
        max_size=8,
    )
)
def test_a_csv_file_reads_back_cell_for_cell_line_breaks_and_quotes_included(rows) -> None:
    """Values with commas, quotes and every kind of line break (``\\r\\n`` inside a quoted
    value included) come back exactly as written, as a file opened with newline=""."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(["A", "B", "C"])
    writer.writerows(rows)
    text = out.getvalue()
    assert list(csv.reader(bulk.csv_lines(text))) == [["A", "B", "C"], *rows]
    assert [list(r.values()) for r in bulk._read(text)] == rows
