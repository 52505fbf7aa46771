"""Load the demo record (a 2015 Syria news digest). Safe to run again: a
second run creates nothing and prints only "already there" counts."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.demo.loader import DemoDataError, demo_load


class Command(BaseCommand):
    help = "Load the demo claims, actors, stances and reports from the 2015 Syria digest (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--username", help="Record this researcher as the author (default: no user, as for any import)."
        )

    def handle(self, *args: object, **options: object) -> None:
        user = None
        if options["username"]:
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}.")
        try:
            tally = demo_load(user=user)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        created = sum(tally.created.values())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {created} new rows."))
        for line in tally.summary():
            self.stdout.write(f"  {line}")
