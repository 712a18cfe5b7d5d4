"""HubSpot API client: the calls syncadmin's sync makes, nothing more.

Transport concerns (counting, rate limiting, retrying 429/5xx/dropped
connections) live in ``integrations.http.transport``; this module only builds
requests, pages lazily and turns every non-2xx answer into a named exception
from ``integrations.http.errors`` carrying HubSpot's own ``message``, ``category``
and ``correlationId``. The access token never appears in an error.

Generators yield one page (a list) at a time for the high-volume reads, or one
item at a time for the small catalogues (owners, forms), so no caller ever
holds a whole result set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlparse

import requests

from integrations.chunks import chunks
from integrations.http import errors
from integrations.http.ratelimit import rate_limit_acquire
from integrations.http.transport import CallMeter, UnsafeToRepeat, api_session, call_operation
from integrations.hubspot import limits
from integrations.hubspot.streams import (
    CONTACTS,
    OBJECT_ID,
    IdSpan,
    OnTotal,
    Record,
    by_id,
    engagement_stream,
    id_span,
    listed_by_id,
    modified_since,
    newest_cursor,
)

SIDE = "HubSpot"
#: a batch answered with one of these refused the whole chunk over its content (a bad
#: value, an existing email): its inputs fail, the next chunks still go
CHUNK_REFUSALS = frozenset({400, 409})
#: rate-limit buckets shared by every worker (see ``integrations.http.ratelimit``)
TEN_SECOND_BUCKET = "hubspot:10s"
SEARCH_BUCKET = "hubspot:search"


def hubspot_session(
    *,
    access_token: str,
    meter: CallMeter,
    ten_second_limit: int = limits.TEN_SECOND_LIMIT,
    search_per_second: int = limits.SEARCH_REQUESTS_PER_SECOND,
) -> requests.Session:
    """A transport session authenticated for HubSpot and gated by HubSpot's limits.

    Every attempt (retries included, since HubSpot counts them too) waits for
    room in the shared 10-second bucket; CRM/list searches also wait for the
    per-second search bucket. Sharing the buckets across workers is what keeps
    N workers together under the account's limit.
    """

    def gate(request: requests.PreparedRequest) -> None:
        rate_limit_acquire(TEN_SECOND_BUCKET, limit=ten_second_limit, window_s=10.0)
        path = urlparse(request.url or "").path
        if request.method == "POST" and path.rstrip("/").endswith("/search"):
            rate_limit_acquire(SEARCH_BUCKET, limit=search_per_second, window_s=1.0)

    return api_session(
        meter=meter,
        before_call=[gate],
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )


@dataclass
class BatchError:
    """One input a batch call refused, with HubSpot's reason.

    ``index`` is the position in the caller's ``inputs`` (None when HubSpot's
    error could not be tied to an input, e.g. an error without context).
    ``whole_chunk`` says HubSpot refused the entire request this input was in
    (400/409 for the batch): this input may itself be fine and worth retrying
    alone.
    """

    index: int | None
    input: dict[str, Any] | None
    status: str
    category: str
    message: str
    context: dict[str, Any] = field(default_factory=dict)
    whole_chunk: bool = False


@dataclass
class BatchOutcome:
    """Per-input outcome of a (chunked) batch call.

    ``results`` maps the caller's input index to the record HubSpot returned;
    ``unmatched`` holds records that could not be tied to an input.
    """

    results: dict[int, Record] = field(default_factory=dict)
    errors: list[BatchError] = field(default_factory=list)
    unmatched: list[Record] = field(default_factory=list)
    _errors_by_index: dict[int | None, BatchError] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _indexed: int = field(default=0, init=False, repr=False, compare=False)

    @property
    def records(self) -> list[Record]:
        return [self.results[i] for i in sorted(self.results)] + self.unmatched

    def error_for(self, index: int) -> BatchError | None:
        """The (first) error of input ``index``; callers ask for every input, so it is indexed."""
        for error in self.errors[self._indexed :]:
            self._errors_by_index.setdefault(error.index, error)
        self._indexed = len(self.errors)
        return self._errors_by_index.get(index)


@dataclass(frozen=True)
class Criterion:
    """One row of the list criteria builder: ``property operator value(s)``.

    ``property_type`` is HubSpot's property ``type`` (string, number,
    enumeration, bool, phone_number, ...), which decides the ``operationType``.
    """

    property: str
    property_type: str
    operator: str
    value: Any = None
    #: the IANA zone a date condition's calendar days are counted in
    zone: str = "UTC"


#: HubSpot property type -> list filter operationType
_OPERATION_TYPES = {
    "string": "STRING",
    "phone_number": "STRING",
    "number": "NUMBER",
    "enumeration": "ENUMERATION",
    "bool": "BOOL",
    "booleancheckbox": "BOOL",
}
#: operators that only ask whether a value is set, whatever the property type
_PRESENCE_OPERATORS = {"IS_KNOWN", "IS_UNKNOWN"}
#: property types whose values are moments
_TIME_TYPES = {"date", "datetime"}
#: the builder's "in the last N days": a TIME_RANGED filter from N days before today to now
IN_LAST_DAYS = "IN_LAST_DAYS"


def _time_operation(criterion: Criterion) -> dict[str, Any]:
    """A date condition as a TIME_POINT (before / after a calendar day in ``zone``) or a
    TIME_RANGED (the last N days up to now) operation.

    Reference: https://developers.hubspot.com/docs/api-reference/crm-lists-v3/list-filters
    (time-point and time-ranged operations; DATE and INDEXED time points).
    """
    zone = {"timezoneSource": "CUSTOM", "zoneId": criterion.zone}
    if criterion.operator == IN_LAST_DAYS:
        return {
            "operationType": "TIME_RANGED",
            "operator": "IS_BETWEEN",
            "lowerBoundEndpointBehavior": "INCLUSIVE",
            "upperBoundEndpointBehavior": "INCLUSIVE",
            "lowerBoundTimePoint": {
                "timeType": "INDEXED",
                **zone,
                "indexReference": {"referenceType": "TODAY"},
                "offset": {"days": -int(criterion.value)},
            },
            "upperBoundTimePoint": {
                "timeType": "INDEXED",
                **zone,
                "indexReference": {"referenceType": "NOW"},
            },
            "propertyParser": "VALUE",
            "includeObjectsWithNoValueSet": False,
        }
    if criterion.operator not in ("IS_BEFORE", "IS_AFTER"):
        raise ValueError(f"{criterion.property}: {criterion.operator} is not a date operator")
    day = criterion.value
    if not isinstance(day, date):
        try:
            day = date.fromisoformat(str(day))
        except ValueError:
            raise ValueError(f"{criterion.property}: {day!r} is not a date") from None
    # "after a day" starts once that day is over: the last millisecond of it is the point
    end_of_day = (
        {"hour": 23, "minute": 59, "second": 59, "millisecond": 999}
        if criterion.operator == "IS_AFTER"
        else {}
    )
    return {
        "operationType": "TIME_POINT",
        "operator": criterion.operator,
        "timePoint": {
            "timeType": "DATE",
            **zone,
            "year": day.year,
            "month": day.month,
            "day": day.day,
            **end_of_day,
        },
        "endpointBehavior": "EXCLUSIVE",
        "propertyParser": "VALUE",
        "includeObjectsWithNoValueSet": False,
    }


def list_filter(criterion: Criterion) -> dict[str, Any]:
    """One PROPERTY filter of a list's ``filterBranch``.

    Reference: https://developers.hubspot.com/docs/api-reference/crm-lists-v3/list-filters
    """
    operator = criterion.operator.upper()
    if operator in _PRESENCE_OPERATORS:
        operation: dict[str, Any] = {"operationType": "ALL_PROPERTY", "operator": operator}
    elif criterion.property_type.lower() in _TIME_TYPES:
        operation = _time_operation(criterion)
    else:
        operation_type = _OPERATION_TYPES.get(criterion.property_type.lower())
        if operation_type is None:
            raise ValueError(
                f"the criteria builder cannot filter {criterion.property_type} "
                f"properties ({criterion.property})"
            )
        value = criterion.value
        if value is None or value == [] or value == "":
            raise ValueError(f"{criterion.property} {operator} needs a value")
        many = isinstance(value, list | tuple | set)
        if operation_type == "STRING" and many:
            operation_type = "MULTISTRING"
        operation = {"operationType": operation_type, "operator": operator}
        if operation_type in ("ENUMERATION", "MULTISTRING"):
            operation["values"] = [str(v) for v in (value if many else [value])]
        elif operation_type == "NUMBER":
            try:
                operation["value"] = float(value) if "." in str(value) else int(value)
            except (TypeError, ValueError):
                raise ValueError(f"{criterion.property}: {value!r} is not a number") from None
        elif operation_type == "BOOL":
            operation["value"] = value if isinstance(value, bool) else str(value).lower() == "true"
        else:
            operation["value"] = str(value)
        operation["includeObjectsWithNoValueSet"] = False
    return {"filterType": "PROPERTY", "property": criterion.property, "operation": operation}


def filter_branch(groups: Sequence[Sequence[Criterion]]) -> dict[str, Any]:
    """A list ``filterBranch``: OR of AND groups, the shape HubSpot requires at the root."""
    if not groups or not all(groups):
        raise ValueError("every criteria group needs at least one row")
    return {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filters": [list_filter(c) for c in group],
                "filterBranches": [],
            }
            for group in groups
        ],
    }


class HubSpotClient:
    """The HubSpot calls syncadmin makes, on a session from ``hubspot_session``."""

    def __init__(self, base_url: str, access_token: str, session: requests.Session) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = access_token
        self.session = session
        self.session.headers.setdefault("Authorization", f"Bearer {access_token}")
        self._campaigns: dict[str, dict[str, Any]] = {}
        #: told of every answer: ``watch(None, operation)`` accepted, ``watch(error, operation)``
        #: refused (``integrations.connection_state.CallWatch``: the connection's auth state)
        self.watch: Callable[[errors.ApiError | None, str], None] | None = None

    def __repr__(self) -> str:  # never show the token
        return f"HubSpotClient({self.base_url!r})"

    # --- plumbing ---------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(method, url, **kwargs)
        except UnsafeToRepeat as exc:
            raise errors.OutcomeUnknown(
                f"{method} {path}: no answer to a write ({type(exc.__cause__ or exc).__name__}); "
                "it may have been applied",
                side=SIDE,
                category=errors.OutcomeUnknown.CODE,
            ) from None
        except requests.RequestException as exc:
            raise errors.ServerError(
                f"{method} {path}: no answer after retries ({type(exc).__name__})",
                side=SIDE,
            ) from None
        if not response.ok:
            error = self._error(method, path, response)
            if self.watch is not None:
                self.watch(error, call_operation(method, path))
            raise error
        if self.watch is not None:
            self.watch(None, call_operation(method, path))
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise errors.ApiError(
                f"answered HTTP {response.status_code} with a body that is not JSON "
                f"({method} {path})",
                side=SIDE,
                status=response.status_code,
            ) from None

    def _error(self, method: str, path: str, response: requests.Response) -> errors.ApiError:
        """The named exception for a refused call, in HubSpot's own words."""
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        category = str(body.get("category") or body.get("errorType") or "")
        message = str(body.get("message") or response.reason or "no message")
        items = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        details = [str(e.get("message")) for e in items]
        if details and details != [message]:
            message = f"{message} ({'; '.join(details)})"
        scopes = [
            str(scope)
            for e in items
            for scope in (e.get("context") or {}).get("requiredGranularScopes") or []
        ]
        if scopes:  # MISSING_SCOPES: the admin must know which scope to add to the app
            message = f"{message} [required scopes: {', '.join(dict.fromkeys(scopes))}]"
        correlation_id = str(body.get("correlationId") or "")
        if status == 429 and body.get("policyName"):
            message = f"{message} [policy {body['policyName']}]"
        where = f"{method} {path}" + (f"; correlationId {correlation_id}" if correlation_id else "")
        text = f"{message} ({where})"
        text = text.replace(self._token, "***") if self._token else text
        kind: type[errors.ApiError] = errors.ApiError
        if status == 401 or (
            status == 403 and category in ("INVALID_AUTHENTICATION", "MISSING_SCOPES")
        ):
            kind = errors.AuthenticationFailed
        elif status == 404:
            kind = errors.NotFound
        elif status == 409:
            kind = errors.Conflict
        elif status == 429:
            kind = errors.RateLimited
        elif status >= 500:
            kind = errors.ServerError
        return kind(
            text, side=SIDE, status=status, category=category, correlation_id=correlation_id
        )

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._request("GET", path, params=params)

    def _post(self, path: str, body: Any) -> Any:
        return self._request("POST", path, json=body)

    def _paged(
        self, path: str, params: dict[str, Any], key: str = "results"
    ) -> Iterator[list[Record]]:
        """Pages of a ``paging.next.after`` cursor listing."""
        params = dict(params)
        while True:
            answer = self._get(path, params)
            items = answer.get(key) or []
            if items:
                yield items
            after = (answer.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return
            params["after"] = after

    def _search(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        # https://developers.hubspot.com/docs/api-reference/crm-search-v3/guide
        return self._post(f"/crm/v3/objects/{object_type}/search", body)

    def _batch(
        self,
        object_type: str,
        action: str,
        inputs: Sequence[dict[str, Any]],
        extra: dict[str, Any] | None = None,
    ) -> BatchOutcome:
        """Send ``inputs`` in chunks of 100 and tie every result/error to its input.

        A chunk HubSpot refuses outright (400/409) fails its inputs and the next
        chunks still go, so the caller learns about every input. Each input
        carries ``objectWriteTraceId`` = its index, which HubSpot echoes on
        results and in error ``context``; inputs addressed by id are also
        matched through ``context.ids``.
        """
        outcome = BatchOutcome()
        for n, chunk in enumerate(chunks(inputs, limits.BATCH_SIZE)):
            start = n * limits.BATCH_SIZE
            traced = [
                {**item, "objectWriteTraceId": str(start + i)} if action != "read" else item
                for i, item in enumerate(chunk)
            ]
            try:
                answer = self._post(
                    f"/crm/v3/objects/{object_type}/batch/{action}",
                    {"inputs": traced, **(extra or {})},
                )
            except errors.ApiError as exc:
                if exc.status not in CHUNK_REFUSALS:
                    raise  # bad token, rate limit, outage: nothing later would fare better
                outcome.errors.extend(
                    BatchError(
                        index=start + i,
                        input=item,
                        status=str(exc.status),
                        category=exc.category,
                        message=exc.message,
                        whole_chunk=True,
                    )
                    for i, item in enumerate(chunk)
                )
                continue
            id_property = (extra or {}).get("idProperty") or (
                chunk[0].get("idProperty") if chunk else None
            )
            _match_batch(outcome, answer, chunk, start, id_property)
        return outcome

    # --- account ----------------------------------------------------------------------
    def account_details(self) -> dict[str, Any]:
        """``portalId``, ``timeZone``, ``uiDomain`` ...: identifies the connected portal."""
        # https://developers.hubspot.com/docs/api-reference/account-account-info-v3/details/get-account-info-v3-details
        return self._get("/account-info/v3/details")

    # --- contacts ---------------------------------------------------------------------
    def contacts_batch_read(
        self, ids: Sequence[str], properties: Sequence[str], id_property: str | None = None
    ) -> BatchOutcome:
        """Contacts by id (or by ``id_property``, e.g. email); missing ones come back as errors."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/batch/post-crm-v3-objects-contacts-batch-read
        extra: dict[str, Any] = {"properties": list(properties)}
        if id_property:
            # asked for, so each result can be tied back to the value it was read by
            extra["properties"] = list(dict.fromkeys([*properties, id_property]))
            extra["idProperty"] = id_property
        return self._batch("contacts", "read", [{"id": str(i)} for i in ids], extra)

    def contacts_batch_create(self, inputs: Sequence[dict[str, Any]]) -> BatchOutcome:
        """Create contacts; ``inputs`` are ``{"properties": {...}}``.

        One input whose email HubSpot already has refuses its whole chunk (409
        CONFLICT, "Contact already exists. Existing ID: <id>", nothing created): every
        input of that chunk comes back ``whole_chunk``. A caller sends the others
        again without the existing contacts, which are updates, not failures (or
        uses ``contacts_batch_upsert`` by email, as the contact sync does)."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/batch/post-crm-v3-objects-contacts-batch-create
        return self._batch("contacts", "create", inputs)

    def contacts_batch_update(self, inputs: Sequence[dict[str, Any]]) -> BatchOutcome:
        """Update contacts; ``inputs`` are ``{"id", "properties"}``."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/batch/post-crm-v3-objects-contacts-batch-update
        return self._batch("contacts", "update", inputs)

    def contacts_batch_upsert(
        self, inputs: Sequence[dict[str, Any]], id_property: str = "email"
    ) -> BatchOutcome:
        """Create-or-update by ``id_property``; ``inputs`` are ``{"id": <email>, "properties"}``."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/batch/post-crm-v3-objects-contacts-batch-upsert
        return self._batch(
            "contacts", "upsert", [{"idProperty": id_property, **item} for item in inputs]
        )

    def contacts_pages(self, properties: Sequence[str]) -> Iterator[list[Record]]:
        """Every contact, page by page (a full read, e.g. for a first sync)."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/get-crm-v3-objects-contacts
        params: dict[str, Any] = {"limit": limits.OBJECTS_PAGE_SIZE}
        if properties:
            params["properties"] = ",".join(properties)
        return self._paged("/crm/v3/objects/contacts", params)

    def contacts_modified_since(
        self,
        since_ms: int,
        properties: Sequence[str],
        handled: Iterable[str] = (),
        on_total: OnTotal | None = None,
    ) -> Iterator[list[Record]]:
        """Pages of contacts modified at or after ``since_ms`` (leaving out ``handled`` ids
        at exactly ``since_ms``), oldest first, keyset-paged (see ``streams``);
        ``on_total`` hears how many, from the first page."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/search/post-crm-v3-objects-contacts-search
        return modified_since(
            self._search, CONTACTS, since_ms, properties, handled=handled, on_total=on_total
        )

    def contacts_by_id(
        self,
        properties: Sequence[str],
        on_total: OnTotal | None = None,
        *,
        above: int = 0,
        up_to: int | None = None,
    ) -> Iterator[list[Record]]:
        """Every contact in ascending id order (or those with ``above < id <= up_to``): a
        full read that the run's own writes cannot reorder; ``on_total`` hears how many,
        from the first page."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/search/post-crm-v3-objects-contacts-search
        return by_id(
            self._search, CONTACTS, properties, on_total=on_total, above=above, up_to=up_to
        )

    def contacts_listed_by_id(
        self, properties: Sequence[str], *, above: int, up_to: int
    ) -> Iterator[list[Record]]:
        """The contacts with ``above < id <= up_to`` through the contact listing, whose
        calls count against the 190 per 10 seconds rather than the searches' 5 per second
        (``streams.listed_by_id``: raises ``ListedOutOfOrder`` on a page out of id order)."""
        return listed_by_id(self.contacts_pages(properties), above=above, up_to=up_to)

    def contacts_span(self) -> tuple[int, IdSpan | None]:
        """How many contacts the portal has now and the span of their ids (one search):
        what a full read shared out in id slices covers."""
        return id_span(self._search, CONTACTS)

    def contacts_newest_modified(self) -> int | None:
        """The newest ``lastmodifieddate`` in the portal now (ms): where an incremental read
        resumes after a full one."""
        return newest_cursor(self._search, CONTACTS)

    def contacts_total(self) -> int:
        """How many contacts the portal has, in one call: the list preview's "everyone"."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/search/post-crm-v3-objects-contacts-search
        answer = self._search("contacts", {"filterGroups": [], "properties": ["email"], "limit": 1})
        return int(answer.get("total", 0))

    def contacts_without_email(self) -> Iterator[list[str]]:
        """Pages of the ids of contacts that have no email (they cannot sync: contacts are
        matched by email), ascending, keyset-paged on the id."""
        # https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/search/post-crm-v3-objects-contacts-search
        last_id = 0
        while True:
            filters = [
                {"propertyName": "email", "operator": "NOT_HAS_PROPERTY"},
                {"propertyName": OBJECT_ID, "operator": "GT", "value": str(last_id)},
            ]
            answer = self._search(
                "contacts",
                {
                    "filterGroups": [{"filters": filters}],
                    "sorts": [{"propertyName": OBJECT_ID, "direction": "ASCENDING"}],
                    "properties": ["email"],
                    "limit": limits.SEARCH_PAGE_SIZE,
                },
            )
            results = answer.get("results") or []
            if results:
                yield [str(r["id"]) for r in results]
            if len(results) < limits.SEARCH_PAGE_SIZE:
                return
            last_id = int(results[-1]["id"])

    # --- properties and owners --------------------------------------------------------
    def properties(self, object_type: str = "contacts") -> list[dict[str, Any]]:
        """Property definitions (name, label, type, options) for mappings and the list builder."""
        # https://developers.hubspot.com/docs/api-reference/crm-properties-v3/core/get-crm-v3-properties-objectType
        return self._get(f"/crm/v3/properties/{object_type}").get("results", [])

    def owners(self) -> Iterator[dict[str, Any]]:
        """Every owner (id, email, names): mapped to Salesforce users by email."""
        # https://developers.hubspot.com/docs/api-reference/crm-owners-v3/guide
        for page in self._paged("/crm/v3/owners", {"limit": limits.OWNERS_PAGE_SIZE}):
            yield from page

    # --- lists ------------------------------------------------------------------------
    def lists_search(
        self,
        query: str = "",
        processing_types: Sequence[str] = ("DYNAMIC",),
        count: int = limits.LISTS_SEARCH_PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of lists; DYNAMIC ("active") by default, the only ones an inclusion list may be."""
        # https://developers.hubspot.com/docs/api-reference/crm-lists-v3/lists/post-crm-v3-lists-search
        offset = 0
        while True:
            answer = self._post(
                "/crm/v3/lists/search",
                {
                    "query": query,
                    "processingTypes": list(processing_types),
                    "offset": offset,
                    "count": count,
                },
            )
            lists = answer.get("lists") or []
            if lists:
                yield lists
            if not answer.get("hasMore") or not lists:
                return
            offset = answer.get("offset", offset + len(lists))

    def list_get(self, list_id: str) -> dict[str, Any]:
        """One list (``processingType``, ``processingStatus``): is it still active?"""
        # https://developers.hubspot.com/docs/api-reference/crm-lists-v3/lists/get-crm-v3-lists-listId
        return self._get(f"/crm/v3/lists/{list_id}").get("list", {})

    def list_wait_processed(
        self, list_id: str, *, timeout_s: float = 60.0, poll_s: float = 1.0
    ) -> dict[str, Any]:
        """The list once HubSpot has evaluated its filters (``processingStatus`` COMPLETE).

        A new DYNAMIC list starts PROCESSING and its memberships are partial
        until then, so the criteria builder selects it only after this returns.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.list_get(list_id)
            status = found.get("processingStatus", "COMPLETE")
            if status == "COMPLETE":
                return found
            if time.monotonic() >= deadline:
                raise errors.ApiError(
                    f"list {list_id} is still {status} after {timeout_s:.0f} s",
                    side=SIDE,
                    category="LIST_PROCESSING",
                )
            time.sleep(poll_s)

    def list_memberships(self, list_id: str) -> Iterator[list[str]]:
        """Pages of member record ids (ascending), 250 per page."""
        # https://developers.hubspot.com/docs/api-reference/crm-lists-v3/memberships/get-crm-v3-lists-listId-memberships
        for page in self._paged(
            f"/crm/v3/lists/{list_id}/memberships", {"limit": limits.MEMBERSHIPS_PAGE_SIZE}
        ):
            yield [str(m["recordId"]) for m in page]

    def list_create(
        self,
        name: str,
        filter_branch: dict[str, Any] | None,
        processing_type: str = "DYNAMIC",
    ) -> dict[str, Any]:
        """Create a contact list from the criteria builder's ``filterBranch``.

        MANUAL lists take no filters (``filter_branch=None``).
        """
        # https://developers.hubspot.com/docs/api-reference/crm-lists-v3/lists/post-crm-v3-lists-
        body: dict[str, Any] = {
            "name": name,
            "objectTypeId": limits.CONTACT_OBJECT_TYPE_ID,
            "processingType": processing_type,
        }
        if filter_branch is not None:
            body["filterBranch"] = filter_branch
        answer = self._post("/crm/v3/lists", body)
        return answer.get("list", answer)

    # --- engagements ------------------------------------------------------------------
    def engagements_modified_since(
        self, object_type: str, since_ms: int, properties: Sequence[str]
    ) -> Iterator[list[Record]]:
        """Pages of notes/calls/emails/meetings/tasks modified at or after ``since_ms``."""
        # https://developers.hubspot.com/docs/api-reference/crm-search-v3/guide
        return modified_since(self._search, engagement_stream(object_type), since_ms, properties)

    def engagements_with_token(
        self, object_type: str, property_name: str, token: str
    ) -> list[Record]:
        """Engagements whose ``property_name`` contains ``token`` (a crash-recovery look-up)."""
        # https://developers.hubspot.com/docs/api-reference/crm-search-v3/guide
        answer = self._search(
            object_type,
            {
                "filterGroups": [
                    {
                        "filters": [
                            {
                                "propertyName": property_name,
                                "operator": "CONTAINS_TOKEN",
                                "value": token,
                            }
                        ]
                    }
                ],
                "limit": 10,
            },
        )
        return answer.get("results", [])

    def engagements_batch_create(
        self, object_type: str, inputs: Sequence[dict[str, Any]]
    ) -> BatchOutcome:
        """Create engagements (``hs_timestamp`` required) from Salesforce activities."""
        # https://developers.hubspot.com/docs/api-reference/crm-tasks-v3/batch/post-crm-v3-objects-tasks-batch-create
        return self._batch(engagement_stream(object_type).object_type, "create", inputs)

    def engagements_batch_update(
        self, object_type: str, inputs: Sequence[dict[str, Any]]
    ) -> BatchOutcome:
        """Update engagements by id (``{"id", "properties"}``)."""
        # https://developers.hubspot.com/docs/api-reference/crm-tasks-v3/batch/post-crm-v3-objects-tasks-batch-update
        return self._batch(engagement_stream(object_type).object_type, "update", inputs)

    def associations_batch_read(
        self, from_type: str, to_type: str, ids: Iterable[str]
    ) -> dict[str, list[str]]:
        """``{from id: [to ids]}``, e.g. which contacts an email or meeting is on.

        Ids without associations are simply absent (HubSpot reports them as
        207 errors, which mean nothing more here). A ``to`` list HubSpot pages
        (``paging.next.after`` on a result) is completed one object at a time.
        """
        # https://developers.hubspot.com/docs/api-reference/crm-associations-v4/batch/post-crm-v4-associations-fromObjectType-toObjectType-batch-read
        found: dict[str, list[str]] = {}
        id_list = [str(i) for i in ids]
        for chunk in chunks(id_list, limits.ASSOCIATION_BATCH_SIZE):
            answer = self._post(
                f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                {"inputs": [{"id": i} for i in chunk]},
            )
            for result in answer.get("results", []):
                source = str(result["from"]["id"])
                found.setdefault(source, []).extend(str(t["toObjectId"]) for t in result["to"])
                after = (result.get("paging") or {}).get("next", {}).get("after")
                if after:
                    found[source].extend(self._associations_rest(from_type, source, to_type, after))
        return found

    def _associations_rest(
        self, from_type: str, from_id: str, to_type: str, after: str
    ) -> Iterator[str]:
        # https://developers.hubspot.com/docs/api-reference/crm-associations-v4/basic/get-crm-v4-objects-objectType-objectId-associations-toObjectType
        path = f"/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}"
        for page in self._paged(path, {"limit": limits.ASSOCIATIONS_PAGE_SIZE, "after": after}):
            yield from (str(t["toObjectId"]) for t in page)

    def associate_default(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Attach an engagement to a contact with HubSpot's default association type."""
        # https://developers.hubspot.com/docs/api-reference/crm-associations-v4/basic/put-crm-v4-objects-fromObjectType-fromObjectId-associations-default-toObjectType-toObjectId
        self._request(
            "PUT", f"/crm/v4/objects/{from_type}/{from_id}/associations/default/{to_type}/{to_id}"
        )

    # --- activity sources -------------------------------------------------------------
    def forms(self) -> Iterator[dict[str, Any]]:
        """Every form (id = formGuid, name, formType); the caller skips what it cannot read."""
        # https://developers.hubspot.com/docs/api-reference/marketing-forms-v3/forms/get-marketing-v3-forms-
        params = {"limit": limits.FORMS_PAGE_SIZE, "formTypes": "all"}  # default is hubspot only
        for page in self._paged("/marketing/v3/forms", params):
            yield from page

    def form_submissions(self, form_guid: str, since_ms: int) -> Iterator[list[dict[str, Any]]]:
        """Pages of submissions newer than ``since_ms``.

        HubSpot returns newest first with no time filter, so paging stops at the
        first submission at or before the cursor.
        """
        # https://legacydocs.hubspot.com/docs/methods/forms/get-submissions-for-a-form
        path = f"/form-integrations/v1/submissions/forms/{form_guid}"
        for page in self._paged(path, {"limit": limits.FORM_SUBMISSIONS_PAGE_SIZE}):
            newer = [s for s in page if int(s["submittedAt"]) > since_ms]
            if newer:
                yield newer
            if len(newer) < len(page):
                return

    def email_events(
        self, event_type: str, start_ms: int, end_ms: int
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of marketing email events (SENT/OPEN/CLICK) created in [start, end].

        The order within the window is HubSpot's (newest first), so the caller
        advances its cursor to ``end_ms`` only once the generator is exhausted.
        """
        # https://legacydocs.hubspot.com/docs/methods/email/get_events
        params: dict[str, Any] = {
            "eventType": event_type,
            "startTimestamp": start_ms,
            "endTimestamp": end_ms,
            "limit": limits.EMAIL_EVENTS_PAGE_SIZE,
        }
        while True:
            answer = self._get("/email/public/v1/events", params)
            events = answer.get("events") or []
            if events:
                yield events
            if not answer.get("hasMore") or not answer.get("offset"):
                return
            params["offset"] = answer["offset"]

    def email_campaign(self, campaign_id: str | int) -> dict[str, Any]:
        """A marketing email campaign (``name``, ``subject``), fetched once per client."""
        # https://legacydocs.hubspot.com/docs/methods/email/get_campaign_data
        key = str(campaign_id)
        if key not in self._campaigns:
            self._campaigns[key] = self._get(f"/email/public/v1/campaigns/{key}")
        return self._campaigns[key]

    def events(
        self, event_type: str, occurred_after_iso: str, object_id: str | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of contact events (Enterprise Events API) after ``occurred_after_iso``.

        Oldest first, so the caller can advance its ``occurredAt`` cursor page by page.
        """
        # https://developers.hubspot.com/docs/api-reference/events-events-v3/guide
        params: dict[str, Any] = {
            "objectType": "contact",
            "eventType": event_type,
            "occurredAfter": occurred_after_iso,
            # ASCENDING|DESCENDING per HubSpot's current OpenAPI (hubspot-api-client 12
            # EventsApi.get_page); older SDKs documented occurredAt/-occurredAt
            "sort": "ASCENDING",
            "limit": limits.EVENTS_PAGE_SIZE,
        }
        if object_id is not None:
            params["objectId"] = object_id
        return self._paged("/events/v3/events", params)


def _match_batch(
    outcome: BatchOutcome,
    answer: dict[str, Any],
    chunk: Sequence[dict[str, Any]],
    start: int,
    id_property: str | None,
) -> None:
    """Tie a batch answer's results and errors back to the caller's input indexes."""
    by_id: dict[str, int] = {}
    for i, item in enumerate(chunk):
        if item.get("id") is not None:
            by_id[str(item["id"]).lower()] = start + i
    end = start + len(chunk)

    def index_of_trace(trace: Any) -> int | None:
        try:
            index = int(trace)
        except (TypeError, ValueError):
            return None
        return index if start <= index < end else None

    for record in answer.get("results") or []:
        index = index_of_trace(record.get("objectWriteTraceId"))
        if index is None:
            index = by_id.get(str(record.get("id", "")).lower())
        if index is None and id_property:
            value = (record.get("properties") or {}).get(id_property)
            index = by_id.get(str(value).lower()) if value else None
        if index is None or index in outcome.results:
            outcome.unmatched.append(record)
        else:
            outcome.results[index] = record

    for error in answer.get("errors") or []:
        context = error.get("context") or {}
        indexes = [
            i
            for i in (index_of_trace(t) for t in context.get("objectWriteTraceId") or [])
            if i is not None
        ]
        if not indexes:
            for values in context.values():
                for value in values if isinstance(values, list) else [values]:
                    i = by_id.get(str(value).lower())
                    if i is not None and i not in indexes:
                        indexes.append(i)
        for index in indexes or [None]:
            outcome.errors.append(
                BatchError(
                    index=index,
                    input=chunk[index - start] if index is not None else None,
                    status=str(error.get("status", "error")),
                    category=str(error.get("category", "")),
                    message=str(error.get("message", "")),
                    context=context,
                )
            )


def client_for(
    base_url: str, access_token: str, meter: CallMeter | None = None, **limits_kw: int
) -> HubSpotClient:
    """A client on a fresh rate-limited session: what most callers want."""
    session = hubspot_session(access_token=access_token, meter=meter or CallMeter(), **limits_kw)
    return HubSpotClient(base_url, access_token, session)


__all__ = [
    "BatchError",
    "BatchOutcome",
    "Criterion",
    "HubSpotClient",
    "client_for",
    "filter_branch",
    "hubspot_session",
]
