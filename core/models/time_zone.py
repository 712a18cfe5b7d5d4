"""Each user's time zone, as their browser reports it: pages show times in it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UserTimeZone(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_zone"
    )
    #: an IANA name ("Europe/Helsinki"), checked against the zones Python knows
    zone = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.zone}"
