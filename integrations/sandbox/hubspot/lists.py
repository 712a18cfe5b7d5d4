"""Lists v3 (segments) of contacts: MANUAL, DYNAMIC (filter-driven) and SNAPSHOT.

Reference: https://developers.hubspot.com/docs/guides/api/crm/lists/overview and
the crm-lists-v3 API reference. A DYNAMIC list ("active" in the product) keeps
its memberships in step with its ``filterBranch``: whenever a contact is
written, that one contact is re-checked against each DYNAMIC list.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from integrations.sandbox.hubspot.list_filters import (
    FilterError,
    Matcher,
    compile_branch,
    normalized,
)
from integrations.sandbox.hubspot.properties import CONTACT_PROPERTIES, iso

if TYPE_CHECKING:
    from integrations.sandbox.hubspot.app import HubSpotEmulator

#: POST /crm/v3/lists/search: count <= 500 (20 by default)
LIST_SEARCH_COUNT_MAX = 500
LIST_SEARCH_COUNT_DEFAULT = 20
#: GET /crm/v3/lists/{id}/memberships: limit <= 250 (100 by default)
MEMBERSHIPS_LIMIT_MAX = 250
MEMBERSHIPS_LIMIT_DEFAULT = 100
#: the only object type the sandbox keeps lists of
CONTACT_OBJECT_TYPE_ID = "0-1"
PROCESSING_TYPES = ("MANUAL", "DYNAMIC", "SNAPSHOT")


class ListsMixin:
    """List handlers and membership upkeep; state lives on ``HubSpotEmulator``."""

    def list_routes(self) -> list[tuple[str, str, list[str]]]:
        return [
            ("/crm/v3/lists", "lists_collection", ["GET", "POST"]),
            ("/crm/v3/lists/search", "lists_search", ["POST"]),
            (
                "/crm/v3/lists/object-type-id/<object_type_id>/name/<list_name>",
                "lists_by_name",
                ["GET"],
            ),
            ("/crm/v3/lists/<list_id>", "lists_one", ["GET", "DELETE"]),
            ("/crm/v3/lists/<list_id>/memberships", "lists_memberships", ["GET"]),
            ("/crm/v3/lists/<list_id>/memberships/add", "lists_memberships_add", ["PUT"]),
            ("/crm/v3/lists/<list_id>/memberships/remove", "lists_memberships_remove", ["PUT"]),
        ]

    def list_control_routes(self) -> list[tuple[str, str, list[str]]]:
        return [("/lists/<list_id>", "control_list", ["GET", "PATCH"])]

    # --- state helpers -----------------------------------------------------------------
    def compile_list_filter(self: HubSpotEmulator, branch: Any) -> Matcher:
        try:
            return compile_branch(branch, CONTACT_PROPERTIES, self.now)
        except FilterError as exc:
            raise self.hubspot_error(
                400, f"Invalid filterBranch: {exc}", "VALIDATION_ERROR"
            ) from None

    def add_list(
        self: HubSpotEmulator,
        name: str,
        processing_type: str,
        filter_branch: dict[str, Any] | None = None,
        members: list[str] | None = None,
        processing_gets: int = 0,
        created: str | None = None,
    ) -> dict[str, Any]:
        """Create a list; DYNAMIC and SNAPSHOT lists are evaluated against every contact now.

        ``created`` pins the timestamps (the demo seed must be identical run to run).
        """
        matcher = self.compile_list_filter(filter_branch) if filter_branch else None
        if filter_branch:
            filter_branch = normalized(filter_branch)
        stamp = created or iso(self.stamp())
        self.next_list_id += 1
        list_id = str(self.next_list_id)
        record = {
            "listId": list_id,
            "name": name,
            "processingType": processing_type,
            "objectTypeId": CONTACT_OBJECT_TYPE_ID,
            "filterBranch": filter_branch,
            "createdAt": stamp,
            "updatedAt": stamp,
            "filtersUpdatedAt": stamp,
            "listVersion": 1,
            "members": {},
            "pendingGets": processing_gets,
        }
        if matcher is not None:
            record["members"] = {
                cid: stamp
                for cid, c in self.contacts.items()
                if not c["archived"] and matcher(c["properties"])
            }
        for cid in members or []:
            record["members"][cid] = stamp
        self.lists[list_id] = record
        if processing_type == "DYNAMIC" and matcher is not None:
            self.list_matchers[list_id] = matcher
        return record

    def touch_contact(self: HubSpotEmulator, contact_id: str) -> None:
        """Re-check one written contact against every DYNAMIC list (archived: leave all lists)."""
        contact = self.contacts.get(contact_id)
        if contact is None:
            return
        if contact["archived"]:
            for record in self.lists.values():
                record["members"].pop(contact_id, None)
            return
        stamp = None
        for list_id, matcher in self.list_matchers.items():
            members = self.lists[list_id]["members"]
            if matcher(contact["properties"]):
                if contact_id not in members:
                    stamp = stamp or iso(self.now())
                    members[contact_id] = stamp
            else:
                members.pop(contact_id, None)

    def list_json(
        self: HubSpotEmulator, record: dict[str, Any], *, filters: bool
    ) -> dict[str, Any]:
        body = {
            "listId": record["listId"],
            "listVersion": record["listVersion"],
            "name": record["name"],
            "objectTypeId": record["objectTypeId"],
            "processingType": record["processingType"],
            "processingStatus": "PROCESSING" if record["pendingGets"] > 0 else "COMPLETE",
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "filtersUpdatedAt": record["filtersUpdatedAt"],
            "createdById": "1",
            "updatedById": "1",
            "size": len(record["members"]),
        }
        if filters and record["filterBranch"]:
            body["filterBranch"] = record["filterBranch"]
        return body

    def get_list(self: HubSpotEmulator, list_id: str) -> dict[str, Any]:
        record = self.lists.get(list_id)
        if record is None:
            raise self.hubspot_error(404, f"List {list_id} does not exist.", "OBJECT_NOT_FOUND")
        return record

    # --- handlers ----------------------------------------------------------------------
    def lists_collection(self: HubSpotEmulator, request: Request) -> Response:
        if request.method == "GET":
            ids = [i for v in request.args.getlist("listIds") for i in v.split(",") if i]
            with self.lock:
                found = [self.lists[i] for i in ids if i in self.lists]
                filters = request.args.get("includeFilters", "false").lower() == "true"
                return self.json_response(
                    {"lists": [self.list_json(r, filters=filters) for r in found]}
                )
        body = self.require_object(request)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.hubspot_error(400, "A list needs a non-empty 'name'", "VALIDATION_ERROR")
        if body.get("objectTypeId") != CONTACT_OBJECT_TYPE_ID:
            raise self.hubspot_error(
                400,
                f"objectTypeId {body.get('objectTypeId')!r} is not supported here; "
                "use '0-1' (contacts)",
                "VALIDATION_ERROR",
            )
        processing_type = body.get("processingType")
        if processing_type not in PROCESSING_TYPES:
            raise self.hubspot_error(
                400,
                f"processingType must be one of {', '.join(PROCESSING_TYPES)}, "
                f"not {processing_type!r}",
                "VALIDATION_ERROR",
            )
        branch = body.get("filterBranch")
        if processing_type == "DYNAMIC" and not branch:
            raise self.hubspot_error(400, "A DYNAMIC list needs a filterBranch", "VALIDATION_ERROR")
        if processing_type == "MANUAL" and branch:
            raise self.hubspot_error(
                400, "A MANUAL list cannot have a filterBranch", "VALIDATION_ERROR"
            )
        with self.lock:
            # [unverified] the exact status and subCategory HubSpot uses for a taken name
            if any(r["name"].lower() == name.strip().lower() for r in self.lists.values()):
                raise self.hubspot_error(
                    400,
                    f"A list named '{name}' already exists",
                    "VALIDATION_ERROR",
                    sub_category="ILS.DUPLICATE_LIST_NAMES",
                )
            gets = (
                int(self.extra_settings["list_processing_gets"])
                if processing_type == "DYNAMIC"
                else 0
            )
            record = self.add_list(name.strip(), processing_type, branch, processing_gets=gets)
            body = self.list_json(record, filters=True)
            if processing_type == "DYNAMIC":
                body["processingStatus"] = "PROCESSING"
            return self.json_response({"list": body})

    def lists_one(self: HubSpotEmulator, request: Request, list_id: str) -> Response:
        with self.lock:
            record = self.get_list(list_id)
            if request.method == "DELETE":
                del self.lists[list_id]
                self.list_matchers.pop(list_id, None)
                return self.json_response(None, 204)
            body = self.list_json(
                record, filters=request.args.get("includeFilters", "false").lower() == "true"
            )
            if record["pendingGets"] > 0:
                record["pendingGets"] -= 1
            return self.json_response({"list": body})

    def lists_by_name(
        self: HubSpotEmulator, request: Request, object_type_id: str, list_name: str
    ) -> Response:
        with self.lock:
            for record in self.lists.values():
                if (
                    record["objectTypeId"] == object_type_id
                    and record["name"].lower() == list_name.lower()
                ):
                    return self.json_response({"list": self.list_json(record, filters=False)})
        raise self.hubspot_error(404, f"List {list_name} does not exist.", "OBJECT_NOT_FOUND")

    def lists_search(self: HubSpotEmulator, request: Request) -> Response:
        body = self.require_object(request)
        count = body.get("count", LIST_SEARCH_COUNT_DEFAULT)
        offset = body.get("offset", 0)
        if not isinstance(count, int) or not 0 < count <= LIST_SEARCH_COUNT_MAX:
            raise self.hubspot_error(
                400, f"count must be between 1 and {LIST_SEARCH_COUNT_MAX}", "VALIDATION_ERROR"
            )
        if not isinstance(offset, int) or offset < 0:
            raise self.hubspot_error(
                400, "offset must be a non-negative integer", "VALIDATION_ERROR"
            )
        query = str(body.get("query") or "").lower()
        types = body.get("processingTypes") or []
        ids = body.get("listIds") or []
        if not isinstance(types, list) or not isinstance(ids, list):
            raise self.hubspot_error(
                400, "'processingTypes' and 'listIds' must be lists", "VALIDATION_ERROR"
            )
        ids = {str(i) for i in ids}
        with self.lock:
            found = [
                r
                for r in sorted(self.lists.values(), key=lambda r: int(r["listId"]))
                if query in r["name"].lower()
                and (not types or r["processingType"] in types)
                and (not ids or r["listId"] in ids)
            ]
            page = found[offset : offset + count]
            lists = []
            for r in page:
                item = self.list_json(r, filters=False)
                item["additionalProperties"] = {
                    "hs_list_size": str(item.pop("size")),
                    "hs_list_reference_count": "0",
                }
                lists.append(item)
        return self.json_response(
            {
                "lists": lists,
                "offset": offset + len(page),
                "hasMore": offset + len(page) < len(found),
                "total": len(found),
            }
        )

    def lists_memberships(self: HubSpotEmulator, request: Request, list_id: str) -> Response:
        limit = self.int_arg(request, "limit", MEMBERSHIPS_LIMIT_DEFAULT, MEMBERSHIPS_LIMIT_MAX)
        after = request.args.get("after")
        if after is not None and not after.isdigit():
            raise self.hubspot_error(
                400, f"after must be a paging cursor, not {after!r}", "VALIDATION_ERROR"
            )
        floor = -1 if after is None else int(after)
        with self.lock:
            members = self.get_list(list_id)["members"]
            total = len(members)
            # the page's ids, smallest first past the cursor, without sorting the whole
            # list for every page (a 100,000-contact list has 400 pages)
            page = heapq.nsmallest(
                limit + 1, ((i, t) for m, t in members.items() if (i := int(m)) > floor)
            )
        more = len(page) > limit
        page = page[:limit]
        body: dict[str, Any] = {
            "results": [{"recordId": str(m), "membershipTimestamp": t} for m, t in page],
            "total": total,
        }
        if more:
            body["paging"] = {"next": {"after": str(page[-1][0])}}
        return self.json_response(body)

    def _membership_ids(
        self: HubSpotEmulator, request: Request, record: dict[str, Any]
    ) -> list[str]:
        ids = self.json_body(request)
        if not isinstance(ids, list):
            raise self.hubspot_error(
                400, "The body must be a JSON array of record ids", "VALIDATION_ERROR"
            )
        if record["processingType"] == "DYNAMIC":
            raise self.hubspot_error(
                400,
                f"List {record['listId']} is DYNAMIC: its memberships follow its filters and "
                "cannot be changed by hand",
                "VALIDATION_ERROR",
            )
        return [str(i) for i in ids]

    def lists_memberships_add(self: HubSpotEmulator, request: Request, list_id: str) -> Response:
        with self.lock:
            record = self.get_list(list_id)
            ids = self._membership_ids(request, record)
            stamp = iso(self.now())
            added, missing = [], []
            for cid in ids:
                contact = self.contacts.get(cid)
                if contact is None or contact["archived"]:
                    missing.append(cid)
                elif cid not in record["members"]:
                    record["members"][cid] = stamp
                    added.append(cid)
        return self.json_response(
            {"recordsIdsAdded": added, "recordIdsRemoved": [], "recordIdsMissing": missing}
        )

    def lists_memberships_remove(self: HubSpotEmulator, request: Request, list_id: str) -> Response:
        with self.lock:
            record = self.get_list(list_id)
            ids = self._membership_ids(request, record)
            removed = [cid for cid in ids if record["members"].pop(cid, None) is not None]
            missing = [cid for cid in ids if cid not in self.contacts]
        return self.json_response(
            {"recordsIdsAdded": [], "recordIdsRemoved": removed, "recordIdsMissing": missing}
        )

    def control_list(self: HubSpotEmulator, request: Request, list_id: str) -> Response:
        """Let tests turn an active (DYNAMIC) list static, or back, as a user would in HubSpot."""
        with self.lock:
            record = self.lists.get(list_id)
            if record is None:
                raise KeyError(f"no list {list_id}")
            if request.method == "PATCH":
                changes = self.json_body(request) or {}
                unknown = set(changes) - {"processingType", "processingStatus"}
                if unknown:
                    raise ValueError(f"unknown list fields: {sorted(unknown)}")
                new_type = changes.get("processingType", record["processingType"])
                if new_type not in PROCESSING_TYPES:
                    raise ValueError(f"processingType must be one of {PROCESSING_TYPES}")
                if new_type == "DYNAMIC" and not record["filterBranch"]:
                    raise ValueError("a list without a filterBranch cannot become DYNAMIC")
                record["processingType"] = new_type
                record["listVersion"] += 1
                record["updatedAt"] = iso(self.stamp())
                self.list_matchers.pop(list_id, None)
                if new_type == "DYNAMIC":
                    matcher = self.compile_list_filter(record["filterBranch"])
                    self.list_matchers[list_id] = matcher
                    record["members"] = {
                        cid: record["members"].get(cid) or record["updatedAt"]
                        for cid, c in self.contacts.items()
                        if not c["archived"] and matcher(c["properties"])
                    }
                if changes.get("processingStatus") == "PROCESSING":
                    record["pendingGets"] = max(1, int(self.extra_settings["list_processing_gets"]))
                elif changes.get("processingStatus") == "COMPLETE":
                    record["pendingGets"] = 0
            return self.json_response(self.list_json(record, filters=True))
