"""The Activities page as admins and viewers use it, against the sandbox over real HTTP."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.models import ActivityType
from integrations.sandbox.salesforce.describe import TASK_TYPES
from tests.integrations.engine.activities.conftest import iso, now, seed, timedelta
from tests.sandbox import Sandbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connected")]

NO_TASK_TYPE = "-- No task type --"


class Controls(HTMLParser):
    """The form controls of a page: POST forms, inputs, selects and their options."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.post_actions: list[str] = []
        self.inputs: list[dict[str, str | None]] = []
        self.selects: dict[str, dict[str, str | None]] = {}
        self.options: dict[str, list[tuple[str, str, bool]]] = {}
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and (found.get("method") or "").lower() == "post":
            self.post_actions.append(found.get("action") or "")
        elif tag == "input" and found.get("type") not in ("hidden",):
            self.inputs.append(found)
        elif tag == "select":
            self._select = found.get("id") or ""
            self.selects[self._select] = found
            self.options[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = (found.get("value") or "", "selected" in found)
            self._text = ""

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            self.options[self._select].append((value, self._text.strip(), selected))
            self._option = None
        elif tag == "select":
            self._select = None


def page(web: Client) -> str:
    response = web.get(reverse("activities"))
    assert response.status_code == 200
    return response.content.decode()


def save(
    web: Client, key: str, *, refused: bool = False, dropdowns: bool = True, **fields: str
) -> str:
    """The page's one *Save changes* as a browser posts it, with row ``key`` changed to
    ``fields`` (``enabled="on"`` when its switch is on, its ``task_type``); every other row
    as it is. ``dropdowns=False``: the task type dropdowns are disabled (Salesforce could
    not be read), so none is posted. A refused save answers the page again (400), a saved
    one goes back to it; either way the page, with its messages, is returned."""
    posted: dict[str, list[str] | str] = {"type": []}
    for row in ActivityType.objects.all():
        posted["type"].append(row.key)  # type: ignore[union-attr]
        wanted = fields if row.key == key else {"enabled": "on" if row.enabled else ""}
        if wanted.get("enabled") == "on":
            posted[f"enabled-{row.key}"] = "on"
        timeline = row.direction == ActivityType.Direction.HUBSPOT_TO_SALESFORCE
        if timeline and dropdowns:
            chosen = fields.get("task_type") if row.key == key else None
            posted[f"task_type-{row.key}"] = row.task_type if chosen is None else chosen
    response = web.post(reverse("activities"), posted, follow=True)
    assert response.status_code == (400 if refused else 200)
    return unescape(response.content.decode())


def changes_of(label: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="settings.changed", object_label=label).order_by("pk")
    )


def test_turning_a_type_on_records_when_and_audits_it_then_off(
    admin_web: Client, sandbox: Sandbox
) -> None:
    answer = save(admin_web, "form_submission", enabled="on", task_type="Call")

    row = ActivityType.objects.get(key="form_submission")
    assert row.enabled and row.enabled_at is not None and row.task_type == "Call"
    assert "Form submission: on since" in answer and "“Call”" in answer
    [turned_on] = changes_of("Activity sync: Form submission")
    assert turned_on.actor_username == "alice"
    assert {(c["field"], c["before"], c["after"]) for c in turned_on.changes} == {
        ("enabled", False, True),
        ("task_type", NO_TASK_TYPE, "Call"),
    }
    shown = page(admin_web)
    assert f"since {row.enabled_at:%Y-%m-%d %H:%M}" in shown
    assert (
        'id="enabled-form_submission" name="enabled-form_submission" form="types-form" '
        'data-saved="on" checked'
    ) in shown

    answer = save(admin_web, "form_submission", task_type="Call")

    row.refresh_from_db()
    assert not row.enabled
    assert "Form submission: off" in answer
    turned_off = changes_of("Activity sync: Form submission")[-1]
    assert turned_off.changes == [{"field": "enabled", "before": True, "after": False}]


def test_a_salesforce_to_hubspot_toggle_says_it_is_never_retroactive(
    admin_web: Client, sandbox: Sandbox
) -> None:
    shown = page(admin_web)
    assert "Never retroactive" in shown
    for label in ("Tasks", "Emails", "Calls", "Meetings"):
        assert label in shown

    save(admin_web, "sf_calls", enabled="on")

    row = ActivityType.objects.get(key="sf_calls")
    assert row.enabled and row.enabled_at is not None
    assert f"since {row.enabled_at:%Y-%m-%d %H:%M}" in page(admin_web)
    [change] = changes_of("Activity sync: Calls")
    assert change.changes == [{"field": "enabled", "before": False, "after": True}]


def test_every_timeline_type_is_listed_with_its_window_and_enterprise_note(
    admin_web: Client, sandbox: Sandbox
) -> None:
    shown = page(admin_web)
    assert shown.count('data-testid="type-') == 14 + 4
    assert "Form submissions from the year before turning it on" in shown
    assert "Marketing email events from the 30 days before turning it on" in shown
    assert "Only those after turning it on and after the contact first synced" in shown
    assert shown.count("needs HubSpot Enterprise (Events API)") == 4


def test_the_task_type_dropdown_lists_exactly_salesforces_picklist(
    admin_web: Client, sandbox: Sandbox
) -> None:
    controls = Controls(page(admin_web))

    options = controls.options["task-type-call_logged"]
    assert [(value, text) for value, text, _ in options] == [
        ("", NO_TASK_TYPE),
        *((value, value) for value in TASK_TYPES),
    ]
    assert options[0][2], "-- No task type -- is chosen while none is saved"


def test_the_dropdown_follows_a_picklist_edited_in_salesforce(
    admin_web: Client, sandbox: Sandbox
) -> None:
    sandbox.salesforce.control("PUT", "picklists/Task/Type", {"values": ["Call", "Demo"]})

    options = Controls(page(admin_web)).options["task-type-meeting_booked"]

    assert [value for value, _, _ in options] == ["", "Call", "Demo"]


def test_a_task_type_not_in_the_picklist_is_refused_and_nothing_changes(
    admin_web: Client, sandbox: Sandbox
) -> None:
    answer = save(admin_web, "note_created", enabled="on", task_type="Lunch", refused=True)

    assert "Nothing was saved: Note created: “Lunch” is not a value of Salesforce's Task " in (
        answer
    )
    row = ActivityType.objects.get(key="note_created")
    assert not row.enabled and row.enabled_at is None and row.task_type == ""
    assert not changes_of("Activity sync: Note created")


def test_a_saved_type_dropped_from_the_picklist_is_shown_as_such_and_cannot_be_saved_again(
    admin_web: Client, sandbox: Sandbox
) -> None:
    save(admin_web, "meeting_booked", enabled="on", task_type="Meeting")
    sandbox.salesforce.control(
        "PUT", "picklists/Task/Type", {"values": [v for v in TASK_TYPES if v != "Meeting"]}
    )

    shown = page(admin_web)

    assert "“Meeting” — no longer in Salesforce's picklist" in unescape(shown)
    options = Controls(shown).options["task-type-meeting_booked"]
    assert [(v, s) for v, _, s in options if s] == [("Meeting", True)]
    before = ActivityType.objects.get(key="meeting_booked")
    audited = len(changes_of("Activity sync: Meeting booked"))

    # turning it off keeping the dropped type is refused too: on or off, a type keeps
    # only a value of the picklist
    answer = save(admin_web, "meeting_booked", task_type="Meeting", refused=True)

    assert "Meeting booked: “Meeting” is not a value of Salesforce's Task Type picklist" in (answer)
    after = ActivityType.objects.get(key="meeting_booked")
    assert (after.enabled, after.enabled_at, after.task_type) == (
        before.enabled,
        before.enabled_at,
        "Meeting",
    )
    assert len(changes_of("Activity sync: Meeting booked")) == audited
    # turning the type off with a task type of the picklist (or none) saves
    save(admin_web, "meeting_booked", task_type="")
    assert not ActivityType.objects.get(key="meeting_booked").enabled


def test_when_salesforce_cannot_be_read_the_page_says_so_and_task_types_are_locked(
    admin_web: Client, sandbox: Sandbox
) -> None:
    save(admin_web, "call_logged", enabled="on", task_type="Call")
    sandbox.salesforce.fault(path="*/sobjects/Task/describe*", status=403, count=5)

    response = admin_web.get(reverse("activities"))

    shown = response.content.decode()
    assert response.status_code == 200
    assert "Salesforce's Task Type picklist could not be read" in unescape(shown)
    controls = Controls(shown)
    assert all("disabled" in attrs for attrs in controls.selects.values())
    assert ("Call", "Call", True) in controls.options["task-type-call_logged"]


def test_when_salesforce_cannot_be_read_toggles_keep_their_task_type(
    admin_web: Client, sandbox: Sandbox
) -> None:
    save(admin_web, "call_logged", enabled="on", task_type="Call")
    sandbox.salesforce.fault(path="*/sobjects/Task/describe*", status=403, count=5)

    # the dropdowns are disabled, so the browser posts no task type
    refused = save(admin_web, "call_logged", dropdowns=False, refused=True)
    turned_on = save(admin_web, "task_created", enabled="on", dropdowns=False)

    assert "Nothing was saved: Salesforce's Task Type picklist could not be read to check " in (
        refused
    )
    assert "the task types of Call logged" in refused and "Nothing was changed" in refused
    assert ActivityType.objects.get(key="call_logged").enabled
    assert "Task created: on since" in turned_on
    task_created = ActivityType.objects.get(key="task_created")
    assert task_created.enabled and task_created.task_type == ""


def test_viewers_read_the_page_without_controls_and_cannot_post(
    viewer_web: Client, sandbox: Sandbox
) -> None:
    ActivityType.objects.filter(key="form_submission").update(task_type="Call")

    shown = page(viewer_web)

    controls = Controls(shown)
    assert controls.post_actions == [reverse("logout")]
    assert not controls.inputs and not controls.selects
    assert "Sync activities now" not in shown
    assert "Form submission" in shown and "Call" in shown
    for url, fields in (
        (reverse("activities"), {"type": "form_submission", "enabled-form_submission": "on"}),
        (reverse("activities_sync_now"), {}),
    ):
        assert viewer_web.post(url, fields).status_code == 403
    assert not ActivityType.objects.get(key="form_submission").enabled
    assert not AuditEvent.objects.filter(action="settings.changed", actor_username="victor")


def test_an_unknown_type_is_refused_and_nothing_saves(admin_web: Client, sandbox: Sandbox) -> None:
    response = admin_web.post(
        reverse("activities"),
        {"type": ["sf_calls", "fax_sent"], "enabled-sf_calls": "on", "enabled-fax_sent": "on"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Nothing was saved: There is no activity type “fax_sent”" in unescape(
        response.content.decode()
    )
    assert not ActivityType.objects.get(key="sf_calls").enabled
    assert not changes_of("Activity sync: Calls")


def test_the_old_per_row_save_address_is_gone(admin_web: Client, sandbox: Sandbox) -> None:
    response = admin_web.post("/activities/sf_calls/", {"enabled": "on"})

    assert response.status_code == 404
    assert not ActivityType.objects.get(key="sf_calls").enabled


def form_submission(email: str, days_ago: int) -> dict:
    return {
        "type": "form_submission",
        "form": "Contact us",
        "email": email,
        "submittedAt": iso(now() - timedelta(days=days_ago)),
        "values": {"message": f"{days_ago} days ago"},
    }


def test_preview_counts_what_turning_a_type_on_would_sync_now(
    admin_web: Client, hubspot, synced
) -> None:
    seed(hubspot, form_submission("bob@example.com", 10), form_submission("bob@example.com", 400))

    response = admin_web.get(
        reverse("activity_type_preview", args=["form_submission"]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "Form submission: <strong>1</strong> activity would sync" in response.content.decode()
    assert not ActivityType.objects.get(key="form_submission").enabled
    assert not SyncJob.objects.filter(kind="activities.sync").exists()


def test_preview_shows_hubspots_error(admin_web: Client, sandbox: Sandbox) -> None:
    sandbox.hubspot.fault(path="*", status=403, count=20)

    response = admin_web.get(reverse("activity_type_preview", args=["note_created"]))

    shown = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Note created: the preview failed: HubSpot (HTTP 403)" in shown


def test_sync_activities_now_starts_one_job_and_a_second_click_joins_it(
    admin_web: Client,
) -> None:
    first = admin_web.post(reverse("activities_sync_now"), follow=True)

    job = SyncJob.objects.get(kind="activities.sync")
    assert first.redirect_chain[-1][0] == reverse("job_detail", args=[job.pk])
    assert "Started: activity sync" in first.content.decode()
    assert job.requested_by is not None and job.requested_by.get_username() == "alice"

    second = admin_web.post(reverse("activities_sync_now"), follow=True)

    assert "your request joined it" in second.content.decode()
    assert SyncJob.objects.filter(kind="activities.sync").count() == 1
