"""The two roles: **admin** changes settings and runs syncs, **viewer** reads."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

ADMIN = "admin"
VIEWER = "viewer"
ROLES = (ADMIN, VIEWER)


def user_is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=ADMIN).exists()


def user_role(user: AbstractBaseUser) -> str:
    return ADMIN if user_is_admin(user) else VIEWER


def role_group(role: str) -> Group:
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    group, _ = Group.objects.get_or_create(name=role)
    return group
