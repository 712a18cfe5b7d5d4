"""Creating dashboard users with a role."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from core.roles import ADMIN, ROLES, role_group


def generate_password() -> str:
    return secrets.token_urlsafe(15)


@transaction.atomic
def user_create_or_update(
    *, username: str, role: str, password: str | None = None, email: str = ""
) -> tuple[AbstractUser, str]:
    """Create (or re-role and re-password) a user. Returns the user and the password set."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    username = username.strip()
    if not username:
        raise ValueError("A username is required.")
    password = password or generate_password()
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email})
    validate_password(password, user)
    user.set_password(password)
    if email:
        user.email = email
    # The admin site stays for superusers only; dashboard admins are a role.
    user.is_staff = False
    user.save()
    user.groups.remove(*user.groups.filter(name__in=ROLES))
    user.groups.add(role_group(role))
    return user, password


def role_label(role: str) -> str:
    return "admin (edit settings, run syncs)" if role == ADMIN else "viewer (read only)"
