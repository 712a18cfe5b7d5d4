"""Each HubSpot engagement type's description agrees with itself: what a Salesforce
activity is written as carries its marker where recovery and Reconcile search for it,
and a read asks for every property the sync takes its text from."""

from __future__ import annotations

import pytest

from integrations.engine.activities.engagement_types import ENGAGEMENT_TYPES
from integrations.rules.activity_types import SALESFORCE_TO_HUBSPOT

MARKER = "sfsync00T000000000001AAA"


@pytest.mark.parametrize("kind", SALESFORCE_TO_HUBSPOT, ids=lambda k: k.key)
def test_a_salesforce_activity_carries_its_marker_where_it_is_searched_for(kind) -> None:
    engagement = ENGAGEMENT_TYPES[kind.hubspot_object]
    written = engagement.properties_from_salesforce(
        {"Subject": "Demo", "Status": "Completed", "Priority": "High"},
        stamp="1700000000000",
        text=f"Agenda\n\nFrom Salesforce by syncadmin: {MARKER}",
        html=f"<p>Agenda</p><p>From Salesforce by syncadmin: {MARKER}</p>",
        ends="1700003600000",
    )
    assert MARKER in written[engagement.marker_property]
    assert engagement.text_of(written).label == "Demo"
    assert engagement.text_of(written).body.startswith("Agenda")


@pytest.mark.parametrize("engagement", ENGAGEMENT_TYPES.values(), ids=lambda e: e.object_type)
def test_a_read_asks_for_everything_the_text_comes_from(engagement) -> None:
    wanted = set(engagement.read_properties())
    used = {engagement.html_body_property, engagement.text_property, engagement.title_property}
    assert {p for p in used if p} <= wanted
    assert {"hs_timestamp", "hubspot_owner_id", *engagement.extra_properties} <= wanted


def test_a_hubspot_task_keeps_its_status_and_priority_both_ways() -> None:
    tasks = ENGAGEMENT_TYPES["tasks"]
    text = tasks.text_of({"hs_task_subject": "Call back", "hs_task_status": "NOT_STARTED",
                          "hs_task_priority": "HIGH"})  # fmt: skip
    assert (text.status, text.priority) == ("Not Started", "High")
    written = tasks.properties_from_salesforce(
        {"Subject": "Call back", "Status": "Not Started", "Priority": "Low"},
        stamp="1", text="", html="", ends="1",
    )  # fmt: skip
    assert (written["hs_task_status"], written["hs_task_priority"]) == ("NOT_STARTED", "LOW")
