"""What a notification says: the webhook's JSON body and the email's subject and text."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from alerts.models import Notification

PREFIX = {
    Notification.Event.OPENED: "ALERT",
    Notification.Event.RECOVERED: "RECOVERED",
    Notification.Event.TEST: "TEST",
}
WEBHOOK_EVENT = {
    Notification.Event.OPENED: "incident.opened",
    Notification.Event.RECOVERED: "incident.recovered",
    Notification.Event.TEST: "test",
}


def notification_link(notification: Notification) -> str:
    """Where to look, as an absolute URL when ``ALERTS_SITE_URL`` is set; else the path."""
    path = notification.incident.link_path if notification.incident else ""
    if not path:
        return settings.ALERTS_SITE_URL
    return f"{settings.ALERTS_SITE_URL}{path}"


def notification_subject(notification: Notification) -> str:
    return f"[syncadmin] {PREFIX[notification.event]}: {notification.title}"


def notification_body(notification: Notification) -> str:
    lines = [notification.title, ""]
    if notification.text:
        lines += [notification.text, ""]
    if link := notification_link(notification):
        lines.append(f"Open: {link}")
    if notification.incident is not None:
        opened = timezone.localtime(notification.incident.opened_at)
        lines.append(f"Incident #{notification.incident.pk} opened {opened:%Y-%m-%d %H:%M %Z}.")
    return "\n".join(lines).strip() + "\n"


def webhook_payload(notification: Notification) -> dict[str, Any]:
    """Slack-compatible (``text``) plus the same facts as fields, for any other receiver."""
    incident = notification.incident
    link = notification_link(notification)
    text = f"[syncadmin] {PREFIX[notification.event]}: {notification.title}"
    if notification.text:
        text += f"\n{notification.text}"
    if link:
        text += f"\n{link}"
    return {
        "text": text,
        "event": WEBHOOK_EVENT[notification.event],
        "title": notification.title,
        "details": notification.text,
        "url": link or None,
        "notification_id": notification.pk,
        "incident": None
        if incident is None
        else {
            "id": incident.pk,
            "key": incident.key,
            "rule": incident.rule,
            "opened_at": incident.opened_at.isoformat(),
            "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
        },
        "sent_at": timezone.now().isoformat(),
    }
