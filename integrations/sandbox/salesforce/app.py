"""The Salesforce REST API emulator: auth, query, sObjects, collections, composite, Bulk 2.0.

Shapes follow Salesforce's REST API reference and what simple-salesforce 1.12.10
sends and parses. Login with simple-salesforce: see ``client.py``.

Control routes beside the shared ones (``emulator.py``), for breaking credentials
the way Salesforce does:

- ``POST /__sandbox__/integration-user/password`` ``{"password": "...",
  "security_token"?: "...", "expire_sessions"?: true}``: an admin resets the
  integration user's password (and, as Salesforce does then, its security
  token: without ``security_token`` the old one stops working too). Logins
  with the old credentials answer the SOAP fault ``INVALID_LOGIN`` ("Invalid
  username, password, security token; or user locked out."), OAuth
  ``invalid_grant``. Sessions issued before end too unless ``expire_sessions``
  is false (then only ``/sessions/expire`` ends them). ``DELETE`` puts the
  sandbox's own credentials (``connection_info``) back; so does ``reset``.
- ``POST /__sandbox__/sessions/expire``: every session dies (Salesforce timed
  them out); clients must log in again.
- setting ``api_enabled`` (``PATCH /__sandbox__/settings {"api_enabled":
  false}``): the integration user loses "API Enabled"; logins still work, every
  REST call answers 403 ``API_DISABLED_FOR_ORG`` as Salesforce does.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from integrations.sandbox.emulator import Emulator, VendorError
from integrations.sandbox.latency import Call, Profile
from integrations.sandbox.salesforce import bulk2, ids, latency_profile
from integrations.sandbox.salesforce import seed as seed_module
from integrations.sandbox.salesforce.describe import (
    CLOSED_TASK_STATUSES,
    READ_ONLY_OBJECTS,
    STATUS_OBJECTS,
    build_schema,
    describe_sobject,
    sobject_summary,
)
from integrations.sandbox.salesforce.soql import (
    BoolOp,
    Compare,
    InList,
    SoqlError,
    canonical_datetime,
    compile_where,
    error_at,
    format_ms,
    parse,
    sort_records,
)
from integrations.sandbox.salesforce.store import NotFoundError, RecordError, Store

API_VERSION = "59.0"
#: versions listed by ``GET /services/data/`` (any vNN.N is accepted in paths)
VERSIONS = ["57.0", "58.0", "59.0", "60.0"]
#: records per query page: Salesforce's default and maximum batch size
QUERY_PAGE_SIZE = 2000
#: smallest ``Sforce-Query-Options: batchSize`` Salesforce honours
MIN_QUERY_BATCH = 200
#: sObject Collections accept at most 200 records per call (REST API guide)
COLLECTION_LIMIT = 200
#: composite requests carry at most 25 subrequests (REST API guide)
COMPOSITE_LIMIT = 25
#: Developer-Edition-like daily API request allowance (org-wide, 24 h rolling)
DEFAULT_DAILY_API_LIMIT = 15000
#: Tasks/Events older than this are archived: only ``queryAll`` returns them
ARCHIVE_AFTER_DAYS = 365
#: open query cursors kept for nextRecordsUrl, oldest dropped first (Salesforce keeps
#: 10 per user; the sandbox is more lenient, but each cursor pins a result list)
MAX_CURSORS = 50

USERNAME = "integration@syncadmin-sandbox.example"
PASSWORD = "sandbox-password"
SECURITY_TOKEN = "SANDBOXTOKEN"
ORG_NAME = "syncadmin Sandbox"

INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "INVALID_SESSION_ID",
    403: "REQUEST_LIMIT_EXCEEDED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    500: "UNKNOWN_EXCEPTION",
    503: "SERVER_UNAVAILABLE",
}
_NO_AUTH = {"soap_login", "oauth_token", "versions"}
#: Salesforce's REST answer when the user may not use the API (403)
API_DISABLED = [
    {
        "message": "The REST API is not enabled for this Organization.",
        "errorCode": "API_DISABLED_FOR_ORG",
    }
]
#: authenticated but not counted against DailyApiRequests (as on Salesforce)
_UNCOUNTED = {"oauth_userinfo"}


def sf_error(status: int, code: str, message: str, fields: list[str] | None = None) -> VendorError:
    body: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        body["fields"] = fields
    return VendorError(status, [body])


class SalesforceEmulator(Emulator):
    """One Salesforce org: users, leads, contacts, accounts, tasks, events."""

    name = "salesforce"

    def __init__(
        self, *, latency_ms: int = 0, latency_model: str = "fast", latency_seed: int = 0
    ) -> None:
        self.daily_api_limit = DEFAULT_DAILY_API_LIMIT
        self.api_usage = 0
        super().__init__(
            latency_ms=latency_ms, latency_model=latency_model, latency_seed=latency_seed
        )

    # --- routes -----------------------------------------------------------------------
    def routes(self) -> list[tuple[str, str, list[str]]]:
        d = "/services/data/<ver>"
        return [
            ("/services/Soap/u/<soap_ver>", "soap_login", ["POST"]),
            ("/services/oauth2/token", "oauth_token", ["POST"]),
            ("/services/oauth2/userinfo", "oauth_userinfo", ["GET", "POST"]),
            ("/services/data/", "versions", ["GET"]),
            (f"{d}/", "resources", ["GET"]),
            (f"{d}/limits/", "limits", ["GET"]),
            (f"{d}/query/", "query", ["GET"]),
            (f"{d}/query/<locator>", "query_more", ["GET"]),
            (f"{d}/queryAll/", "query_all", ["GET"]),
            (f"{d}/queryAll/<locator>", "query_more", ["GET"]),
            (f"{d}/sobjects/", "describe_global", ["GET"]),
            (f"{d}/sobjects/<sobject>/", "sobject_root", ["GET", "POST"]),
            (f"{d}/sobjects/<sobject>/describe/", "describe", ["GET"]),
            (f"{d}/sobjects/<sobject>/updated/", "sobject_updated", ["GET"]),
            (f"{d}/sobjects/<sobject>/deleted/", "sobject_deleted", ["GET"]),
            (f"{d}/sobjects/<sobject>/<record_id>", "sobject_record", ["GET", "PATCH", "DELETE"]),
            (f"{d}/sobjects/<sobject>/<field>/<path:value>", "sobject_external", ["GET", "PATCH"]),
            (f"{d}/composite/", "composite", ["POST"]),
            (f"{d}/composite/sobjects/", "collection", ["POST", "PATCH", "DELETE"]),
            (f"{d}/composite/sobjects/<sobject>/", "collection_read", ["GET", "POST"]),
            (f"{d}/composite/sobjects/<sobject>/<field>", "collection_upsert", ["PATCH"]),
            (f"{d}/jobs/ingest/", "ingest_jobs", ["GET", "POST"]),
            (f"{d}/jobs/ingest/<job_id>/", "ingest_job", ["GET", "PATCH", "DELETE"]),
            (f"{d}/jobs/ingest/<job_id>/batches/", "ingest_upload", ["PUT"]),
            (f"{d}/jobs/ingest/<job_id>/<kind>/", "ingest_results", ["GET"]),
            (f"{d}/jobs/query/", "query_jobs", ["GET", "POST"]),
            (f"{d}/jobs/query/<job_id>/", "query_job", ["GET", "PATCH", "DELETE"]),
            (f"{d}/jobs/query/<job_id>/results/", "query_job_results", ["GET"]),
        ]

    def web_routes(self) -> list[tuple[str, str]]:
        # ``https://<instance>/<id>`` opens any record in Classic and Lightning alike
        return [("/<record_id>", "web_record")]

    def web_record(self, request: Request, record_id: str) -> Response | None:
        record_id = ids.normalize(record_id) or ""
        record = self.store.find(record_id) if record_id else None
        if record is None:
            return None
        sobject = ids.type_of(record_id)
        name = " ".join(str(record.get(f) or "") for f in ("FirstName", "LastName")).strip()
        title = f"{sobject} {name or record.get('Subject') or record_id}"
        return self.record_page(app="Salesforce", title=title, fields=record)

    def control_routes(self) -> list[tuple[str, str, list[str]]]:
        return [
            ("/sessions/expire", "control_expire_sessions", ["POST"]),
            ("/integration-user/password", "control_integration_password", ["POST", "DELETE"]),
            ("/picklists/<sobject>/<field>", "control_picklist", ["GET", "PUT"]),
            ("/records", "control_records", ["POST"]),
            ("/records/<record_id>", "control_record", ["GET"]),
            ("/leads/<lead_id>/convert", "control_convert_lead", ["POST"]),
        ]

    # --- state ------------------------------------------------------------------------
    def reset(self, *, seed: str = "empty", contacts: int | None = None) -> None:
        """Drop everything; load the integration user, demo users and (``demo``) the CRM."""
        with self.lock:
            self.schema = build_schema()
            self.store = Store(self.schema)
            self.store.duplicate_rule = False
            self.sessions: dict[str, str] = {}
            self.cursors: OrderedDict[str, tuple[str, list[dict[str, Any]], list[str], int]] = (
                OrderedDict()
            )
            self.cursor_serial = 0
            self.bulk = bulk2.BulkJobs(self)
            self.api_usage = 0
            self.daily_api_limit = DEFAULT_DAILY_API_LIMIT
            self.integration_password = PASSWORD
            self.integration_security_token = SECURITY_TOKEN
            self.api_enabled = True
            seed_module.load(self, seed, contacts)
            self.sync_status_objects()

    def connection_info(self, instance_url: str, ca_bundle: str) -> dict[str, Any]:
        """What a client needs to log in (see ``client.sandbox_salesforce``)."""
        return {
            "login_url": instance_url,
            "instance_url": instance_url,
            "username": USERNAME,
            "password": PASSWORD,
            "security_token": SECURITY_TOKEN,
            "api_version": API_VERSION,
            "ca_bundle": ca_bundle,
        }

    def dump_state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "records": self.store.records,
                "counters": self.store.counters,
                "picklists": {
                    f"{o}.{f.name}": f.picklist
                    for o, fields in self.schema.items()
                    for f in fields.values()
                    if f.picklist
                },
                "settings": self.settings(),
                "integration_user": self.integration_user,
                "org_id": self.org_id,
            }

    def load_state(self, state: dict[str, Any]) -> None:
        with self.lock:
            self.reset(seed="none")
            for key, values in state.get("picklists", {}).items():
                sobject, field = key.split(".", 1)
                self.schema[sobject][field].picklist = list(values)
            store = self.store
            store.counters = dict(state["counters"])
            for sobject, records in state["records"].items():
                for record in records.values():
                    store._put(sobject, record, None, keep_order=False)
                store.sort_by_modstamp(sobject)
            self.integration_user = state["integration_user"]
            self.org_id = state["org_id"]
            self.update_settings(state.get("settings", {}))

    def settings(self) -> dict[str, Any]:
        return {
            "daily_api_limit": self.daily_api_limit,
            "api_usage": self.api_usage,
            "duplicate_rule": self.store.duplicate_rule,
            "api_enabled": self.api_enabled,
        }

    def update_settings(self, changes: dict[str, Any]) -> None:
        unknown = set(changes) - {"daily_api_limit", "api_usage", "duplicate_rule", "api_enabled"}
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        if "daily_api_limit" in changes:
            self.daily_api_limit = int(changes["daily_api_limit"])
        if "api_usage" in changes:
            self.api_usage = int(changes["api_usage"])
        if "duplicate_rule" in changes:
            self.store.duplicate_rule = bool(changes["duplicate_rule"])
        if "api_enabled" in changes:
            self.api_enabled = bool(changes["api_enabled"])

    # --- cross-cutting ----------------------------------------------------------------
    def authenticate(self, request: Request, endpoint: str) -> None:
        if endpoint in _NO_AUTH:
            return
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or token.strip() not in self.sessions:
            raise VendorError(401, INVALID_SESSION)
        request.environ["sandbox.user"] = self.sessions[token.strip()]
        if not self.api_enabled:
            raise VendorError(403, API_DISABLED)

    def before_request(self, request: Request, endpoint: str) -> None:
        if (
            endpoint in _NO_AUTH
            or endpoint in _UNCOUNTED
            or request.environ.get("sandbox.internal")
        ):
            return
        with self.lock:
            if self.api_usage >= self.daily_api_limit:
                self.traffic.refused("REQUEST_LIMIT_EXCEEDED")
                raise sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            self.api_usage += 1

    def latency_profiles(self) -> dict[str, Profile]:
        return latency_profile.PROFILES

    def latency_call(self, request: Request, endpoint: str) -> Call:
        return latency_profile.classify(request, endpoint)

    def response_headers(self, request: Request) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage}/{self.daily_api_limit}"}

    def default_error_body(self, status: int, message: str) -> Any:
        if status == 401:
            return INVALID_SESSION
        return [{"message": message, "errorCode": ERROR_CODES.get(status, "UNKNOWN_EXCEPTION")}]

    def dispatch(self, request: Request) -> Response:
        """The base dispatch, with store errors and stray exceptions in Salesforce's shape."""
        try:
            return super().dispatch(request)
        except ConnectionAbortedError:
            raise
        except HTTPException as exc:
            return self.json_response(self.default_error_body(exc.code or 500, str(exc)), 400)
        except Exception as exc:  # a bug in the emulator must still answer like Salesforce
            body = [{"message": f"sandbox error: {exc!r}", "errorCode": "UNKNOWN_EXCEPTION"}]
            return self.json_response(body, 500)

    @staticmethod
    def _check_version(ver: str | None) -> None:
        if ver is None:
            return
        number = ver[1:] if ver.startswith("v") else ""
        try:
            ok = float(number) >= 20
        except ValueError:
            ok = False
        if not ok:
            raise sf_error(404, "NOT_FOUND", "The requested resource does not exist")

    def user_of(self, request: Request) -> str:
        return request.environ.get("sandbox.user", self.integration_user)

    def body(self, request: Request) -> Any:
        raw = request.get_data(cache=True)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise sf_error(
                400,
                "JSON_PARSER_ERROR",
                "Unexpected character: was expecting a JSON value at [line:1, column:1]",
            ) from None

    def sobject_name(self, name: str) -> str:
        """The canonical object name (case-insensitive), or 404 NOT_FOUND as Salesforce."""
        for known in self.schema:
            if known.lower() == name.lower():
                return known
        raise sf_error(404, "NOT_FOUND", "The requested resource does not exist")

    def record_url(self, sobject: str, record_id: str) -> str:
        return f"/services/data/v{API_VERSION}/sobjects/{sobject}/{record_id}"

    @staticmethod
    def location(request: Request, sobject: str, record_id: str) -> str:
        """The ``Location`` of a record just created, in the API version the caller used."""
        version = request.path.split("/sobjects/", 1)[0]
        return f"{version}/sobjects/{sobject}/{record_id}"

    def present(self, sobject: str, record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {"type": sobject, "url": self.record_url(sobject, record["Id"])}
        }
        for name in fields:
            if "." in name:  # parent relationship: nested record, or null
                relation, _, parent_field = name.partition(".")
                parent = self.store.find(record.get(self.relationship_field(relation)) or "")
                if parent is None:
                    out[relation] = None
                    continue
                if out.get(relation) is None:
                    parent_type = ids.type_of(parent["Id"]) or ""
                    out[relation] = {
                        "attributes": {
                            "type": parent_type,
                            "url": self.record_url(parent_type, parent["Id"]),
                        }
                    }
                out[relation][parent_field] = parent.get(parent_field)
            else:
                out[name] = self.field_value(sobject, record, name)
        return out

    @staticmethod
    def relationship_field(relation: str) -> str:
        """``Who`` -> ``WhoId``: standard relationship names drop the ``Id`` suffix."""
        return f"{relation}Id"

    def field_value(self, sobject: str, record: dict[str, Any], name: str) -> Any:
        if name == "IsArchived":
            return self.is_archived(sobject, record)
        if "." in name:
            relation, _, parent_field = name.partition(".")
            parent = self.store.find(record.get(self.relationship_field(relation)) or "")
            return parent.get(parent_field) if parent else None
        return record.get(name)

    def archive_cutoff(self) -> str:
        return (datetime.now(UTC).date() - timedelta(days=ARCHIVE_AFTER_DAYS)).isoformat()

    def is_archived(self, sobject: str, record: dict[str, Any], cutoff: str | None = None) -> bool:
        if sobject not in ("Task", "Event"):
            return False
        day = record.get("ActivityDate") or (record.get("CreatedDate") or "")[:10]
        return day < (cutoff or self.archive_cutoff())

    # --- auth -------------------------------------------------------------------------
    def _issue_session(self, user_id: str) -> str:
        token = f"{self.org_id[:15]}!AQ{secrets.token_urlsafe(48)}"
        self.sessions[token] = user_id
        return token

    def _check_login(self, username: str, password: str) -> str | None:
        user_ids = [
            r["Id"]
            for r in self.store.records["User"].values()
            if (r.get("Username") or "").lower() == username.lower()
        ]
        if (
            user_ids
            and user_ids[0] == self.integration_user
            and password
            in (
                self.integration_password + self.integration_security_token,
                self.integration_password,
            )
        ):
            return user_ids[0]
        return None

    def soap_login(self, request: Request, soap_ver: str) -> Response:
        """SOAP partner ``login()``: what simple-salesforce's username/password login sends."""
        username = password = ""
        try:
            root = ET.fromstring(request.get_data())
            for element in root.iter():
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "username":
                    username = element.text or ""
                elif tag == "password":
                    password = element.text or ""
        except ET.ParseError:
            return _soap_fault("INVALID_LOGIN", "Invalid SOAP request", 500)
        with self.lock:
            user_id = self._check_login(username, password)
            if user_id is None:
                return _soap_fault(
                    "INVALID_LOGIN",
                    "Invalid username, password, security token; or user locked out.",
                    500,
                )
            session_id = self._issue_session(user_id)
            user = self.store.records["User"][user_id]
        base = request.host_url.rstrip("/")
        number = soap_ver.lstrip("v")
        org = self.org_id
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns="urn:partner.soap.sforce.com" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body><loginResponse><result>"
            f"<metadataServerUrl>{base}/services/Soap/m/{number}/{org}</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
            f"<serverUrl>{base}/services/Soap/u/{number}/{org}</serverUrl>"
            f"<sessionId>{escape(session_id)}</sessionId><userId>{user_id}</userId>"
            "<userInfo>"
            f"<organizationId>{org}</organizationId>"
            f"<organizationName>{escape(ORG_NAME)}</organizationName>"
            f"<userEmail>{escape(user['Email'] or '')}</userEmail>"
            f"<userFullName>{escape(user['Name'] or '')}</userFullName>"
            f"<userId>{user_id}</userId><userName>{escape(user['Username'])}</userName>"
            "<userTimeZone>UTC</userTimeZone>"
            "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return Response(body, 200, mimetype="text/xml")

    def oauth_token(self, request: Request) -> Response:
        """OAuth 2.0 username-password flow (``grant_type=password``)."""
        form = request.form
        if form.get("grant_type") != "password":
            return self.json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
                400,
            )
        with self.lock:
            user_id = self._check_login(form.get("username", ""), form.get("password", ""))
            if user_id is None:
                return self.json_response(
                    {"error": "invalid_grant", "error_description": "authentication failure"}, 400
                )
            token = self._issue_session(user_id)
        base = request.host_url.rstrip("/")
        issued = str(int(datetime.now(UTC).timestamp() * 1000))
        return self.json_response(
            {
                "access_token": token,
                "instance_url": base,
                "id": f"{base}/id/{self.org_id}/{user_id}",
                "token_type": "Bearer",
                "issued_at": issued,
                "signature": secrets.token_urlsafe(32),
            }
        )

    def oauth_userinfo(self, request: Request) -> Response:
        """OpenID Connect UserInfo for the session's user (not counted as an API call)."""
        user_id = self.user_of(request)
        user = self.store.records["User"][user_id]
        base = request.host_url.rstrip("/")
        return self.json_response(
            {
                "sub": f"{base}/id/{self.org_id}/{user_id}",
                "user_id": user_id,
                "organization_id": self.org_id,
                "preferred_username": user["Username"],
                "nickname": user["Alias"] or "",
                "name": user["Name"],
                "email": user["Email"],
                "email_verified": True,
                "given_name": user["FirstName"] or "",
                "family_name": user["LastName"],
                "zoneinfo": "UTC",
                "active": bool(user["IsActive"]),
                "user_type": "STANDARD",
                "language": "en_US",
                "locale": "en_US",
                "utcOffset": 0,
                "updated_at": user["LastModifiedDate"],
                "urls": {
                    "rest": f"{base}/services/data/v{{version}}/",
                    "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
                    "query": f"{base}/services/data/v{{version}}/query/",
                },
            }
        )

    # --- discovery and limits ---------------------------------------------------------
    def versions(self, request: Request) -> Response:
        return self.json_response(
            [
                {"label": f"Sandbox {v}", "url": f"/services/data/v{v}", "version": v}
                for v in VERSIONS
            ]
        )

    def resources(self, request: Request) -> Response:
        base = f"/services/data/v{API_VERSION}"
        names = ["sobjects", "query", "queryAll", "limits", "composite", "jobs"]
        return self.json_response({name: f"{base}/{name}" for name in names})

    def limits(self, request: Request) -> Response:
        def pair(maximum: int, remaining: int) -> dict[str, int]:
            return {"Max": maximum, "Remaining": max(remaining, 0)}

        return self.json_response(
            {
                "DailyApiRequests": pair(
                    self.daily_api_limit, self.daily_api_limit - self.api_usage
                ),
                "DailyBulkV2QueryJobs": pair(10000, 10000 - self.bulk.query_count),
                "DailyBulkV2QueryFileStorageMB": pair(976562, 976562),
                "DailyBulkApiBatches": pair(15000, 15000 - self.bulk.ingest_count),
                "DataStorageMB": pair(5, 5),
                "FileStorageMB": pair(20, 20),
                "SingleEmail": pair(15, 15),
            }
        )

    # --- query ------------------------------------------------------------------------
    def run_soql(self, text: str, include_deleted: bool) -> tuple[str, list[str], Any, list]:
        """Parse, check and evaluate a query; returns (object, fields, parsed, rows)."""
        parsed = parse(text)
        schema = self.schema.get(parsed.sobject) or next(
            (f for n, f in self.schema.items() if n.lower() == parsed.sobject.lower()), None
        )
        if schema is None:
            raise SoqlError(
                "INVALID_TYPE",
                error_at(
                    text,
                    parsed.positions.get(parsed.sobject.lower(), 0),
                    f"sObject type '{parsed.sobject}' is not supported. If you are "
                    "attempting to use a custom object, be sure to append the '__c' after the "
                    "entity name. Please reference your WSDL or the describe call for the "
                    "appropriate names.",
                ),
            )
        sobject = next(n for n, f in self.schema.items() if f is schema)

        def resolve(name: str) -> tuple[str, str]:
            canonical = self.store.field_name(sobject, name)
            if canonical is None:
                raise SoqlError(
                    "INVALID_FIELD",
                    error_at(
                        text,
                        parsed.positions.get(name.lower(), 0),
                        f"No such column '{name}' on entity '{sobject}'. If you are "
                        "attempting to use a custom field, be sure to append the '__c' after "
                        "the custom field name. Please reference your WSDL or the describe "
                        "call for the appropriate names.",
                    ),
                )
            return canonical, schema[canonical].type

        def resolve_parent(name: str) -> str:
            """``Who.Email`` in a SELECT list: one level of parent relationship."""
            relation, _, parent_field = name.partition(".")
            if "." not in parent_field:
                reference = self.store.field_name(sobject, relation + "Id")
                fdef = schema.get(reference or "")
                if fdef is not None and fdef.type == "reference":
                    for target in fdef.reference_to:
                        found = self.store.field_name(target, parent_field)
                        if found is not None:
                            return f"{reference[:-2]}.{found}"
            return resolve(name)[0]  # raises INVALID_FIELD

        fields = []
        for name in parsed.fields:
            canonical = resolve_parent(name) if "." in name else resolve(name)[0]
            if canonical not in fields:
                fields.append(canonical)
        predicate = compile_where(parsed.where, resolve, text) if parsed.where else None
        order = [(resolve(n)[0], desc, nulls) for n, desc, nulls in parsed.order_by]
        rows = self._indexed_rows(sobject, parsed.where, resolve, include_deleted)
        if rows is None:
            rows = list(self.store.live(sobject, include_deleted))
        if sobject in ("Task", "Event"):
            cutoff = self.archive_cutoff()
            uses_archived = any("isarchived" in f.lower() for f in parsed.fields) or (
                "IsArchived" in repr(parsed.where)
            )
            if not include_deleted:
                rows = [r for r in rows if not self.is_archived(sobject, r, cutoff)]
            elif uses_archived:
                rows = [{**r, "IsArchived": self.is_archived(sobject, r, cutoff)} for r in rows]
        if predicate is not None:
            rows = [r for r in rows if predicate(r)]
        # rows are kept in SystemModstamp order already; sort only when asked otherwise
        if order and order != [("SystemModstamp", False, False)]:
            rows = sort_records(rows, order)
        if parsed.offset:
            rows = rows[parsed.offset :]
        if parsed.limit is not None:
            rows = rows[: parsed.limit]
        return sobject, fields, parsed, rows

    def _indexed_rows(
        self, sobject: str, where: Any, resolve: Any, include_deleted: bool
    ) -> list[dict[str, Any]] | None:
        """Candidates from the Id/Email indexes when WHERE pins one of them, else None.

        The full predicate still runs on the candidates; this only avoids scanning
        100k records for the look-ups syncadmin makes all the time.
        """
        parts = where.parts if isinstance(where, BoolOp) and where.op == "AND" else [where]
        for part in parts:
            if isinstance(part, Compare) and part.op == "=":
                values = [part.value.value]
            elif isinstance(part, InList) and not part.negate:
                values = [literal.value for literal in part.values]
            else:
                continue
            name = resolve(part.field)[0]
            if not all(isinstance(v, str) for v in values):
                continue
            table = self.store.records[sobject]
            if name == "Id":
                found = {ids.normalize(v) for v in values} - {None}
            elif name == "Email" and sobject in self.store.email_index:
                index = self.store.email_index[sobject]
                found = set().union(*(index.get(v.lower(), set()) for v in values))
            else:
                continue
            rows = [table[i] for i in found if i in table]
            if not include_deleted:
                rows = [r for r in rows if not r["IsDeleted"]]
            rows.sort(key=lambda r: r["SystemModstamp"])
            return rows
        return None

    def query(self, request: Request) -> Response:
        return self._query(request, include_deleted=False)

    def query_all(self, request: Request) -> Response:
        return self._query(request, include_deleted=True)

    def _query(self, request: Request, include_deleted: bool) -> Response:
        text = request.args.get("q")
        if not text:
            raise sf_error(400, "MALFORMED_QUERY", "A query string has to be specified")
        sobject, fields, parsed, rows = self.run_soql(text, include_deleted)
        if parsed.count_only:
            return self.json_response({"totalSize": len(rows), "done": True, "records": []})
        page = self._page_size(request)
        return self.json_response(self._page(sobject, fields, rows, 0, page, include_deleted))

    def _page_size(self, request: Request) -> int:
        options = request.headers.get("Sforce-Query-Options", "")
        for part in options.split(","):
            key, _, value = part.strip().partition("=")
            if key.strip() == "batchSize" and value.strip().isdigit():
                return max(MIN_QUERY_BATCH, min(QUERY_PAGE_SIZE, int(value)))
        return QUERY_PAGE_SIZE

    def _page(
        self,
        sobject: str,
        fields: list[str],
        rows: list[dict[str, Any]],
        start: int,
        size: int,
        include_deleted: bool,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        end = start + size
        body: dict[str, Any] = {
            "totalSize": len(rows),
            "done": end >= len(rows),
            "records": [self.present(sobject, r, fields) for r in rows[start:end]],
        }
        if end < len(rows):
            if cursor is None:
                self.cursor_serial += 1
                cursor = ids.make_id("01g", self.cursor_serial)[:15]
                self.cursors[cursor] = (sobject, rows, fields, size)
                while len(self.cursors) > MAX_CURSORS:
                    self.cursors.popitem(last=False)
            kind = "queryAll" if include_deleted else "query"
            body["nextRecordsUrl"] = f"/services/data/v{API_VERSION}/{kind}/{cursor}-{end}"
        elif cursor is not None:
            self.cursors.pop(cursor, None)
        return body

    def query_more(self, request: Request, locator: str) -> Response:
        cursor, _, position = locator.partition("-")
        if cursor not in self.cursors or not position.isdigit():
            raise sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        sobject, rows, fields, first_size = self.cursors[cursor]
        include_deleted = "/queryAll/" in request.path
        start = int(position)
        # the batch size chosen on the first page holds unless the client asks again
        size = self._page_size(request) if "Sforce-Query-Options" in request.headers else first_size
        return self.json_response(
            self._page(sobject, fields, rows, start, size, include_deleted, cursor)
        )

    # --- describe ---------------------------------------------------------------------
    def describe_global(self, request: Request) -> Response:
        return self.json_response(
            {
                "encoding": "UTF-8",
                "maxBatchSize": COLLECTION_LIMIT,
                "sobjects": [sobject_summary(n, f"v{API_VERSION}") for n in self.schema],
            }
        )

    def describe(self, request: Request, sobject: str) -> Response:
        name = self.sobject_name(sobject)
        return self.json_response(describe_sobject(name, self.schema[name], f"v{API_VERSION}"))

    # --- replication (getUpdated / getDeleted) -----------------------------------------
    def _window(self, request: Request) -> tuple[str, str]:
        try:
            start = canonical_datetime(request.args["start"])
            end = canonical_datetime(request.args["end"])
        except (KeyError, ValueError):
            raise sf_error(
                400, "INVALID_REPLICATION_DATE", "start and end must be ISO datetimes"
            ) from None
        if end < start:
            raise sf_error(400, "INVALID_REPLICATION_DATE", "end is before start")
        return start, end

    def sobject_updated(self, request: Request, sobject: str) -> Response:
        """Ids changed in ``[start, end]`` (SystemModstamp), as ``sf.Contact.updated()`` reads."""
        name = self.sobject_name(sobject)
        start, end = self._window(request)
        changed = [
            r["Id"] for r in self.store.live(name, False) if start <= r["SystemModstamp"] <= end
        ]
        return self.json_response({"ids": changed, "latestDateCovered": end})

    def sobject_deleted(self, request: Request, sobject: str) -> Response:
        """Records deleted in ``[start, end]``, as ``sf.Contact.deleted()`` reads."""
        name = self.sobject_name(sobject)
        start, end = self._window(request)
        gone = [
            {"id": r["Id"], "deletedDate": r["SystemModstamp"]}
            for r in self.store.live(name, True)
            if r["IsDeleted"] and start <= r["SystemModstamp"] <= end
        ]
        earliest = format_ms(int((time.time() - 15 * 86400) * 1000))
        return self.json_response(
            {"deletedRecords": gone, "earliestDateAvailable": earliest, "latestDateCovered": end}
        )

    # --- sObject rows -----------------------------------------------------------------
    def _writable(self, sobject: str) -> str:
        name = self.sobject_name(sobject)
        if name in READ_ONLY_OBJECTS:
            raise sf_error(
                400, "INSUFFICIENT_ACCESS_OR_READONLY", f"entity type {name} does not support DML"
            )
        return name

    def sobject_root(self, request: Request, sobject: str) -> Response:
        name = self.sobject_name(sobject)
        if request.method == "GET":
            recent = list(self.store.live(name, False))[-10:]
            return self.json_response(
                {
                    "objectDescribe": sobject_summary(name, f"v{API_VERSION}"),
                    "recentItems": [self.present(name, r, ["Id"]) for r in reversed(recent)],
                }
            )
        name = self._writable(sobject)
        values = self._record_body(request)
        record_id = self.store.create(name, values, self.user_of(request))
        return self.json_response(
            {"id": record_id, "success": True, "errors": []},
            201,
            {"Location": self.location(request, name, record_id)},
        )

    def _record_body(self, request: Request) -> dict[str, Any]:
        values = self.body(request)
        if not isinstance(values, dict):
            raise sf_error(
                400,
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of sObject from a non-object JSON value",
            )
        return values

    def _lookup(self, name: str, record_id: str) -> dict[str, Any]:
        normalized = ids.normalize(record_id)
        record = self.store.get(name, normalized) if normalized else None
        if record is None:
            raise NotFoundError(
                f"Provided external ID field does not exist or is not accessible: {record_id}"
                if normalized is None
                else "The requested resource does not exist"
            )
        if record["IsDeleted"]:
            raise sf_error(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    def sobject_record(self, request: Request, sobject: str, record_id: str) -> Response:
        name = self.sobject_name(sobject)
        if request.method == "GET":
            record = self._lookup(name, record_id)
            return self.json_response(self.present(name, record, self._fields_param(request, name)))
        name = self._writable(sobject)
        record = self._lookup(name, record_id)
        if request.method == "PATCH":
            self.store.update(name, record["Id"], self._record_body(request), self.user_of(request))
        else:
            self.store.delete(name, record["Id"], self.user_of(request))
        return self.json_response(None, 204)

    def _fields_param(self, request: Request, name: str) -> list[str]:
        wanted = request.args.get("fields")
        if not wanted:
            return list(self.schema[name])
        fields = []
        for given in wanted.split(","):
            canonical = self.store.field_name(name, given.strip())
            if canonical is None:
                raise sf_error(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{given.strip()}' on sobject of type {name}",
                )
            fields.append(canonical)
        return fields

    def _external_field(self, name: str, field: str) -> str:
        canonical = self.store.field_name(name, field)
        if canonical is None or not (canonical == "Id" or self.schema[name][canonical].external_id):
            raise sf_error(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {field}",
            )
        return canonical

    def sobject_external(self, request: Request, sobject: str, field: str, value: str) -> Response:
        """``GET|PATCH /sobjects/{Type}/{ExtField}/{value}``: read or upsert by external id."""
        name = self.sobject_name(sobject)
        ext = self._external_field(name, field)
        value = unquote(value)
        matches = self.store.find_by_external(name, ext, value)
        if len(matches) > 1:
            return self.json_response([self.record_url(name, i) for i in matches], 300)
        if request.method == "GET":
            if not matches:
                raise sf_error(404, "NOT_FOUND", "The requested resource does not exist")
            record = self.store.get(name, matches[0])
            return self.json_response(self.present(name, record, self._fields_param(request, name)))
        name = self._writable(sobject)
        values = self._record_body(request)
        user = self.user_of(request)
        if matches:
            self.store.update(name, matches[0], values, user)
            return self.json_response(
                {"id": matches[0], "success": True, "errors": [], "created": False}
            )
        if ext == "Id":
            raise sf_error(
                404,
                "NOT_FOUND",
                "Provided external ID field does not exist or is not accessible: Id",
            )
        if any(k.lower() == ext.lower() and v != value for k, v in values.items()):
            raise sf_error(
                400,
                "INVALID_FIELD",
                f"The value for {ext} in the URL and the body must match",
            )
        values = {k: v for k, v in values.items() if k.lower() != ext.lower()}
        record_id = self.store.create(name, {**values, ext: value}, user)
        return self.json_response(
            {"id": record_id, "success": True, "errors": [], "created": True},
            201,
            {"Location": self.location(request, name, record_id)},
        )

    # --- sObject Collections ------------------------------------------------------------
    def _collection_input(self, request: Request) -> tuple[list[dict[str, Any]], bool]:
        body = self.body(request)
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise sf_error(
                400, "JSON_PARSER_ERROR", "Cannot deserialize request: expected {records: [...]}"
            )
        records = body["records"]
        if len(records) > COLLECTION_LIMIT:
            raise sf_error(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        if not all(isinstance(r, dict) for r in records):
            raise sf_error(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
        return records, bool(body.get("allOrNone", False))

    def _run_batch(
        self, request: Request, items: list[Any], operation: Any, all_or_none: bool
    ) -> Response:
        """Apply ``operation`` to each item; per-record outcome in input order."""
        injected = self.record_errors_for(request)
        results: list[dict[str, Any]] = []
        failed = False
        self.store.begin()
        try:
            for index, item in enumerate(items):
                if index in injected:
                    error = injected[index]
                    results.append(
                        _failure(
                            error.get("statusCode") or error.get("status") or "UNKNOWN_EXCEPTION",
                            error.get("message", "Injected record error"),
                            error.get("fields", []),
                        )
                    )
                    failed = True
                    continue
                try:
                    results.append(operation(item))
                except RecordError as exc:
                    results.append(
                        {
                            "id": _item_id(item),
                            "success": False,
                            "errors": _collection_errors(exc.errors),
                        }
                    )
                    failed = True
            if failed and all_or_none:
                self.store.rollback()
                results = [
                    r
                    if not r["success"]
                    else _failure(
                        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                        "Record rolled back because not all records were valid and the "
                        "request was using AllOrNone header",
                        [],
                    )
                    for r in results
                ]
            else:
                self.store.commit()
        except BaseException:
            self.store.rollback()
            raise
        return self.json_response(results)

    def collection(self, request: Request) -> Response:
        user = self.user_of(request)
        if request.method == "DELETE":
            raw = request.args.get("ids", "")
            id_list = [i for i in raw.split(",") if i]
            if len(id_list) > COLLECTION_LIMIT:
                raise sf_error(
                    400,
                    "EXCEEDED_ID_LIMIT",
                    "record limit reached. cannot submit more than 200 records into this call",
                )
            all_or_none = request.args.get("allOrNone", "false").lower() == "true"

            def delete(record_id: str) -> dict[str, Any]:
                normalized = ids.normalize(record_id)
                sobject = ids.type_of(normalized or "")
                if not normalized or sobject not in self.schema:
                    raise RecordError("MALFORMED_ID", f"malformed id {record_id}")
                if self.store.get(sobject, normalized) is None:
                    raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
                self.store.delete(sobject, normalized, user)
                return {"id": normalized, "success": True, "errors": []}

            return self._run_batch(request, id_list, delete, all_or_none)
        records, all_or_none = self._collection_input(request)
        if request.method == "POST":

            def create(record: dict[str, Any]) -> dict[str, Any]:
                sobject = self._record_type(record)
                if _record_id(record):
                    raise RecordError(
                        "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]
                    )
                record_id = self.store.create(sobject, record, user)
                return {"id": record_id, "success": True, "errors": []}

            return self._run_batch(request, records, create, all_or_none)

        def update(record: dict[str, Any]) -> dict[str, Any]:
            sobject = self._record_type(record)
            record_id = ids.normalize(_record_id(record))
            if not record_id:
                raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
            if self.store.get(sobject, record_id) is None:
                raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            self.store.update(sobject, record_id, record, user)
            return {"id": record_id, "success": True, "errors": []}

        return self._run_batch(request, records, update, all_or_none)

    def _record_type(self, record: dict[str, Any]) -> str:
        attributes = record.get("attributes")
        given = attributes.get("type") if isinstance(attributes, dict) else None
        if not given:
            raise RecordError(
                "INVALID_TYPE", "Must specify a type in attributes for each record", []
            )
        name = next((n for n in self.schema if n.lower() == str(given).lower()), None)
        if name is None or name in READ_ONLY_OBJECTS:
            raise RecordError("INVALID_TYPE", f"sObject type '{given}' is not supported.")
        return name

    def collection_read(self, request: Request, sobject: str) -> Response:
        """``GET /composite/sobjects/{Type}?ids=&fields=`` (POST with a body does the same)."""
        name = self.sobject_name(sobject)
        if request.method == "POST":
            body = self.body(request) or {}
            id_list, wanted = body.get("ids") or [], body.get("fields") or []
        else:
            id_list = [i for i in request.args.get("ids", "").split(",") if i]
            wanted = [f for f in request.args.get("fields", "").split(",") if f]
        if not wanted:
            raise sf_error(400, "MISSING_ARGUMENT", "fields parameter is required")
        if len(id_list) > 2000:
            raise sf_error(400, "EXCEEDED_ID_LIMIT", "too many ids")
        fields = []
        for given in wanted:
            canonical = self.store.field_name(name, given.strip())
            if canonical is None:
                raise sf_error(
                    400, "INVALID_FIELD", f"No such column '{given}' on sobject of type {name}"
                )
            fields.append(canonical)
        out: list[Any] = []
        for record_id in id_list:
            normalized = ids.normalize(record_id)
            record = self.store.get(name, normalized) if normalized else None
            out.append(
                None
                if record is None or record["IsDeleted"]
                else self.present(name, record, fields)
            )
        return self.json_response(out)

    def collection_upsert(self, request: Request, sobject: str, field: str) -> Response:
        name = self._writable(sobject)
        ext = self._external_field(name, field)
        records, all_or_none = self._collection_input(request)
        user = self.user_of(request)

        def upsert(record: dict[str, Any]) -> dict[str, Any]:
            self._record_type(record)
            key_field = self.store.field_name(name, ext)
            value = next((v for k, v in record.items() if k.lower() == ext.lower()), None)
            if value in (None, ""):
                raise RecordError(
                    "MISSING_ARGUMENT", f"{key_field} not specified", [key_field or ext]
                )
            matches = self.store.find_by_external(name, ext, str(value))
            if len(matches) > 1:
                raise RecordError(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{ext}: more than one record found for external id field: {matches}",
                    [ext],
                )
            if matches:
                values = {k: v for k, v in record.items() if k.lower() != "id" or ext != "Id"}
                self.store.update(name, matches[0], values, user)
                return {"id": matches[0], "success": True, "errors": [], "created": False}
            if ext == "Id":
                raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            record_id = self.store.create(name, record, user)
            return {"id": record_id, "success": True, "errors": [], "created": True}

        return self._run_batch(request, records, upsert, all_or_none)

    # --- composite --------------------------------------------------------------------
    def composite(self, request: Request) -> Response:
        body = self.body(request)
        if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
            raise sf_error(400, "JSON_PARSER_ERROR", "compositeRequest is required")
        subrequests = body["compositeRequest"]
        if not all(isinstance(sub, dict) for sub in subrequests):
            raise sf_error(400, "JSON_PARSER_ERROR", "Each subrequest must be a JSON object")
        if len(subrequests) > COMPOSITE_LIMIT:
            raise sf_error(
                400,
                "INVALID_FIELD",
                "Invalid request: the number of subrequests exceeds the limit of 25",
            )
        all_or_none = bool(body.get("allOrNone", False))
        refs: dict[str, Any] = {}
        out: list[dict[str, Any]] = []
        failed = False
        self.store.begin()
        try:
            for sub in subrequests:
                ref = sub.get("referenceId", "")
                if failed and all_or_none:
                    out.append(_halted(ref))
                    continue
                try:
                    url = _substitute(sub.get("url", ""), refs)
                    sub_body = _substitute(sub.get("body"), refs)
                except KeyError as exc:
                    message = (
                        f"Invalid reference specified. No value for {exc.args[0]} found in "
                        "the referenced subrequest."
                    )
                    status, headers = 400, {}
                    result = [{"errorCode": "INVALID_REFERENCE", "message": message}]
                else:
                    status, result, headers = self._internal(
                        request, sub.get("method", "GET"), url, sub_body
                    )
                if status >= 400:
                    failed = True
                elif isinstance(result, dict):
                    refs[ref] = result
                out.append(
                    {
                        "body": result,
                        "httpHeaders": headers,
                        "httpStatusCode": status,
                        "referenceId": ref,
                    }
                )
            if failed and all_or_none:
                self.store.rollback()
                out = [_halted(r["referenceId"]) if r["httpStatusCode"] < 400 else r for r in out]
            else:
                self.store.commit()
        except BaseException:
            self.store.rollback()
            raise
        return self.json_response({"compositeResponse": out})

    def _internal(
        self, request: Request, method: str, url: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """Run one subrequest through the router, as part of the outer (counted) call:
        its status, body and the headers a composite answer repeats (``Location``)."""
        parts = urlsplit(url)
        builder = EnvironBuilder(
            path=parts.path,
            query_string=parts.query,
            method=method.upper(),
            data=json.dumps(body) if body is not None else None,
            headers={"Authorization": request.headers.get("Authorization", "")},
            content_type="application/json",
        )
        environ = builder.get_environ()
        environ["sandbox.internal"] = True
        sub = Request(environ)
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
            if endpoint.startswith("control:") or endpoint in ("composite", "soap_login"):
                raise sf_error(400, "INVALID_URL", f"not supported in composite: {url}")
            self.authenticate(sub, endpoint)
            response = getattr(self, endpoint)(sub, **args)
        except VendorError as exc:
            return exc.status, exc.body, {}
        except HTTPException:
            return (
                404,
                [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
                {},
            )
        data = response.get_data()
        headers = {k: v for k, v in response.headers.items() if k == "Location"}
        return response.status_code, json.loads(data) if data else None, headers

    # --- Bulk API 2.0 -----------------------------------------------------------------
    def ingest_jobs(self, request: Request) -> Response:
        return self.bulk.ingest_jobs(request)

    def ingest_job(self, request: Request, job_id: str) -> Response:
        return self.bulk.ingest_job(request, job_id)

    def ingest_upload(self, request: Request, job_id: str) -> Response:
        return self.bulk.ingest_upload(request, job_id)

    def ingest_results(self, request: Request, job_id: str, kind: str) -> Response:
        return self.bulk.ingest_results(request, job_id, kind)

    def query_jobs(self, request: Request) -> Response:
        return self.bulk.query_jobs(request)

    def query_job(self, request: Request, job_id: str) -> Response:
        return self.bulk.query_job(request, job_id)

    def query_job_results(self, request: Request, job_id: str) -> Response:
        return self.bulk.query_job_results(request, job_id)

    # --- control ----------------------------------------------------------------------
    def control_expire_sessions(self, request: Request) -> Response:
        """Every session dies, as when Salesforce times one out: clients must log in again."""
        with self.lock:
            expired = len(self.sessions)
            self.sessions.clear()
        return self.json_response({"expired": expired})

    def control_integration_password(self, request: Request) -> Response:
        """An admin resets the integration user's password (``DELETE``: back to the sandbox's)."""
        data = self.json_body(request) or {}
        with self.lock:
            if request.method == "DELETE":
                self.integration_password = PASSWORD
                self.integration_security_token = SECURITY_TOKEN
                return self.json_response({"expired": 0})
            password = data.get("password")
            if not isinstance(password, str) or not password:
                raise ValueError("password must be a non-empty string")
            token = data.get("security_token", secrets.token_urlsafe(18))
            if not isinstance(token, str):
                raise ValueError("security_token must be a string")
            self.integration_password, self.integration_security_token = password, token
            expired = 0
            if data.get("expire_sessions", True):
                doomed = [s for s, user in self.sessions.items() if user == self.integration_user]
                for session_id in doomed:
                    del self.sessions[session_id]
                expired = len(doomed)
        return self.json_response({"expired": expired})

    def control_picklist(self, request: Request, sobject: str, field: str) -> Response:
        """``PUT {"values": [...], "restricted"?: bool}``: the org admin edits a picklist."""
        with self.lock:
            name = self.sobject_name(sobject)
            canonical = self.store.field_name(name, field)
            if canonical is None or self.schema[name][canonical].type != "picklist":
                raise ValueError(f"{sobject}.{field} is not a picklist")
            fdef = self.schema[name][canonical]
            if request.method == "PUT":
                data = self.json_body(request) or {}
                values = data.get("values")
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise ValueError("values must be a list of strings")
                fdef.picklist = list(values)
                if "restricted" in data:
                    fdef.restricted = bool(data["restricted"])
                self.sync_status_objects()
            return self.json_response({"values": fdef.picklist, "restricted": fdef.restricted})

    def sync_status_objects(self) -> None:
        """Rebuild LeadStatus / TaskStatus / TaskPriority from the current picklists."""
        for (sobject, field), value_object in STATUS_OBJECTS.items():
            fdef = self.schema[sobject][field]
            self.store.records[value_object] = {}
            self.store.counters[value_object] = 0
            for order, value in enumerate(fdef.picklist, start=1):
                flags = {
                    "LeadStatus": {"IsConverted": value.startswith("Closed - Converted")},
                    "TaskStatus": {"IsClosed": value in CLOSED_TASK_STATUSES},
                    "TaskPriority": {"IsHighPriority": value == "High"},
                }[value_object]
                self.store.insert_raw(
                    value_object,
                    {
                        "MasterLabel": value,
                        "ApiName": value,
                        "SortOrder": order,
                        "IsDefault": value == fdef.default,
                        **flags,
                    },
                    self.integration_user,
                )

    def control_records(self, request: Request) -> Response:
        """Seed records as-is (system fields such as past CreatedDate/SystemModstamp allowed)."""
        data = self.json_body(request) or {}
        with self.lock:
            name = self.sobject_name(str(data.get("type", "")))
            created = []
            for values in data.get("records", []):
                owner = values.get("OwnerId") or self.integration_user
                canonical = {}
                for key, value in values.items():
                    field = self.store.field_name(name, key)
                    if field is None:
                        raise ValueError(f"{name} has no field {key}")
                    canonical[field] = value
                created.append(self.store.insert_raw(name, canonical, owner))
            self.store.sort_by_modstamp(name)
        return self.json_response({"ids": created})

    def control_convert_lead(self, request: Request, lead_id: str) -> Response:
        """A rep converts a lead: a new Contact (same email), the lead marked converted."""
        with self.lock:
            lead = self.store.get("Lead", ids.normalize(lead_id) or "")
            if lead is None or lead["IsDeleted"] or lead["IsConverted"]:
                raise ValueError("no such unconverted lead")
            user = lead["OwnerId"] or self.integration_user
            contact_id = self.store.create(
                "Contact",
                {
                    k: lead[k]
                    for k in ("FirstName", "LastName", "Email", "Phone", "Title", "OwnerId")
                    if lead.get(k)
                },
                user,
            )
            stamp = self.store.now()
            converted = {
                **lead,
                "IsConverted": True,
                "Status": "Closed - Converted",
                "ConvertedContactId": contact_id,
                "ConvertedDate": stamp[:10],
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
            }
            self.store._put("Lead", converted, lead)
        return self.json_response({"leadId": lead["Id"], "contactId": contact_id})

    def control_record(self, request: Request, record_id: str) -> Response:
        with self.lock:
            record = self.store.find(ids.normalize(record_id) or "")
            if record is None:
                return self.json_response({"error": "no such record"}, 404)
            return self.json_response(record)

    def _control(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        with self.lock:
            self.bulk.advance()
        try:
            return super()._control(request, endpoint, args)
        except RecordError as exc:
            return self.json_response({"error": exc.errors}, 400)


def _vendor_handler(handler: Any) -> Any:
    """Run a route handler under the lock, with store and SOQL errors as REST error arrays."""

    @functools.wraps(handler)
    def wrapped(self: SalesforceEmulator, request: Request, **args: Any) -> Response:
        try:
            with self.lock:
                self.bulk.advance()
                self._check_version(args.pop("ver", None))
                return handler(self, request, **args)
        except RecordError as exc:
            raise VendorError(exc.status, _rest_errors(exc.errors)) from None
        except SoqlError as exc:
            raise sf_error(400, exc.code, exc.message) from None

    return wrapped


for _endpoint in {endpoint for _, endpoint, _ in SalesforceEmulator.routes(None)}:  # type: ignore[arg-type]
    setattr(SalesforceEmulator, _endpoint, _vendor_handler(getattr(SalesforceEmulator, _endpoint)))


def _rest_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"message": e["message"], "errorCode": e["errorCode"], "fields": e["fields"]}
        for e in errors
    ]


def _collection_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"statusCode": e["errorCode"], "message": e["message"], "fields": e["fields"]}
        for e in errors
    ]


def _failure(
    code: str, message: str, fields: list[str], record_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": record_id,
        "success": False,
        "errors": [{"statusCode": code, "message": message, "fields": fields}],
    }


def _item_id(item: Any) -> str | None:
    if isinstance(item, dict):
        return ids.normalize(_record_id(item)) or None
    return None


def _record_id(record: dict[str, Any]) -> str:
    """A record's ``Id`` however the body spells it: field names are case-insensitive in
    Salesforce (``id``, as jsforce sends it, is the same field)."""
    value = next((v for k, v in record.items() if k.lower() == "id"), None)
    return str(value or "")


def _halted(ref: str) -> dict[str, Any]:
    return {
        "body": [
            {
                "errorCode": "PROCESSING_HALTED",
                "message": "The transaction was rolled back since another operation in the same "
                "transaction failed.",
            }
        ],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": ref,
    }


def _substitute(value: Any, refs: dict[str, Any]) -> Any:
    """Replace ``@{ref.field}`` with values from earlier subrequest results."""

    if isinstance(value, str):

        def repl(match: Any) -> str:
            ref, _, path = match.group(1).partition(".")
            current: Any = refs.get(ref)
            if current is None:
                raise KeyError(match.group(0))
            for part in path.split("."):
                if isinstance(current, dict) and part in current:
                    current = current[part]
                else:
                    raise KeyError(match.group(0))
            return str(current)

        return re.sub(r"@\{([^}]+)\}", repl, value)
    if isinstance(value, dict):
        return {k: _substitute(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, refs) for v in value]
    return value


def _soap_fault(code: str, message: str, status: int) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status, mimetype="text/xml")
