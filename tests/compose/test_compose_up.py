"""`docker compose up` as the README tells an operator to run it, for real.

The project's own Dockerfile and docker-compose.yml, unchanged, on a Docker
engine: the image is built, the stack is started with the production settings
of .env.example (only the secrets are new, and the beat intervals are short
so the test does not wait minutes), and then used as a team would use it:
- every service comes up healthy, migrate exits 0, /healthz sees a worker
  consume on each queue;
- the demo is loaded, a report is submitted through the API with a key, and
  a worker flags the chlorine claim in it;
- Redis is restarted: workers resume without a manual restart, and a report
  submitted while the broker was down is processed once it is back;
- ops/backup.sh --compose and ops/restore.sh --compose round-trip the
  database and the private-media volume.

Docker Hub is not reachable where CI runs, so python:3.11-slim, postgres:15
and redis:7 are local stand-ins built from Debian's packages
(tests/compose/standins.sh) unless real images are present. The stack runs as
its own compose project, removed with its volumes at the end.

Run with `make compose-test` (starts a Docker engine if none answers).
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.compose

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "trackercompose"
BASE_URL = "http://127.0.0.1:8000"
SERVICES = ("postgres", "redis", "web", "worker", "worker-archive", "beat")
CHLORINE = (
    "Damascus again rejected accusations that government forces dropped barrel bombs "
    "filled with chlorine gas on villages in Idlib province, calling them fabrications."
)


def wait_for(what: str, check: Callable[[], Any], *, timeout: float, every: float = 2.0) -> Any:
    """Poll ``check`` until it returns something other than None or False
    (an empty list is an answer); fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # a service still starting answers with errors
            last = exc
        else:
            if last is not None and last is not False:
                return last
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")


def run(*args: str, check: bool = True, timeout: float = 600, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    print("$", shlex.join(args))
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kwargs)
    if check and result.returncode != 0:
        pytest.fail(f"{shlex.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@dataclass
class Stack:
    env_file: Path

    @property
    def compose(self) -> list[str]:
        return [
            "docker-compose",
            "-p",
            PROJECT,
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(self.env_file),
        ]

    @property
    def environ(self) -> dict[str, str]:
        return {**os.environ, "TRACKER_ENV_FILE": str(self.env_file)}

    def __call__(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return run(*self.compose, *args, check=check, timeout=timeout, env=self.environ)

    def manage(self, *args: str) -> str:
        return self("exec", "-T", "web", "python", "manage.py", *args).stdout

    def container(self, service: str) -> str:
        return self("ps", "-q", service).stdout.strip()

    def state(self, service: str) -> dict[str, Any]:
        out = run("docker", "inspect", "-f", "{{json .State}}", self.container(service)).stdout
        return json.loads(out)

    def healthy(self, service: str) -> bool:
        return self.state(service).get("Health", {}).get("Status") == "healthy"

    def request(
        self, method: str, path: str, *, key: str = "", body: dict | None = None, proxied: bool = True
    ) -> tuple[int, Any]:
        """(status, JSON body) of a request to web, by default as the TLS proxy
        in front of it would pass it on."""
        return _send(_request(method, path, key=key, body=body, proxied=proxied), timeout=15)

    def upload(self, path: str, *, key: str, filename: str, content: bytes) -> tuple[int, Any]:
        """POST one file as multipart/form-data (field "file")."""
        boundary = secrets.token_hex(16)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                f"Content-Type: text/plain\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        req = _request("POST", path, key=key)
        req.data = body
        req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        return _send(req, timeout=30)


def _send(req: urllib.request.Request, *, timeout: float) -> tuple[int, Any]:
    """(status, JSON body), error statuses included."""
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 (a fixed local URL)
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _request(
    method: str, path: str, *, key: str = "", body: dict | None = None, proxied: bool = True
) -> urllib.request.Request:
    headers = {"Host": "localhost", "Accept": "application/json"}
    if proxied:
        headers["X-Forwarded-Proto"] = "https"
    if key:
        headers["Authorization"] = f"Api-Key {key}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    return urllib.request.Request(BASE_URL + path, data=data, headers=headers, method=method)  # noqa: S310 (a fixed local URL)


def _env_file(directory: Path) -> Path:
    """.env.example as an operator fills it in: new secrets, nothing else
    changed but the beat intervals (seconds instead of a minute)."""
    password = secrets.token_urlsafe(16)
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "POSTGRES_PASSWORD": password,
        "DATABASE_URL": f"postgres://tracker:{password}@postgres:5432/tracker",
        "HEARTBEAT_SECONDS": "5",
        "SWEEP_INTERVAL_SECONDS": "5",
        "REPORT_REQUEUE_SECONDS": "10",
    }
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={values.pop(name)}" if name in values and not line.startswith("#") else line)
    assert not values, f".env.example lacks {sorted(values)}"
    path = directory / "compose.env"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if run("docker", "info", check=False).returncode != 0:
        pytest.fail("no Docker engine answers: run `make compose-test`, which starts one")
    run(str(ROOT / "tests/compose/standins.sh"), timeout=900)
    started = time.monotonic()
    run("docker", "build", "--network", "host", "-q", "-t", "attribution-tracker:latest", str(ROOT), timeout=1200)
    print(f"image built in {time.monotonic() - started:.0f} s")
    stack = Stack(_env_file(tmp_path_factory.mktemp("compose")))
    stack("down", "-v", "--remove-orphans", check=False)
    try:
        started = time.monotonic()
        stack("up", "-d", "--no-build", timeout=900)
        wait_for("every service healthy", lambda: all(stack.healthy(s) for s in SERVICES), timeout=240)
        print(f"stack healthy {time.monotonic() - started:.0f} s after `up`")
        yield stack
    finally:
        print(stack("ps", check=False).stdout)
        print(stack("logs", "--no-color", "--tail", "40", check=False).stdout[-20000:])
        stack("down", "-v", "--remove-orphans", check=False)


@pytest.fixture(scope="module")
def api_key(stack: Stack) -> str:
    """The demo record, and the demo fact-checking team's editor key."""
    stack.manage("load_demo")
    out = stack.manage("create_demo_users")
    line = next(line for line in out.splitlines() if "API key" in line)
    return line.rsplit(":", 1)[1].strip()


def _flagged_claims(stack: Stack, key: str, report_id: int) -> list[int] | None:
    """The claims a report was flagged for, or None while it is not processed yet."""
    status, report = stack.request("GET", f"/api/v1/reports/{report_id}/", key=key)
    assert status == 200, report
    if report["status"] != "processed":
        return None
    status, flags = stack.request("GET", f"/api/v1/flags/?report={report_id}", key=key)
    assert status == 200, flags
    return [flag["claim"] for flag in flags["results"]]


def _chlorine_claim(stack: Stack, key: str) -> int:
    status, claims = stack.request("GET", "/api/v1/claims/?actor=Damascus&position=denies", key=key)
    assert status == 200, claims
    chlorine = [c["id"] for c in claims["results"] if "chlorine" in c["text"].lower()]
    assert len(chlorine) == 1, claims
    return chlorine[0]


def _submit(stack: Stack, key: str, title: str) -> int:
    status, body = stack.request("POST", "/api/v1/reports/", key=key, body={"title": title, "text": CHLORINE})
    assert status == 201, body
    return body["reports"][0]["id"]


def test_every_service_comes_up_and_healthz_sees_each_queue_consumed(stack: Stack) -> None:
    migrate = stack.state("migrate")
    assert (migrate["Status"], migrate["ExitCode"]) == ("exited", 0)
    # Asked as compose's own health check asks: plain HTTP, no proxy headers.
    _, health = wait_for(
        "/healthz to answer 200",
        lambda: (r := stack.request("GET", "/healthz", proxied=False))[0] == 200 and r,
        timeout=60,
    )
    assert health["database"] == "up"
    assert set(health["workers"]) == {"reports", "archive", "webhooks"}
    assert set(health["workers"].values()) == {"ok"}
    # Anything else asked over plain HTTP, not through the TLS proxy, is sent to HTTPS.
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(_NoRedirect).open(_request("GET", "/api/v1/claims/", proxied=False), timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"] == "https://localhost/api/v1/claims/"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_a_submitted_report_is_matched_by_a_worker(stack: Stack, api_key: str) -> None:
    claim = _chlorine_claim(stack, api_key)
    report = _submit(stack, api_key, "Damascus rejects chlorine accusations")
    flagged = wait_for("the report to be processed", lambda: _flagged_claims(stack, api_key, report), timeout=90)
    assert claim in flagged


def test_workers_resume_after_a_redis_restart(stack: Stack, api_key: str) -> None:
    claim = _chlorine_claim(stack, api_key)
    stack("stop", "redis")
    # The database is the record: a report accepted while the broker is down
    # is stored, and the sweep sends it once the broker is back.
    during = _submit(stack, api_key, "Submitted while the broker was down")
    stack("start", "redis")
    wait_for("redis healthy again", lambda: stack.healthy("redis"), timeout=60)
    after = _submit(stack, api_key, "Submitted after the broker came back")
    for report in (during, after):
        flagged = wait_for(
            f"report {report} processed", lambda r=report: _flagged_claims(stack, api_key, r), timeout=120
        )
        assert claim in flagged
    # Heartbeats sent after the restart are consumed: the workers really resumed.
    wait_for("/healthz 200 after the restart", lambda: stack.request("GET", "/healthz")[0] == 200, timeout=60)


def test_backup_and_restore_round_trip_through_compose(stack: Stack, api_key: str, tmp_path: Path) -> None:
    compose = shlex.join(stack.compose)
    env = {**stack.environ, "COMPOSE": compose}
    # A report sent as a file: its raw upload lives in the private-media volume.
    status, body = stack.upload("/api/v1/reports/", key=api_key, filename="bulletin.txt", content=CHLORINE.encode())
    assert status == 201, body
    report = body["reports"][0]["id"]
    wait_for("the uploaded report processed", lambda: _flagged_claims(stack, api_key, report), timeout=90)
    before = _counts(stack)
    assert before["files"] >= 1 and before["reports"] >= 1 and before["stances"] >= 1, before
    status, claims = stack.request("GET", "/api/v1/claims/", key=api_key)
    assert status == 200 and claims["results"]
    backup = tmp_path / "backup"
    run(str(ROOT / "ops/backup.sh"), "--compose", str(backup), env=env)
    # Lose everything after the backup: every table emptied, every file gone.
    stack.manage("flush", "--noinput")
    stack("exec", "-T", "web", "sh", "-c", "rm -rf /data/private-media/*")
    assert _counts(stack) == dict.fromkeys(before, 0)
    run(str(ROOT / "ops/restore.sh"), "--compose", "--yes", str(backup), env=env, timeout=900)
    wait_for("web healthy after the restore", lambda: stack.healthy("web"), timeout=180)
    assert _counts(stack) == before
    assert stack.request("GET", "/api/v1/claims/", key=api_key) == (200, claims)


def _counts(stack: Stack) -> dict[str, int]:
    out = stack.manage(
        "shell",
        "-c",
        "import json, os; from claims.models import Report, Submission, Stance, Flag;"
        "print(json.dumps({'reports': Report.objects.count(), 'submissions': Submission.objects.count(),"
        " 'stances': Stance.objects.count(), 'flags': Flag.objects.count(),"
        " 'files': sum(len(f) for _, _, f in os.walk('/data/private-media'))}))",
    )
    return json.loads(out.strip().splitlines()[-1])
