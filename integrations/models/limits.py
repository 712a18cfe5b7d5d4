"""State the clients share across every worker process and host: rate limits, API usage."""

from __future__ import annotations

from django.db import models


class RateLimitBucket(models.Model):
    """One row per limit (e.g. ``hubspot:10s``): the lock holders queue on."""

    name = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.name


class RateLimitCall(models.Model):
    """A call admitted by a bucket; the rolling window counts these."""

    bucket = models.ForeignKey(RateLimitBucket, on_delete=models.CASCADE, db_constraint=False)
    at = models.FloatField(help_text="epoch seconds")

    class Meta:
        indexes = [models.Index(fields=["bucket", "at"], name="ratelimit_bucket_at")]

    def __str__(self) -> str:
        return f"{self.bucket_id}@{self.at}"


class ApiUsageDay(models.Model):
    """API calls syncadmin made on one side on one (UTC) day, and the org's own figure."""

    side = models.CharField(max_length=12)
    day = models.DateField()
    calls = models.PositiveIntegerField(default=0)
    #: from ``Sforce-Limit-Info: api-usage=used/max`` on the latest response
    org_used = models.PositiveIntegerField(null=True, blank=True)
    org_max = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["side", "day"], name="one_usage_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.day}: {self.calls}"
