"""Salesforce's latencies for the sandbox's ``realistic`` model (see ``latency.py``).

Typical figures for Salesforce's REST API: a SOQL query (or its next page)
about 300 ms, a describe about 250 ms, a login about 350 ms, one record about
200 ms; an sObject collection grows with its records (triggers and validation
run per record): about 1.2 s for 200. A composite call costs a base plus each
subrequest. Bulk API 2.0 calls answer in about 250 ms, but a job then stays
``InProgress`` while Salesforce processes it in the background: about 2 s plus
0.3 ms a record for ingest (10,000 records: 5 s), 1.5 s plus a little per row
for a query job. Every figure carries +/-20 % jitter.
"""

from __future__ import annotations

from werkzeug.wrappers import Request

from integrations.sandbox.latency import Call, Profile

PROFILES = {
    "login": Profile(350),
    "query": Profile(300),
    "describe": Profile(250),
    "light": Profile(120),
    "record": Profile(200),
    "collection": Profile(100, per_unit_ms=5.5),  # 200 records: 1.2 s
    "composite": Profile(150, per_unit_ms=50),  # 25 subrequests: 1.4 s
    "bulk_api": Profile(250),
    "bulk_upload": Profile(300, per_unit_ms=0.01),  # per CSV row
    "bulk_ingest_processing": Profile(2000, per_unit_ms=0.3),
    "bulk_query_processing": Profile(1500, per_unit_ms=0.02),
    "default": Profile(200),
}
_CLASSES = {
    "soap_login": "login",
    "oauth_token": "login",
    "query": "query",
    "query_all": "query",
    "query_more": "query",
    "describe": "describe",
    "describe_global": "describe",
    "versions": "light",
    "resources": "light",
    "limits": "light",
    "oauth_userinfo": "light",
    "sobject_updated": "light",
    "sobject_deleted": "light",
    "sobject_root": "record",
    "sobject_record": "record",
    "sobject_external": "record",
    "collection": "collection",
    "collection_read": "collection",
    "collection_upsert": "collection",
    "composite": "composite",
    "ingest_upload": "bulk_upload",
}


def classify(request: Request, endpoint: str) -> Call:
    """The latency class of one Salesforce API request, with its size in units (records
    of a collection, subrequests of a composite call, rows of a Bulk upload)."""
    latency_class = _CLASSES.get(endpoint)
    if latency_class is None:
        latency_class = "bulk_api" if endpoint.startswith(("ingest_", "query_job")) else "default"
    if latency_class == "collection":
        return Call(latency_class, _collection_size(request))
    if latency_class == "composite":
        return Call(latency_class, _list_size(request, "compositeRequest"))
    if latency_class == "bulk_upload":
        return Call(latency_class, max(request.get_data(cache=True).count(b"\n") - 1, 0))
    return Call(latency_class)


def _collection_size(request: Request) -> int:
    if request.method in ("GET", "DELETE"):
        return len([i for i in request.args.get("ids", "").split(",") if i])
    return _list_size(request, "records") or _list_size(request, "ids")


def _list_size(request: Request, key: str) -> int:
    body = request.get_json(force=True, silent=True, cache=True)
    items = body.get(key) if isinstance(body, dict) else None
    return len(items) if isinstance(items, list) else 0
