"""Two checkouts of the project on one machine (two clones, two worktrees)
run `make test` side by side without sharing a test database or a Redis
database: each derives its own from its path (tests/checkout.py), unless
TEST_DATABASE_URL / TEST_BROKER_URL say otherwise."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _make_test_urls(checkout: Path, **env: str) -> tuple[str, str]:
    """The DATABASE_URL and TEST_BROKER_URL `make test` would run pytest
    with in ``checkout`` (``make -n``: nothing runs)."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "TEST_BROKER_URL")}
    dry_run = subprocess.run(
        ["make", "-n", "test"], cwd=checkout, env={**inherited, **env}, capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in dry_run.splitlines() if "TEST_BROKER_URL=" in line and "pytest" in line)
    found = re.search(r"DATABASE_URL=(\S+) TEST_BROKER_URL=(\S+)", line)
    assert found, line
    return found.group(1), found.group(2)


def _checkout_at(path: Path) -> Path:
    """A checkout's Makefile (and what it reads) at another path."""
    (path / "tests").mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", path / "Makefile")
    (path / "requirements-semantic.lock").touch()  # a prerequisite of `install`, never read by -n
    if (ROOT / "tests" / "checkout.py").exists():
        shutil.copy(ROOT / "tests" / "checkout.py", path / "tests" / "checkout.py")
    return path


def test_two_checkouts_run_make_test_on_databases_of_their_own(tmp_path):
    one, two = _checkout_at(tmp_path / "one"), _checkout_at(tmp_path / "two")
    (database_one, broker_one), (database_two, _) = _make_test_urls(one), _make_test_urls(two)
    assert database_one != database_two, "two checkouts would share one test database"

    from tests import checkout

    assert (database_one, broker_one) == (checkout.database_url(one), checkout.broker_url(one))
    assert re.fullmatch(r"redis://127\.0\.0\.1:6379/([0-9]|1[0-5])", broker_one)
    # pytest-django's name for the test database, per xdist process, fits PostgreSQL's 63 bytes.
    assert len(f"test_{database_one.rsplit('/', 1)[1]}_gw15") <= 63


def test_the_environment_still_chooses_the_test_databases():
    given = {"TEST_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/mine", "TEST_BROKER_URL": "redis://x:6379/3"}
    assert _make_test_urls(ROOT, **given) == (given["TEST_DATABASE_URL"], given["TEST_BROKER_URL"])
