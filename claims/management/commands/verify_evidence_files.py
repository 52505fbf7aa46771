"""Re-hash every stored evidence file and raw submission file against the
SHA-256 recorded when it was received. Run after a restore (ops/restore.sh
does) or any time the private media directory may have been damaged: it exits
non-zero and lists each file that is missing or no longer what was recorded.
Reads only; safe to run against a live deployment."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.models import Evidence, Submission

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    label: str  # "evidence 12", "submission 7"
    name: str  # the name in storage
    recorded_sha256: str


@dataclass(frozen=True)
class Problem:
    file: StoredFile
    reason: str  # "missing", "sha256 mismatch (read ...)"

    def __str__(self) -> str:
        return f"{self.file.label}: {self.file.name}: {self.reason}"


def stored_files() -> Iterator[StoredFile]:
    """Every file the database says is in private storage, with its recorded hash."""
    evidence = Evidence.objects.exclude(file="").order_by("pk").values_list("pk", "file", "file_sha256")
    for pk, name, digest in evidence.iterator():
        yield StoredFile(f"evidence {pk}", name, digest)
    submissions = Submission.objects.exclude(raw_file="").order_by("pk").values_list("pk", "raw_file", "raw_sha256")
    for pk, name, digest in submissions.iterator():
        yield StoredFile(f"submission {pk}", name, digest)


def file_problem(stored: StoredFile, storage: Storage) -> Problem | None:
    """Why the stored file is not the one recorded, or None when it is."""
    digest = hashlib.sha256()
    try:
        with storage.open(stored.name, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return Problem(stored, "missing")
    except SuspiciousFileOperation:
        return Problem(stored, "refused: the name points outside private storage")
    except OSError as exc:
        return Problem(stored, f"unreadable: {exc.strerror or exc}")
    if digest.hexdigest() != stored.recorded_sha256:
        return Problem(
            stored, f"sha256 mismatch (recorded {stored.recorded_sha256 or '(none)'}, read {digest.hexdigest()})"
        )
    return None


class Command(BaseCommand):
    help = (
        "Check every evidence file and raw submission file against its recorded SHA-256; non-zero exit on any problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print only problems.")

    def handle(self, *args: object, **options: object) -> None:
        checked = 0
        problems: list[Problem] = []
        for stored in stored_files():
            checked += 1
            problem = file_problem(stored, default_storage)
            if problem is not None:
                problems.append(problem)
                self.stderr.write(str(problem))
        if problems:
            missing = sum(p.reason == "missing" for p in problems)
            raise CommandError(
                f"{len(problems)} of {checked} stored file(s) failed: "
                f"{missing} missing, {len(problems) - missing} not matching the recorded SHA-256."
            )
        if not options["quiet"]:
            self.stdout.write(
                self.style.SUCCESS(f"{checked} stored file(s) checked: all match their recorded SHA-256.")
            )
