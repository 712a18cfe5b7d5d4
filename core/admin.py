"""Django admin: audit events are read-only there, like everywhere else."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import AuditEvent, SyncJob


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "actor_type",
        "actor_username",
        "action",
        "object_type",
        "status",
    )
    list_filter = ("action", "status", "object_type")
    search_fields = ("email", "hubspot_id", "salesforce_id")
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SyncJob)
class SyncJobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "scope", "trigger", "status", "created_at")
    list_filter = ("status", "kind", "trigger")
    readonly_fields = [f.name for f in SyncJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
