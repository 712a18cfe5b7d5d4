"""Associations v4 writes beside the default ones in ``activities.py``.

- ``PUT /crm/v4/objects/{from}/{id}/associations/{to}/{toId}`` with a body of
  association types (``[{"associationCategory", "associationTypeId"}]``):
  associate with those labels; answers 201 (as HubSpot's OpenAPI file declares) with
  the pair and its labels
  (``fromObjectTypeId``, ``fromObjectId``, ``toObjectTypeId``, ``toObjectId``,
  ``labels``). The sandbox knows only HubSpot's default (unlabeled) type of each
  pair, so ``labels`` is empty and another type id is refused (400).
- ``POST /crm/v4/associations/{from}/{to}/batch/archive`` ``{"inputs": [{"from":
  {"id"}, "to": [{"id"}, ...]}]}``: remove every association between each pair,
  both directions; 204 with no body, pairs that were not associated included.

Reference: https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from integrations.sandbox.hubspot.engagement_properties import OBJECT_TYPE_IDS

if TYPE_CHECKING:
    from integrations.sandbox.hubspot.app import HubSpotEmulator

#: ``batch/archive`` accepts as many inputs as the other v4 association batches
ARCHIVE_BATCH_LIMIT = 1000
_TYPE_ID_BY_NAME = {name: type_id for type_id, name in OBJECT_TYPE_IDS.items()}
_CATEGORIES = ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED")


class AssociationWritesMixin:
    """Mixed into ``HubSpotEmulator``; uses the activities mixin's pair and link helpers."""

    def association_write_routes(self) -> list[tuple[str, str, list[str]]]:
        return [
            (
                "/crm/v4/objects/<from_type>/<from_id>/associations/<to_type>/<to_id>",
                "associations_put_labelled",
                ["PUT"],
            ),
            (
                "/crm/v4/associations/<from_type>/<to_type>/batch/archive",
                "associations_batch_archive",
                ["POST"],
            ),
        ]

    def associations_put_labelled(
        self: HubSpotEmulator,
        request: Request,
        from_type: str,
        from_id: str,
        to_type: str,
        to_id: str,
    ) -> Response:
        kind_from, kind_to, type_id = self._pair(from_type, to_type)
        specs = self.json_body(request)
        if not isinstance(specs, list) or not specs:
            raise self._validation(
                "Invalid input JSON: expected a list of association types "
                '([{"associationCategory": ..., "associationTypeId": ...}])'
            )
        for spec in specs:
            category = spec.get("associationCategory") if isinstance(spec, dict) else None
            wanted = spec.get("associationTypeId") if isinstance(spec, dict) else None
            if category not in _CATEGORIES:
                raise self._validation(f"associationCategory {category!r} is not valid")
            if wanted != type_id or category != "HUBSPOT_DEFINED":
                raise self._validation(
                    f"associationTypeId {wanted} ({category}) is not valid from {kind_from} to "
                    f"{kind_to} (the sandbox serves the default type {type_id})"
                )
        with self.lock:
            self._associate(kind_from, from_id, kind_to, to_id)
        return self.json_response(
            {
                "fromObjectTypeId": _TYPE_ID_BY_NAME[kind_from],
                "fromObjectId": int(from_id),
                "toObjectTypeId": _TYPE_ID_BY_NAME[kind_to],
                "toObjectId": int(to_id),
                "labels": [],
            },
            201,
        )

    def associations_batch_archive(
        self: HubSpotEmulator, request: Request, from_type: str, to_type: str
    ) -> Response:
        kind_from, kind_to, _ = self._pair(from_type, to_type)
        _, inputs = self.batch_inputs(request, ARCHIVE_BATCH_LIMIT)
        pairs = [_archive_pairs(self, item) for item in inputs]
        with self.lock:
            forward = self.assoc.get(f"{kind_from}:{kind_to}", {})
            backward = self.assoc.get(f"{kind_to}:{kind_from}", {})
            for from_id, to_ids in pairs:
                for to_id in to_ids:
                    forward.get(from_id, {}).pop(to_id, None)
                    backward.get(to_id, {}).pop(from_id, None)
        return self.json_response(None, 204)


def _archive_pairs(emulator: HubSpotEmulator, item: Any) -> tuple[str, list[str]]:
    """``(from id, [to ids])`` of one archive input; ``to`` may be one object or a list."""
    source = item.get("from") if isinstance(item, dict) else None
    targets = item.get("to") if isinstance(item, dict) else None
    if isinstance(targets, dict):
        targets = [targets]
    if (
        not isinstance(source, dict)
        or source.get("id") in (None, "")
        or not isinstance(targets, list)
        or not all(isinstance(t, dict) and t.get("id") not in (None, "") for t in targets)
    ):
        raise emulator._validation(
            'Invalid input JSON: each input needs "from": {"id"} and "to": [{"id"}, ...]'
        )
    return str(source["id"]), [str(t["id"]) for t in targets]
