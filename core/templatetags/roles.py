"""``{% admin_only %}``: the one place a template hides or locks a change for viewers.

Viewers read everything and change nothing (``core.middleware`` refuses their POSTs);
pages must not offer them an enabled control that would only answer 403.

    {% load roles %}
    {% admin_only %}<form method="post">…</form>{% endadmin_only %}
        viewers see "Viewers can't change this." instead of the form
    {% admin_only quiet %}…{% endadmin_only %}
        viewers see nothing (a per-row button in a table)
    {% admin_only locked %}…{% endadmin_only %}
        viewers see the note, then the controls disabled (in a <fieldset disabled>)
"""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.utils.html import format_html

from core.roles import user_is_admin

register = template.Library()

VIEWER_NOTE = "Viewers can't change this."
MODES = ("note", "quiet", "locked")


def context_is_admin(context: Context) -> bool:
    """``is_admin`` from ``core.context_processors.roles``, else the request's user; a
    template rendered without either is a viewer's."""
    if "is_admin" in context:
        return bool(context["is_admin"])
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user_is_admin(user))


def viewer_note() -> str:
    return format_html('<p class="viewer-note muted" data-testid="viewer-note">{}</p>', VIEWER_NOTE)


class AdminOnlyNode(template.Node):
    def __init__(self, nodelist: template.NodeList, mode: str) -> None:
        self.nodelist = nodelist
        self.mode = mode

    def render(self, context: Context) -> str:
        if context_is_admin(context):
            return self.nodelist.render(context)
        if self.mode == "quiet":
            return ""
        if self.mode == "locked":
            body = self.nodelist.render(context)
            return format_html(
                '{}<fieldset disabled class="viewer-locked">{}</fieldset>', viewer_note(), body
            )
        return viewer_note()


@register.tag
def admin_only(parser: Parser, token: Token) -> AdminOnlyNode:
    bits = token.split_contents()
    mode = bits[1] if len(bits) > 1 else "note"
    if len(bits) > 2 or mode not in MODES:
        raise template.TemplateSyntaxError(
            f"{{% admin_only %}} takes one of {', '.join(MODES)}, got {' '.join(bits[1:])!r}"
        )
    nodelist = parser.parse(("endadmin_only",))
    parser.delete_first_token()
    return AdminOnlyNode(nodelist, mode)
