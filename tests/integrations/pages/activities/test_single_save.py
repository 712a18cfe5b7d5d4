"""The Activities page's one *Save changes*: every changed row at once or none, a task
type outside Salesforce's picklist refused whether the toggle is on or off, and per type
what synced and a preview that leaves out what already did."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from integrations.models import ActivityType
from tests.integrations.engine.activities.conftest import (
    enable,
    iso,
    now,
    run_activities,
    seed,
    timedelta,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connected")]


def page_post(web: Client, rows: dict[str, dict[str, str]], **extra: str):
    """The page's form as a browser posts it: every row's ``type``, a switch only when on,
    a task type per timeline row (a row left as it is posts its stored values)."""
    fields: dict[str, list[str] | str] = {"type": []}
    for row in ActivityType.objects.all():
        fields["type"].append(row.key)  # type: ignore[union-attr]
        wanted = rows.get(row.key, {})
        if wanted.get("enabled", "on" if row.enabled else "") == "on":
            fields[f"enabled-{row.key}"] = "on"
        if row.direction == ActivityType.Direction.HUBSPOT_TO_SALESFORCE:
            fields[f"task_type-{row.key}"] = wanted.get("task_type", row.task_type)
    fields.update(extra)
    return web.post(reverse("activities"), fields)


def changes() -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="settings.changed", object_label__startswith="Activity sync: "
        )
    )


def test_one_save_saves_every_changed_row_and_only_those(admin_web: Client) -> None:
    response = page_post(
        admin_web,
        {"note_created": {"enabled": "on", "task_type": "Call"}, "sf_calls": {"enabled": "on"}},
    )

    assert response.status_code == 302
    note, calls = (
        ActivityType.objects.get(key="note_created"),
        ActivityType.objects.get(key="sf_calls"),
    )
    assert note.enabled and note.task_type == "Call" and calls.enabled
    assert sorted(e.object_label for e in changes()) == [
        "Activity sync: Calls",
        "Activity sync: Note created",
    ]
    shown = unescape(admin_web.get(response["Location"]).content.decode())
    assert "Note created: on since" in shown and "Calls: on since" in shown

    again = page_post(admin_web, {})

    assert "Nothing to save" in unescape(admin_web.get(again["Location"]).content.decode())
    assert len(changes()) == 2


@pytest.mark.parametrize("toggle", ["on", ""], ids=["toggle-on", "toggle-off"])
def test_a_task_type_outside_the_picklist_is_refused_on_or_off_and_nothing_saves(
    admin_web: Client, toggle: str
) -> None:
    response = page_post(
        admin_web,
        {
            "meeting_booked": {"enabled": toggle, "task_type": "Lunch"},
            "sf_tasks": {"enabled": "on"},  # a good change in the same save
        },
    )

    shown = unescape(response.content.decode())
    assert response.status_code == 400
    assert "Nothing was saved: Meeting booked: “Lunch” is not a value of Salesforce's Task " in (
        shown
    )
    meeting = ActivityType.objects.get(key="meeting_booked")
    assert (meeting.enabled, meeting.task_type) == (False, "")
    assert not ActivityType.objects.get(key="sf_tasks").enabled
    assert changes() == []
    # the page comes back as the admin left it, the changed rows marked unsaved
    assert shown.count('data-testid="unsaved-mark" >Unsaved') == 2
    assert 'data-testid="unsaved-count" data-unsaved-count aria-live="polite">2 unsaved' in shown
    assert "“Lunch” — no longer in Salesforce's picklist" in shown


def test_rows_show_how_many_synced_and_the_preview_leaves_those_out(
    admin_web: Client, hubspot, synced
) -> None:
    def submission(days_ago: int) -> dict:
        return {
            "type": "form_submission",
            "form": "Contact us",
            "email": "ann@example.com",
            "submittedAt": iso(now() - timedelta(days=days_ago)),
            "values": {"message": f"{days_ago} days ago"},
        }

    preview_url = reverse("activity_type_preview", args=["form_submission"])
    seed(hubspot, submission(3), submission(20))
    off = unescape(admin_web.get(preview_url).content.decode())
    assert "<strong>2</strong> activities would sync if it were turned on now" in off

    enable("form_submission")
    run_activities()

    row = unescape(admin_web.get(reverse("activities")).content.decode()).split(
        'data-testid="type-form_submission"', 1
    )[1]
    assert '<strong data-testid="synced-count">2</strong> synced' in row.split("</tr>", 1)[0]
    synced_now = unescape(admin_web.get(preview_url).content.decode())
    assert "<strong>0</strong> more activities would sync on the next activity sync" in synced_now

    seed(hubspot, submission(1))
    one_more = unescape(admin_web.get(preview_url).content.decode())
    assert "<strong>1</strong> more activity would sync on the next activity sync" in one_more
