"""HubSpot's latencies for the sandbox's ``realistic`` model (see ``latency.py``).

Typical figures for HubSpot's CRM v3/v4 API from a client in the same region: a
read or a batch read about 120 ms, a CRM search about 250 ms (it runs a query
over the portal's index), a batch write about 300 ms, a single write about
200 ms. Every figure carries +/-20 % jitter.
"""

from __future__ import annotations

import re

from werkzeug.wrappers import Request

from integrations.sandbox.latency import Call, Profile

PROFILES = {
    "read": Profile(120),
    "search": Profile(250),
    "batch_write": Profile(250, per_unit_ms=0.5),  # 100 inputs: 300 ms
    "write": Profile(200),
    "default": Profile(150),
}
_SEARCH = re.compile(r"/search/?$")
_BATCH_READ = re.compile(r"/batch/read/?$")
_BATCH_WRITE = re.compile(r"/batch/[a-z/]+/?$")


def classify(request: Request) -> Call:
    """The latency class of one HubSpot API request, with its batch size as units."""
    path = request.path
    if request.method == "GET":
        return Call("read")
    if _SEARCH.search(path):
        return Call("search")
    if _BATCH_READ.search(path):
        return Call("read")
    if _BATCH_WRITE.search(path):
        return Call("batch_write", _inputs(request))
    return Call("write")


def _inputs(request: Request) -> int:
    body = request.get_json(force=True, silent=True, cache=True)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    return len(inputs) if isinstance(inputs, list) else 1
