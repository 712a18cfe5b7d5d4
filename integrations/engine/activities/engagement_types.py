"""One description per HubSpot engagement type (notes, calls, emails, meetings, tasks):
what the activity sync reads of it, where its title and body live, how a Salesforce
task or event is written as one, and how it is associated with its contact.

Both directions and Reconcile read these descriptions instead of keeping their own
tables and if-chains per type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.engine.activities.text import html_to_text

#: a HubSpot task's priority as a Salesforce task's, and back
TASK_PRIORITY = {"HIGH": "High", "MEDIUM": "Normal", "LOW": "Low"}
HUBSPOT_PRIORITY = {"High": "HIGH", "Normal": "MEDIUM", "Low": "LOW"}


@dataclass(frozen=True)
class EngagementText:
    """What a HubSpot engagement says, as a Salesforce task takes it."""

    label: str
    body: str
    status: str = "Completed"
    priority: str = "Normal"


@dataclass(frozen=True)
class EngagementType:
    object_type: str
    #: HubSpot's default association type id, engagement -> contact
    association_type_id: int
    #: where the engagement's HTML body is (the write-ahead marker is searched for here,
    #: except for emails, whose plain-text part ``text_property`` carries it)
    html_body_property: str
    #: the title; ``None`` for notes, which have none
    title_property: str | None = None
    #: the plain-text body HubSpot keeps beside the HTML one (emails)
    text_property: str | None = None
    #: without a title, the body's first line names the activity
    label_from_body: bool = False
    #: read too, for what the type adds (a task's status and priority, an email's direction)
    extra_properties: tuple[str, ...] = field(default=())

    @property
    def marker_property(self) -> str:
        """The property a Salesforce record's marker is written to and searched in."""
        return self.text_property or self.html_body_property

    def read_properties(self) -> list[str]:
        """What a read of this type asks HubSpot for."""
        body = [self.text_property, self.html_body_property] if self.text_property else []
        return [
            "hs_timestamp",
            *([self.title_property] if self.title_property else []),
            *(body or [self.html_body_property]),
            *self.extra_properties,
            "hubspot_owner_id",
        ]

    def text_of(self, props: dict[str, Any]) -> EngagementText:
        """The engagement's label, plain-text body, status and priority (bodies are HTML in
        HubSpot; an email's own plain-text part comes first)."""
        plain = (props.get(self.text_property) or "").strip() if self.text_property else ""
        body = plain or html_to_text(props.get(self.html_body_property))
        label = props.get(self.title_property) if self.title_property else None
        if not label and self.label_from_body:
            label = _first_line(body)
        if self.object_type != "tasks":
            return EngagementText(label=label or "", body=body or "")
        return EngagementText(
            label=label or "",
            body=body or "",
            status="Completed" if props.get("hs_task_status") == "COMPLETED" else "Not Started",
            priority=TASK_PRIORITY.get(props.get("hs_task_priority") or "", "Normal"),
        )

    def properties_from_salesforce(
        self,
        record: dict[str, Any],
        *,
        stamp: str,
        text: str,
        html: str,
        ends: str,
    ) -> dict[str, Any]:
        """``stamp`` and ``ends``: when it happened and (a meeting) ended, epoch ms."""
        """A Salesforce task or event as this type's properties (the owner aside)."""
        properties: dict[str, Any] = {"hs_timestamp": stamp}
        if self.title_property:
            properties[self.title_property] = record.get("Subject") or ""
        properties[self.html_body_property] = html
        if self.text_property:
            properties[self.text_property] = text
        if self.object_type == "tasks":
            done = record.get("Status") == "Completed"
            properties["hs_task_status"] = "COMPLETED" if done else "NOT_STARTED"
            properties["hs_task_priority"] = HUBSPOT_PRIORITY.get(
                record.get("Priority") or "", "MEDIUM"
            )
        elif self.object_type == "emails":
            properties["hs_email_direction"] = "EMAIL"
        elif self.object_type == "meetings":
            properties["hs_meeting_start_time"] = stamp
            properties["hs_meeting_end_time"] = ends
        return properties

    def contact_association(self, contact_id: str) -> dict[str, Any]:
        """The association a create carries to its contact."""
        return {
            "to": {"id": contact_id},
            "types": [
                {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": self.association_type_id,
                }
            ],
        }


ENGAGEMENT_TYPES: dict[str, EngagementType] = {
    t.object_type: t
    for t in (
        EngagementType("notes", 202, "hs_note_body", label_from_body=True),
        EngagementType(
            "calls", 194, "hs_call_body", title_property="hs_call_title", label_from_body=True
        ),
        EngagementType(
            "emails",
            198,
            "hs_email_html",
            title_property="hs_email_subject",
            text_property="hs_email_text",
            extra_properties=("hs_email_direction",),
        ),
        EngagementType("meetings", 200, "hs_meeting_body", title_property="hs_meeting_title"),
        EngagementType(
            "tasks",
            204,
            "hs_task_body",
            title_property="hs_task_subject",
            extra_properties=("hs_task_status", "hs_task_priority"),
        ),
    )
}


def _first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""
