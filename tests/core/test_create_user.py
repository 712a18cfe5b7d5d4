import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from core.roles import user_is_admin

pytestmark = pytest.mark.django_db


def test_it_creates_a_viewer_with_a_printed_generated_password(capsys) -> None:
    call_command("create_user", "vera", "--role", "viewer")
    out = capsys.readouterr().out
    password = out.split("Password: ")[1].strip()
    user = authenticate(username="vera", password=password)
    assert user is not None and not user_is_admin(user)


def test_it_makes_admins_and_can_change_a_role(capsys) -> None:
    call_command("create_user", "ada", "--role", "viewer", "--password", "a-long-passphrase-1")
    call_command("create_user", "ada", "--role", "admin", "--password", "a-long-passphrase-1")
    assert user_is_admin(authenticate(username="ada", password="a-long-passphrase-1"))
    assert "Password:" not in capsys.readouterr().out  # never echo a password the user chose


def test_it_refuses_a_weak_password_and_creates_nobody() -> None:
    with pytest.raises(CommandError, match="too short"):
        call_command("create_user", "bob", "--role", "admin", "--password", "abc")
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="bob").exists()
