"""``{% load plain_labels %}``: the filters pages use to show ``core.plain_labels``."""

from __future__ import annotations

from django import template

from core import plain_labels

register = template.Library()

register.filter("action_label", plain_labels.action_label)
register.filter("object_type_label", plain_labels.object_type_label)
register.filter("error_category_label", plain_labels.error_category_label)
register.filter("outcome_label", plain_labels.outcome_label)
register.filter("job_kind_label", plain_labels.job_kind_plain)
register.filter("value_label", plain_labels.value_label)


@register.filter
def field_label(field: str, object_type: str = "") -> str:
    """``{{ change.field|field_label:event.object_type }}``"""
    return plain_labels.field_label(field, object_type)
