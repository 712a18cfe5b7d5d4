"""Bulk API 2.0 plumbing: records to CSV rows, the job's result files back to inputs,
and query results back to the values a REST query gives.

Bulk 2.0 returns ``successfulResults`` and ``failedResults`` as separate CSV
files, **in no guaranteed order**, each row echoing the fields we uploaded
(https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_failed_results.htm).
So results are tied back to inputs by what was uploaded: the ``Id`` (update),
the external id (upsert) or the whole row (insert). Identical inputs are
interchangeable, so they are matched first come, first served. An input in
neither file was not processed (the job stopped before it): that needs no
third download of ``unprocessedrecords``.

A query job's results are CSV: every value a string, null an empty value. Callers
compare what they read as strings, whichever API it came through, so
``query_records`` gives each value the Python type and form a REST query's JSON
gives it, by the field's type in the describe (Salesforce stores no empty strings: an
empty value is null in REST too). Bulk writes dateTimes as ``...000Z`` where REST
writes ``...000+0000``.
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from integrations.salesforce.results import RecordError, RecordResult

#: the error of an input a Bulk job reported neither as done nor as failed
UNPROCESSED = "UNPROCESSED"
#: Bulk CSV: an empty cell leaves a field unchanged; this sets it to null.
CSV_NULL = "#N/A"
#: ``sf__Error`` is ``CODE:message:Field1,Field2 --`` (the field list may be absent)
_ERROR = re.compile(r"^(?P<code>[A-Z_]+):(?P<message>.*?)(?::(?P<fields>[\w,]*))?\s*--\s*$", re.S)


def _cell(value: Any, null: str) -> str:
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_rows(records: Sequence[Mapping[str, Any]], *, set_nulls: bool) -> list[dict[str, str]]:
    """Records as CSV rows sharing one set of columns.

    ``None`` becomes ``#N/A`` (set to null) on update/upsert; on insert there
    is nothing to clear, so it stays an empty cell.
    """
    null = CSV_NULL if set_nulls else ""
    columns = list(dict.fromkeys(key for record in records for key in record))
    return [
        {column: _cell(record[column], null) if column in record else "" for column in columns}
        for record in records
    ]


def parse_error(text: str) -> RecordError:
    """One ``sf__Error`` cell as a ``RecordError``."""
    match = _ERROR.match(text.strip())
    if not match:
        code, _, message = text.partition(":")
        return RecordError(status_code=code.strip(), message=message.strip() or text)
    fields = [f for f in (match["fields"] or "").split(",") if f]
    return RecordError(status_code=match["code"], message=match["message"].strip(), fields=fields)


def csv_lines(text: str) -> Iterator[str]:
    """``text``'s lines, each with its line end, for ``csv.reader``: a quoted value's line
    breaks stay in it, as with a file opened with ``newline=""``. Not ``io.StringIO``,
    which holds four bytes per character: a results page of 50,000 rows (7 MB of CSV)
    took 30 MB to read."""
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start : end + 1]
        start = end + 1
    if start < len(text):
        yield text[start:]


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(csv_lines(text))) if text and text.strip() else []


def match_results(
    rows: Sequence[Mapping[str, str]],
    *,
    key_fields: Sequence[str] | None,
    successful: str,
    failed: str,
    operation: str,
) -> list[RecordResult]:
    """Per-input results, in input order, from one job's two result files.

    ``key_fields`` names the uploaded columns that identify an input (None:
    all of them).
    """
    columns = list(rows[0]) if rows else []
    keys = list(key_fields) if key_fields else columns

    def key(row: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(row.get(column, "") for column in keys)

    outcomes: dict[tuple[str, ...], deque[RecordResult]] = defaultdict(deque)
    for row in _read(successful):
        created = (row.get("sf__Created") or "").lower() == "true"
        if operation == "insert":
            created = True
        outcomes[key(row)].append(
            RecordResult(success=True, id=row.get("sf__Id") or None, created=created)
        )
    for row in _read(failed):
        outcomes[key(row)].append(
            RecordResult(
                success=False,
                id=row.get("sf__Id") or None,
                created=None,
                errors=[parse_error(row.get("sf__Error") or "")],
            )
        )
    results = []
    for row in rows:
        found = outcomes.get(key(row))
        if found:
            results.append(found.popleft())
        else:
            results.append(
                RecordResult(
                    success=False,
                    id=None,
                    created=None,
                    errors=[RecordError(UNPROCESSED, "Salesforce did not process this record.")],
                )
            )
    return results


def _boolean(cell: str) -> bool:
    return cell.lower() == "true"


def _integer(cell: str) -> int:
    # through Decimal: an int field written "12.0" is still REST's 12
    return int(Decimal(cell))


def _datetime(cell: str) -> str:
    """``2026-12-01T10:00:00.000Z`` (Bulk) as ``2026-12-01T10:00:00.000+0000`` (REST)."""
    moment = datetime.fromisoformat(cell).astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+0000"


#: how a CSV value becomes REST's, by field type; any other type is text, as in REST
#: (id, reference, string, picklist, email, date, ...). REST's JSON numbers of double,
#: currency and percent fields are decimals (Python floats), of int fields integers.
_REST_VALUE: dict[str, Callable[[str], Any]] = {
    "boolean": _boolean,
    "int": _integer,
    "double": float,
    "currency": float,
    "percent": float,
    "datetime": _datetime,
}


def query_records(lines: Iterable[str], types: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    """The rows of one query results page (its lines, each with its line end: a file
    opened with ``newline=""``) as records valued as REST gives them; ``types`` maps
    field names to their describe type."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return
    columns = [(name, _REST_VALUE.get(types.get(name, ""), str)) for name in header]
    for row in reader:
        if not row:
            continue
        yield {
            name: None if cell == "" else convert(cell)
            for (name, convert), cell in zip(columns, row, strict=True)
        }
