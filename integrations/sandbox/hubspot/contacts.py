"""Contacts: ``/crm/v3/objects/contacts`` basic, batch and search endpoints.

References: https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/guide
and the CRM search guide. Record shape ``{id, properties, createdAt,
updatedAt, archived}``; every property value is a string.

Emails are unique. A create naming an email that a contact already has is
refused with 409 ``CONFLICT``, "Contact already exists. Existing ID: <id>";
``batch/create`` refuses the whole batch when any input's email exists (409,
that body, naming the first such contact in input order; nothing is
created), as HubSpot does. Batch update/upsert/read answer per input (207 on
partial failure); so do two inputs of one ``batch/create`` that share a new
email (the second is refused) [unverified].
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from integrations.sandbox.emulator import VendorError
from integrations.sandbox.hubspot.properties import (
    ALWAYS_PROPERTIES,
    CONTACT_PROPERTIES,
    DEFAULT_PROPERTIES,
    READ_ONLY,
    UNIQUE_PROPERTIES,
    as_string,
    iso,
    parse_moment,
)
from integrations.sandbox.hubspot.search import SearchError, parse_search, sort_records

if TYPE_CHECKING:
    from integrations.sandbox.hubspot.app import HubSpotEmulator

NOT_FOUND_IN_BATCH = (
    "Could not get some CONTACT objects, they may be deleted or not exist. "
    "Check that ids are valid."
)
#: CRM batch endpoints accept at most 100 inputs (HubSpot batch API reference)
BATCH_LIMIT = 100
#: GET /crm/v3/objects/contacts: at most 100 records per page, 10 by default
PAGE_LIMIT_MAX = 100
PAGE_LIMIT_DEFAULT = 10


def _flag(request: Request, name: str) -> bool:
    return request.args.get(name, "false").lower() == "true"


def requested_properties(request: Request) -> list[str] | None:
    """``properties=a,b`` and/or repeated ``properties=`` query parameters."""
    names = [n.strip() for v in request.args.getlist("properties") for n in v.split(",")]
    names = [n for n in names if n]
    return names or None


class ContactsMixin:
    """Handlers for the contact endpoints; state lives on ``HubSpotEmulator``."""

    def contact_routes(self) -> list[tuple[str, str, list[str]]]:
        base = "/crm/v3/objects/contacts"
        return [
            (base, "contacts_collection", ["GET", "POST"]),
            (f"{base}/search", "contacts_search", ["POST"]),
            (f"{base}/batch/read", "contacts_batch_read", ["POST"]),
            (f"{base}/batch/create", "contacts_batch_create", ["POST"]),
            (f"{base}/batch/update", "contacts_batch_update", ["POST"]),
            (f"{base}/batch/upsert", "contacts_batch_upsert", ["POST"]),
            (f"{base}/batch/archive", "contacts_batch_archive", ["POST"]),
            (f"{base}/<contact_id>", "contacts_one", ["GET", "PATCH", "DELETE"]),
        ]

    # --- rendering and lookup ------------------------------------------------------------
    def contact_json(
        self: HubSpotEmulator, contact: dict[str, Any], wanted: list[str] | None
    ) -> dict[str, Any]:
        """The record as HubSpot returns it: asked-for properties (null when unset) + the basics."""
        stored = contact["properties"]
        names = list(wanted or DEFAULT_PROPERTIES)
        properties = {n: stored.get(n) for n in names}
        for name in ALWAYS_PROPERTIES:
            properties.setdefault(name, stored.get(name))
        body = {
            "id": contact["id"],
            "properties": properties,
            "createdAt": contact["createdAt"],
            "updatedAt": contact["updatedAt"],
            "archived": contact["archived"],
        }
        if contact.get("archivedAt"):
            body["archivedAt"] = contact["archivedAt"]
        return body

    def find_contact(
        self: HubSpotEmulator, key: str, id_property: str | None, archived: bool = False
    ) -> dict[str, Any] | None:
        """The live (or, with ``archived``, archived) contact by id or by a unique property."""
        if id_property in (None, "", "hs_object_id"):
            contact = self.contacts.get(str(key))
        elif id_property == "email":
            found = self.contact_id_by_email.get(str(key).lower())
            contact = self.contacts.get(found) if found else None
        else:
            raise self.hubspot_error(
                400,
                f"Property {id_property} is not a unique identifier property "
                f"(unique: {', '.join(UNIQUE_PROPERTIES)})",
                "VALIDATION_ERROR",
            )
        if contact is None or contact["archived"] != archived:
            return None
        return contact

    def not_found(self: HubSpotEmulator, key: str) -> VendorError:
        return self.hubspot_error(
            404, f"Object not found.  objectId are usually numeric. ({key})", "OBJECT_NOT_FOUND"
        )

    # --- writes ----------------------------------------------------------------------------
    def clean_properties(
        self: HubSpotEmulator, raw: Any, *, creating: bool
    ) -> dict[str, str | None]:
        """Validate written properties; values become strings, ``""``/null clear them."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise self.hubspot_error(
                400, "Invalid input JSON: 'properties' must be an object", "VALIDATION_ERROR"
            )
        unknown = [n for n in raw if n not in CONTACT_PROPERTIES]
        if unknown:
            raise self.hubspot_error(
                400,
                "Property values were not valid: "
                + "; ".join(f'Property "{n}" does not exist' for n in unknown),
                "VALIDATION_ERROR",
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
            if name in READ_ONLY or (name == "createdate" and not creating):
                continue
            if value is None or value == "":
                clean[name] = None
                continue
            prop = CONTACT_PROPERTIES[name]
            text = as_string(value)
            if prop.options and not prop.external_options:
                allowed = {v for v, _ in prop.options}
                if text not in allowed:
                    raise self.hubspot_error(
                        400,
                        f"Property values were not valid: {text} is not an allowed option "
                        f'for "{name}"',
                        "VALIDATION_ERROR",
                        errors=[
                            {
                                "message": f"{text} is not a valid option for {name}",
                                "code": "INVALID_OPTION",
                                "context": {"propertyName": [name]},
                            }
                        ],
                    )
            if prop.type in ("datetime", "date"):
                moment = parse_moment(text)
                if moment is None:
                    raise self.hubspot_error(
                        400,
                        f"Property values were not valid: {text!r} is not a valid date for {name}",
                        "VALIDATION_ERROR",
                        errors=[
                            {
                                "message": f"{text} is not a valid date",
                                "code": "INVALID_DATE",
                                "context": {"propertyName": [name]},
                            }
                        ],
                    )
                text = iso(moment)
            if prop.type == "number":
                try:
                    float(text)
                except ValueError:
                    raise self.hubspot_error(
                        400,
                        f"Property values were not valid: {text!r} is not a number ({name})",
                        "VALIDATION_ERROR",
                        errors=[
                            {
                                "message": f"{text} is not a valid number",
                                "code": "INVALID_INTEGER",
                                "context": {"propertyName": [name]},
                            }
                        ],
                    ) from None
            clean[name] = text
        return clean

    def _contact_conflict(self: HubSpotEmulator, existing_id: str) -> VendorError:
        return self.hubspot_error(
            409, f"Contact already exists. Existing ID: {existing_id}", "CONFLICT"
        )

    def write_contact(
        self: HubSpotEmulator, contact: dict[str, Any] | None, raw: Any
    ) -> dict[str, Any]:
        """Create (``contact`` None) or update; bump timestamps; re-evaluate dynamic lists."""
        clean = self.clean_properties(raw, creating=contact is None)
        email = clean.get("email")
        if email:
            existing = self.contact_id_by_email.get(email.lower())
            if existing and (contact is None or existing != contact["id"]):
                raise self._contact_conflict(existing)
        stamp = iso(self.stamp())
        if contact is None:
            contact_id = self.new_id()
            contact = {
                "id": contact_id,
                "properties": {"createdate": stamp, "hs_object_id": contact_id},
                "createdAt": clean.get("createdate") or stamp,
                "updatedAt": stamp,
                "archived": False,
            }
            self.contacts[contact_id] = contact
            self.contact_order.append(int(contact_id))
        props = contact["properties"]
        old_email = props.get("email")
        for name, value in clean.items():
            if value is None:
                props.pop(name, None)
            else:
                props[name] = value
        props["lastmodifieddate"] = stamp
        contact["updatedAt"] = stamp
        if old_email and old_email.lower() != (props.get("email") or "").lower():
            self.contact_id_by_email.pop(old_email.lower(), None)
        if props.get("email"):
            self.contact_id_by_email[props["email"].lower()] = contact["id"]
        self.touch_contact(contact["id"])
        return contact

    def archive_contact(self: HubSpotEmulator, contact: dict[str, Any]) -> None:
        stamp = iso(self.stamp())
        contact["archived"] = True
        contact["archivedAt"] = stamp
        contact["updatedAt"] = stamp
        contact["properties"]["lastmodifieddate"] = stamp
        email = contact["properties"].get("email")
        if email and self.contact_id_by_email.get(email.lower()) == contact["id"]:
            del self.contact_id_by_email[email.lower()]
        self.touch_contact(contact["id"])

    # --- basic -----------------------------------------------------------------------------
    def contacts_collection(self: HubSpotEmulator, request: Request) -> Response:
        if request.method == "POST":
            body = self.require_object(request)
            with self.lock:
                contact = self.write_contact(None, body.get("properties"))
                return self.json_response(self.contact_json(contact, None), 201)
        limit = self.int_arg(request, "limit", PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX)
        after = request.args.get("after")
        start = 0
        if after:
            if not after.isdigit():
                raise self.hubspot_error(
                    400, f"after must be a paging cursor, not {after!r}", "VALIDATION_ERROR"
                )
            start = bisect_right(self.contact_order, int(after))
        archived = _flag(request, "archived")
        wanted = requested_properties(request)
        results = []
        with self.lock:
            order = self.contact_order
            i = start
            while i < len(order) and len(results) < limit:
                contact = self.contacts.get(str(order[i]))
                if contact is not None and contact["archived"] == archived:
                    results.append(self.contact_json(contact, wanted))
                i += 1
            more = False
            while results and i < len(order) and not more:
                contact = self.contacts.get(str(order[i]))
                more = contact is not None and contact["archived"] == archived
                i += 1
        body: dict[str, Any] = {"results": results}
        if more:
            cursor = results[-1]["id"]
            body["paging"] = {
                "next": {
                    "after": cursor,
                    "link": f"{request.host_url}crm/v3/objects/contacts?after={cursor}",
                }
            }
        return self.json_response(body)

    def contacts_one(self: HubSpotEmulator, request: Request, contact_id: str) -> Response:
        id_property = request.args.get("idProperty")
        with self.lock:
            contact = self.find_contact(
                contact_id,
                id_property,
                archived=request.method == "GET" and _flag(request, "archived"),
            )
            if contact is None:
                raise self.not_found(contact_id)
            if request.method == "GET":
                return self.json_response(self.contact_json(contact, requested_properties(request)))
            if request.method == "DELETE":
                self.archive_contact(contact)
                return self.json_response(None, 204)
            body = self.require_object(request)
            contact = self.write_contact(contact, body.get("properties"))
            return self.json_response(
                self.contact_json(contact, list(body.get("properties") or {}) or None)
            )

    # --- batch -----------------------------------------------------------------------------
    def batch_inputs(
        self: HubSpotEmulator, request: Request, limit: int = BATCH_LIMIT
    ) -> tuple[dict[str, Any], list[Any]]:
        """A batch body's ``inputs`` (every CRM batch endpoint, contacts and engagements)."""
        body = self.require_object(request)
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            raise self.hubspot_error(
                400, "Invalid input JSON: 'inputs' must be a list", "VALIDATION_ERROR"
            )
        if len(inputs) > limit:
            raise self.hubspot_error(
                400,
                f"Batch input limit exceeded: {len(inputs)} inputs given, "
                f"at most {limit} are allowed",
                "VALIDATION_ERROR",
                errors=[
                    {
                        "message": f"inputs: size must be between 0 and {limit}",
                        "code": "INVALID_INPUT",
                        "context": {"inputs": [str(len(inputs))]},
                    }
                ],
            )
        return body, inputs

    @staticmethod
    def _contact_error_context(item: Any, key: str | None = None) -> dict[str, list[str]]:
        context: dict[str, list[str]] = {}
        if isinstance(item, dict):
            if item.get("objectWriteTraceId") is not None:
                context["objectWriteTraceId"] = [str(item["objectWriteTraceId"])]
            if key is not None:
                context["ids"] = [str(key)]
        return context

    def batch_error(
        self: HubSpotEmulator, exc: VendorError | dict[str, Any], context: dict[str, list[str]]
    ) -> dict[str, Any]:
        """One entry of a batch ``errors`` list, from a refusal or an injected fault."""
        body = exc.body if isinstance(exc, VendorError) else exc
        status = (
            exc.status
            if isinstance(exc, VendorError)
            else body.get("statusCode", body.get("status"))
        )
        return {
            "status": "error",
            "category": body.get("category")
            or ("OBJECT_NOT_FOUND" if status == 404 else "VALIDATION_ERROR"),
            "message": body.get("message") or "Injected record error",
            "context": {**context, **(body.get("context") or {})},
            "errors": body.get("errors") or [],
            "links": {},
        }

    def _run_contact_batch(
        self: HubSpotEmulator, request: Request, action: Any, status_ok: int
    ) -> Response:
        _, inputs = self.batch_inputs(request)
        injected = self.record_errors_for(request)
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        with self.lock:
            for index, item in enumerate(inputs):
                key = item.get("id") if isinstance(item, dict) else None
                context = self._contact_error_context(item, key)
                if index in injected:
                    errors.append(self.batch_error(injected[index], context))
                    continue
                try:
                    if not isinstance(item, dict):
                        raise self.hubspot_error(
                            400, f"inputs[{index}] must be an object", "VALIDATION_ERROR"
                        )
                    record = action(item)
                except VendorError as exc:
                    errors.append(self.batch_error(exc, context))
                    continue
                if item.get("objectWriteTraceId") is not None:
                    record["objectWriteTraceId"] = str(item["objectWriteTraceId"])
                results.append(record)
        return self.batch_response(results, errors, status_ok)

    def contacts_batch_create(self: HubSpotEmulator, request: Request) -> Response:
        _, inputs = self.batch_inputs(request)
        with self.lock:
            # one existing email refuses the whole batch (see the module docstring)
            for item in inputs:
                properties = item.get("properties") if isinstance(item, dict) else None
                email = properties.get("email") if isinstance(properties, dict) else None
                existing = self.contact_id_by_email.get(as_string(email).lower()) if email else None
                if existing:
                    raise self._contact_conflict(existing)
            return self._run_contact_batch(
                request,
                lambda item: self.contact_json(
                    self.write_contact(None, item.get("properties")), None
                ),
                201,
            )

    def contacts_batch_update(self: HubSpotEmulator, request: Request) -> Response:
        body = self.json_body(request)
        id_property = body.get("idProperty") if isinstance(body, dict) else None

        def update(item: dict[str, Any]) -> dict[str, Any]:
            contact = self.find_contact(str(item.get("id")), item.get("idProperty") or id_property)
            if contact is None:
                raise self.not_found(str(item.get("id")))
            return self.contact_json(self.write_contact(contact, item.get("properties")), None)

        return self._run_contact_batch(request, update, 200)

    def contacts_batch_upsert(self: HubSpotEmulator, request: Request) -> Response:
        def upsert(item: dict[str, Any]) -> dict[str, Any]:
            id_property = item.get("idProperty") or "hs_object_id"
            key = item.get("id")
            if key in (None, ""):
                raise self.hubspot_error(400, "Each upsert input needs an 'id'", "VALIDATION_ERROR")
            contact = self.find_contact(str(key), id_property)
            properties = dict(item.get("properties") or {})
            if contact is None:
                if id_property != "email":
                    raise self.not_found(str(key))
                properties.setdefault("email", key)
            record = self.contact_json(self.write_contact(contact, properties), None)
            record["new"] = contact is None
            return record

        return self._run_contact_batch(request, upsert, 200)

    def contacts_batch_read(self: HubSpotEmulator, request: Request) -> Response:
        body, inputs = self.batch_inputs(request)
        wanted = body.get("properties") or None
        if wanted is not None and not (
            isinstance(wanted, list) and all(isinstance(n, str) for n in wanted)
        ):
            raise self.hubspot_error(
                400, "'properties' must be a list of property names", "VALIDATION_ERROR"
            )
        id_property = body.get("idProperty")
        archived = _flag(request, "archived")
        injected = self.record_errors_for(request)
        results, missing, errors = [], [], []
        with self.lock:
            for index, item in enumerate(inputs):
                key = str(item.get("id")) if isinstance(item, dict) else str(item)
                if index in injected:
                    errors.append(self.batch_error(injected[index], {"ids": [key]}))
                    continue
                contact = self.find_contact(key, id_property, archived)
                if contact is None:
                    missing.append(key)
                else:
                    results.append(self.contact_json(contact, wanted))
        if missing:
            errors.append(
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": NOT_FOUND_IN_BATCH,
                    "context": {"ids": missing},
                    "errors": [],
                    "links": {},
                }
            )
        return self.batch_response(results, errors, 200)

    def contacts_batch_archive(self: HubSpotEmulator, request: Request) -> Response:
        return self.batch_archive(
            request, lambda key: self.find_contact(key, None), self.archive_contact
        )

    def batch_archive(
        self: HubSpotEmulator,
        request: Request,
        find: Callable[[str], dict[str, Any] | None],
        archive: Callable[[dict[str, Any]], None],
    ) -> Response:
        """``batch/archive`` for any CRM object: unknown ids are ignored, as HubSpot does."""
        _, inputs = self.batch_inputs(request)
        injected = self.record_errors_for(request)
        errors = []
        with self.lock:
            for index, item in enumerate(inputs):
                key = str(item.get("id")) if isinstance(item, dict) else str(item)
                if index in injected:
                    errors.append(self.batch_error(injected[index], {"ids": [key]}))
                    continue
                record = find(key)
                if record is not None:
                    archive(record)
        if errors:
            return self.batch_response([], errors, 204)
        return self.json_response(None, 204)

    # --- search ----------------------------------------------------------------------------
    def _contacts_between(
        self: HubSpotEmulator, low: int | None, high: int | None, *, in_order: bool = False
    ) -> Iterable[dict[str, Any]]:
        """The contacts whose id is within ``low``..``high`` (None: unbounded); in id
        order when ``in_order`` or bounded."""
        if low is None and high is None and not in_order:
            return self.contacts.values()
        order = self.contact_order
        start = 0 if low is None else bisect_left(order, low)
        end = len(order) if high is None else bisect_right(order, high)
        return [self.contacts[str(i)] for i in order[start:end]]

    def contacts_search(self: HubSpotEmulator, request: Request) -> Response:
        body = self.require_object(request)
        try:
            query = parse_search(body, CONTACT_PROPERTIES)
        except SearchError as exc:
            raise self.hubspot_error(400, str(exc), "VALIDATION_ERROR") from None
        # sorted by id, ascending (every keyset read): the ids in order need no sort
        by_id = query.sorts == [("hs_object_id", False)]
        with self.lock:
            matches = [
                c
                for c in self._contacts_between(*query.id_bounds, in_order=by_id)
                if not c["archived"] and query.predicate(c["properties"])
            ]
            if query.sorts and not by_id:
                sort_records(matches, query.sorts, CONTACT_PROPERTIES)
            page = matches[query.after : query.after + query.limit]
            results = [self.contact_json(c, query.properties) for c in page]
        answer: dict[str, Any] = {"total": len(matches), "results": results}
        if query.after + query.limit < len(matches):
            answer["paging"] = {"next": {"after": str(query.after + query.limit)}}
        return self.json_response(answer)
