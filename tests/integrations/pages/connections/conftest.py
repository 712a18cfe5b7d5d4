"""The Connections page's tests start with no remembered auth state."""

from tests.integrations.connection_state.conftest import (  # noqa: F401  (autouse)
    fresh_connection_state,
)
