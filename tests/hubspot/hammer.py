"""Child process for the shared-rate-limit test: ``N`` cheap calls through the limiter.

Run as ``python -m tests.hubspot.hammer BASE_URL TOKEN CALLS TEN_SECOND_LIMIT`` with
``DATABASE_URL`` pointing at the test database; prints the calls its meter counted.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syncadmin.settings")
    import django

    django.setup()
    from integrations.hubspot.client import HubSpotClient, hubspot_session
    from integrations.transport import CallMeter

    base_url, token, calls, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    meter = CallMeter()
    client = HubSpotClient(
        base_url, token, hubspot_session(access_token=token, meter=meter, ten_second_limit=limit)
    )
    for _ in range(calls):
        client.account_details()
    print(json.dumps({"calls": meter.total}))


if __name__ == "__main__":
    main()
