"""Salesforce's published API limits, named once so the client never hard-codes them.

Sources: Salesforce REST API Developer Guide ("sObject Collections", "Query",
"Limits") and the Bulk API 2.0 Developer Guide.
"""

#: sObject Collections create/update/upsert take at most 200 records per request
#: (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm).
COLLECTION_BATCH_SIZE = 200
#: REST query pages hold up to 2,000 records; the rest follow ``nextRecordsUrl``
#: (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm).
QUERY_PAGE_SIZE = 2_000
#: Above this many records a write goes through Bulk API 2.0 instead of
#: collections, as Salesforce suggests from about 2,000 records: they are 10
#: collection calls against the org's daily limit, one Bulk job is a handful.
#: The ``SALESFORCE_BULK_THRESHOLD`` setting overrides it.
BULK_THRESHOLD = 2_000
#: simple-salesforce waits this long before it first polls a Bulk 2.0 job.
BULK_FIRST_POLL_S = 5.0
#: A read whose first REST page counts more records than this (``totalSize``) goes on as
#: one Bulk API 2.0 query job instead of paging 2,000 at a time: 50,000 records are 25
#: REST calls, or a handful through Bulk. The ``SALESFORCE_BULK_QUERY_ABOVE`` setting
#: overrides it.
BULK_QUERY_ABOVE = 10_000
#: rows asked for per Bulk API 2.0 query results page (``maxRecords``): simple-salesforce's
#: default, and one page for the 50,000 Salesforce records of a 100,000-contact sync
#: (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm).
BULK_QUERY_RESULTS_PAGE = 50_000
