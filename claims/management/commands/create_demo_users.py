"""Create the demo logins, or reset their passwords. Each run sets a new
random password (generated with ``secrets``) unless DEMO_ADMIN_PASSWORD or
DEMO_CHECKER_PASSWORD is set, and prints it: nothing is hard-coded."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.demo.loader import demo_users_ensure
from claims.models import ApiKey, Membership
from claims.services.api_keys import api_key_create, api_key_revoke

LOGIN_URL = "http://127.0.0.1:8000/admin/"
API_URL = "http://127.0.0.1:8000/api/v1/"


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
        checker = next(login for login in logins if not login.is_staff)
        membership = Membership.objects.select_related("team", "user").get(user__username=checker.username)
        # One demo key at a time: a new run revokes the previous one.
        for old in ApiKey.objects.filter(team=membership.team, name="demo", revoked_at__isnull=True):
            api_key_revoke(key=old, user=membership.user)
        _, key = api_key_create(team=membership.team, user=membership.user, name="demo", role=Membership.Role.EDITOR)
        self.stdout.write(f"  API key of {membership.team.name} (editor): {key}")
        self.stdout.write(f"  try: curl -H 'Authorization: Api-Key {key}' {API_URL}claims/")
        self.stdout.write("Running this command again sets new passwords and a new key.")
