"""Viewers read the whole trail; only admins change retention; nobody reads it logged out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["audit_log", "audit_history", "audit_export"])
def test_a_viewer_reads_every_audit_page(viewer_web: Client, trail, name: str) -> None:
    assert viewer_web.get(reverse(name), {"email": "ada@example.com"}).status_code == 200


def test_a_viewers_post_is_refused(viewer_web: Client) -> None:
    assert viewer_web.post(reverse("audit_retention"), {"days": "30"}).status_code == 403


@pytest.mark.parametrize("name", ["audit_log", "audit_history", "audit_export"])
def test_the_audit_pages_need_a_login(name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
