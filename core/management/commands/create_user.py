"""``python manage.py create_user NAME --role admin|viewer [--password P]``."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.roles import ROLES
from core.services.users import role_label, user_create_or_update


class Command(BaseCommand):
    help = "Create a dashboard user (or reset an existing one's role and password)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, required=True)
        parser.add_argument("--password", help="default: a generated password, printed once")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, password = user_create_or_update(
                username=options["username"],
                role=options["role"],
                password=options["password"],
                email=options["email"],
                via="manage.py create_user",
            )
        except (ValueError, ValidationError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        self.stdout.write(f"User {user.username!r} is now {role_label(options['role'])}.")
        if not options["password"]:
            self.stdout.write(f"Password: {password}")
