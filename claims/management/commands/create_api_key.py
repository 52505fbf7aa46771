"""Issue a team's API key and print it (it is shown only this once)."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from claims.models import Membership, Team
from claims.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Issue an API key for a team, on behalf of one of its members; prints the key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--user", required=True, help="A member of the team, named in the key's history.")
        parser.add_argument("--name", default="api", help="What the key is for.")
        parser.add_argument("--role", choices=Membership.Role.values, default=Membership.Role.READ_ONLY)
        parser.add_argument("--days", type=int, default=None, help="Expire after this many days (default: never).")

    def handle(self, *args: object, **options: object) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        user = get_user_model().objects.filter(username=options["user"]).first()
        if team is None or user is None:
            raise CommandError("No such team or user.")
        days = options["days"]
        expires = timezone.now() + datetime.timedelta(days=days) if isinstance(days, int) else None
        try:
            row, key = api_key_create(
                team=team, user=user, name=str(options["name"]), role=str(options["role"]), expires_at=expires
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{row.role} key {row.name!r} for {team.name} (prefix {row.prefix}):")
        self.stdout.write(key)
