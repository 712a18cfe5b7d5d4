"""The Salesforce REST API emulator of the sandbox (``manage.py sandbox``, HTTPS only).

Modules: ``app`` (routes, auth, limits, query, sObjects, collections, composite),
``soql`` (parser/evaluator), ``store`` (records, validation, indexes), ``describe``
(metadata), ``bulk2`` (Bulk API 2.0), ``seed`` (demo/empty orgs), ``ids``,
``client`` (how simple-salesforce logs in to the sandbox), ``latency_profile``
(Salesforce's latencies for the realistic latency model).

Control API (besides the shared reset/faults/calls/settings, see ``emulator.py``):

- ``POST /__sandbox__/sessions/expire``: every session dies (clients log in again)
- ``GET|PUT /__sandbox__/picklists/{Object}/{Field}`` ``{"values": [...], "restricted"?}``
- ``POST /__sandbox__/records`` ``{"type": "Task", "records": [...]}``: seed rows as
  given, system fields (past ``CreatedDate`` / ``SystemModstamp``) allowed
- ``GET /__sandbox__/records/{id}``: a raw stored record, for assertions
- ``POST /__sandbox__/leads/{id}/convert``: a rep converts a lead into a contact
- settings: ``daily_api_limit``, ``api_usage``, ``duplicate_rule``
"""
