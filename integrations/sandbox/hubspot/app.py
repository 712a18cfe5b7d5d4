"""``HubSpotEmulator``: HubSpot's CRM API as the sandbox serves it.

Bearer-token auth, HubSpot's error bodies, rate limits with their headers,
the account/properties/owners catalogues and the portal state; contacts,
lists and activities come from mixins (``contacts.py``, ``lists.py``,
``activities.py``). Reference: https://developers.hubspot.com/docs/api-reference.

Control routes for breaking the private app's token the way HubSpot does
(beside the shared ones in ``emulator.py``):

- ``GET|PATCH /__sandbox__/token`` ``{"revoked": bool, "missing_scopes": [...]}``:
  ``revoked`` true is the token deleted or rotated in HubSpot: every call
  answers 401 ``INVALID_AUTHENTICATION`` with HubSpot's body.
  ``missing_scopes`` (e.g. ``["crm.lists.read"]``) takes scopes from the app:
  every call that needs one answers 403 ``MISSING_SCOPES`` naming it in
  ``errors[].context.requiredGranularScopes``, as HubSpot does. Which call
  needs which scope: ``required_scope``. ``reset`` gives the token back whole.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from integrations.sandbox.demo import bench_people, demo_people
from integrations.sandbox.emulator import Emulator, VendorError
from integrations.sandbox.hubspot import latency_profile
from integrations.sandbox.hubspot.activities import HubSpotActivitiesMixin
from integrations.sandbox.hubspot.association_writes import AssociationWritesMixin
from integrations.sandbox.hubspot.contacts import ContactsMixin
from integrations.sandbox.hubspot.engagement_properties import (
    ENGAGEMENT_PROPERTIES,
    OBJECT_TYPE_ALIASES,
)
from integrations.sandbox.hubspot.lists import ListsMixin
from integrations.sandbox.hubspot.properties import CONTACT_PROPERTIES, PropertyDef, iso
from integrations.sandbox.hubspot.ratelimit import RateLimiter, RateLimitSettings, rate_limit_body
from integrations.sandbox.hubspot.seed import seed_bench, seed_demo, seed_owners
from integrations.sandbox.latency import Call, Profile

#: the sandbox portal's id (fixed, so connection settings survive restarts)
PORTAL_ID = 24681357
#: the private-app token the sandbox accepts (fixed and derived from the portal id)
ACCESS_TOKEN = "pat-sandbox-" + hashlib.sha256(f"portal-{PORTAL_ID}".encode()).hexdigest()[:32]
#: GET /crm/v3/owners: at most 500 per page, 100 by default
OWNERS_LIMIT_MAX = 500
OWNERS_LIMIT_DEFAULT = 100
#: first id handed out; HubSpot ids are strings of digits
FIRST_ID = 100_000
#: settings beside the rate limits; ``list_processing_gets``: how many GETs a new
#: DYNAMIC list reports PROCESSING before COMPLETE (HubSpot builds them in the background)
DEFAULT_EXTRA_SETTINGS = {"list_processing_gets": 1}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SEARCH_PATH = re.compile(r"^/crm/v3/objects/[^/]+/search/?$")
_CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    405: "VALIDATION_ERROR",
    409: "CONFLICT",
    423: "LOCKED",
}
_SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)
#: path prefix -> (scope for reads, scope for writes); the first match wins
_SCOPES = (
    ("/crm/v3/objects/contacts", "crm.objects.contacts.read", "crm.objects.contacts.write"),
    ("/crm/v3/properties/contacts", "crm.schemas.contacts.read", "crm.schemas.contacts.write"),
    ("/crm/v3/lists", "crm.lists.read", "crm.lists.write"),
    ("/crm/v3/owners", "crm.objects.owners.read", "crm.objects.owners.read"),
    ("/crm/v3/objects/emails", "sales-email-read", "crm.objects.contacts.write"),
    ("/crm/v3/objects/", "crm.objects.contacts.read", "crm.objects.contacts.write"),
    ("/crm/v4/", "crm.objects.contacts.read", "crm.objects.contacts.write"),
    ("/engagements/", "crm.objects.contacts.read", "crm.objects.contacts.write"),
    ("/marketing/v3/forms", "forms", "forms"),
    ("/form-integrations/", "forms", "forms"),
    ("/email/public/", "content", "content"),
)
_READ_POSTS = ("/search", "/batch/read")


def required_scope(method: str, path: str) -> str | None:
    """The private-app scope HubSpot requires for a call (None: any valid token will do).

    https://developers.hubspot.com/docs/apps/legacy-apps/authentication/scopes
    """
    path = path.rstrip("/")
    read = method in ("GET", "HEAD") or (method == "POST" and path.endswith(_READ_POSTS))
    for prefix, read_scope, write_scope in _SCOPES:
        if path.startswith(prefix.rstrip("/")):
            return read_scope if read else write_scope
    return None


_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


class HubSpotEmulator(
    ContactsMixin, ListsMixin, AssociationWritesMixin, HubSpotActivitiesMixin, Emulator
):
    """One HubSpot portal in memory; every handler runs under ``self.lock``."""

    name = "hubspot"

    def __init__(
        self, *, latency_ms: int = 0, latency_model: str = "fast", latency_seed: int = 0
    ) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}
        self.contact_id_by_email: dict[str, str] = {}
        self.contact_order: list[int] = []  # ids ascending, for cursor paging
        self.owners: dict[str, dict[str, Any]] = {}
        self.lists: dict[str, dict[str, Any]] = {}
        self.list_matchers: dict[str, Any] = {}
        self.next_list_id = 0
        self.last_ms = 0
        self._next_id = FIRST_ID
        self.limiter = RateLimiter(RateLimitSettings())
        self.extra_settings: dict[str, int] = dict(DEFAULT_EXTRA_SETTINGS)
        self.token_revoked = False
        self.missing_scopes: set[str] = set()
        super().__init__(
            latency_ms=latency_ms, latency_model=latency_model, latency_seed=latency_seed
        )

    # --- routes ------------------------------------------------------------------------
    def routes(self) -> list[tuple[str, str, list[str]]]:
        return [
            ("/account-info/v3/details", "account_details", ["GET"]),
            ("/crm/v3/properties/contacts", "properties_all", ["GET"]),
            ("/crm/v3/properties/contacts/<name>", "properties_one", ["GET"]),
            ("/crm/v3/properties/<object_type>", "engagement_properties_all", ["GET"]),
            ("/crm/v3/properties/<object_type>/<name>", "engagement_properties_one", ["GET"]),
            ("/crm/v3/owners", "owners_page", ["GET"]),
            ("/crm/v3/owners/<owner_id>", "owners_one", ["GET"]),
            *self.contact_routes(),
            *self.list_routes(),
            *self.association_write_routes(),
            *self.activity_routes(),
        ]

    def web_routes(self) -> list[tuple[str, str]]:
        return [("/contacts/<portal_id>/record/0-1/<contact_id>", "web_contact")]

    def web_contact(self, request: Request, portal_id: str, contact_id: str) -> Response | None:
        contact = self.contacts.get(contact_id) if portal_id == str(PORTAL_ID) else None
        if contact is None or contact.get("archived"):
            return Response("No such contact in this portal.", status=404, mimetype="text/plain")
        props = contact.get("properties", {})
        name = " ".join(str(props.get(f) or "") for f in ("firstname", "lastname")).strip()
        title = f"Contact {name or props.get('email') or contact_id}"
        return self.record_page(app="HubSpot", title=title, fields=props)

    def control_routes(self) -> list[tuple[str, str, list[str]]]:
        return [
            ("/token", "control_token", ["GET", "PATCH"]),
            *self.list_control_routes(),
            *self.activity_control_routes(),
        ]

    # --- shared helpers (also used by the activities mixin) ----------------------------
    def new_id(self) -> str:
        """A fresh id, unique across all object types, as HubSpot's digit strings."""
        with self.lock:
            self._next_id += 1
            return str(self._next_id)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def stamp(self) -> datetime:
        """A write time strictly after the previous one (ms), so modified-since cursors work."""
        with self.lock:
            ms = max(int(time.time() * 1000), self.last_ms + 1)
            self.last_ms = ms
        return _EPOCH + timedelta(milliseconds=ms)

    def hubspot_error(
        self,
        status: int,
        message: str,
        category: str,
        errors: list[dict[str, Any]] | None = None,
        sub_category: str | None = None,
    ) -> VendorError:
        """A refusal in HubSpot's error shape."""
        body: dict[str, Any] = {
            "status": "error",
            "message": message,
            "correlationId": str(uuid.uuid4()),
            "category": category,
        }
        if errors:
            body["errors"] = errors
        if sub_category:
            body["subCategory"] = sub_category
        return VendorError(status, body)

    def batch_response(
        self, results: list[dict[str, Any]], errors: list[dict[str, Any]], status_ok: int
    ) -> Response:
        """A batch answer: ``status_ok`` when all inputs went through, else 207 with the errors."""
        stamp = iso(self.now())
        body: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if errors:
            body["numErrors"] = len(errors)
            body["errors"] = errors
            return self.json_response(body, 207)
        return self.json_response(body, status_ok)

    def json_body(self, request: Request) -> Any:  # type: ignore[override]
        """The JSON body; malformed JSON is HubSpot's 400, not a crash."""
        raw = request.get_data(cache=True)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.hubspot_error(
                400, f"Invalid input JSON on line 1: {exc}", "VALIDATION_ERROR"
            ) from None

    def require_object(self, request: Request) -> dict[str, Any]:
        body = self.json_body(request)
        if not isinstance(body, dict):
            raise self.hubspot_error(
                400,
                "Invalid input JSON: the request body must be a JSON object",
                "VALIDATION_ERROR",
            )
        return body

    def int_arg(self, request: Request, name: str, default: int, maximum: int) -> int:
        raw = request.args.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise self.hubspot_error(
                400, f"{name} must be an integer", "VALIDATION_ERROR"
            ) from None
        if not 0 < value <= maximum:
            raise self.hubspot_error(
                400, f"{name} must be between 1 and {maximum}, not {value}", "VALIDATION_ERROR"
            )
        return value

    # --- base-class hooks --------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        """Safety net: a handler bug on odd input answers 400 in HubSpot's shape, never 500."""
        try:
            return super().dispatch(request)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            print(f"hubspot sandbox: {request.method} {request.path}: {exc!r}", file=sys.stderr)
            return self._vendor_error(
                request,
                self.hubspot_error(400, f"Invalid request: {exc}", "VALIDATION_ERROR"),
                count_as=None,
            )

    def authenticate(self, request: Request, endpoint: str) -> None:
        header = request.headers.get("Authorization", "")
        if header != f"Bearer {ACCESS_TOKEN}" or self.token_revoked:
            raise self.hubspot_error(401, _AUTH_MESSAGE, "INVALID_AUTHENTICATION")
        scope = required_scope(request.method, request.path)
        if scope in self.missing_scopes:
            error = self.hubspot_error(
                403,
                _SCOPES_MESSAGE,
                "MISSING_SCOPES",
                errors=[
                    {
                        "message": "One or more of the following scopes are required.",
                        "context": {"requiredGranularScopes": [scope]},
                    }
                ],
            )
            error.body["links"] = {"scopes": "https://developers.hubspot.com/scopes"}
            raise error

    def control_token(self, request: Request) -> Response:
        """The private app's token as HubSpot holds it: revoked, or short of scopes."""
        if request.method == "PATCH":
            data = self.require_object(request)
            unknown = set(data) - {"revoked", "missing_scopes"}
            if unknown:
                raise ValueError(f"unknown token fields: {sorted(unknown)}")
            scopes = data.get("missing_scopes", sorted(self.missing_scopes))
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise ValueError("missing_scopes must be a list of scope names")
            with self.lock:
                self.token_revoked = bool(data.get("revoked", self.token_revoked))
                self.missing_scopes = set(scopes)
        return self.json_response(
            {"revoked": self.token_revoked, "missing_scopes": sorted(self.missing_scopes)}
        )

    def on_arrival(self, request: Request, endpoint: str) -> None:
        """HubSpot counts a call against the app's limits as it arrives (a refused one
        too) and answers a 429 at once; the time it then takes to answer is not part of
        the window. A call without the app's token is no call of the app's."""
        if request.headers.get("Authorization", "") != f"Bearer {ACCESS_TOKEN}":
            return
        search = bool(_SEARCH_PATH.match(request.path))
        with self.lock:
            verdict = self.limiter.hit(search=search)
        request.environ["sandbox.hubspot.ratelimit"] = verdict.headers
        if verdict.refused_policy:
            self.traffic.refused(verdict.refused_policy)
            raise VendorError(
                429,
                rate_limit_body(verdict.refused_policy),
                {"Retry-After": str(verdict.retry_after)},
            )

    def response_headers(self, request: Request) -> dict[str, str]:
        headers = request.environ.get("sandbox.hubspot.ratelimit")
        if headers is None:
            with self.lock:
                headers = self.limiter.headers(search=bool(_SEARCH_PATH.match(request.path)))
        return headers

    def latency_profiles(self) -> dict[str, Profile]:
        return latency_profile.PROFILES

    def latency_call(self, request: Request, endpoint: str) -> Call:
        return latency_profile.classify(request)

    def limits_seen(self) -> dict[str, Any]:
        """The busiest rolling windows, beside the limits HubSpot sets for them."""
        s = self.limiter.settings
        return {
            "max_per_10s": self.limiter.peak_10s,
            "ten_second_limit": s.ten_second_limit,
            "search_max_per_s": self.limiter.peak_search_1s,
            "search_per_second": s.search_per_second,
        }

    def limits_seen_clear(self) -> None:
        with self.lock:
            self.limiter.clear_peaks()

    def default_error_body(self, status: int, message: str) -> Any:
        if status == 429:
            return rate_limit_body("TEN_SECONDLY_ROLLING")
        category = _CATEGORIES.get(status, "INTERNAL_ERROR" if status >= 500 else "ERROR")
        return self.hubspot_error(status, message, category).body

    def settings(self) -> dict[str, Any]:
        s = self.limiter.settings
        return {
            "ten_second_limit": s.ten_second_limit,
            "search_per_second": s.search_per_second,
            "daily_limit": s.daily_limit,
            **self.extra_settings,
        }

    def update_settings(self, changes: dict[str, Any]) -> None:
        known = set(self.settings())
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)} (known: {sorted(known)})")
        for name, value in changes.items():
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
            if name in self.extra_settings:
                self.extra_settings[name] = value
            else:
                setattr(self.limiter.settings, name, value)

    # --- account, properties, owners ---------------------------------------------------
    def account_details(self, request: Request) -> Response:
        # https://developers.hubspot.com/docs/api-reference/account-account-info-v3/details/get-account-info-v3-details
        return self.json_response(
            {
                "portalId": PORTAL_ID,
                "accountType": "STANDARD",
                "timeZone": "Europe/Helsinki",
                "companyCurrency": "EUR",
                "additionalCurrencies": [],
                "utcOffset": "+02:00",
                "utcOffsetMilliseconds": 7_200_000,
                "uiDomain": "app-eu1.hubspot.com",
                "dataHostingLocation": "eu1",
            }
        )

    def properties_all(self, request: Request) -> Response:
        return self.json_response(
            {"results": [p.to_json(i) for i, p in enumerate(CONTACT_PROPERTIES.values())]}
        )

    def properties_one(self, request: Request, name: str) -> Response:
        names = list(CONTACT_PROPERTIES)
        if name not in CONTACT_PROPERTIES:
            raise self.hubspot_error(
                404, f"Unable to find property {name} for object type 0-1", "OBJECT_NOT_FOUND"
            )
        return self.json_response(CONTACT_PROPERTIES[name].to_json(names.index(name)))

    def engagement_properties_all(self, request: Request, object_type: str) -> Response:
        """``GET /crm/v3/properties/{notes|calls|emails|meetings|tasks}`` (or type ids)."""
        catalogue, noun = self._property_catalogue(object_type)
        return self.json_response(
            {"results": [p.to_json(i, noun) for i, p in enumerate(catalogue.values())]}
        )

    def engagement_properties_one(self, request: Request, object_type: str, name: str) -> Response:
        catalogue, noun = self._property_catalogue(object_type)
        if name not in catalogue:
            raise self.hubspot_error(
                404,
                f"Unable to find property {name} for object type {object_type}",
                "OBJECT_NOT_FOUND",
            )
        return self.json_response(catalogue[name].to_json(list(catalogue).index(name), noun))

    def _property_catalogue(self, object_type: str) -> tuple[dict[str, PropertyDef], str]:
        """The catalogue for an object type name or id, and the record noun its
        descriptions use."""
        kind = OBJECT_TYPE_ALIASES.get(object_type.lower(), object_type.lower())
        if kind == "contacts":
            return CONTACT_PROPERTIES, "contact"
        if kind not in ENGAGEMENT_PROPERTIES:
            raise self.hubspot_error(
                400, f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR"
            )
        return ENGAGEMENT_PROPERTIES[kind], kind[:-1]

    def owners_page(self, request: Request) -> Response:
        limit = self.int_arg(request, "limit", OWNERS_LIMIT_DEFAULT, OWNERS_LIMIT_MAX)
        email = (request.args.get("email") or "").lower()
        archived = request.args.get("archived", "false").lower() == "true"
        after = request.args.get("after") or "0"
        if not after.isdigit():
            raise self.hubspot_error(
                400, f"after must be a paging cursor, not {after!r}", "VALIDATION_ERROR"
            )
        with self.lock:
            found = [
                o
                for o in sorted(self.owners.values(), key=lambda o: int(o["id"]))
                if o["archived"] == archived
                and (not email or o["email"].lower() == email)
                and int(o["id"]) > int(after)
            ]
        body: dict[str, Any] = {"results": found[:limit]}
        if len(found) > limit:
            body["paging"] = {"next": {"after": found[limit - 1]["id"]}}
        return self.json_response(body)

    def owners_one(self, request: Request, owner_id: str) -> Response:
        with self.lock:
            owner = self.owners.get(owner_id)
        if owner is None:
            raise self.hubspot_error(404, f"Owner {owner_id} not found", "OBJECT_NOT_FOUND")
        return self.json_response(owner)

    # --- state -------------------------------------------------------------------------
    def reset(self, *, seed: str = "empty", contacts: int | None = None) -> None:
        """Drop all state and settings; ``empty`` keeps owners and properties, ``demo`` adds
        people and lists, ``bench`` the benchmark's contacts and list (no activities)."""
        if seed not in ("empty", "demo", "bench"):
            raise ValueError(f"unknown seed {seed!r} (empty, demo or bench)")
        with self.lock:
            self.contacts.clear()
            self.contact_id_by_email.clear()
            self.contact_order.clear()
            self.owners.clear()
            self.lists.clear()
            self.list_matchers.clear()
            self.next_list_id = 0
            self.last_ms = 0
            self._next_id = FIRST_ID
            self.limiter = RateLimiter(RateLimitSettings())
            self.extra_settings = dict(DEFAULT_EXTRA_SETTINGS)
            self.token_revoked = False
            self.missing_scopes = set()
            seed_owners(self)
            people = list(demo_people(contacts)) if seed == "demo" else []
            if seed == "demo":
                seed_demo(self, people)
            if seed == "bench":
                seed_bench(self, list(bench_people(contacts)))
            self.reset_activities(seed=seed, people=people)

    def connection_info(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "access_token": ACCESS_TOKEN, "portal_id": PORTAL_ID}

    def dump_state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "contacts": list(self.contacts.values()),
                "owners": list(self.owners.values()),
                "lists": list(self.lists.values()),
                "next_id": self._next_id,
                "next_list_id": self.next_list_id,
                "last_ms": self.last_ms,
                "activities": self.dump_activities(),
            }

    def load_state(self, state: dict[str, Any]) -> None:
        with self.lock:
            self.reset(seed="empty")
            self.owners = {o["id"]: o for o in state.get("owners", [])} or self.owners
            for contact in sorted(state.get("contacts", []), key=lambda c: int(c["id"])):
                self.contacts[contact["id"]] = contact
                self.contact_order.append(int(contact["id"]))
                email = contact["properties"].get("email")
                if email and not contact["archived"]:
                    self.contact_id_by_email[email.lower()] = contact["id"]
            for record in state.get("lists", []):
                self.lists[record["listId"]] = record
                if record["processingType"] == "DYNAMIC" and record.get("filterBranch"):
                    self.list_matchers[record["listId"]] = self.compile_list_filter(
                        record["filterBranch"]
                    )
            self._next_id = state.get("next_id", FIRST_ID)
            self.next_list_id = state.get("next_list_id", 0)
            self.last_ms = state.get("last_ms", 0)
            self.load_activities(state.get("activities", {}))
