"""Create the demo logins, or reset their passwords. Each run sets a new
random password (generated with ``secrets``) unless DEMO_ADMIN_PASSWORD or
DEMO_CHECKER_PASSWORD is set, and prints it: nothing is hard-coded."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.demo.loader import demo_users_ensure

LOGIN_URL = "http://127.0.0.1:8000/admin/"


class Command(BaseCommand):
    help = (
        'Create (or reset the passwords of) the demo users: "admin", a superuser in the research team, '
        'and "checker", a fact-checking team member.'
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            logins = demo_users_ensure(
                admin_password=os.environ.get("DEMO_ADMIN_PASSWORD") or None,
                checker_password=os.environ.get("DEMO_CHECKER_PASSWORD") or None,
            )
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Demo users ready. Log in at {LOGIN_URL}"))
        for login in logins:
            role = "superuser, admin site" if login.is_staff else "not staff: no admin site"
            self.stdout.write(f"  username: {login.username}  password: {login.password}  ({login.team}; {role})")
        self.stdout.write("Running this command again sets new passwords.")
