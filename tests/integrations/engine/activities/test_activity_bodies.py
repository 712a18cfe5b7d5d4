"""Activity bodies through real sync jobs: HubSpot's HTML becomes Salesforce's plain text, and
Salesforce's plain text arrives in HubSpot as escaped HTML (SPEC §4)."""

import pytest

from integrations.engine.activities.sync import MARKER
from integrations.engine.activities.text import html_to_text
from integrations.models import ActivityLink
from tests.integrations.engine.activities.conftest import (
    enable,
    iso,
    now,
    run_activities,
    seed,
    tasks_of,
    timedelta,
)

pytestmark = pytest.mark.django_db

NOTE_HTML = (
    '<div style="" dir="auto" data-top-level="true">'
    '<p style="margin:0;">Budget approved &amp; signed&nbsp;off</p>'
    '<p style="margin:0;"><br></p>'
    '<p style="margin:0;">Next: <strong>send</strong> the order&nbsp;form<br>by Friday</p>'
    '<ul><li style="margin:0;">pricing</li><li>the <a href="https://example.com/dpa">DPA</a></li></ul>'
    "</div>"
)


def engagement(kind: str, contact_id: str, **properties: str) -> dict:
    return {
        "type": kind,
        "properties": {"hs_timestamp": iso(now() + timedelta(seconds=1)), **properties},
        "contactIds": [contact_id],
    }


def test_a_note_in_html_becomes_a_task_in_plain_text(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("note_created")
    [note] = seed(hubspot, engagement("note", ann.hubspot_id, hs_note_body=NOTE_HTML))
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert task["Subject"] == "Note: Budget approved & signed off"
    description = task["Description"].split("\n")
    body = "\n".join(description[2:-2])
    assert body == (
        "Budget approved & signed off\n\nNext: send the order form\nby Friday\n- pricing\n- the DPA"
    )
    assert "<" not in task["Description"] and "&amp;" not in task["Description"]
    assert description[-1] == f"{MARKER}notes:{note['id']}"


def test_a_call_without_a_title_is_named_by_its_first_line(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("call_logged")
    seed(
        hubspot,
        engagement(
            "call",
            ann.hubspot_id,
            hs_call_body='<div><p style="margin:0;"><br></p><p>Talked&nbsp;about '
            "Margie&#39;s &lt;setup&gt;</p><p>second line</p></div>",
        ),
    )
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert task["Subject"] == "Call: Talked about Margie's <setup>"
    assert "Talked about Margie's <setup>\nsecond line" in task["Description"]


def test_meeting_and_task_bodies_arrive_as_text(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("meeting_booked")
    enable("task_created")
    seed(
        hubspot,
        engagement(
            "meeting",
            ann.hubspot_id,
            hs_meeting_title="Demo",
            hs_meeting_body="<p>Agenda:</p><ol><li>goals &amp; timeline</li></ol>",
        ),
        engagement(
            "task", ann.hubspot_id, hs_task_subject="Send proposal", hs_task_body="<p>For Ann</p>"
        ),
    )
    run_activities()
    tasks = {t["Subject"]: t for t in tasks_of(salesforce, ann.salesforce_id)}
    assert set(tasks) == {"Meeting booked: Demo", "Send proposal"}
    assert "Agenda:\n- goals & timeline" in tasks["Meeting booked: Demo"]["Description"]
    assert "\n\nFor Ann\n\n" in tasks["Send proposal"]["Description"]


def test_an_email_with_only_html_is_read_from_its_html(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("sales_email_sent")
    seed(
        hubspot,
        engagement(
            "email",
            ann.hubspot_id,
            hs_email_subject="Pricing",
            hs_email_direction="EMAIL",
            hs_email_html="<html><head><style>p{margin:0}</style></head>"
            "<body><p>Hi Ann,</p><p>prices &amp; plans attached.</p></body></html>",
        ),
        engagement(
            "email",
            ann.hubspot_id,
            hs_email_subject="Both parts",
            hs_email_direction="EMAIL",
            hs_email_text="The text part\nwins",
            hs_email_html="<p>The HTML part</p>",
        ),
    )
    run_activities()
    tasks = {t["Subject"]: t for t in tasks_of(salesforce, ann.salesforce_id)}
    assert "Hi Ann,\nprices & plans attached." in tasks["Sent email: Pricing"]["Description"]
    both = tasks["Sent email: Both parts"]["Description"]
    assert "The text part\nwins" in both and "HTML part" not in both


def test_a_long_first_line_is_cut_to_salesforces_subject_limit(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("note_created")
    words = " ".join(f"wörd{i}" for i in range(100))
    body = f"<p>{words}</p>" + "<p>filler &amp; more filler</p>" * 3000
    [note] = seed(hubspot, engagement("note", ann.hubspot_id, hs_note_body=body))
    job = run_activities()
    assert job.created == 1, job.error
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert len(task["Subject"]) <= 255 and task["Subject"].endswith("…")
    assert task["Subject"].startswith("Note: wörd0 wörd1")
    assert len(task["Description"]) <= 32_000
    assert task["Description"].split("\n")[-1] == f"{MARKER}notes:{note['id']}"


def test_a_salesforce_description_arrives_as_escaped_html(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("sf_tasks")
    description = 'Price < 100 & "rising"\nAsk <b>Bob</b> about R&D\n\nThen call back'
    task_id = salesforce.create(
        "Task",
        Subject="Follow up",
        WhoId=ann.salesforce_id,
        Status="Not Started",
        Description=description,
    )
    run_activities()
    link = ActivityLink.objects.get(source="salesforce", salesforce_id=task_id)
    hubspot_id = link.hubspot_id.split(":")[1]
    body = hubspot.call("GET", f"/crm/v3/objects/tasks/{hubspot_id}?properties=hs_task_body")[
        "properties"
    ]["hs_task_body"]
    assert "Price &lt; 100 &amp; " in body and "&lt;b&gt;Bob&lt;/b&gt;" in body
    assert "<b>" not in body
    assert html_to_text(body) == (f"{description}\n\nFrom Salesforce by syncadmin: sfsync{task_id}")


def test_a_salesforce_email_keeps_its_text_and_gains_html(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("sf_emails")
    task_id = salesforce.create(
        "Task",
        Subject="Quote",
        WhoId=ann.salesforce_id,
        Status="Completed",
        TaskSubtype="Email",
        Description="Dear Ann,\n5 < 6 & so on",
    )
    run_activities()
    link = ActivityLink.objects.get(source="salesforce", salesforce_id=task_id)
    email = hubspot.call(
        "GET",
        f"/crm/v3/objects/emails/{link.hubspot_id.split(':')[1]}"
        "?properties=hs_email_text,hs_email_html",
    )["properties"]
    signed = f"Dear Ann,\n5 < 6 & so on\n\nFrom Salesforce by syncadmin: sfsync{task_id}"
    assert email["hs_email_text"] == signed
    assert "5 &lt; 6 &amp; so on" in email["hs_email_html"]
    assert html_to_text(email["hs_email_html"]) == signed


def test_a_crash_after_hubspot_created_html_bodies_never_duplicates_them(
    hubspot, salesforce, synced, monkeypatch
) -> None:
    """Recovery finds the marker inside the HTML body (CONTAINS_TOKEN on its text)."""
    from integrations.engine.activities import sync as activities

    ann = synced["ann@example.com"]
    enable("sf_tasks")
    for i in range(2):
        salesforce.create(
            "Task",
            Subject=f"Task {i}",
            WhoId=ann.salesforce_id,
            Status="Completed",
            Description=f"Line one <{i}>\nline & two",
        )
    real = activities.ActivityLink.objects.filter

    def crash_after_create(*args, **kwargs):
        pending = kwargs.get("hubspot_id") == "" and kwargs.get("source") == "salesforce"
        if pending and "source_key" in kwargs:
            raise OSError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(activities.ActivityLink.objects, "filter", crash_after_create)
    run_activities(expect="failed")
    monkeypatch.undo()
    rerun = run_activities()
    assert rerun.status == "succeeded", rerun.error
    tasks = hubspot.call("GET", f"/crm/v4/objects/contacts/{ann.hubspot_id}/associations/tasks")[
        "results"
    ]
    assert len(tasks) == 2
    assert ActivityLink.objects.filter(source="salesforce").exclude(hubspot_id="").count() == 2
