"""Where HubSpot activities are read from: forms, marketing email events, the Events API.

Runs on the sandbox's demo portal (deterministic history for 1,500 people), so
paging is exercised on every source.
"""

from __future__ import annotations

import pytest

from integrations.http.errors import ApiError
from integrations.hubspot.client import HubSpotClient
from tests.integrations.hubspot.conftest import calls_to

PEOPLE = 1_500
SUBMISSIONS = "GET /form-integrations/v1/submissions/forms/<form_guid>"


@pytest.fixture
def demo(sandbox):
    sandbox.hubspot.reset("demo", contacts=PEOPLE)
    sandbox.hubspot.control("POST", "calls/reset")
    return sandbox


def _busiest_form(hubspot: HubSpotClient) -> tuple[str, list[dict]]:
    readable = [f for f in hubspot.forms() if f["formType"] != "blog_comment"]
    best: tuple[str, list[dict]] = ("", [])
    for form in readable:
        rows = [s for page in hubspot.form_submissions(form["id"], 0) for s in page]
        if len(rows) > len(best[1]):
            best = (form["id"], rows)
    return best


def test_forms_include_every_type_for_the_caller_to_choose(hubspot: HubSpotClient, demo):
    forms = list(hubspot.forms())
    assert {f["formType"] for f in forms} >= {"hubspot", "blog_comment"}
    blog = next(f for f in forms if f["formType"] == "blog_comment")
    with pytest.raises(ApiError) as caught:
        next(hubspot.form_submissions(blog["id"], 0))
    assert caught.value.status == 400 and caught.value.message


def test_form_submissions_stop_paging_at_the_cursor(hubspot: HubSpotClient, demo):
    guid, everything = _busiest_form(hubspot)
    assert len(everything) > 120  # several pages of 50
    submitted = [s["submittedAt"] for s in everything]
    assert submitted == sorted(submitted, reverse=True)
    assert len({s["conversionId"] for s in everything}) == len(everything)

    cutoff = everything[60]["submittedAt"]
    demo.hubspot.control("POST", "calls/reset")
    newer = [s for page in hubspot.form_submissions(guid, cutoff) for s in page]

    assert newer == [s for s in everything if s["submittedAt"] > cutoff]
    assert calls_to(demo, SUBMISSIONS) == 2  # 50 + the page holding the cutoff, no further


def test_email_events_page_through_a_window(hubspot: HubSpotClient, demo):
    end = 2**41  # far future, in ms
    pages = list(hubspot.email_events("SENT", 0, end))
    sent = [e for p in pages for e in p]
    assert len(pages) >= 2 and len(sent) > 1000
    assert {e["type"] for e in sent} == {"SENT"}
    assert len({e["id"] for e in sent}) == len(sent)

    middle = sorted(e["created"] for e in sent)[len(sent) // 2]
    early = [e for p in hubspot.email_events("SENT", 0, middle) for e in p]
    late = [e for p in hubspot.email_events("SENT", middle + 1, end) for e in p]
    assert sorted(e["id"] for e in early + late) == sorted(e["id"] for e in sent)


def test_email_campaign_is_fetched_once_per_client(hubspot: HubSpotClient, demo):
    event = next(hubspot.email_events("SENT", 0, 2**41))[0]
    first = hubspot.email_campaign(event["emailCampaignId"])
    again = hubspot.email_campaign(str(event["emailCampaignId"]))

    assert first["name"] and again is first
    assert calls_to(demo, "GET /email/public/v1/campaigns/<campaign_id>") == 1


def test_events_api_reads_oldest_first_after_the_cursor(hubspot: HubSpotClient, demo):
    since = "2000-01-01T00:00:00Z"
    everything = [e for p in hubspot.events("e_sales_email_opened", since) for e in p]
    assert len(everything) > 100
    occurred = [e["occurredAt"] for e in everything]
    assert occurred == sorted(occurred)
    assert {e["eventType"] for e in everything} == {"e_sales_email_opened"}

    cursor = everything[len(everything) // 2]["occurredAt"]
    newer = [e for p in hubspot.events("e_sales_email_opened", cursor) for e in p]
    assert newer == [e for e in everything if e["occurredAt"] > cursor]

    contact = everything[0]["objectId"]
    own = [e for p in hubspot.events("e_sales_email_opened", since, object_id=contact) for e in p]
    assert own and {e["objectId"] for e in own} == {contact}
    assert own == [e for e in everything if e["objectId"] == contact]
