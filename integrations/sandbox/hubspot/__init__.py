"""The HubSpot CRM API emulator: one portal in memory, served over HTTP.

Modules:

- ``app``: ``HubSpotEmulator`` (auth, errors, rate limits, account, owners,
  properties, seeds and saved state);
- ``contacts``: ``/crm/v3/objects/contacts`` basic, batch and search;
- ``search``: the CRM search body (filters, sorts, 10,000-result cap);
- ``lists`` / ``list_filters``: Lists v3 and DYNAMIC list filters;
- ``properties``: the contact property catalogue;
- ``ratelimit``: the 10-second, per-second (search) and daily limits;
- ``seed``: the ``empty`` and ``demo`` portals;
- ``activities`` (and its helpers): engagements, associations, forms, email
  and events.
- ``association_writes``: v4 associations with labels (PUT) and ``batch/archive``;
- ``latency_profile``: HubSpot's latencies for the realistic latency model.

Sandbox-only control routes beside the shared ones (see ``emulator.py``):
``GET|PATCH /__sandbox__/settings`` takes ``ten_second_limit``,
``search_per_second``, ``daily_limit`` and ``list_processing_gets`` (how many
GETs a new DYNAMIC list answers PROCESSING); ``GET|PATCH
/__sandbox__/lists/{listId}`` with ``{"processingType": ...}`` turns an active
list static (or back), as a user would in HubSpot.
"""
