"""Streamed CSV downloads: rows go out as they are read, and no cell can run as a formula."""

from __future__ import annotations

from typing import Any

#: A spreadsheet runs a cell starting with one of these as a formula; CRM data is untrusted.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class EchoBuffer:
    """A file-like object whose ``write`` hands the line back to the streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
