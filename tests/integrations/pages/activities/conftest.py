"""The Activities page's tests use the activity sync's fixtures (``synced``)."""

from tests.integrations.engine.activities.conftest import synced  # noqa: F401  (the fixture)
