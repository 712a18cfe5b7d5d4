"""Contact sync tests use the shared sandbox sides (``tests/sides.py``)."""

from tests.sides import (  # noqa: F401  (re-exported for the tests' imports)
    HubSpotSide,
    SalesforceSide,
    connected,
    contact_options,
    hubspot,
    person,
    run_sync,
    salesforce,
)
