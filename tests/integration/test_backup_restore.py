"""The backup is tried: ops/backup.sh on a database with the demo record, a
witness's evidence file and a raw submission, then ops/restore.sh into a fresh
database and media directory, and the copy is compared with the original.

Both databases are scratch databases of their own on the test server (named
tracker_backup_*), dropped at the end; the manage.py steps run in
subprocesses with their own DATABASE_URL, never through this process's
connection (which is pytest's test database)."""

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = "/usr/lib/postgresql/15/bin"
WITNESS = b"%PDF-1.4\n% Statement of witness W-17, Sarmin, 16 March 2015: chlorine smell after a barrel fell.\n"
BULLETIN = (
    "Medical workers in Idlib said a helicopter dropped barrels that released chlorine on Sarmin on Monday night, "
    "and that six people died."
)


def _server_url(dbname: str) -> str:
    """A URL for another database on the server the test database lives on."""
    s = connection.settings_dict
    credentials = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{credentials}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{dbname}"


@pytest.fixture(scope="module")
def scratch_database(request):
    """Create empty databases named tracker_backup_<role>_<random>; all dropped after the module."""
    admin = psycopg.connect(_server_url("postgres"), autocommit=True)
    created: list[str] = []

    def drop_all():
        for name in created:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()

    request.addfinalizer(drop_all)

    def create(role: str) -> str:
        name = f"tracker_backup_{role}_{uuid.uuid4().hex[:10]}"
        created.append(name)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return _server_url(name)

    return create


def _env(database_url: str, media: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CACHE_URL")}
    env.update(
        DATABASE_URL=database_url,
        PRIVATE_MEDIA_ROOT=str(media),
        SECRET_KEY="test-only-secret-key",
        # Matching runs in-process (no broker) while the demo loads: lexical only, fast.
        MATCHER_EMBEDDINGS="false",
        LOG_LEVEL="WARNING",
        PYTHON=sys.executable,
    )
    if Path(PG_BIN, "pg_dump").exists():
        env["PG_BIN"] = PG_BIN
    return env


def _run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def _manage(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], env, check=check)


# One manage.py process (each costs over a second to start) migrates, loads the demo and adds the files.
MIGRATE_LOAD_DEMO_ADD_WITNESS_AND_SUBMISSION = f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from claims import services
from claims.models import Claim, Evidence, Submission
call_command("migrate", "--noinput", verbosity=0)
call_command("load_demo")
claim = Claim.objects.order_by("pk").first()
services.evidence_add(
    claim=claim, kind=Evidence.Kind.TESTIMONY, relation=Evidence.Relation.SUPPORTS,
    description="Statement of witness W-17", user=None,
    file=SimpleUploadedFile("witness W-17.pdf", {WITNESS!r}, content_type="application/pdf"),
)
services.report_submit(channel=Submission.Channel.API, user=None, team=None, raw={BULLETIN.encode()!r},
                       filename="bulletin.txt", content_type="text/plain")
"""


@pytest.fixture(scope="module")
def source(scratch_database, tmp_path_factory):
    """A migrated database with the demo record, a witness's evidence file and a raw submission."""
    if not (Path(PG_BIN, "pg_dump").exists() or shutil.which("pg_dump")):
        pytest.skip("no pg_dump on this machine")
    url, media = scratch_database("src"), tmp_path_factory.mktemp("source-media")
    env = _env(url, media)
    _manage("shell", "-c", MIGRATE_LOAD_DEMO_ADD_WITNESS_AND_SUBMISSION, env=env)
    return url, media, env


def _assert_same_tables(source_url: str, target_url: str) -> None:
    """Every table, history included: same rows (count and content)."""
    original, restored = _tables(source_url), _tables(target_url)
    assert restored.keys() == original.keys()
    for table in ("claims_claim", "claims_historicalclaim", "claims_evidence", "claims_historicalevidence"):
        assert original[table][0] > 0, table
    assert {t: restored[t] for t in original} == original


def _tables(url: str) -> dict[str, tuple[int, str]]:
    """Each table in the public schema: its row count and an MD5 of all its rows."""
    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        fingerprints = {}
        for name in names:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
            )
            fingerprints[name] = conn.execute(query.format(sql.Identifier(name))).fetchone()
        return fingerprints


def _rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_backup_restores_into_a_fresh_database_with_every_row_and_file(source, scratch_database, tmp_path):
    source_url, source_media, source_env = source
    backup = tmp_path / "backup"
    _run(
        ["sh", "ops/backup.sh", "--database-url", source_url, "--media-dir", str(source_media), str(backup)], source_env
    )
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "private-media.tar.gz", "tracker.dump"]

    target_url, target_media = scratch_database("dst"), tmp_path / "restored-media"
    target = _env(target_url, target_media)
    restore = _run(
        ["sh", "ops/restore.sh", "--database-url", target_url, "--media-dir", str(target_media), str(backup)], target
    )
    assert "all match their recorded SHA-256" in restore.stdout

    _assert_same_tables(source_url, target_url)

    # A sample read back: the witness's evidence row, and the raw submission.
    evidence = "SELECT description, file, file_sha256, review_status FROM claims_evidence WHERE file <> '' ORDER BY id"
    submissions = "SELECT channel, filename, raw_file, raw_sha256, status FROM claims_submission ORDER BY id"
    assert _rows(target_url, evidence) == _rows(source_url, evidence)
    assert _rows(target_url, submissions) == _rows(source_url, submissions)
    [(description, witness_file, witness_sha256, _)] = _rows(target_url, evidence)
    assert description == "Statement of witness W-17"
    assert witness_sha256 == hashlib.sha256(WITNESS).hexdigest()
    # Sequences come back too: new rows do not collide with restored ones.
    sequences = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
    assert _rows(target_url, sequences) == _rows(source_url, sequences)

    # The files, byte for byte, and the tracker's own check on the copy.
    assert _files(target_media) == _files(source_media)
    assert (target_media / witness_file).read_bytes() == WITNESS
    assert "all match" in _manage("verify_evidence_files", env=target).stdout

    # A damaged copy is caught: an altered witness statement, a lost raw file.
    (target_media / witness_file).write_bytes(WITNESS.replace(b"chlorine", b"nothing"))
    [raw_file] = [raw for (_, filename, raw, *_) in _rows(target_url, submissions) if filename == "bulletin.txt"]
    (target_media / raw_file).unlink()
    damaged = _manage("verify_evidence_files", env=target, check=False)
    assert damaged.returncode != 0
    assert f"{witness_file}: sha256 mismatch" in damaged.stderr
    assert f"{raw_file}: missing" in damaged.stderr
    assert "2 of " in damaged.stderr
    # ...and the original is untouched.
    assert _manage("verify_evidence_files", env=source_env).returncode == 0


# Stands in for `docker compose` (no Docker here): accepts exactly the command
# lines the scripts send to a compose deployment, logs them, and runs them on
# this machine: the postgres service's tools against the server, the web
# image's tar on the "volume" directory, its manage.py with this checkout.
FAKE_COMPOSE = """#!/bin/sh
set -eu
echo "$*" >>"$FAKE_COMPOSE_LOG"
case "$1 $2" in
    "exec -T")
        [ "$3" = postgres ] || exit 97
        shift 3
        export POSTGRES_USER="$FAKE_POSTGRES_USER" POSTGRES_DB="$FAKE_POSTGRES_DB" PATH="$FAKE_PG_BIN:$PATH"
        exec "$@" ;;
    "run --rm")
        [ "$3 $4" = "--no-deps -T" ] || exit 97
        shift 4
        if [ "$1 $2 $3 ${4:-} ${5:-}" = "--entrypoint tar web -C /data/private-media" ]; then
            shift 5
            exec tar -C "$PRIVATE_MEDIA_ROOT" "$@"
        fi
        [ "$1 $2 $3" = "web python manage.py" ] || exit 97
        shift 3
        exec "$PYTHON" manage.py "$@" ;;
    "stop "* | "up -d") ;;
    *) exit 97 ;;
esac
"""


def test_the_compose_commands_back_up_and_restore_the_same_way(source, scratch_database, tmp_path):
    source_url, source_media, _ = source
    stub, log = tmp_path / "fake-compose", tmp_path / "compose.log"
    stub.write_text(FAKE_COMPOSE)
    server = connection.settings_dict

    def compose_env(url: str, volume: Path) -> dict[str, str]:
        env = _env(url, volume)
        env.update(
            COMPOSE=f"sh {stub}",
            FAKE_COMPOSE_LOG=str(log),
            FAKE_POSTGRES_USER=server["USER"],
            FAKE_POSTGRES_DB=url.rsplit("/", 1)[1],
            FAKE_PG_BIN=env.get("PG_BIN", "/usr/bin"),
            PGHOST=server["HOST"] or "localhost",
            PGPORT=str(server["PORT"] or 5432),
        )
        if server["PASSWORD"]:
            env["PGPASSWORD"] = server["PASSWORD"]
        return env

    backup = tmp_path / "backup"
    _run(["sh", "ops/backup.sh", "--compose", str(backup)], compose_env(source_url, source_media))
    target_url, volume = scratch_database("compose"), tmp_path / "volume"
    volume.mkdir()
    env = compose_env(target_url, volume)

    refused = _run(["sh", "ops/restore.sh", "--compose", str(backup)], env, check=False)
    assert refused.returncode != 0
    assert "pass --yes to confirm" in refused.stderr
    assert not any(line.startswith(("stop", "up")) for line in log.read_text().splitlines())

    restore = _run(["sh", "ops/restore.sh", "--compose", "--yes", str(backup)], env)
    assert "all match their recorded SHA-256" in restore.stdout
    calls = [line for line in log.read_text().splitlines() if line.startswith(("stop", "up"))]
    assert calls == ["stop web worker worker-archive beat", "up -d --wait postgres", "up -d"]
    _assert_same_tables(source_url, target_url)
    assert _files(volume) == _files(source_media)
