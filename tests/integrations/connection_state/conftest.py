from __future__ import annotations

import pytest

from integrations.connection_state import connection_state_forget


@pytest.fixture(autouse=True)
def fresh_connection_state() -> None:
    """What this process remembers of the auth state belongs to an earlier test's database."""
    connection_state_forget()
