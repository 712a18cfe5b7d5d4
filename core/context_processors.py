from typing import Any

from django.http import HttpRequest

from core.roles import user_is_admin


def roles(request: HttpRequest) -> dict[str, Any]:
    """``is_admin`` in every template: admin-only controls are not rendered for viewers."""
    user = getattr(request, "user", None)
    return {"is_admin": bool(user and user.is_authenticated and user_is_admin(user))}
