"""Links from a record's audit history to the record in HubSpot and Salesforce, where
the connections say where. Registered as a record linker in
``IntegrationsConfig.ready()`` (``core/selectors/audit.py``)."""

from __future__ import annotations

from core.selectors.audit import RecordKeys, RecordLink
from integrations.record_urls import hubspot_contact_url, salesforce_record_url


def vendor_record_links(keys: RecordKeys, object_type: str) -> list[RecordLink]:
    """HubSpot links for a contact (or a record of unknown type), Salesforce links for any."""
    links = []
    if object_type in ("", "contact"):
        links += [
            RecordLink("HubSpot", hubspot_id, url)
            for hubspot_id in sorted(keys.hubspot_ids)
            if (url := hubspot_contact_url(hubspot_id))
        ]
    links += [
        RecordLink("Salesforce", salesforce_id, url)
        for salesforce_id in sorted(keys.salesforce_ids)
        if (url := salesforce_record_url(salesforce_id))
    ]
    return links
