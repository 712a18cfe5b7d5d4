"""Salesforce streams, declared once and read by one generic pager.

A stream is a declaration (object type, the fields always read, the cursor field,
whether deleted rows are read, the order); ``pages`` turns it, a read's bounds
(``since <= cursor < before``), its filters (``Condition``: data, never SOQL text) and
the fields known only at run time into one SOQL query, quoted by ``soql.py``. No
caller writes SOQL.

**Big reads through Bulk API 2.0.** Every read starts as a REST query: its first page
(up to 2,000 records) says how many records match (``totalSize``). Up to
``client.bulk_query_above`` (``SALESFORCE_BULK_QUERY_ABOVE``, 10,000) the read pages on
through REST. Above it, that first page is set aside and the same query runs as one
Bulk API 2.0 query job (``queryAll`` when deleted rows are read), whose results come a
page of up to 50,000 rows per call: the 50,000 Salesforce records of a 100,000-contact
sync in a handful of calls instead of 25. Running the job for the *whole* query, not
for the rest after the first page, is what keeps a record from being read twice or
lost: the job is one snapshot of one query in one order, with no bound to compute
from the first page (a cursor bound would need ties at one millisecond, SOQL's
second-precision literals and orders other than the cursor's handled). It costs the
2,000 records of one REST call, read and dropped. Bulk's CSV values come out as
REST's (``bulk.query_records``), so a caller cannot tell which API read a record;
neither path's records carry REST's ``attributes``.

Pages hold at most ``stream.page_size`` records (2,000), whichever API read them, and
are fetched as the caller reads: a REST page per call, a Bulk results page per call.

How the contact engine reads Lead/Contact for the mirror, and looks people up by
email (``engine/contacts/sync.py``, ``mirror_modified`` and ``_salesforce_by_email``)::

    fields = self.salesforce_fields(object_type)  # the mappings' fields
    for page in pages(
        self.salesforce, MIRROR[object_type], fields=fields, since=since, before=before
    ):
        self._mirror(object_type, fields, page, cursor_name)  # <= 2,000 records
        newest = str(page[-1]["SystemModstamp"])

    found = {}
    for page in pages(
        self.salesforce, BY_EMAIL[object_type], fields=fields,
        where=[Condition("Email", "IN", wanted)],
    ):
        for record in page:  # the oldest record of each email comes first
            ...

SOQL: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm
queryAll (deleted and archived rows): https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm
Bulk API 2.0 query jobs: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from integrations.salesforce.limits import QUERY_PAGE_SIZE
from integrations.salesforce.soql import soql_datetime, soql_quote

if TYPE_CHECKING:
    from integrations.salesforce.client import SalesforceClient

Record = dict[str, Any]
#: a value a condition compares with (a datetime in UTC, to the second, as SOQL compares)
Value = str | bool | int | float | Decimal | date | datetime | None
#: the field every object's changes are read by: it moves on every change, including
#: those made by Salesforce itself, which LastModifiedDate does not
CURSOR = "SystemModstamp"

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN"})
_LISTS = frozenset({"IN", "NOT IN"})


def _checked(name: str) -> str:
    """A field or object name as SOQL takes it; names are interpolated, so nothing else
    may pass (relationship fields such as ``Who.Email`` neither: Bulk flattens them)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{name!r} is not a Salesforce field or object name")
    return name


@dataclass(frozen=True)
class SalesforceStream:
    """What a read of one Salesforce object needs to know, whatever its bounds."""

    object_type: str
    #: read on every read of the stream; a read adds the fields known only then
    fields: tuple[str, ...]
    #: ``queryAll``: deleted (and archived) rows too
    include_deleted: bool = False
    #: ascending; () leaves the order to Salesforce
    order_by: tuple[str, ...] = (CURSOR,)
    #: what ``since`` / ``before`` bound
    cursor_field: str = CURSOR
    #: records per page the pager yields
    page_size: int = QUERY_PAGE_SIZE

    def __post_init__(self) -> None:
        for name in (self.object_type, *self.fields, *self.order_by, self.cursor_field):
            _checked(name)
        if self.page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {self.page_size}")


@dataclass(frozen=True)
class Condition:
    """``field operator value``; ``IN`` / ``NOT IN`` take a list (or tuple) of values."""

    field: str
    operator: str
    value: Value | Sequence[Value]

    def __post_init__(self) -> None:
        _checked(self.field)
        if self.operator not in _OPERATORS:
            raise ValueError(f"{self.operator!r} is not one of {sorted(_OPERATORS)}")
        if (self.operator in _LISTS) != isinstance(self.value, list | tuple):
            raise ValueError(
                f"{self.operator} takes {'a list' if self.operator in _LISTS else 'one value'}"
            )
        if self.value is None and self.operator not in ("=", "!="):
            raise ValueError(f"null only compares with = or !=, not {self.operator}")

    @property
    def matches_nothing(self) -> bool:
        """``IN`` an empty list: Salesforce refuses ``IN ()``, and nothing would match."""
        return self.operator == "IN" and not self.value

    def soql(self) -> str | None:
        """The condition in SOQL, or None when it holds for every row (``NOT IN ()``)."""
        value = self.value
        if isinstance(value, list | tuple):
            if not value:
                return None
            return f"{self.field} {self.operator} ({', '.join(_literal(v) for v in value)})"
        return f"{self.field} {self.operator} {_literal(value)}"


def _literal(value: Value) -> str:
    """A SOQL literal of ``value``, strings and datetimes through ``soql.py``."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: a bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        # a plain decimal: SOQL has no exponent notation (1e+16)
        return format(Decimal(str(value)), "f")
    if isinstance(value, datetime):
        return soql_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return soql_quote(value)
    raise TypeError(f"no SOQL literal for {type(value).__name__}")


def _soql(
    stream: SalesforceStream,
    fields: Iterable[str],
    since: datetime | None,
    before: datetime | None,
    where: Sequence[Condition],
) -> str:
    selected = list(dict.fromkeys([*stream.fields, *(_checked(f) for f in fields)]))
    bounds = [Condition(stream.cursor_field, ">=", since)] if since is not None else []
    if before is not None:
        bounds.append(Condition(stream.cursor_field, "<", before))
    conditions = [text for c in (*bounds, *where) if (text := c.soql()) is not None]
    query = f"SELECT {', '.join(selected)} FROM {stream.object_type}"
    if conditions:
        query += f" WHERE {' AND '.join(conditions)}"
    if stream.order_by:
        query += f" ORDER BY {', '.join(f'{name} ASC' for name in stream.order_by)}"
    return query


def _plain(record: Record) -> Record:
    """A REST record without its ``attributes`` (type and URL), which Bulk rows lack."""
    record.pop("attributes", None)
    return record


def pages(
    client: SalesforceClient,
    stream: SalesforceStream,
    *,
    fields: Iterable[str] = (),
    since: datetime | None = None,
    before: datetime | None = None,
    where: Sequence[Condition] = (),
) -> Iterator[list[Record]]:
    """Pages of the stream's records with ``since <= cursor < before`` (either bound may
    be None) matching every condition of ``where``, reading ``fields`` besides the
    stream's, in the stream's order. See the module's docstring for when it reads
    through Bulk API 2.0 instead of REST."""
    where = list(where)
    if any(c.matches_nothing for c in where):
        return
    query = _soql(stream, fields, since, before, where)
    answers = client.query_pages(query, include_deleted=stream.include_deleted)
    first = next(answers)
    records: Iterator[Record]
    if not first.get("done", True) and int(first.get("totalSize") or 0) > (client.bulk_query_above):
        answers.close()  # no further REST page: the job reads everything, this page too
        records = client.bulk_query(
            stream.object_type, query, include_deleted=stream.include_deleted
        )
    else:
        records = chain.from_iterable(a.get("records") or [] for a in chain([first], answers))
    plain = map(_plain, records)
    while page := list(islice(plain, stream.page_size)):
        yield page


# --- the streams syncadmin reads --------------------------------------------------------
_PERSON_TYPES = ("Lead", "Contact")
#: the contact engine's mirror: every change since its cursor, deletions included, oldest
#: change first (a converted lead says so, and is left out of the sync)
MIRROR = {
    name: SalesforceStream(
        name,
        fields=(
            "Id",
            "CreatedDate",
            CURSOR,
            "IsDeleted",
            *(("IsConverted",) if name == "Lead" else ()),
        ),
        include_deleted=True,
    )
    for name in _PERSON_TYPES
}
#: people looked up live by email: the oldest record of an email comes first
BY_EMAIL = {
    name: SalesforceStream(
        name, fields=("Id", "Email", "CreatedDate", CURSOR), order_by=("CreatedDate",)
    )
    for name in _PERSON_TYPES
}
#: Reconcile's read of every live lead and contact, in no particular order
PEOPLE = {
    name: SalesforceStream(
        name,
        fields=(
            "Id",
            "Email",
            "CreatedDate",
            CURSOR,
            *(("IsConverted",) if name == "Lead" else ()),
        ),
        order_by=(),
    )
    for name in _PERSON_TYPES
}
_ACTIVITY = ("Id", "Subject", "Description", "WhoId", "OwnerId", "CreatedDate", CURSOR)
#: Salesforce activities going to HubSpot, oldest change first (their kinds add a
#: ``TaskSubtype IN (...)`` condition)
ACTIVITIES = {
    "Task": SalesforceStream(
        "Task", fields=(*_ACTIVITY, "Status", "Priority", "ActivityDate", "TaskSubtype")
    ),
    "Event": SalesforceStream("Event", fields=(*_ACTIVITY, "StartDateTime", "EndDateTime")),
}
#: tasks as their description's marker line names them (the sync's own, by who created
#: them and when)
TASK_MARKERS = SalesforceStream("Task", fields=("Id", "Description"), order_by=())
#: the org's users, for owner mapping by email
USERS = SalesforceStream("User", fields=("Id", "Name", "Email", "IsActive"), order_by=("Id",))
#: the org itself (one row): its id and name
ORGANIZATION = SalesforceStream("Organization", fields=("Id", "Name"), order_by=())
