"""``make run``'s set-up: a demo admin with a fresh generated password, printed once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.roles import ADMIN
from core.services.users import user_create_or_update


class Command(BaseCommand):
    help = "Create (or reset) the demo admin user with a generated password and print the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        user, password = user_create_or_update(username=options["username"], role=ADMIN)
        line = "=" * 64
        self.stdout.write(
            f"\n{line}\n  syncadmin is starting at {options['url']}\n"
            f"  Log in as:  {user.username}\n  Password:   {password}\n"
            f"  (a new password is generated every time `make run` starts)\n{line}\n"
        )
