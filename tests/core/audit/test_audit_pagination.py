"""Keyset pages: newest first, 50 a page, no event skipped or repeated while new ones arrive."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from core.services.audit import audit_event_build, audit_events_record, audit_record

pytestmark = pytest.mark.django_db


def write(count: int, action: str = "record.updated") -> None:
    audit_events_record(
        audit_event_build(action=action, object_type="contact", email=f"p{i}@example.com")
        for i in range(count)
    )


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="(\?[^"]*)" rel="{rel}"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pages_hold_fifty_events_newest_first(viewer_web: Client) -> None:
    write(120)
    events = viewer_web.get(reverse("audit_log")).context["events"]
    assert len(events) == 50
    assert [e.pk for e in events] == sorted((e.pk for e in events), reverse=True)
    assert events[0].pk == AuditEvent.objects.order_by("-id").first().pk


def test_older_pages_neither_skip_nor_repeat_while_events_are_inserted(viewer_web: Client) -> None:
    write(130)
    original = set(AuditEvent.objects.values_list("pk", flat=True))
    seen: list[int] = []
    url = reverse("audit_log")
    while url:
        response = viewer_web.get(url if url.startswith("/") else reverse("audit_log") + url)
        seen += [event.pk for event in response.context["events"]]
        write(7)  # the sync keeps writing between page loads
        url = link(response.content.decode(), "next")
    assert len(seen) == len(set(seen))
    assert set(seen) == original


def test_newer_pages_walk_back_to_the_newest_without_gaps(viewer_web: Client) -> None:
    write(160)
    first = viewer_web.get(reverse("audit_log"))
    second = viewer_web.get(reverse("audit_log") + link(first.content.decode(), "next"))
    third = viewer_web.get(reverse("audit_log") + link(second.content.decode(), "next"))
    back = viewer_web.get(reverse("audit_log") + link(third.content.decode(), "prev"))
    assert [e.pk for e in back.context["events"]] == [e.pk for e in second.context["events"]]
    audit_record(action="record.created", object_type="contact")
    newest = viewer_web.get(reverse("audit_log") + link(back.content.decode(), "prev"))
    # The page just newer than the cursor: the first page as it was, not the new event.
    assert [e.pk for e in newest.context["events"]] == [e.pk for e in first.context["events"]]
    assert link(newest.content.decode(), "prev") is not None  # the new event is one page up


def test_the_pager_keeps_the_filter(viewer_web: Client) -> None:
    write(60, action="record.created")
    write(60, action="record.updated")
    first = viewer_web.get(reverse("audit_log"), {"action": "record.created"})
    older = link(first.content.decode(), "next")
    assert "action=record.created" in older
    second = viewer_web.get(reverse("audit_log") + older)
    assert {e.action for e in second.context["events"]} == {"record.created"}
    assert len(second.context["events"]) == 10
