"""The Alerts page: channels, rules, incidents and the delivery log for everyone; changes
and Send test for admins (viewers' POSTs are refused by ``ViewerReadOnlyMiddleware``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from alerts.forms import ChannelForm, RulesForm
from alerts.models import AlertChannel, AlertRules, Delivery
from alerts.selectors import delivery_log_page, incidents_open, incidents_recently_closed
from alerts.services.delivery import channel_test
from alerts.services.senders import url_shown
from alerts.services.settings import (
    CHANNEL_FIELDS,
    RULE_FIELDS,
    alert_rules_update,
    channel_delete,
    channel_save,
)
from core.services.audit import audit_record


def _channel_form(channel: AlertChannel, data: dict | None = None) -> ChannelForm:
    return ChannelForm(
        data,
        current=channel,
        prefix=f"ch{channel.pk}",
        initial={f: getattr(channel, f) for f in CHANNEL_FIELDS},
    )


def _page(
    request: HttpRequest,
    *,
    add_form: ChannelForm | None = None,
    edited: tuple[int, ChannelForm] | None = None,
    rules_form: RulesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rules = AlertRules.objects.filter(pk=1).first() or AlertRules()  # a GET never writes
    channels = list(AlertChannel.objects.all())
    rows = [
        {
            "channel": channel,
            "shown_url": url_shown(channel.url),
            "form": edited[1] if edited and edited[0] == channel.pk else _channel_form(channel),
        }
        for channel in channels
    ]
    return render(
        request,
        "alerts/alerts.html",
        {
            "rows": rows,
            "add_form": add_form or ChannelForm(prefix="new", initial={"enabled": True}),
            "rules_form": rules_form
            or RulesForm(initial={name: getattr(rules, name) for name in RULE_FIELDS}),
            "rules": rules,
            "email_configured": bool(settings.EMAIL_HOST),
            "email_host": f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
            "open_incidents": incidents_open(),
            "closed_incidents": incidents_recently_closed(),
            "deliveries": delivery_log_page(page=request.GET.get("page")),
        },
        status=status,
    )


@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def channel_add(request: HttpRequest) -> HttpResponse:
    form = ChannelForm(request.POST, prefix="new")
    if not form.is_valid():
        messages.error(request, "The channel was not added: fix the fields below.")
        return _page(request, add_form=form, status=400)
    channel = channel_save(actor=request.user, values=form.cleaned_data)
    messages.success(request, f"Channel “{channel.name}” added. Use Send test to check it.")
    return redirect("alerts")


@require_POST
def channel_change(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(AlertChannel, pk=channel_id)
    form = _channel_form(channel, request.POST)
    if not form.is_valid():
        messages.error(request, f"“{channel.name}” was not saved: fix the fields below.")
        return _page(request, edited=(channel.pk, form), status=400)
    channel = channel_save(actor=request.user, values=form.cleaned_data, channel=channel)
    messages.success(request, f"Channel “{channel.name}” saved.")
    return redirect("alerts")


@require_POST
def channel_remove(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(AlertChannel, pk=channel_id)
    name = channel.name
    channel_delete(actor=request.user, channel=channel)
    messages.success(request, f"Channel “{name}” deleted; its deliveries stay in the log.")
    return redirect("alerts")


@require_POST
def channel_send_test(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(AlertChannel, pk=channel_id)
    delivery = channel_test(channel=channel)
    sent = delivery.status == Delivery.Status.SENT
    attempt = delivery.tries.first()
    detail = attempt.detail if attempt else delivery.error
    audit_record(
        action="alerts.test_sent",
        object_type="alert_channel",
        object_label=f"Alert channel {channel.name}",
        actor=request.user,
        status="ok" if sent else "failed",
        message=detail,
    )
    if sent:
        messages.success(request, f"Test sent to “{channel.name}”: {detail}")
    else:
        messages.error(request, f"The test to “{channel.name}” failed: {detail}")
    return redirect("alerts")


@require_POST
def rules_save(request: HttpRequest) -> HttpResponse:
    form = RulesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The rules were not saved: fix the fields below.")
        return _page(request, rules_form=form, status=400)
    alert_rules_update(actor=request.user, values=form.cleaned_data)
    messages.success(request, "Alert rules saved. They apply from the next evaluation.")
    return redirect("alerts")
