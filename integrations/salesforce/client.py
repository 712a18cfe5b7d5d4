"""Salesforce API client: the calls syncadmin's sync makes, nothing more.

Built on simple-salesforce, over the one transport session
(``integrations.http.transport.api_session``) that counts, gates and retries every
request; so this module never retries 429/5xx itself. What it adds:

- **one re-login, never a loop.** The client is handed to simple-salesforce as
  a plain session id ("direct" mode), so simple-salesforce's own re-login,
  which loops forever against a server that always answers 401, never runs.
  On ``INVALID_SESSION_ID`` this client logs in again once (username/password
  mode only) and repeats the call once; a second refusal is
  ``AuthenticationFailed``. With an access token there is nothing to log in
  with, so the first 401 is ``AuthenticationFailed``.
- **named errors** (``integrations.http.errors``) carrying Salesforce's own
  ``message`` and ``errorCode``, without credentials;
- **lazy paging** of queries (REST pages, or one Bulk API 2.0 query job whose rows
  come out as REST's values: ``streams.pages`` chooses), **chunked** sObject
  Collections writes, and **Bulk API 2.0** above a threshold, all returning
  per-record results in input order;
- **caches given to it** (``integrations.salesforce.caching``): a ``SessionStore``
  whose session is reused instead of logging in (and replaced by the one re-login),
  and a ``DescribeStore`` whose describes are reused instead of describing, dropped
  when Salesforce refuses a field or a picklist value they promised.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from xml.etree import ElementTree
from xml.parsers.expat import ExpatError

import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.bulk2 import Operation, _Bulk2Client
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceOperationError,
)

from integrations.chunks import chunks
from integrations.http import errors
from integrations.http.transport import TransportAdapter, call_operation
from integrations.salesforce import bulk, limits, streams
from integrations.salesforce.caching import (
    DESCRIBE_CHANGED,
    DescribeStore,
    SessionStore,
    describe_essentials,
)
from integrations.salesforce.errors import SIDE, error_code, translate
from integrations.salesforce.results import (
    ApiUsage,
    Identity,
    PicklistValue,
    RecordError,
    RecordResult,
)

T = TypeVar("T")
#: bytes at a time a Bulk query results page streams into its file
DOWNLOAD_CHUNK = 64 * 1024
#: ``watch(None, operation)``: Salesforce accepted a call; ``watch(error, operation)``: it
#: refused one (``operation`` as ``transport.call_operation`` names it)
Watch = Callable[[errors.ApiError | None, str], None]
#: what each write operation is called in Bulk API 2.0 (and in our code)
INSERT, UPDATE, UPSERT = "insert", "update", "upsert"
_TRANSLATED = (SalesforceError, SalesforceOperationError, requests.RequestException)


@dataclass(frozen=True)
class _Credentials:
    login_url: str
    username: str
    password: str
    security_token: str


def _login_session(session: requests.Session, url: str) -> requests.Session:
    """A session for the SOAP login: the same counting and gating, but one attempt.

    Salesforce answers a wrong password with a SOAP fault, which is HTTP 500;
    the transport would retry it, and repeated failed logins lock the user
    out. Being our own session, it can also keep the login answer, which
    names the org and the user (simple-salesforce keeps only the session id).
    """
    login_session = requests.Session()
    login_session.headers.update(session.headers)
    login_session.verify = session.verify
    login_session.proxies = session.proxies
    adapter = session.get_adapter(url)
    if isinstance(adapter, TransportAdapter):
        adapter = TransportAdapter(
            meter=adapter.meter,
            before_call=adapter.before_call,
            after_call=adapter.after_call,
            ca_bundle=adapter.ca_bundle,
            max_attempts=1,
            timeout_s=adapter.timeout_s,
            sleep=adapter.sleep,
        )
    login_session.mount("https://", adapter)
    login_session.mount("http://", adapter)
    return login_session


def _login_identity(soap_answer: bytes) -> Identity | None:
    """The ``userInfo`` of a SOAP ``login()`` answer, or None if it has none.

    https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login_loginresult.htm
    """
    try:
        root = ElementTree.fromstring(soap_answer)
    except ElementTree.ParseError:
        return None
    info = {element.tag.rsplit("}", 1)[-1]: element.text or "" for element in root.iter()}
    if not info.get("userId") or not info.get("organizationId"):
        return None
    return Identity(
        org_id=info["organizationId"],
        org_name=info.get("organizationName", ""),
        user_id=info["userId"],
        user_name=info.get("userFullName", ""),
        user_email=info.get("userEmail", ""),
    )


def _record_error(item: Mapping[str, Any]) -> RecordError:
    return RecordError(
        status_code=str(item.get("statusCode") or item.get("errorCode") or ""),
        message=str(item.get("message") or ""),
        fields=[str(f) for f in item.get("fields") or []],
    )


class SalesforceClient:
    """One logged-in Salesforce connection; build it with ``login`` or ``from_token``."""

    def __init__(
        self,
        *,
        session: requests.Session,
        api_version: str,
        sf: Salesforce,
        credentials: _Credentials | None = None,
        login_identity: Identity | None = None,
        access_token: str = "",
        bulk_threshold: int = limits.BULK_THRESHOLD,
        bulk_first_poll_s: float = limits.BULK_FIRST_POLL_S,
        bulk_query_above: int = limits.BULK_QUERY_ABOVE,
        watch: Watch | None = None,
        sessions: SessionStore | None = None,
        describes: DescribeStore | None = None,
    ) -> None:
        self.session = session
        #: told of every call's answer (see ``Watch``); the connection's auth state
        self.watch = watch
        self._calls = threading.local()
        session.hooks["response"].append(self._note_call)
        self.api_version = api_version.removeprefix("v")
        #: writes of more records than this go through Bulk API 2.0
        self.bulk_threshold = bulk_threshold
        self.bulk_first_poll_s = bulk_first_poll_s
        #: reads of more records than this go on through a Bulk API 2.0 query job
        #: (``streams.pages``)
        self.bulk_query_above = bulk_query_above
        self._sf = sf
        self._credentials = credentials
        self._login_identity = login_identity
        self._access_token = access_token
        self._relogin_lock = threading.Lock()
        self._describes: dict[str, dict[str, Any]] = {}
        self._usage: ApiUsage | None = None
        self._sessions = sessions
        self._describe_store = describes

    # --- construction -----------------------------------------------------------------
    @classmethod
    def login(
        cls,
        *,
        session: requests.Session,
        login_url: str,
        username: str,
        password: str,
        security_token: str,
        api_version: str,
        bulk_threshold: int = limits.BULK_THRESHOLD,
        bulk_first_poll_s: float = limits.BULK_FIRST_POLL_S,
        bulk_query_above: int = limits.BULK_QUERY_ABOVE,
        watch: Watch | None = None,
        sessions: SessionStore | None = None,
        describes: DescribeStore | None = None,
    ) -> SalesforceClient:
        """Log in with username + password + security token (SOAP ``login()``).

        ``login_url`` is the login host, e.g. ``https://login.salesforce.com``
        or the sandbox's ``https://127.0.0.1:PORT``; the API calls then go to
        the instance the login answer names. With ``sessions`` holding a session
        (of these credentials: the store's concern), nothing is sent: that session
        is used until Salesforce refuses it; a new login is kept there.
        https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login.htm
        """
        credentials = _Credentials(
            login_url=login_url.rstrip("/"),
            username=username,
            password=password,
            security_token=security_token or "",
        )
        version = api_version.removeprefix("v")
        options: dict[str, Any] = {
            "session": session,
            "api_version": version,
            "credentials": credentials,
            "bulk_threshold": bulk_threshold,
            "bulk_first_poll_s": bulk_first_poll_s,
            "bulk_query_above": bulk_query_above,
            "watch": watch,
            "sessions": sessions,
            "describes": describes,
        }
        stored = sessions.load() if sessions is not None else None
        if stored is not None:
            sf = Salesforce(
                session_id=stored.session_id,
                instance_url=stored.instance_url,
                version=version,
                session=session,
            )
            return cls(sf=sf, **options)
        operation = call_operation("POST", f"/services/Soap/u/{version}")
        try:
            sf, identity = _soap_login(session, credentials, version)
        except errors.ApiError as exc:
            if sessions is not None:
                sessions.drop()
            if watch is not None:
                watch(exc, operation)
            raise
        if watch is not None:
            watch(None, operation)
        client = cls(sf=sf, login_identity=identity, **options)
        client._keep_session()
        return client

    @classmethod
    def from_token(
        cls,
        *,
        session: requests.Session,
        instance_url: str,
        access_token: str,
        api_version: str,
        bulk_threshold: int = limits.BULK_THRESHOLD,
        bulk_first_poll_s: float = limits.BULK_FIRST_POLL_S,
        bulk_query_above: int = limits.BULK_QUERY_ABOVE,
        watch: Watch | None = None,
        describes: DescribeStore | None = None,
    ) -> SalesforceClient:
        """Use an existing session id / OAuth access token on ``instance_url``.

        Nothing is sent until the first call; an expired token then raises
        ``AuthenticationFailed`` (there are no credentials to log in again with).
        """
        version = api_version.removeprefix("v")
        sf = Salesforce(
            session_id=access_token,
            instance_url=instance_url.rstrip("/"),
            version=version,
            session=session,
        )
        return cls(
            session=session,
            api_version=version,
            sf=sf,
            access_token=access_token,
            bulk_threshold=bulk_threshold,
            bulk_first_poll_s=bulk_first_poll_s,
            bulk_query_above=bulk_query_above,
            watch=watch,
            describes=describes,
        )

    # --- reads ------------------------------------------------------------------------
    def identity(self) -> Identity:
        """The org and the integration user, for the connection page.

        After a username/password login the login answer already named them
        (no call). With a token: the OAuth UserInfo endpoint for the user, and
        the Organization object for the org's name.
        https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm
        https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_organization.htm
        """
        if self._login_identity is not None:
            return Identity(**self._login_identity)
        info = self._call(lambda sf: sf.oauth2("userinfo")) or {}
        org_id = str(info.get("organization_id") or "")
        org_name = ""
        for page in streams.pages(self, streams.ORGANIZATION):
            for org in page[:1]:
                org_id = org_id or str(org.get("Id") or "")
                org_name = str(org.get("Name") or "")
        return Identity(
            org_id=org_id,
            org_name=org_name,
            user_id=str(info.get("user_id") or ""),
            user_name=str(info.get("name") or ""),
            user_email=str(info.get("email") or ""),
        )

    def limits(self) -> ApiUsage:
        """The org's ``DailyApiRequests``: max, remaining and used.

        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm
        """
        answer = self._call(lambda sf: sf.limits())
        daily = answer.get("DailyApiRequests") or {}
        maximum, remaining = int(daily.get("Max", 0)), int(daily.get("Remaining", 0))
        return ApiUsage(used=maximum - remaining, max=maximum, remaining=remaining)

    def api_usage(self) -> ApiUsage | None:
        """The org's API usage as the last response's ``Sforce-Limit-Info`` reported it.

        Free: every REST response carries it, so no call is spent on it.
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
        """
        return self._usage

    def query_pages(self, soql: str, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Salesforce's answers to ``soql``, one page (up to 2,000 ``records``, with
        ``totalSize`` and ``done``) at a time, each fetched when the caller reaches it.

        ``include_deleted`` uses ``queryAll`` (deleted and archived records too).
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm
        """
        page = self._call(lambda sf: sf.query(soql, include_deleted=include_deleted))
        while True:
            yield page
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self._call(lambda sf, url=next_url: sf.query_more(url, identifier_is_url=True))

    def bulk_query(
        self, object_type: str, soql: str, include_deleted: bool = False
    ) -> Iterator[dict[str, Any]]:
        """The records of ``soql`` (on ``object_type``) read through one Bulk API 2.0 query
        job (``queryAll`` with ``include_deleted``), with the values a REST query gives
        (``bulk.query_records``, by the fields' types in the object's describe).

        The job is created, polled until complete, then its results are fetched a page
        (up to 50,000 rows) at a time as the caller reads, each by the locator the last
        one named, streamed into a temporary file and read from it row by row. Every
        step is its own call: counted, within the budget, and repeated once after a
        re-login (a query job changes nothing, so repeating is harmless).
        https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm
        """
        types = {
            str(spec.get("name")): str(spec.get("type") or "")
            for spec in self.describe(object_type).get("fields") or []
        }
        operation = Operation.query_all if include_deleted else Operation.query

        def jobs(sf: Salesforce) -> _Bulk2Client:
            # the session's own Bulk 2.0 client: after a re-login, the new session's
            return getattr(sf.bulk2, object_type)._client

        job_id = str(self._call(lambda sf: jobs(sf).create_job(operation, soql))["id"])
        self._call(lambda sf: jobs(sf).wait_for_job(job_id, True, self.bulk_first_poll_s))
        locator = ""
        # each page streams into a file and is read from it row by row: held in memory,
        # a page of 50,000 rows took three copies of its 7 MB (bytes, text, text without
        # NUL bytes) at once
        with tempfile.TemporaryDirectory(prefix="syncadmin-bulk-query-") as folder:
            while True:
                results = self._call(
                    lambda sf, at=locator: jobs(sf).download_job_data(
                        folder, job_id, at, limits.BULK_QUERY_RESULTS_PAGE, DOWNLOAD_CHUNK
                    )
                )
                with open(results["file"], encoding="utf-8", newline="") as page:
                    yield from bulk.query_records(page, types)
                os.remove(results["file"])
                locator = results["locator"]
                if not locator:
                    return

    def describe(self, object_type: str) -> dict[str, Any]:
        """The object's name, label and fields (``caching.describe_essentials``), fetched
        once per client, or taken from the describe store while it holds it (it changes
        only with the org's setup); what is fetched is kept there.

        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
        """
        if object_type in self._describes:
            return self._describes[object_type]
        store = self._describe_store
        described = store.load(object_type) if store is not None else None
        if described is None:
            described = describe_essentials(
                self._call(lambda sf: getattr(sf, object_type).describe())
            )
            if store is not None:
                store.save(object_type, described)
        self._describes[object_type] = described
        return described

    def _describe_changed(self, object_type: str | None) -> None:
        """Salesforce refused what a describe promised: the next describe asks it again."""
        if object_type is None:
            self._describes.clear()
        else:
            self._describes.pop(object_type, None)
        if self._describe_store is not None:
            self._describe_store.drop(object_type)

    def picklist_values(self, object_type: str, field: str) -> list[PicklistValue]:
        """Active values of a picklist field, in Salesforce's order.

        Task ``Type`` fills the product's "Salesforce task type" dropdowns.
        """
        for spec in self.describe(object_type).get("fields") or []:
            if spec.get("name") == field:
                return [
                    PicklistValue(
                        value=str(v.get("value")),
                        label=str(v.get("label") or v.get("value")),
                        default=bool(v.get("defaultValue")),
                    )
                    for v in spec.get("picklistValues") or []
                    if v.get("active", True)
                ]
        raise errors.NotFound(f"{object_type} has no field {field}", side=SIDE)

    def users(self) -> Iterator[dict[str, Any]]:
        """Every user (Id, Name, Email, IsActive): HubSpot owners are mapped to them by email."""
        for page in streams.pages(self, streams.USERS):
            yield from page

    # --- writes -----------------------------------------------------------------------
    def create(self, object_type: str, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """Create records; per-record results in input order (``allOrNone`` false).

        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm
        """
        return self._write(INSERT, object_type, records)

    def update(self, object_type: str, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """Update records by their ``Id``; per-record results in input order.

        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
        """
        missing = [i for i, record in enumerate(records) if not record.get("Id")]
        if missing:
            raise ValueError(f"update needs an Id on every record (missing at {missing[:5]})")
        return self._write(UPDATE, object_type, records)

    def upsert(
        self, object_type: str, external_id_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        """Create or update by an external id field; ``created`` tells which happened.

        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
        """
        return self._write(UPSERT, object_type, records, external_id_field)

    def _write(
        self,
        operation: str,
        object_type: str,
        records: Sequence[Mapping[str, Any]],
        external_id_field: str | None = None,
    ) -> list[RecordResult]:
        if len(records) > self.bulk_threshold:
            results = self._bulk_write(operation, object_type, records, external_id_field)
        else:
            results = []
            for chunk in chunks(records, limits.COLLECTION_BATCH_SIZE):
                results.extend(self._collection(operation, object_type, chunk, external_id_field))
        if any(e.status_code in DESCRIBE_CHANGED for r in results for e in r.errors):
            self._describe_changed(object_type)
        return results

    def _collection(
        self,
        operation: str,
        object_type: str,
        records: Sequence[Mapping[str, Any]],
        external_id_field: str | None,
    ) -> list[RecordResult]:
        """One sObject Collections call (at most 200 records)."""
        body = {
            "allOrNone": False,
            "records": [{"attributes": {"type": object_type}, **record} for record in records],
        }
        path, method = "composite/sobjects", "POST"
        if operation == UPDATE:
            method = "PATCH"
        elif operation == UPSERT:
            path, method = f"composite/sobjects/{object_type}/{external_id_field}", "PATCH"
        answer = self._call(lambda sf: sf.restful(path, method=method, json=body)) or []
        if not isinstance(answer, list) or len(answer) != len(records):
            raise errors.ApiError(
                f"{method} {path}: expected {len(records)} results, got "
                f"{len(answer) if isinstance(answer, list) else type(answer).__name__}",
                side=SIDE,
            )
        results = []
        for item in answer:
            success = bool(item.get("success"))
            created: bool | None = None
            if success:
                created = operation == INSERT or bool(item.get("created"))
            results.append(
                RecordResult(
                    success=success,
                    id=item.get("id"),
                    created=created,
                    errors=[_record_error(e) for e in item.get("errors") or []],
                )
            )
        return results

    def _bulk_write(
        self,
        operation: str,
        object_type: str,
        records: Sequence[Mapping[str, Any]],
        external_id_field: str | None,
    ) -> list[RecordResult]:
        """One Bulk API 2.0 ingest job (simple-salesforce splits it past 100 MB of CSV).

        https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0.htm
        """
        rows = bulk.csv_rows(records, set_nulls=operation != INSERT)
        options: dict[str, Any] = {"records": rows, "wait": self.bulk_first_poll_s}
        if operation == UPSERT:
            options["external_id_field"] = external_id_field
        key_fields = {INSERT: None, UPDATE: ["Id"], UPSERT: [external_id_field]}[operation]

        def run(sf: Salesforce) -> list[dict[str, Any]]:
            return getattr(getattr(sf.bulk2, object_type), operation)(**options)

        def fetch(sf: Salesforce, job_id: str, what: str) -> str:
            return getattr(getattr(sf.bulk2, object_type), what)(job_id)

        # An insert is repeated after a re-login only if the job was never created:
        # repeating a half-run insert job would create its records twice.
        jobs = self._call(
            run,
            repeatable=lambda exc: operation != INSERT or exc.url.rstrip("/").endswith("ingest"),
        )
        results: list[RecordResult] = []
        start = 0
        for job in jobs:
            job_id, total = job["job_id"], int(job["numberRecordsTotal"])
            job_rows = rows[start : start + total]
            start += total
            results.extend(
                bulk.match_results(
                    job_rows,
                    key_fields=key_fields,
                    successful=self._call(
                        lambda sf, j=job_id: fetch(sf, j, "get_successful_records")
                    ),
                    failed=self._call(lambda sf, j=job_id: fetch(sf, j, "get_failed_records")),
                    operation=operation,
                )
            )
        return results

    # --- calling ----------------------------------------------------------------------
    def _secrets(self) -> list[str]:
        secrets = [self._access_token, str(getattr(self._sf, "session_id", "") or "")]
        if self._credentials:
            c = self._credentials
            secrets += [c.password, c.security_token, c.password + c.security_token]
        return secrets

    def _note_call(self, response: requests.Response, **_: Any) -> None:
        request = response.request
        self._calls.operation = call_operation(str(request.method), str(request.url))

    def _call(
        self,
        fn: Callable[[Salesforce], T],
        *,
        repeatable: Callable[[SalesforceExpiredSession], bool] = lambda exc: True,
    ) -> T:
        """Run ``fn`` against the current connection; on an expired session log in
        again once and repeat it once (if ``repeatable``). Errors come out named, and
        the answer is told to ``watch`` (an expired session only once the re-login
        could not cure it)."""
        self._calls.operation = ""
        try:
            result = self._call_relogging(fn, repeatable)
        except errors.ApiError as exc:
            if exc.category in DESCRIBE_CHANGED:
                self._describe_changed(None)
            if self.watch is not None:
                self.watch(exc, self._calls.operation)
            raise
        if self.watch is not None:
            self.watch(None, self._calls.operation)
        return result

    def _call_relogging(
        self,
        fn: Callable[[Salesforce], T],
        repeatable: Callable[[SalesforceExpiredSession], bool],
    ) -> T:
        stale = self._sf
        try:
            return self._attempt(fn, stale)
        except SalesforceExpiredSession as exc:
            if self._credentials is None or error_code(exc) != "INVALID_SESSION_ID":
                self._forget_session(stale)
                raise translate(exc, secrets=self._secrets()) from None
            self._relogin(stale)
            if not repeatable(exc):
                failure = translate(exc, secrets=self._secrets())
                raise errors.ApiError(
                    "The session expired in the middle of a call that is not safe to repeat "
                    f"(it could write its records twice); logged in again: {failure.message}",
                    side=SIDE,
                    status=failure.status,
                    category=failure.category,
                ) from None
        fresh = self._sf
        try:
            return self._attempt(fn, fresh)
        except SalesforceExpiredSession as exc:
            self._forget_session(fresh)
            failure = translate(exc, secrets=self._secrets())
            raise errors.AuthenticationFailed(
                f"Salesforce refused a fresh session right after logging in again: "
                f"{failure.message}",
                side=SIDE,
                status=failure.status,
                category=failure.category,
            ) from None

    def _attempt(self, fn: Callable[[Salesforce], T], sf: Salesforce) -> T:
        """One try of ``fn``; everything but an expired session is translated here."""
        try:
            result = fn(sf)
        except SalesforceExpiredSession:
            raise
        except _TRANSLATED as exc:
            raise translate(exc, secrets=self._secrets()) from None
        finally:
            usage = (getattr(sf, "api_usage", None) or {}).get("api-usage")
            if usage is not None:
                self._usage = ApiUsage(
                    used=usage.used, max=usage.total, remaining=usage.total - usage.used
                )
        return result

    def _relogin(self, stale: Salesforce) -> None:
        """Log in again, unless another thread already replaced the stale session; the new
        session is kept in the session store, a refused login forgets the stored one."""
        assert self._credentials is not None
        with self._relogin_lock:
            if self._sf is not stale:
                return
            try:
                self._sf, _ = _soap_login(self.session, self._credentials, self.api_version)
            except errors.ApiError:
                self._forget_session(stale)
                raise
            self._keep_session()

    def _keep_session(self) -> None:
        if self._sessions is not None:
            self._sessions.save(str(self._sf.session_id), f"https://{self._sf.sf_instance}")

    def _forget_session(self, refused: Salesforce) -> None:
        """Salesforce refused ``refused``'s session: no other run should try it again."""
        if self._sessions is not None:
            self._sessions.drop(str(refused.session_id))


def _soap_login(
    session: requests.Session, credentials: _Credentials, version: str
) -> tuple[Salesforce, Identity | None]:
    """SOAP ``login()`` at ``<login_url>/services/Soap/u/<version>``, as a direct-mode client,
    with the org and user the login answer names.

    simple-salesforce's ``domain=`` can only name ``<domain>.salesforce.com``;
    its ``scratch_url`` takes any base URL (a My Domain, the sandbox's
    ``https://127.0.0.1:PORT``).
    https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login.htm
    """
    secrets = [
        credentials.password,
        credentials.security_token,
        credentials.password + credentials.security_token,
    ]
    answers: list[requests.Response] = []
    login_session = _login_session(session, credentials.login_url)
    login_session.hooks["response"].append(lambda response, **_: answers.append(response))
    try:
        session_id, instance = SalesforceLogin(
            username=credentials.username,
            password=credentials.password,
            security_token=credentials.security_token,
            sf_version=version,
            session=login_session,
            scratch_url=credentials.login_url,
        )
    except (*_TRANSLATED, ExpatError) as exc:
        raise translate(exc, secrets=secrets) from None
    finally:
        login_session.close()
    sf = Salesforce(session_id=session_id, instance=instance, version=version, session=session)
    return sf, _login_identity(answers[-1].content) if answers else None
