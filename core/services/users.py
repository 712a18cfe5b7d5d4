"""Creating dashboard users with a role, and the audit event of each change to a user."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from core.models import AuditEvent
from core.roles import ADMIN, ROLES, role_group
from core.services.audit import audit_record, settings_changes


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def user_state(user: AbstractUser) -> dict[str, Any]:
    """What the trail compares: the password as its hash, which the event never shows."""
    roles = sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return {
        "username": user.username,
        "email": user.email,
        "role": ", ".join(roles),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "password": user.password,
    }


def user_change_audit(
    *,
    actor: AbstractBaseUser | None,
    user: AbstractUser,
    before: Mapping[str, Any] | None,
    via: str,
) -> AuditEvent | None:
    """Record a user's creation or change, before -> after; the password only as "replaced".

    ``before`` is ``user_state`` taken before the change, ``None`` for a new user.
    Nothing changed, nothing written.
    """
    after = user_state(user)
    changes = settings_changes(before or {}, after, secret_fields=("password",))
    if not changes:
        return None
    names = ", ".join("password reset" if c["field"] == "password" else c["field"] for c in changes)
    created = before is None
    return audit_record(
        action="user.created" if created else "user.changed",
        object_type="user",
        object_label=user.username,
        actor=actor,
        changes=changes,
        message=(
            f"Created user {user.username!r} ({after['role'] or 'no role'}) via {via}."
            if created
            else f"Changed user {user.username!r} via {via}: {names}."
        ),
    )


def user_delete_audit(
    *, actor: AbstractBaseUser | None, user: AbstractUser, via: str
) -> AuditEvent:
    """Record that a user is being deleted, with what they were (never the password)."""
    before = user_state(user)
    return audit_record(
        action="user.deleted",
        object_type="user",
        object_label=user.username,
        actor=actor,
        changes=settings_changes(before, {}, secret_fields=("password",)),
        message=f"Deleted user {user.username!r} ({before['role'] or 'no role'}) via {via}.",
    )


@transaction.atomic
def user_create_or_update(
    *,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    actor: AbstractBaseUser | None = None,
    via: str = "a management command",
) -> tuple[AbstractUser, str]:
    """Create (or re-role and re-password) a user, audited. Returns the user and the password."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    username = username.strip()
    if not username:
        raise ValueError("A username is required.")
    password = password or generate_password()
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    before = None if created else user_state(user)
    validate_password(password, user)
    user.set_password(password)
    if email:
        user.email = email
    # The admin site stays for superusers only; dashboard admins are a role.
    user.is_staff = False
    user.save()
    user.groups.remove(*user.groups.filter(name__in=ROLES))
    user.groups.add(role_group(role))
    user_change_audit(actor=actor, user=user, before=before, via=via)
    return user, password


def role_label(role: str) -> str:
    return "admin (edit settings, run syncs)" if role == ADMIN else "viewer (read only)"
