"""Where each incremental stream resumes: one ``SyncCursor`` row per stream, moved only
in the transaction that books what was read up to it (``bookkeeping``)."""

from __future__ import annotations

from integrations.models.contacts import SyncCursor


def cursor_get(stream: str) -> str:
    """The stream's cursor ("" before its first read)."""
    return SyncCursor.objects.filter(stream=stream).values_list("value", flat=True).first() or ""


def cursor_set(stream: str, value: str) -> None:
    SyncCursor.objects.update_or_create(stream=stream, defaults={"value": value})
