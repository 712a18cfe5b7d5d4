"""Sending one notification to one channel: email through Django's SMTP backend, webhooks
as a signed JSON POST. Errors come back as ``SendFailed`` in words an admin can act on,
never with a secret in them."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from alerts.models import AlertChannel, Notification
from alerts.services.messages import notification_body, notification_subject, webhook_payload
from integrations.secrets import SecretUnreadable, decrypt

SIGNATURE_HEADER = "X-Syncadmin-Signature"
#: a receiver that has not answered by then is not going to; the delivery is tried again
WEBHOOK_TIMEOUT_S = 10
#: how much of a refusing receiver's answer the log keeps
ANSWER_CHARS = 200
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")>]+")


class SendFailed(Exception):
    """The channel did not take the notification. ``permanent``: trying again cannot help
    until an admin changes something."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def signature(body: bytes, secret: str) -> str:
    """``X-Syncadmin-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def url_host(url: str) -> str:
    """Scheme, host and port: never the path, nor a ``user:password@`` part."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "the webhook URL"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # out of range: the form refuses it, rows saved before may hold one
        port = ""
    return f"{parts.scheme}://{host}{port}"


def url_shown(url: str) -> str:
    """A webhook URL as pages, logs and the audit show it: Slack-style URLs carry their
    credential in the path, so only the host, and a fingerprint that tells URLs apart."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.path in ("", "/") and not parts.query and "@" not in parts.netloc:
        return url_host(url)
    return f"{url_host(url)}/… (#{hashlib.sha256(url.encode()).hexdigest()[:8]})"


def _reason(exc: BaseException) -> str:
    match = _ERRNO.search(str(exc))
    return match.group(0).strip() if match else type(exc).__name__


def _send_webhook(channel: AlertChannel, notification: Notification) -> str:
    try:
        secret = decrypt(channel.secret)
    except SecretUnreadable as exc:
        raise SendFailed(str(exc), permanent=True) from None
    body = json.dumps(webhook_payload(notification), separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "syncadmin-alerts"}
    if secret:
        headers[SIGNATURE_HEADER] = signature(body, secret)
    where = url_host(channel.url)
    try:
        response = requests.post(
            channel.url,
            data=body,
            headers=headers,
            timeout=WEBHOOK_TIMEOUT_S,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise SendFailed(f"{where} did not answer within {WEBHOOK_TIMEOUT_S} s.") from None
    except requests.RequestException as exc:
        raise SendFailed(f"Could not reach {where}: {_reason(exc)}.") from None
    if not 200 <= response.status_code < 300:
        answer = response.text[:ANSWER_CHARS].strip()
        raise SendFailed(
            f"{where} answered HTTP {response.status_code}" + (f": {answer}" if answer else ".")
        )
    return f"{where} answered HTTP {response.status_code}."


def _send_email(channel: AlertChannel, notification: Notification) -> str:
    if not settings.EMAIL_HOST:
        raise SendFailed(
            "EMAIL_HOST is not set: syncadmin has no SMTP server to send email through "
            "(see .env.example).",
            permanent=True,
        )
    recipients = channel.recipient_list
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    message = EmailMessage(
        subject=notification_subject(notification),
        body=notification_body(notification),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        connection=get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise SendFailed(f"The SMTP server {where} refused {refused}.") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(
            f"The SMTP server {where} refused EMAIL_HOST_USER's login ({exc.smtp_code})."
        ) from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        raise SendFailed(f"The SMTP server {where} answered {exc.smtp_code} {text}.") from None
    except smtplib.SMTPException as exc:
        raise SendFailed(f"Could not send through {where}: {exc or type(exc).__name__}.") from None
    except TimeoutError:
        raise SendFailed(
            f"The SMTP server {where} did not answer within {settings.EMAIL_TIMEOUT} s."
        ) from None
    except OSError as exc:
        raise SendFailed(f"Could not connect to the SMTP server {where}: {_reason(exc)}.") from None
    count = len(recipients)
    return f"Accepted by {where} for {count} recipient{'s' if count != 1 else ''}."


def channel_send(channel: AlertChannel, notification: Notification) -> str:
    """Send it now; what the other end answered, or ``SendFailed``."""
    if channel.kind == AlertChannel.Kind.WEBHOOK:
        return _send_webhook(channel, notification)
    return _send_email(channel, notification)
