"""HubSpot's published API limits, named once so the client never hard-codes them.

Sources: HubSpot developer docs, "API usage guidelines and limits"
(https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details), the
CRM search guide (https://developers.hubspot.com/docs/guides/api/crm/search),
the Lists v3 reference and the objects' batch endpoints.
"""

#: CRM batch read/create/update/upsert/archive accept at most 100 inputs.
BATCH_SIZE = 100
#: v4 association batch reads accept up to 1,000 inputs (crm-associations-v4 batch
#: reference): ten times fewer calls than CRM batches when resolving activity contacts.
ASSOCIATION_BATCH_SIZE = 1000
#: GET /crm/v4/objects/{type}/{id}/associations/{to}: at most 500 per page.
ASSOCIATIONS_PAGE_SIZE = 500
#: CRM search: at most 200 results per page ...
SEARCH_PAGE_SIZE = 200
#: ... and no more than 10,000 results per query (paging past it answers 400).
SEARCH_RESULT_CAP = 10_000
#: CRM search: 5 requests per second per account (all search endpoints).
SEARCH_REQUESTS_PER_SECOND = 5
#: Professional/Enterprise private apps: 190 requests per rolling 10 seconds
#: (Free/Starter: 100).
TEN_SECOND_LIMIT = 190
#: GET /crm/v3/objects/{type}: at most 100 records per page.
OBJECTS_PAGE_SIZE = 100
#: GET /crm/v3/owners: at most 500 per page (we ask for 100).
OWNERS_PAGE_SIZE = 100
#: POST /crm/v3/lists/search: count <= 500.
LISTS_SEARCH_PAGE_SIZE = 500
#: GET /crm/v3/lists/{id}/memberships: limit <= 250.
MEMBERSHIPS_PAGE_SIZE = 250
#: GET /form-integrations/v1/submissions/forms/{guid}: limit <= 50.
FORM_SUBMISSIONS_PAGE_SIZE = 50
#: GET /marketing/v3/forms: limit (HubSpot's default page is 20; we ask for 100).
FORMS_PAGE_SIZE = 100
#: GET /email/public/v1/events: limit <= 1000.
EMAIL_EVENTS_PAGE_SIZE = 1000
#: GET /events/v3/events: limit <= 1000 (we ask for 500 to keep pages small).
EVENTS_PAGE_SIZE = 500
#: objectTypeId of contacts, as the Lists API wants it.
CONTACT_OBJECT_TYPE_ID = "0-1"
