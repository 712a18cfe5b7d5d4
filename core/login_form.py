"""The login form: Django's, with the username's length checked before anyone is asked."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django sets the username field's ``max_length`` after building the field, so no
    validator enforces it, and a longer name went on to django-axes, whose record of the
    failure holds 255 characters: a 500 on PostgreSQL. No user has such a name, so it
    gets the answer a wrong password gets, and is not counted as a guess."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if len(username) > (self.fields["username"].max_length or 254):
            raise self.get_invalid_login_error()
        return super().clean()
