"""HubSpot activities in the sandbox: engagements, associations v4, forms, email, Events API.

``HubSpotActivitiesMixin`` is mixed into ``HubSpotEmulator`` (``app.py``), which
gives it ``lock``, ``contacts``, ``contact_id_by_email``, ``owners``,
``new_id()``, ``now()``, ``stamp()``, ``hubspot_error()``, ``batch_response()``,
``json_body()`` and ``json_response()``; auth and rate limits run before these
handlers. What is served (shapes from HubSpot's public references):

- ``/crm/v3/objects/{notes|calls|emails|meetings|tasks}``: create (201,
  ``hs_timestamp`` required), get/patch/delete by id, list paging, batch
  read/create/update/archive (at most 100 inputs, 207 on partial failure),
  search (``POST .../search``, 200 per page, 10,000 results per query).
  Every write moves ``hs_lastmodifieddate``/``updatedAt`` strictly forward (ms).
  Bodies (``hs_note_body``, ``hs_call_body``, ``hs_meeting_body``,
  ``hs_task_body``, ``hs_email_html``) are HTML in HubSpot: the demo seed's are
  (``activity_seed.py``), and a write keeps exactly the value it was given, HTML
  or not, as HubSpot stores what the caller sent. ``CONTAINS_TOKEN`` searches
  an HTML body's text, not its markup (``search.py``).
- Associations v4 between engagements and contacts (default, unlabeled types):
  ``PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}``,
  ``GET /crm/v4/objects/{from}/{id}/associations/{to}``,
  ``DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}``,
  ``POST /crm/v4/associations/{from}/{to}/batch/read|create|associate/default``.
- Forms: ``GET /marketing/v3/forms`` and
  ``GET /form-integrations/v1/submissions/forms/{formGuid}`` (newest first;
  ``blog_comment`` forms answer 400).
- Marketing email: ``GET /email/public/v1/events`` (newest first, opaque
  ``offset``; ordering is [unverified] against the live API, paging always
  terminates) and ``GET /email/public/v1/campaigns/{id}``.
- Events API (HubSpot Enterprise): ``GET /events/v3/events`` and
  ``GET /events/v3/events/event-types``.

Events API event types the sandbox serves (its own names; HubSpot's real
names for these differ per portal/app). All are on ``objectType=contact``:

===========================  =================================================
eventType                    properties
===========================  =================================================
``e_sales_email_opened``     ``hs_email_subject``, ``hs_email_id`` (CRM email)
``e_sales_email_clicked``    ``hs_email_subject``, ``hs_email_id``, ``hs_url``
``e_document_viewed``        ``hs_document_name``, ``hs_document_id``
``e_integration_event``      ``hs_app_name``, ``hs_event_name``
===========================  =================================================

Sales email *replies* are not Events API events: they are CRM emails with
``hs_email_direction=INCOMING_EMAIL`` (sent ones have ``EMAIL``).

``GET /events/v3/events`` takes ``objectType`` (``contact``), ``objectId``,
``objectProperty.email``, ``eventType``, ``occurredAfter``/``occurredBefore`` (ISO 8601 or ms,
both exclusive), ``sort`` (``ASCENDING``/``DESCENDING``, default DESCENDING),
``limit`` (at most 1000) and ``after``. HubSpot's OpenAPI file marks
``objectType`` and ``objectId`` optional (``objectId`` needs ``objectType``),
so omitting ``objectId`` pages every contact's events of a type, which is how
incremental reads across contacts work.

Control API (under ``/__sandbox__``): ``POST /activities`` seeds activities at
arbitrary past times (see ``activity_control.py``), ``POST /forms`` and
``POST /email-campaigns`` create a form or campaign by name.
"""

from __future__ import annotations

import base64
import uuid
from bisect import bisect_left, bisect_right, insort
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from integrations.sandbox.emulator import VendorError
from integrations.sandbox.hubspot.engagement_properties import (
    ASSOCIATION_PAIR_BY_TYPE_ID,
    DEFAULT_ASSOCIATION_TYPE_IDS,
    ENGAGEMENT_DEFAULT_PROPERTIES,
    ENGAGEMENT_PROPERTIES,
    ENGAGEMENT_READ_ONLY,
    ENGAGEMENT_TYPES,
    OBJECT_TYPE_ALIASES,
    OBJECT_TYPE_IDS,
)
from integrations.sandbox.hubspot.properties import as_string, iso, parse_moment
from integrations.sandbox.hubspot.search import SearchError, parse_search, sort_records

if TYPE_CHECKING:
    from integrations.sandbox.demo import DemoPerson
    from integrations.sandbox.hubspot.app import HubSpotEmulator

#: CRM batch endpoints accept at most 100 inputs (HubSpot batch API reference)
BATCH_LIMIT = 100
#: v4 association batch read/create accept at most 1000 inputs (crm-associations-v4 batch reference)
ASSOCIATION_BATCH_LIMIT = 1000
#: GET /crm/v3/objects/{type}: at most 100 per page, 10 by default (CRM objects reference)
PAGE_LIMIT_MAX = 100
PAGE_LIMIT_DEFAULT = 10
#: GET /crm/v4/objects/.../associations/{to}: at most 500 per page (associations v4 reference)
ASSOCIATION_PAGE_MAX = 500
#: GET /marketing/v3/forms: 20 hubspot forms by default (SDK docstring); max [unverified]
FORMS_LIMIT_DEFAULT = 20
FORMS_LIMIT_MAX = 500
#: GET /form-integrations/v1/submissions/forms/{guid}: default 20, at most 50 (legacy forms docs)
SUBMISSIONS_LIMIT_DEFAULT = 20
SUBMISSIONS_LIMIT_MAX = 50
#: GET /email/public/v1/events: at most 1000 per page (legacy email events docs)
EMAIL_EVENTS_LIMIT_DEFAULT = 100
EMAIL_EVENTS_LIMIT_MAX = 1000
#: GET /events/v3/events: default 100; at most 1000 per page [unverified, as the client assumes]
EVENTS_LIMIT_DEFAULT = 100
EVENTS_LIMIT_MAX = 1000

#: form types of GET /marketing/v3/forms (marketing-forms-v3 guide, "Form types")
FORM_TYPES = ("hubspot", "captured", "flow", "blog_comment")
#: marketing email event types served (legacy email events guide lists more; these are what we seed)
EMAIL_EVENT_TYPES = ("SENT", "DELIVERED", "OPEN", "CLICK", "BOUNCE", "UNSUBSCRIBE")
#: the sandbox's own Events API event types (documented in this module's docstring)
EVENT_TYPES = (
    "e_sales_email_opened",
    "e_sales_email_clicked",
    "e_document_viewed",
    "e_integration_event",
)
#: the app id marketing ("batch") emails are sent by (legacy email events docs example)
BATCH_APP_ID = 113
BATCH_APP_NAME = "Batch"
#: the sandbox portal (same as app.PORTAL_ID; repeated to avoid an import cycle)
PORTAL_ID = 24681357

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds() * 1000)


def encode_cursor(*parts: int) -> str:
    """An opaque paging token, as HubSpot's are (keyset: stable while new rows arrive)."""
    raw = ":".join(str(p) for p in parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, size: int) -> tuple[int, ...] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        parts = tuple(int(p) for p in raw.split(":"))
    except (ValueError, UnicodeDecodeError):
        return None
    return parts if len(parts) == size else None


def _flag(request: Request, name: str) -> bool:
    return request.args.get(name, "false").lower() == "true"


def _requested(request: Request) -> list[str] | None:
    names = [n.strip() for v in request.args.getlist("properties") for n in v.split(",")]
    return [n for n in names if n] or None


class HubSpotActivitiesMixin:
    """Engagement, association, form, marketing-email and Events API state and handlers."""

    # --- contract with the host ------------------------------------------------------
    def activity_routes(self) -> list[tuple[str, str, list[str]]]:
        # contacts have static rules (contacts.py), which werkzeug prefers over this one
        base = "/crm/v3/objects/<object_type>"
        v4 = "/crm/v4/objects/<from_type>/<from_id>/associations"
        return [
            (base, "engagements_collection", ["GET", "POST"]),
            (f"{base}/search", "engagements_search", ["POST"]),
            (f"{base}/batch/read", "engagements_batch_read", ["POST"]),
            (f"{base}/batch/create", "engagements_batch_create", ["POST"]),
            (f"{base}/batch/update", "engagements_batch_update", ["POST"]),
            (f"{base}/batch/archive", "engagements_batch_archive", ["POST"]),
            (f"{base}/<object_id>", "engagements_one", ["GET", "PATCH", "DELETE"]),
            (f"{v4}/default/<to_type>/<to_id>", "associations_put_default", ["PUT"]),
            (f"{v4}/<to_type>", "associations_list", ["GET"]),
            (f"{v4}/<to_type>/<to_id>", "associations_delete", ["DELETE"]),
            (
                "/crm/v4/associations/<from_type>/<to_type>/batch/read",
                "associations_batch_read",
                ["POST"],
            ),
            (
                "/crm/v4/associations/<from_type>/<to_type>/batch/create",
                "associations_batch_create",
                ["POST"],
            ),
            (
                "/crm/v4/associations/<from_type>/<to_type>/batch/associate/default",
                "associations_batch_default",
                ["POST"],
            ),
            ("/marketing/v3/forms", "forms_page", ["GET"]),
            ("/marketing/v3/forms/<form_id>", "forms_one", ["GET"]),
            (
                "/form-integrations/v1/submissions/forms/<form_guid>",
                "form_submissions_page",
                ["GET"],
            ),
            ("/email/public/v1/events", "email_events_page", ["GET"]),
            ("/email/public/v1/campaigns/<campaign_id>", "email_campaign_one", ["GET"]),
            ("/events/v3/events", "events_page", ["GET"]),
            ("/events/v3/events/event-types", "event_types", ["GET"]),
        ]

    def activity_control_routes(self) -> list[tuple[str, str, list[str]]]:
        return [
            ("/activities", "control_activities", ["POST"]),
            ("/forms", "control_forms", ["POST"]),
            ("/email-campaigns", "control_email_campaigns", ["POST"]),
        ]

    def reset_activities(self, *, seed: str, people: list[DemoPerson]) -> None:
        """Drop all activity state; ``demo`` seeds forms, campaigns and ``people``'s activities."""
        self.engagements: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in ENGAGEMENT_TYPES}
        #: "from:to" -> from id -> {to id: None} (an insertion-ordered set), both directions kept
        self.assoc: dict[str, dict[str, dict[str, None]]] = {}
        self.forms: dict[str, dict[str, Any]] = {}
        #: form guid -> [(submittedAt ms, seq, conversionId, values, pageUrl)] ascending
        self.form_submissions: dict[str, list[tuple]] = {}
        self.email_campaigns: dict[int, dict[str, Any]] = {}
        #: [(created ms, seq, event)] ascending
        self.email_events: list[tuple] = []
        #: [(occurred ms, seq, id, eventType, objectId, properties)] ascending
        self.timeline_events: list[tuple] = []
        self.activity_seq = 0
        if seed == "demo" and people:
            from integrations.sandbox.hubspot.activity_seed import seed_demo_activities

            seed_demo_activities(self, people)

    def dump_activities(self) -> dict[str, Any]:
        """Everything as JSON-safe data (``load_activities`` takes it back)."""
        with self.lock:
            return {
                "engagements": {k: list(v.values()) for k, v in self.engagements.items()},
                "assoc": {k: {f: list(t) for f, t in v.items()} for k, v in self.assoc.items()},
                "forms": list(self.forms.values()),
                "form_submissions": {
                    k: [list(s) for s in v] for k, v in self.form_submissions.items()
                },
                "email_campaigns": list(self.email_campaigns.values()),
                "email_events": [list(e) for e in self.email_events],
                "timeline_events": [list(e) for e in self.timeline_events],
                "activity_seq": self.activity_seq,
            }

    def load_activities(self, state: dict[str, Any]) -> None:
        with self.lock:
            self.reset_activities(seed="empty", people=[])
            for kind, records in (state.get("engagements") or {}).items():
                self.engagements[kind] = {
                    r["id"]: r for r in sorted(records, key=lambda r: int(r["id"]))
                }
            self.assoc = {
                k: {f: dict.fromkeys(t) for f, t in v.items()}
                for k, v in (state.get("assoc") or {}).items()
            }
            self.forms = {f["id"]: f for f in state.get("forms") or []}
            self.form_submissions = {
                k: [tuple(s) for s in v] for k, v in (state.get("form_submissions") or {}).items()
            }
            self.email_campaigns = {c["id"]: c for c in state.get("email_campaigns") or []}
            self.email_events = [tuple(e) for e in state.get("email_events") or []]
            self.timeline_events = [tuple(e) for e in state.get("timeline_events") or []]
            self.activity_seq = state.get("activity_seq", 0)

    # --- shared helpers -------------------------------------------------------------------
    def next_seq(self) -> int:
        self.activity_seq += 1
        return self.activity_seq

    def _validation(self: HubSpotEmulator, message: str, **extra: Any) -> VendorError:
        return self.hubspot_error(400, message, "VALIDATION_ERROR", **extra)

    def _body(self: HubSpotEmulator, request: Request) -> dict[str, Any]:
        body = self.json_body(request)
        if not isinstance(body, dict):
            raise self._validation("Invalid input JSON: the request body must be a JSON object")
        return body

    def _int_arg(
        self: HubSpotEmulator, request: Request, name: str, default: int, maximum: int
    ) -> int:
        raw = request.args.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            raise self._validation(f"{name} must be an integer, not {raw!r}") from None
        if not 0 < value <= maximum:
            raise self._validation(f"{name} must be between 1 and {maximum}, not {value}")
        return value

    def _ms_arg(self: HubSpotEmulator, request: Request, name: str) -> int | None:
        raw = request.args.get(name)
        if raw in (None, ""):
            return None
        moment = parse_moment(raw)
        if moment is None:
            raise self._validation(
                f"{name} must be a timestamp (epoch ms or ISO 8601), not {raw!r}"
            )
        return epoch_ms(moment)

    # --- engagements: records ----------------------------------------------------------------
    def engagement_json(
        self,
        kind: str,
        record: dict[str, Any],
        wanted: list[str] | None,
        associations: list[str] | None = None,
    ) -> dict[str, Any]:
        """The record as HubSpot returns it: asked-for properties (null when unset), defaults."""
        stored = record["properties"]
        names = list(wanted) if wanted else list(stored)
        properties = {n: stored.get(n) for n in names}
        for name in ENGAGEMENT_DEFAULT_PROPERTIES:
            properties.setdefault(name, stored.get(name))
        body: dict[str, Any] = {
            "id": record["id"],
            "properties": properties,
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "archived": record["archived"],
        }
        if record.get("archivedAt"):
            body["archivedAt"] = record["archivedAt"]
        if associations:
            found = {}
            for to in associations:
                to_type = OBJECT_TYPE_ALIASES.get(to, to)
                linked = self.assoc.get(f"{kind}:{to_type}", {}).get(record["id"], {})
                type_id = DEFAULT_ASSOCIATION_TYPE_IDS.get((kind, to_type))
                if linked and type_id:
                    label = f"{kind[:-1]}_to_{to_type[:-1]}"
                    found[to_type] = {"results": [{"id": t, "type": label} for t in linked]}
            if found:
                body["associations"] = found
        return body

    def clean_engagement_properties(
        self: HubSpotEmulator, kind: str, raw: Any, *, trusted: bool = False
    ) -> dict[str, str | None]:
        """Validate written values (kept as strings); ``trusted`` (control API) sets read-only."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise self._validation("Invalid input JSON: 'properties' must be an object")
        catalogue = ENGAGEMENT_PROPERTIES[kind]
        unknown = [n for n in raw if n not in catalogue]
        if unknown:
            raise self._validation(
                "Property values were not valid: "
                + "; ".join(f'Property "{n}" does not exist' for n in unknown),
                errors=[
                    {
                        "message": f'Property "{n}" does not exist',
                        "code": "PROPERTY_DOESNT_EXIST",
                        "context": {"propertyName": [n]},
                    }
                    for n in unknown
                ],
            )
        clean: dict[str, str | None] = {}
        for name, value in raw.items():
            if name in ENGAGEMENT_READ_ONLY and not trusted:
                continue
            if value is None or value == "":
                clean[name] = None
                continue
            prop = catalogue[name]
            text = as_string(value)
            problem = None
            if name == "hubspot_owner_id":
                if text not in self.owners:
                    problem = (f"{text} is not a valid owner id", "INVALID_OWNER_ID")
            elif prop.options and text not in {v for v, _ in prop.options}:
                problem = (
                    f"{text} was not one of the allowed options for {name}",
                    "INVALID_OPTION",
                )
            elif prop.type == "datetime":
                moment = parse_moment(text)
                if moment is None:
                    problem = (f"{text} is not a valid date for {name}", "INVALID_DATE")
                else:
                    text = iso(moment)
            elif prop.type == "number":
                try:
                    float(text)
                except ValueError:
                    problem = (f"{text} is not a valid number for {name}", "INVALID_INTEGER")
            if problem:
                raise self._validation(
                    f"Property values were not valid: {problem[0]}",
                    errors=[
                        {
                            "message": problem[0],
                            "code": problem[1],
                            "context": {"propertyName": [name]},
                        }
                    ],
                )
            clean[name] = text
        return clean

    def write_engagement(
        self: HubSpotEmulator,
        kind: str,
        record: dict[str, Any] | None,
        raw: Any,
        *,
        associations: Any = None,
        source: str = "API",
        trusted: bool = False,
    ) -> dict[str, Any]:
        """Create (``record`` None) or update; ``hs_lastmodifieddate`` moves strictly forward."""
        clean = self.clean_engagement_properties(kind, raw, trusted=trusted)
        if record is None and not clean.get("hs_timestamp"):
            raise self._validation(
                "Property values were not valid: hs_timestamp is required",
                errors=[
                    {
                        "message": "hs_timestamp is required",
                        "code": "REQUIRED_FIELD",
                        "context": {"propertyName": ["hs_timestamp"]},
                    }
                ],
            )
        links = self._inline_associations(kind, associations) if record is None else []
        stamp = iso(self.stamp())
        created = clean.pop("hs_createdate", None) or stamp
        modified = clean.pop("hs_lastmodifieddate", None) or stamp
        clean.pop("hs_object_id", None)
        if record is None:
            object_id = self.new_id()
            record = {
                "id": object_id,
                "properties": {
                    "hs_createdate": created,
                    "hs_object_id": object_id,
                    "hs_engagement_source": source,
                },
                "createdAt": created,
                "updatedAt": modified,
                "archived": False,
            }
            self.engagements[kind][object_id] = record
        props = record["properties"]
        for name, value in clean.items():
            if value is None:
                props.pop(name, None)
            else:
                props[name] = value
        props["hs_lastmodifieddate"] = modified
        record["updatedAt"] = modified
        for to_type, to_id in links:
            self.link(kind, record["id"], to_type, to_id)
        return record

    def _inline_associations(self: HubSpotEmulator, kind: str, raw: Any) -> list[tuple[str, str]]:
        """``associations`` of a create body as (to type, to id); invalid ones refuse the create."""
        if raw in (None, []):
            return []
        if not isinstance(raw, list):
            raise self._validation("Invalid input JSON: 'associations' must be a list")
        links = []
        for item in raw:
            to_id = (
                str(((item or {}).get("to") or {}).get("id", "")) if isinstance(item, dict) else ""
            )
            types = item.get("types") if isinstance(item, dict) else None
            if not to_id or not isinstance(types, list) or not types:
                raise self._validation(
                    "Each association needs 'to': {'id'} and a non-empty 'types' list"
                )
            for spec in types:
                type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
                pair = ASSOCIATION_PAIR_BY_TYPE_ID.get(type_id)
                if pair is None or pair[0] != kind:
                    raise self._validation(
                        f"{type_id} is not a valid association type id from {kind}",
                        errors=[
                            {
                                "message": f"invalid associationTypeId {type_id}",
                                "code": "INVALID_ASSOCIATION_TYPE",
                            }
                        ],
                    )
                if self.find_object(pair[1], to_id) is None:
                    raise self._validation(
                        f"One or more associations are invalid: {pair[1]} {to_id} does not exist",
                        errors=[
                            {"message": f"{pair[1]} {to_id} not found", "code": "INVALID_OBJECT_ID"}
                        ],
                    )
                links.append((pair[1], to_id))
        return links

    def find_object(
        self: HubSpotEmulator, object_type: str, object_id: str
    ) -> dict[str, Any] | None:
        """A live (unarchived) contact or engagement, or None."""
        store = self.contacts if object_type == "contacts" else self.engagements.get(object_type)
        record = store.get(str(object_id)) if store is not None else None
        return record if record is not None and not record["archived"] else None

    def link(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Associate both ways (v4 associations are always readable from either side)."""
        self.assoc.setdefault(f"{from_type}:{to_type}", {}).setdefault(from_id, {})[to_id] = None
        self.assoc.setdefault(f"{to_type}:{from_type}", {}).setdefault(to_id, {})[from_id] = None

    def archive_engagement(self: HubSpotEmulator, record: dict[str, Any]) -> None:
        stamp = iso(self.stamp())
        record["archived"] = True
        record["archivedAt"] = stamp
        record["updatedAt"] = stamp
        record["properties"]["hs_lastmodifieddate"] = stamp

    def _engagement_kind(self: HubSpotEmulator, object_type: str) -> str:
        """The engagement type of a path, or HubSpot's 400 for an object type the sandbox lacks."""
        kind = OBJECT_TYPE_ALIASES.get(object_type.lower(), object_type.lower())
        if kind not in ENGAGEMENT_TYPES:
            raise self._validation(
                f"Unable to infer object type from: {object_type}",
                errors=[
                    {"message": f"Unknown object type {object_type}", "code": "INVALID_OBJECT_TYPE"}
                ],
            )
        return kind

    def _engagement_not_found(self: HubSpotEmulator, object_id: str) -> VendorError:
        return self.hubspot_error(
            404,
            f"Object not found.  objectId are usually numeric. ({object_id})",
            "OBJECT_NOT_FOUND",
        )

    # --- engagements: basic ----------------------------------------------------------------
    def engagements_collection(
        self: HubSpotEmulator, request: Request, object_type: str
    ) -> Response:
        kind = self._engagement_kind(object_type)
        if request.method == "POST":
            body = self._body(request)
            with self.lock:
                record = self.write_engagement(
                    kind, None, body.get("properties"), associations=body.get("associations")
                )
                return self.json_response(self.engagement_json(kind, record, None), 201)
        limit = self._int_arg(request, "limit", PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX)
        after = request.args.get("after") or "0"
        if not after.isdigit():
            raise self._validation(f"after must be a paging cursor, not {after!r}")
        archived = _flag(request, "archived")
        wanted = _requested(request)
        associations = [a for v in request.args.getlist("associations") for a in v.split(",") if a]
        with self.lock:
            # ids are handed out ascending, so dict order is id order (load_activities sorts)
            found = []
            more = False
            for record in self.engagements[kind].values():
                if int(record["id"]) <= int(after) or record["archived"] != archived:
                    continue
                if len(found) == limit:
                    more = True
                    break
                found.append(self.engagement_json(kind, record, wanted, associations))
        body: dict[str, Any] = {"results": found}
        if more:
            cursor = found[-1]["id"]
            body["paging"] = {
                "next": {
                    "after": cursor,
                    "link": f"{request.host_url.rstrip('/')}/crm/v3/objects/{kind}?after={cursor}",
                }
            }
        return self.json_response(body)

    def engagements_one(
        self: HubSpotEmulator, request: Request, object_type: str, object_id: str
    ) -> Response:
        kind = self._engagement_kind(object_type)
        with self.lock:
            record = self.engagements[kind].get(object_id)
            archived_wanted = request.method == "GET" and _flag(request, "archived")
            if record is None or record["archived"] != archived_wanted:
                raise self._engagement_not_found(object_id)
            if request.method == "GET":
                associations = [
                    a for v in request.args.getlist("associations") for a in v.split(",") if a
                ]
                return self.json_response(
                    self.engagement_json(kind, record, _requested(request), associations)
                )
            if request.method == "DELETE":
                self.archive_engagement(record)
                return self.json_response(None, 204)
            body = self._body(request)
            record = self.write_engagement(kind, record, body.get("properties"))
            return self.json_response(self.engagement_json(kind, record, None))

    # --- engagements: batch ----------------------------------------------------------------
    def _run_batch(
        self: HubSpotEmulator, request: Request, action: Any, status_ok: int
    ) -> Response:
        _, inputs = self.batch_inputs(request)
        injected = self.record_errors_for(request)
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        with self.lock:
            for index, item in enumerate(inputs):
                context: dict[str, list[str]] = {}
                if isinstance(item, dict):
                    if item.get("objectWriteTraceId") is not None:
                        context["objectWriteTraceId"] = [str(item["objectWriteTraceId"])]
                    if item.get("id") is not None:
                        context["ids"] = [str(item["id"])]
                if index in injected:
                    errors.append(self.batch_error(injected[index], context))
                    continue
                try:
                    if not isinstance(item, dict):
                        raise self._validation(f"inputs[{index}] must be an object")
                    record = action(item)
                except VendorError as exc:
                    errors.append(self.batch_error(exc, context))
                    continue
                if item.get("objectWriteTraceId") is not None:
                    record["objectWriteTraceId"] = str(item["objectWriteTraceId"])
                results.append(record)
        return self.batch_response(results, errors, status_ok)

    def engagements_batch_create(
        self: HubSpotEmulator, request: Request, object_type: str
    ) -> Response:
        kind = self._engagement_kind(object_type)

        def create(item: dict[str, Any]) -> dict[str, Any]:
            record = self.write_engagement(
                kind, None, item.get("properties"), associations=item.get("associations")
            )
            return self.engagement_json(kind, record, None)

        return self._run_batch(request, create, 201)

    def engagements_batch_update(
        self: HubSpotEmulator, request: Request, object_type: str
    ) -> Response:
        kind = self._engagement_kind(object_type)

        def update(item: dict[str, Any]) -> dict[str, Any]:
            record = self.find_object(kind, str(item.get("id")))
            if record is None:
                raise self._engagement_not_found(str(item.get("id")))
            return self.engagement_json(
                kind, self.write_engagement(kind, record, item.get("properties")), None
            )

        return self._run_batch(request, update, 200)

    def engagements_batch_read(
        self: HubSpotEmulator, request: Request, object_type: str
    ) -> Response:
        kind = self._engagement_kind(object_type)
        body, inputs = self.batch_inputs(request)
        if body.get("idProperty") not in (None, "hs_object_id"):
            raise self._validation(
                f"{body['idProperty']} is not a unique identifier property for {kind}"
            )
        wanted = body.get("properties") or None
        archived = _flag(request, "archived")
        injected = self.record_errors_for(request)
        results, missing, errors = [], [], []
        with self.lock:
            for index, item in enumerate(inputs):
                key = str(item.get("id")) if isinstance(item, dict) else str(item)
                if index in injected:
                    errors.append(self.batch_error(injected[index], {"ids": [key]}))
                    continue
                record = self.engagements[kind].get(key)
                if record is None or record["archived"] != archived:
                    missing.append(key)
                else:
                    results.append(self.engagement_json(kind, record, wanted))
        if missing:
            errors.append(
                self.batch_error(
                    {
                        "category": "OBJECT_NOT_FOUND",
                        "message": f"Could not get some {kind[:-1].upper()} objects, they may be "
                        "deleted or not exist. Check that ids are valid.",
                    },
                    {"ids": missing},
                )
            )
        return self.batch_response(results, errors, 200)

    def engagements_batch_archive(
        self: HubSpotEmulator, request: Request, object_type: str
    ) -> Response:
        kind = self._engagement_kind(object_type)
        return self.batch_archive(
            request, lambda key: self.find_object(kind, key), self.archive_engagement
        )

    # --- engagements: search ---------------------------------------------------------------
    def engagements_search(self: HubSpotEmulator, request: Request, object_type: str) -> Response:
        kind = self._engagement_kind(object_type)
        body = self._body(request)
        catalogue = ENGAGEMENT_PROPERTIES[kind]
        try:
            query = parse_search(body, catalogue)
        except SearchError as exc:
            raise self._validation(str(exc)) from None
        with self.lock:
            matches = [
                r
                for r in self.engagements[kind].values()
                if not r["archived"] and query.predicate(r["properties"])
            ]
            if query.sorts:
                sort_records(matches, query.sorts, catalogue)
            page = matches[query.after : query.after + query.limit]
            wanted = query.properties or [n for n in ENGAGEMENT_DEFAULT_PROPERTIES]
            results = [self.engagement_json(kind, r, wanted) for r in page]
        answer: dict[str, Any] = {"total": len(matches), "results": results}
        if query.after + query.limit < len(matches):
            answer["paging"] = {"next": {"after": str(query.after + query.limit)}}
        return self.json_response(answer)

    # --- associations v4 -------------------------------------------------------------------
    def _object_type(self: HubSpotEmulator, name: str) -> str:
        kind = OBJECT_TYPE_ALIASES.get(name.lower(), name.lower())
        if kind != "contacts" and kind not in ENGAGEMENT_TYPES:
            raise self._validation(f"Unable to infer object type from: {name}")
        return kind

    def _pair(self: HubSpotEmulator, from_name: str, to_name: str) -> tuple[str, str, int]:
        from_type, to_type = self._object_type(from_name), self._object_type(to_name)
        type_id = DEFAULT_ASSOCIATION_TYPE_IDS.get((from_type, to_type))
        if type_id is None:
            raise self._validation(
                f"No association definition exists between {from_type} and {to_type}"
            )
        return from_type, to_type, type_id

    def _associate(
        self: HubSpotEmulator, from_type: str, from_id: str, to_type: str, to_id: str
    ) -> None:
        missing = [
            (t, i)
            for t, i in ((from_type, from_id), (to_type, to_id))
            if self.find_object(t, i) is None
        ]
        if missing:
            t, i = missing[0]
            raise self._validation(
                f"{t[:-1].upper()}={i} is not valid",
                errors=[{"message": f"{t} {i} does not exist", "code": "INVALID_OBJECT_ID"}],
            )
        self.link(from_type, from_id, to_type, to_id)

    def associations_put_default(
        self: HubSpotEmulator,
        request: Request,
        from_type: str,
        from_id: str,
        to_type: str,
        to_id: str,
    ) -> Response:
        kind_from, kind_to, type_id = self._pair(from_type, to_type)
        with self.lock:
            self._associate(kind_from, from_id, kind_to, to_id)
        inverse = DEFAULT_ASSOCIATION_TYPE_IDS[(kind_to, kind_from)]
        results = [
            {
                "from": {"id": from_id},
                "to": {"id": to_id},
                "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": type_id,
                },
            },
            {
                "from": {"id": to_id},
                "to": {"id": from_id},
                "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": inverse,
                },
            },
        ]
        return self.batch_response(results, [], 200)

    def _to_entries(
        self, from_type: str, to_type: str, type_id: int, from_id: str
    ) -> list[dict[str, Any]]:
        linked = self.assoc.get(f"{from_type}:{to_type}", {}).get(from_id, {})
        spec = [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]
        # v4 answers toObjectId as a number (SDKs coerce it to a string)
        return [
            {"toObjectId": int(t), "associationTypes": spec}
            for t in linked
            if self.find_object(to_type, t) is not None
        ]

    def associations_delete(
        self: HubSpotEmulator,
        request: Request,
        from_type: str,
        from_id: str,
        to_type: str,
        to_id: str,
    ) -> Response:
        """Remove every association between the two records (both directions); 204."""
        kind_from, kind_to, _ = self._pair(from_type, to_type)
        with self.lock:
            self.assoc.get(f"{kind_from}:{kind_to}", {}).get(from_id, {}).pop(to_id, None)
            self.assoc.get(f"{kind_to}:{kind_from}", {}).get(to_id, {}).pop(from_id, None)
        return self.json_response(None, 204)

    def associations_list(
        self: HubSpotEmulator, request: Request, from_type: str, from_id: str, to_type: str
    ) -> Response:
        kind_from, kind_to, type_id = self._pair(from_type, to_type)
        limit = self._int_arg(request, "limit", ASSOCIATION_PAGE_MAX, ASSOCIATION_PAGE_MAX)
        after = request.args.get("after") or "0"
        if not after.isdigit():
            raise self._validation(f"after must be a paging cursor, not {after!r}")
        with self.lock:
            if self.find_object(kind_from, from_id) is None:
                raise self._engagement_not_found(from_id)
            entries = sorted(
                self._to_entries(kind_from, kind_to, type_id, from_id),
                key=lambda e: e["toObjectId"],
            )
        entries = [e for e in entries if e["toObjectId"] > int(after)]
        body: dict[str, Any] = {"results": entries[:limit]}
        if len(entries) > limit:
            body["paging"] = {"next": {"after": str(entries[limit - 1]["toObjectId"])}}
        return self.json_response(body)

    def associations_batch_read(
        self: HubSpotEmulator, request: Request, from_type: str, to_type: str
    ) -> Response:
        kind_from, kind_to, type_id = self._pair(from_type, to_type)
        _, inputs = self.batch_inputs(request, ASSOCIATION_BATCH_LIMIT)
        injected = self.record_errors_for(request)
        results, errors = [], []
        with self.lock:
            for index, item in enumerate(inputs):
                key = str(item.get("id")) if isinstance(item, dict) else str(item)
                if index in injected:
                    errors.append(self.batch_error(injected[index], {"fromObjectId": [key]}))
                    continue
                if self.find_object(kind_from, key) is None:
                    errors.append(
                        self.batch_error(
                            {
                                "category": "OBJECT_NOT_FOUND",
                                "message": f"{kind_from[:-1].upper()}={key} is not valid",
                            },
                            {"fromObjectId": [key]},
                        )
                    )
                    continue
                to = self._to_entries(kind_from, kind_to, type_id, key)
                if to:
                    # HubSpot leaves out inputs with no associations (and reports no error for them)
                    results.append({"from": {"id": key}, "to": to})
        return self.batch_response(results, errors, 200)

    def _batch_associate(
        self: HubSpotEmulator, request: Request, from_type: str, to_type: str, labelled: bool
    ) -> Response:
        kind_from, kind_to, type_id = self._pair(from_type, to_type)
        _, inputs = self.batch_inputs(request, ASSOCIATION_BATCH_LIMIT)
        injected = self.record_errors_for(request)
        results, errors = [], []
        with self.lock:
            for index, item in enumerate(inputs):
                from_id = (
                    str(((item or {}).get("from") or {}).get("id", ""))
                    if isinstance(item, dict)
                    else ""
                )
                to_id = (
                    str(((item or {}).get("to") or {}).get("id", ""))
                    if isinstance(item, dict)
                    else ""
                )
                context = {"fromObjectId": [from_id], "toObjectId": [to_id]}
                if index in injected:
                    errors.append(self.batch_error(injected[index], context))
                    continue
                try:
                    if labelled:
                        for spec in item.get("types") or []:
                            wanted = (
                                spec.get("associationTypeId") if isinstance(spec, dict) else None
                            )
                            if wanted != type_id:
                                raise self._validation(
                                    f"associationTypeId {wanted} is not valid from {kind_from} "
                                    f"to {kind_to} "
                                    f"(the sandbox serves the default type {type_id})"
                                )
                    self._associate(kind_from, from_id, kind_to, to_id)
                except VendorError as exc:
                    errors.append(self.batch_error(exc, context))
                    continue
                if labelled:
                    results.append(
                        {
                            "fromObjectTypeId": _type_id(kind_from),
                            "fromObjectId": int(from_id),
                            "toObjectTypeId": _type_id(kind_to),
                            "toObjectId": int(to_id),
                            "labels": [],
                        }
                    )
                else:
                    results.append(
                        {
                            "from": {"id": from_id},
                            "to": {"id": to_id},
                            "associationSpec": {
                                "associationCategory": "HUBSPOT_DEFINED",
                                "associationTypeId": type_id,
                            },
                        }
                    )
        return self.batch_response(results, errors, 201 if labelled else 200)

    def associations_batch_create(
        self: HubSpotEmulator, request: Request, from_type: str, to_type: str
    ) -> Response:
        return self._batch_associate(request, from_type, to_type, labelled=True)

    def associations_batch_default(
        self: HubSpotEmulator, request: Request, from_type: str, to_type: str
    ) -> Response:
        return self._batch_associate(request, from_type, to_type, labelled=False)

    # --- forms ------------------------------------------------------------------------------
    def forms_page(self: HubSpotEmulator, request: Request) -> Response:
        limit = self._int_arg(request, "limit", FORMS_LIMIT_DEFAULT, FORMS_LIMIT_MAX)
        wanted = {
            t
            for v in request.args.getlist("formTypes") + request.args.getlist("formType")
            for t in v.split(",")
            if t
        }
        unknown = wanted - set(FORM_TYPES) - {"all"}
        if unknown:
            raise self._validation(
                f"Unknown formTypes {sorted(unknown)} (one of {[*FORM_TYPES, 'all']})"
            )
        types = set(FORM_TYPES) if "all" in wanted else (wanted or {"hubspot"})
        archived = _flag(request, "archived")
        after = request.args.get("after") or ""
        with self.lock:
            forms = [
                f
                for f in self.forms.values()
                if f["formType"] in types and f["archived"] == archived
            ]
        forms.sort(key=lambda f: (f["createdAt"], f["id"]))
        start = 0
        if after:
            cursor = decode_cursor(after, 1)
            if cursor is None:
                raise self._validation(f"after must be a paging cursor, not {after!r}")
            start = cursor[0]
        page = forms[start : start + limit]
        body: dict[str, Any] = {"results": page}
        if start + limit < len(forms):
            token = encode_cursor(start + limit)
            body["paging"] = {
                "next": {
                    "after": token,
                    "link": f"{request.host_url.rstrip('/')}/marketing/v3/forms?after={token}",
                }
            }
        return self.json_response(body)

    def forms_one(self: HubSpotEmulator, request: Request, form_id: str) -> Response:
        with self.lock:
            form = self.forms.get(form_id)
        if form is None:
            raise self.hubspot_error(404, f"Form {form_id} does not exist", "OBJECT_NOT_FOUND")
        return self.json_response(form)

    def form_submissions_page(self: HubSpotEmulator, request: Request, form_guid: str) -> Response:
        limit = self._int_arg(request, "limit", SUBMISSIONS_LIMIT_DEFAULT, SUBMISSIONS_LIMIT_MAX)
        after = request.args.get("after") or ""
        with self.lock:
            form = self.forms.get(form_guid)
            if form is None or form["archived"]:
                raise self.hubspot_error(
                    404, f"Form {form_guid} does not exist", "OBJECT_NOT_FOUND"
                )
            if form["formType"] == "blog_comment":
                raise self._validation(
                    f"Submissions of {form['formType']} forms cannot be read through this endpoint "
                    f"(form {form_guid})"
                )
            rows = self.form_submissions.get(form_guid, [])
            end = len(rows)
            if after:
                cursor = decode_cursor(after, 2)
                if cursor is None:
                    raise self._validation(f"after must be a paging cursor, not {after!r}")
                end = bisect_left(rows, cursor, key=lambda r: (r[0], r[1]))
            chosen = rows[max(0, end - limit) : end][::-1]  # newest first
            more = end - limit > 0
        results = [
            {"conversionId": conversion, "submittedAt": ms, "values": values, "pageUrl": page_url}
            for ms, _seq, conversion, values, page_url in chosen
        ]
        body: dict[str, Any] = {"results": results}
        if more and chosen:
            token = encode_cursor(chosen[-1][0], chosen[-1][1])
            body["paging"] = {
                "next": {
                    "after": token,
                    "link": f"{request.host_url.rstrip('/')}/form-integrations/v1/submissions/"
                    f"forms/{form_guid}?limit={limit}&after={token}",
                }
            }
        return self.json_response(body)

    # --- marketing email -----------------------------------------------------------------------
    def email_events_page(self: HubSpotEmulator, request: Request) -> Response:
        limit = self._int_arg(request, "limit", EMAIL_EVENTS_LIMIT_DEFAULT, EMAIL_EVENTS_LIMIT_MAX)
        start = self._ms_arg(request, "startTimestamp")
        end = self._ms_arg(request, "endTimestamp")
        event_type = request.args.get("eventType")
        if event_type and event_type not in EMAIL_EVENT_TYPES:
            raise self._validation(
                f"Unknown eventType {event_type!r} (one of {list(EMAIL_EVENT_TYPES)})"
            )
        campaign = request.args.get("campaignId")
        recipient = (request.args.get("recipient") or "").lower()
        offset = request.args.get("offset") or ""
        with self.lock:
            rows = self.email_events
            hi = len(rows)
            if end is not None:
                hi = bisect_right(rows, end, key=lambda r: r[0])
            if offset:
                cursor = decode_cursor(offset, 2)
                if cursor is None:
                    raise self._validation(f"offset must be a paging token, not {offset!r}")
                hi = min(hi, bisect_left(rows, cursor, key=lambda r: (r[0], r[1])))
            lo = bisect_left(rows, start, key=lambda r: r[0]) if start is not None else 0
            found: list[tuple] = []
            i = hi - 1
            while i >= lo and len(found) <= limit:  # newest first; one extra says hasMore
                ms, seq, event = rows[i]
                if (
                    (not event_type or event["type"] == event_type)
                    and (not campaign or str(event["emailCampaignId"]) == campaign)
                    and (not recipient or event["recipient"].lower() == recipient)
                ):
                    found.append(rows[i])
                i -= 1
        more = len(found) > limit
        found = found[:limit]
        body: dict[str, Any] = {"events": [e for _, _, e in found], "hasMore": more}
        if found:
            body["offset"] = encode_cursor(found[-1][0], found[-1][1])
        return self.json_response(body)

    def email_campaign_one(self: HubSpotEmulator, request: Request, campaign_id: str) -> Response:
        with self.lock:
            campaign = self.email_campaigns.get(int(campaign_id)) if campaign_id.isdigit() else None
        if campaign is None:
            raise self.hubspot_error(
                404, f"Email campaign {campaign_id} does not exist", "OBJECT_NOT_FOUND"
            )
        return self.json_response(campaign)

    # --- Events API -----------------------------------------------------------------------------
    def events_page(self: HubSpotEmulator, request: Request) -> Response:
        limit = self._int_arg(request, "limit", EVENTS_LIMIT_DEFAULT, EVENTS_LIMIT_MAX)
        object_type = request.args.get("objectType")
        object_id = request.args.get("objectId")
        if object_type and object_type.lower() not in ("contact", "contacts", "0-1"):
            raise self._validation(
                f"objectType {object_type!r} has no events in this portal (use contact)"
            )
        by_email = request.args.get("objectProperty.email")
        if (object_id or by_email) and not object_type:
            raise self._validation("objectId and objectProperty.* require objectType")
        if by_email and not object_id:
            # "objectProperty.email=": the contact by its unique email instead of its id
            with self.lock:
                object_id = self.contact_id_by_email.get(by_email.lower()) or "-1"
        event_type = request.args.get("eventType")
        if event_type and event_type not in EVENT_TYPES:
            raise self._validation(
                f"Unknown eventType {event_type!r}; "
                "GET /events/v3/events/event-types lists the valid ones"
            )
        after_ms = self._ms_arg(request, "occurredAfter")
        before_ms = self._ms_arg(request, "occurredBefore")
        sort = (request.args.get("sort") or "DESCENDING").upper()
        if sort not in ("ASCENDING", "DESCENDING"):
            raise self._validation(f"sort must be ASCENDING or DESCENDING, not {sort!r}")
        token = request.args.get("after") or ""
        cursor = None
        if token:
            cursor = decode_cursor(token, 2)
            if cursor is None:
                raise self._validation(f"after must be a paging cursor, not {token!r}")
        with self.lock:
            rows = self.timeline_events
            lo = bisect_right(rows, after_ms, key=lambda r: r[0]) if after_ms is not None else 0
            hi = (
                bisect_left(rows, before_ms, key=lambda r: r[0])
                if before_ms is not None
                else len(rows)
            )
            if cursor is not None:
                if sort == "ASCENDING":
                    lo = max(lo, bisect_right(rows, cursor, key=lambda r: (r[0], r[1])))
                else:
                    hi = min(hi, bisect_left(rows, cursor, key=lambda r: (r[0], r[1])))
            indexes = range(lo, hi) if sort == "ASCENDING" else range(hi - 1, lo - 1, -1)
            found: list[tuple] = []
            for i in indexes:
                row = rows[i]
                if (not event_type or row[3] == event_type) and (
                    not object_id or row[4] == object_id
                ):
                    found.append(row)
                    if len(found) > limit:
                        break
        more = len(found) > limit
        found = found[:limit]
        results = [
            {
                "objectType": "contact",
                "objectId": object_id_,
                "eventType": kind,
                "occurredAt": iso(datetime.fromtimestamp(ms / 1000, tz=UTC)),
                "id": event_id,
                "properties": properties,
            }
            for ms, _seq, event_id, kind, object_id_, properties in found
        ]
        body: dict[str, Any] = {"results": results}
        if more:
            token = encode_cursor(found[-1][0], found[-1][1])
            body["paging"] = {"next": {"after": token}}
        return self.json_response(body)

    def event_types(self: HubSpotEmulator, request: Request) -> Response:
        return self.json_response({"eventTypes": list(EVENT_TYPES)})

    # --- adding activity rows (seed and control API) ---------------------------------------------
    def add_form(
        self,
        name: str,
        form_type: str = "hubspot",
        created_ms: int | None = None,
        guid: str | None = None,
    ) -> dict[str, Any]:
        """A form definition in the marketing-forms-v3 shape."""
        from integrations.sandbox.hubspot.activity_seed import form_definition

        if form_type not in FORM_TYPES:
            raise ValueError(f"formType must be one of {FORM_TYPES}")
        guid = guid or str(uuid.uuid4())
        created = created_ms if created_ms is not None else epoch_ms(self.now())
        form = form_definition(
            guid, name, form_type, iso(datetime.fromtimestamp(created / 1000, tz=UTC))
        )
        self.forms[guid] = form
        self.form_submissions.setdefault(guid, [])
        return form

    def add_submission(
        self,
        guid: str,
        submitted_ms: int,
        values: list[dict[str, str]],
        page_url: str,
        sort: bool = True,
        conversion_id: str | None = None,
    ) -> str:
        conversion = conversion_id or str(uuid.uuid4())
        row = (submitted_ms, self.next_seq(), conversion, values, page_url)
        rows = self.form_submissions.setdefault(guid, [])
        if sort:
            insort(rows, row, key=lambda r: (r[0], r[1]))
        else:
            rows.append(row)
        return conversion

    def add_campaign(
        self, name: str, subject: str, campaign_id: int | None = None
    ) -> dict[str, Any]:
        campaign_id = campaign_id or int(self.new_id())
        campaign = {
            "id": campaign_id,
            "appId": BATCH_APP_ID,
            "appName": BATCH_APP_NAME,
            "contentId": campaign_id + 7_000_000,
            "name": name,
            "subject": subject,
            "type": "BATCH_EMAIL",
            "subType": "batch",
            "numIncluded": 0,
            "numQueued": 0,
            "counters": {"sent": 0, "open": 0, "click": 0},
        }
        self.email_campaigns[campaign_id] = campaign
        return campaign

    def add_email_event(
        self,
        campaign_id: int,
        event_type: str,
        recipient: str,
        created_ms: int,
        sort: bool = True,
        url: str | None = None,
        event_id: str | None = None,
    ) -> str:
        event_id = event_id or str(uuid.uuid4())
        event: dict[str, Any] = {
            "id": event_id,
            "created": created_ms,
            "type": event_type,
            "recipient": recipient,
            "emailCampaignId": campaign_id,
            "appId": BATCH_APP_ID,
            "appName": BATCH_APP_NAME,
            "portalId": PORTAL_ID,
            "sentBy": {"id": event_id, "created": created_ms},
        }
        if event_type == "CLICK":
            event["url"] = url or "https://www.example.com/offer"
        if event_type in ("OPEN", "CLICK"):
            event["userAgent"] = "Mozilla/5.0"
        counters = self.email_campaigns[campaign_id]["counters"]
        key = {"SENT": "sent", "OPEN": "open", "CLICK": "click"}.get(event_type)
        if key:
            counters[key] = counters.get(key, 0) + 1
        row = (created_ms, self.next_seq(), event)
        if sort:
            insort(self.email_events, row, key=lambda r: (r[0], r[1]))
        else:
            self.email_events.append(row)
        return event_id

    def add_timeline_event(
        self,
        event_type: str,
        contact_id: str,
        occurred_ms: int,
        properties: dict[str, str],
        sort: bool = True,
    ) -> str:
        if event_type not in EVENT_TYPES:
            raise ValueError(f"eventType must be one of {EVENT_TYPES}")
        event_id = str(uuid.uuid4())
        row = (
            occurred_ms,
            self.next_seq(),
            event_id,
            event_type,
            str(contact_id),
            {k: str(v) for k, v in properties.items()},
        )
        if sort:
            insort(self.timeline_events, row, key=lambda r: (r[0], r[1]))
        else:
            self.timeline_events.append(row)
        return event_id

    # --- control API ------------------------------------------------------------------------------
    def control_activities(self, request: Request) -> Response:
        from integrations.sandbox.hubspot.activity_control import seed_items

        body = self.json_body(request)
        items = body.get("items") if isinstance(body, dict) else body
        if not isinstance(items, list):
            raise ValueError("POST a list of activity items (or {'items': [...]})")
        with self.lock:
            return self.json_response({"results": seed_items(self, items)})

    def control_forms(self, request: Request) -> Response:
        body = self.json_body(request) or {}
        with self.lock:
            form = self.add_form(str(body["name"]), body.get("formType", "hubspot"))
        return self.json_response(form, 201)

    def control_email_campaigns(self, request: Request) -> Response:
        body = self.json_body(request) or {}
        with self.lock:
            campaign = self.add_campaign(
                str(body["name"]), str(body.get("subject") or body["name"])
            )
        return self.json_response(campaign, 201)


def _type_id(kind: str) -> str:
    return {v: k for k, v in OBJECT_TYPE_IDS.items()}[kind]
