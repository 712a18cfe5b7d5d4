"""The HTTP layer's tests start, as the connection tests do, with no remembered auth state."""

from tests.integrations.connection_state.conftest import (  # noqa: F401  (autouse)
    fresh_connection_state,
)
