"""Child process for the shared-rate-limit test: ``N`` cheap calls through the limiter.

Run as ``python -m tests.integrations.hubspot.hammer BASE_URL TOKEN CALLS TEN_SECOND_LIMIT
SEARCH_PER_SECOND details|search`` with ``DATABASE_URL`` pointing at the test database;
prints the calls its meter counted.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syncadmin.settings")
    import django

    django.setup()
    from integrations.http.transport import CallMeter
    from integrations.hubspot.client import HubSpotClient, hubspot_session

    base_url, token, calls, limit, per_second, kind = sys.argv[1:7]
    meter = CallMeter()
    session = hubspot_session(
        access_token=token,
        meter=meter,
        ten_second_limit=int(limit),
        search_per_second=int(per_second),
    )
    client = HubSpotClient(base_url, token, session)
    call = client.contacts_total if kind == "search" else client.account_details
    for _ in range(int(calls)):
        call()
    print(json.dumps({"calls": meter.total}))


if __name__ == "__main__":
    main()
