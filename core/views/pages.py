"""The dashboard's top-level pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.overview_parts import overview_parts_context
from core.selectors.overview import activity_chart, overview_live


def _live() -> dict[str, object]:
    return {**overview_live(), **overview_parts_context(live_only=True)}


def overview(request: HttpRequest) -> HttpResponse:
    chart = activity_chart()
    return render(
        request,
        "core/overview.html",
        {
            **overview_live(),
            **overview_parts_context(live_only=False),
            "chart": chart,
            "chart_synced": sum(bar.synced for bar in chart.bars),
            "chart_errors": sum(bar.errors for bar in chart.bars),
        },
    )


@require_GET
def overview_live_view(request: HttpRequest) -> HttpResponse:
    """The Overview's counters and job tables, which the page polls."""
    return render(request, "core/_overview_live.html", _live())
