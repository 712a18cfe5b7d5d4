"""Lets Django's test flush empty the audit trail, which the database otherwise refuses.

Transactional tests end with ``flush`` (``DELETE FROM`` on SQLite, ``TRUNCATE`` on
PostgreSQL): the audit triggers are lifted for that flush only, and put back by
the ``post_migrate`` the flush sends (and explicitly, in case it sends none).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections
from django.test import TransactionTestCase

from core.audit_triggers import audit_triggers_install, audit_triggers_remove


def pytest_configure(config: pytest.Config) -> None:
    teardown = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self: Any) -> None:
        for alias in self._databases_names(include_mirrors=False):
            audit_triggers_remove(connections[alias])
        try:
            teardown(self)
        finally:
            for alias in self._databases_names(include_mirrors=False):
                audit_triggers_install(connections[alias])

    TransactionTestCase._fixture_teardown = _fixture_teardown
