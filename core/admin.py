"""Django admin: audit events are read-only there, like everywhere else; user changes
made there are audited like those of ``manage.py create_user``."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from core.models import AuditEvent, SyncJob
from core.services.users import user_change_audit, user_delete_audit, user_state

User = get_user_model()


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


admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    """Roles are groups, saved after the user row: the event is written once both are."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        request._user_before = user_state(User.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user_change_audit(
            actor=request.user,
            user=form.instance,
            before=getattr(request, "_user_before", None),
            via="the admin site",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            user_delete_audit(actor=request.user, user=obj, via="the admin site")
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for user in queryset:
                user_delete_audit(actor=request.user, user=user, via="the admin site")
            super().delete_queryset(request, queryset)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        user = self.get_object(request, id)
        before = user_state(user) if user is not None else None
        response = super().user_change_password(request, id, form_url)
        if before is not None and request.method == "POST":
            user.refresh_from_db()
            user_change_audit(actor=request.user, user=user, before=before, via="the admin site")
        return response
