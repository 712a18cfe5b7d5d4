"""The demo portal's activity history: forms, campaigns and about four activities per person.

Deterministic (``random.Random`` seeded by the people count), spread over the
two years before ``demo.DEMO_EPOCH`` and never before the person was created,
so incremental readers and the time windows of SPEC §4b have something to
bite on. Rows are appended unsorted and sorted once at the end: seeding
100,000 people's worth must stay well under a minute together with contacts.

Engagement bodies (``hs_note_body``, ``hs_call_body``, ``hs_meeting_body``,
``hs_task_body``, and ``hs_email_html`` beside the plain ``hs_email_text``) are
HTML, as HubSpot stores them: the markup of its rich-text editor (a top-level
``div``, ``p style="margin:0;"`` per line, ``<br>``, lists, links) with
entities such as ``&amp;``, ``&nbsp;`` and ``&#39;``.
"""

from __future__ import annotations

import random
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from integrations.sandbox.demo import DEMO_EPOCH, DemoPerson
from integrations.sandbox.hubspot.properties import iso

if TYPE_CHECKING:
    from integrations.sandbox.hubspot.app import HubSpotEmulator

#: how far back the demo history reaches
HISTORY = timedelta(days=730)
#: demo forms: (name, formType); the blog_comment one cannot be read for submissions
DEMO_FORMS = (
    ("Contact us", "hubspot"),
    ("Newsletter signup", "hubspot"),
    ("Webinar registration", "hubspot"),
    ("Demo request", "hubspot"),
    ("Blog comments", "blog_comment"),
)
#: demo marketing email campaigns: (name, subject)
DEMO_CAMPAIGNS = (
    ("Monthly newsletter — March", "What's new in March"),
    ("Webinar invite: Sync without tears", "You're invited: Sync without tears"),
    ("Product launch 2026", "Meet the new syncadmin"),
    ("Customer survey", "Two minutes to tell us how we're doing"),
    ("Year in review", "Our year, and yours"),
    ("Re-engagement: we miss you", "Still interested?"),
)
SALES_SUBJECTS = (
    "Following up on our call",
    "Pricing for {company}",
    "Next steps",
    "Quick question",
    "Proposal attached",
    "Intro: syncadmin for {company}",
)
MEETING_TITLES = (
    "Discovery call",
    "Demo",
    "Quarterly review",
    "Contract walkthrough",
    "Onboarding kickoff",
)
CALL_TITLES = ("Cold call", "Follow-up call", "Support call", "Renewal call")
#: HubSpot's rich-text editor wraps a body in this ``div`` and writes a ``p`` per line
EDITOR_OPEN = '<div style="" dir="auto" data-top-level="true">'
EDITOR_CLOSE = "</div>"
NOTE_BODIES = (
    f'{EDITOR_OPEN}<p style="margin:0;">Interested in the Salesforce integration.</p>'
    f"{EDITOR_CLOSE}",
    f'{EDITOR_OPEN}<p style="margin:0;">Budget approved for Q3 &amp; signed off by finance.</p>'
    '<p style="margin:0;"><br></p>'
    '<p style="margin:0;">Next:&nbsp;<strong>send the order form</strong>.</p>'
    f"{EDITOR_CLOSE}",
    f'{EDITOR_OPEN}<p style="margin:0;">Asked for a security questionnaire:</p>'
    '<ul><li style="margin:0;">SOC&nbsp;2 report</li>'
    '<li style="margin:0;">Data processing agreement</li>'
    '<li style="margin:0;">Pen-test summary</li></ul>'
    f"{EDITOR_CLOSE}",
    f'{EDITOR_OPEN}<p style="margin:0;">Prefers email over phone &ndash; don&#39;t call '
    "before 10am.<br>Assistant: Jo</p>"
    f"{EDITOR_CLOSE}",
    f'{EDITOR_OPEN}<p style="margin:0;">Evaluating two other vendors.</p>'
    '<p style="margin:0;">We sent <a href="https://www.example.com/compare" target="_blank" '
    'rel="noopener">our comparison</a> &gt; they&#39;ll decide by Friday.</p>'
    f"{EDITOR_CLOSE}",
)
TASK_SUBJECTS = (
    "Send proposal",
    "Book a demo",
    "Follow up on pricing",
    "Check in after onboarding",
)
DOCUMENTS = (
    "Pricing sheet 2026.pdf",
    "Security whitepaper.pdf",
    "Case study — Contoso.pdf",
    "Product one-pager.pdf",
)
INTEGRATIONS = (
    ("Zoom", "Webinar attended"),
    ("Stripe", "Invoice paid"),
    ("Intercom", "Conversation started"),
    ("Calendly", "Meeting scheduled"),
)
FORM_PAGES = {
    "Contact us": "https://www.example.com/contact",
    "Newsletter signup": "https://www.example.com/blog",
    "Webinar registration": "https://www.example.com/webinars/sync-without-tears",
    "Demo request": "https://www.example.com/demo",
}


def form_definition(guid: str, name: str, form_type: str, created: str) -> dict[str, Any]:
    """A form in the marketing-forms-v3 shape (GET /marketing/v3/forms reference example)."""

    def field(name: str, label: str, field_type: str, required: bool = False) -> dict[str, Any]:
        return {
            "objectTypeId": "0-1",
            "name": name,
            "label": label,
            "required": required,
            "hidden": False,
            "fieldType": field_type,
        }

    fields = [
        field("email", "Email", "email", True),
        field("firstname", "First name", "single_line_text"),
    ]
    if form_type == "blog_comment":
        fields.append(field("content", "Comment", "multi_line_text", True))
    elif name != "Newsletter signup":
        fields += [
            field("lastname", "Last name", "single_line_text"),
            field("message", "Message", "multi_line_text"),
        ]
    return {
        "id": guid,
        "name": name,
        "formType": form_type,
        "createdAt": created,
        "updatedAt": created,
        "archived": False,
        "fieldGroups": [
            {"groupType": "default_group", "richTextType": "text", "fields": [f]} for f in fields
        ],
        "configuration": {
            "language": "en",
            "cloneable": True,
            "postSubmitAction": {"type": "thank_you", "value": "Thanks for submitting the form."},
            "editable": True,
            "archivable": True,
            "recaptchaEnabled": False,
            "notifyContactOwner": False,
            "notifyRecipients": [],
            "createNewContactForNewEmail": False,
            "prePopulateKnownValues": True,
            "allowLinkToResetKnownValues": False,
            "lifecycleStages": [],
        },
        "displayOptions": {
            "renderRawHtml": False,
            "theme": "default_style",
            "submitButtonText": "Submit",
            "style": {
                "fontFamily": "arial, helvetica, sans-serif",
                "backgroundWidth": "100%",
                "labelTextColor": "#33475b",
                "labelTextSize": "14px",
                "helpTextColor": "#7C98B6",
                "helpTextSize": "11px",
                "legalConsentTextColor": "#33475b",
                "legalConsentTextSize": "14px",
                "submitColor": "#ff7a59",
                "submitAlignment": "left",
                "submitFontColor": "#ffffff",
                "submitSize": "12px",
            },
            "cssClass": None,
        },
        "legalConsentOptions": {"type": "none"},
    }


def editor_html(*lines: str) -> str:
    """Plain lines as HubSpot's editor stores them (escaped; an empty line is ``<br>``)."""
    paragraphs = "".join(f'<p style="margin:0;">{escape(line) or "<br>"}</p>' for line in lines)
    return f"{EDITOR_OPEN}{paragraphs}{EDITOR_CLOSE}"


def _uuid(rng: random.Random) -> str:
    """A version-4-shaped UUID from ``rng`` (deterministic; cheaper than ``uuid.UUID``)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def seed_demo_activities(emulator: HubSpotEmulator, people: list[DemoPerson]) -> None:
    """Forms, campaigns and, per person with a contact, ~4 activities of every kind."""
    rng = random.Random(f"activities-{len(people)}")
    epoch_ms = int(DEMO_EPOCH.timestamp() * 1000)
    start_ms = int((DEMO_EPOCH - HISTORY).timestamp() * 1000)
    forms = []
    for i, (name, form_type) in enumerate(DEMO_FORMS):
        created = iso(DEMO_EPOCH - HISTORY - timedelta(days=30 - i))
        form = emulator.add_form(name, form_type, guid=_uuid(rng))
        form["createdAt"] = form["updatedAt"] = created
        forms.append(form)
    readable_forms = [f for f in forms if f["formType"] == "hubspot"]
    campaigns = [
        emulator.add_campaign(name, subject, campaign_id=300_000_001 + i)
        for i, (name, subject) in enumerate(DEMO_CAMPAIGNS)
    ]
    # each campaign goes out on one day; sends of a campaign cluster around it
    send_days = sorted(rng.randrange(start_ms, epoch_ms) for _ in campaigns)
    owner_ids = sorted(emulator.owners)
    contact_ids = []
    for person in people:
        cid = emulator.contact_id_by_email.get(person.email.lower()) if person.email else None
        contact_ids.append(cid)
    live = [(p, c) for p, c in zip(people, contact_ids, strict=True) if c]
    engagements = emulator.engagements
    email_events = emulator.email_events
    timeline = emulator.timeline_events
    new_id = emulator.new_id
    next_seq = emulator.next_seq

    def moment(person: DemoPerson) -> int:
        low = max(start_ms, int(person.created_at.timestamp() * 1000))
        # random() is several times cheaper than randrange() and this runs ~5 times per person
        return low + int(rng.random() * (epoch_ms - low)) if low < epoch_ms else epoch_ms

    def engagement(
        kind: str, at: int, props: dict[str, str], contacts: list[str], source: str
    ) -> str:
        object_id = new_id()
        modified = min(epoch_ms, at + rng.randrange(0, 3 * 86_400_000))
        created = iso_ms(at)
        stamp = iso_ms(modified)
        props.update(
            {
                "hs_timestamp": created,
                "hs_createdate": created,
                "hs_lastmodifieddate": stamp,
                "hs_object_id": object_id,
                "hs_engagement_source": source,
            }
        )
        engagements[kind][object_id] = {
            "id": object_id,
            "properties": props,
            "createdAt": created,
            "updatedAt": stamp,
            "archived": False,
        }
        for cid in contacts:
            emulator.link(kind, object_id, "contacts", cid)
        return object_id

    for person, cid in live:
        owner = owner_ids[person.owner_index % len(owner_ids)] if owner_ids else None
        email = person.email or ""
        # form submissions
        for _ in range(rng.choice((0, 1, 1, 2))):
            form = rng.choice(readable_forms)
            values = [
                {"name": "email", "value": email, "objectTypeId": "0-1"},
                {"name": "firstname", "value": person.firstname, "objectTypeId": "0-1"},
            ]
            if form["name"] != "Newsletter signup":
                values.append({"name": "lastname", "value": person.lastname, "objectTypeId": "0-1"})
            emulator.add_submission(
                form["id"],
                moment(person),
                values,
                FORM_PAGES[form["name"]],
                sort=False,
                conversion_id=_uuid(rng),
            )
        # marketing email: sent, maybe opened, maybe clicked
        for _ in range(rng.choice((0, 1, 1, 2))):
            index = rng.randrange(len(campaigns))
            sent = max(send_days[index] + rng.randrange(0, 3_600_000), moment(person))
            campaign_id = campaigns[index]["id"]
            emulator.add_email_event(
                campaign_id, "SENT", email, min(sent, epoch_ms), sort=False, event_id=_uuid(rng)
            )
            opened = sent + rng.randrange(60_000, 3 * 86_400_000)
            if rng.random() < 0.5 and opened < epoch_ms:
                emulator.add_email_event(
                    campaign_id, "OPEN", email, opened, sort=False, event_id=_uuid(rng)
                )
                clicked = opened + rng.randrange(1_000, 600_000)
                if rng.random() < 0.4 and clicked < epoch_ms:
                    emulator.add_email_event(
                        campaign_id, "CLICK", email, clicked, sort=False, event_id=_uuid(rng)
                    )
        # sales emails, sometimes to two or three contacts, sometimes replied to
        if rng.random() < 0.3:
            at = moment(person)
            recipients = [cid]
            if rng.random() < 0.2:
                recipients += [c for _, c in rng.sample(live, k=min(len(live), rng.choice((1, 2))))]
                recipients = list(dict.fromkeys(recipients))
            subject = rng.choice(SALES_SUBJECTS).format(company=person.company)
            email_id = engagement(
                "emails",
                at,
                {
                    "hs_email_subject": subject,
                    "hs_email_text": f"Hi {person.firstname},\n\nfollowing up as promised.",
                    "hs_email_html": "<html><head><style>p {margin: 0 0 1em;}</style></head>"
                    f"<body><p>Hi {escape(person.firstname)},</p>"
                    "<p>following up as promised.</p></body></html>",
                    "hs_email_direction": "EMAIL",
                    "hs_email_status": "SENT",
                    "hs_email_to_email": email,
                    **({"hubspot_owner_id": owner} if owner else {}),
                },
                recipients,
                rng.choice(("EMAIL_INTEGRATION", "SALES_EMAIL_EXTENSION", "SEQUENCES")),
            )
            if rng.random() < 0.5:
                opened = min(epoch_ms, at + rng.randrange(60_000, 86_400_000))
                props = {"hs_email_subject": subject, "hs_email_id": email_id}
                timeline.append(
                    (opened, next_seq(), _uuid(rng), "e_sales_email_opened", cid, props)
                )
                if rng.random() < 0.4:
                    clicked = min(epoch_ms, opened + rng.randrange(1_000, 600_000))
                    props = {**props, "hs_url": "https://www.example.com/pricing"}
                    timeline.append(
                        (clicked, next_seq(), _uuid(rng), "e_sales_email_clicked", cid, props)
                    )
            if rng.random() < 0.3:
                engagement(
                    "emails",
                    min(epoch_ms, at + rng.randrange(3_600_000, 5 * 86_400_000)),
                    {
                        "hs_email_subject": f"Re: {subject}",
                        "hs_email_text": "Thanks, sounds good.",
                        "hs_email_html": '<div dir="ltr">Thanks, sounds good.</div>',
                        "hs_email_direction": "INCOMING_EMAIL",
                        "hs_email_status": "SENT",
                        "hs_email_from_email": email,
                        **({"hubspot_owner_id": owner} if owner else {}),
                    },
                    [cid],
                    "EMAIL_INTEGRATION",
                )
        if rng.random() < 0.15:
            at = moment(person)
            engagement(
                "meetings",
                at,
                {
                    "hs_meeting_title": rng.choice(MEETING_TITLES),
                    "hs_meeting_body": editor_html(
                        f"With {person.firstname} {person.lastname}, {person.company}",
                        "",
                        "Agenda: goals & timeline",
                    ),
                    "hs_meeting_start_time": iso_ms(at),
                    "hs_meeting_end_time": iso_ms(at + 1_800_000),
                    "hs_meeting_outcome": rng.choice(
                        ("SCHEDULED", "COMPLETED", "COMPLETED", "NO_SHOW")
                    ),
                    **({"hubspot_owner_id": owner} if owner else {}),
                },
                [cid],
                rng.choice(("MEETINGS", "CRM_UI", "SALESFORCE")),
            )
        if rng.random() < 0.25:
            engagement(
                "calls",
                moment(person),
                {
                    "hs_call_title": rng.choice(CALL_TITLES),
                    "hs_call_body": editor_html(
                        f"Talked to {person.firstname} about {person.company}'s setup."
                    ),
                    "hs_call_direction": rng.choice(("INBOUND", "OUTBOUND")),
                    "hs_call_duration": str(rng.randrange(30_000, 1_800_000)),
                    "hs_call_status": "COMPLETED",
                    **({"hubspot_owner_id": owner} if owner else {}),
                },
                [cid],
                rng.choice(("CRM_UI", "SALESFORCE", "INTEGRATION")),
            )
        if rng.random() < 0.3:
            engagement(
                "notes",
                moment(person),
                {
                    "hs_note_body": rng.choice(NOTE_BODIES),
                    **({"hubspot_owner_id": owner} if owner else {}),
                },
                [cid],
                rng.choice(("CRM_UI", "CRM_UI", "SALESFORCE")),
            )
        if rng.random() < 0.3:
            done = rng.random() < 0.6
            engagement(
                "tasks",
                moment(person),
                {
                    "hs_task_subject": rng.choice(TASK_SUBJECTS),
                    "hs_task_body": editor_html(f"For {person.firstname} {person.lastname}"),
                    "hs_task_status": "COMPLETED" if done else "NOT_STARTED",
                    "hs_task_priority": rng.choice(("LOW", "MEDIUM", "HIGH")),
                    "hs_task_type": rng.choice(("EMAIL", "CALL", "TODO")),
                    **({"hubspot_owner_id": owner} if owner else {}),
                },
                [cid],
                rng.choice(("CRM_UI", "SALESFORCE")),
            )
        if rng.random() < 0.12:
            document = rng.choice(DOCUMENTS)
            props = {
                "hs_document_name": document,
                "hs_document_id": str(100_000 + DOCUMENTS.index(document)),
            }
            timeline.append(
                (moment(person), next_seq(), _uuid(rng), "e_document_viewed", cid, props)
            )
        if rng.random() < 0.12:
            app, event = rng.choice(INTEGRATIONS)
            props = {"hs_app_name": app, "hs_event_name": event}
            timeline.append(
                (moment(person), next_seq(), _uuid(rng), "e_integration_event", cid, props)
            )

    for rows in emulator.form_submissions.values():
        rows.sort(key=lambda r: (r[0], r[1]))
    email_events.sort(key=lambda r: (r[0], r[1]))
    timeline.sort(key=lambda r: (r[0], r[1]))


def iso_ms(ms: int) -> str:
    """Epoch ms as HubSpot's ISO timestamp (``2026-01-02T03:04:05.678Z``)."""
    from datetime import UTC, datetime

    return iso(datetime.fromtimestamp(ms / 1000, tz=UTC))
