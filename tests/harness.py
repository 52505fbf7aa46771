"""Real Celery workers for integration tests, started as separate processes
against the test database and a Redis broker, so the flows are exercised as
in production (not in-process eager mode).

Each worker runs in its own process group so a test can ``kill -9`` the
worker and its pool children together. Everything polls with deadlines.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_database_url() -> str:
    """The URL of the database pytest-django created for this run."""
    db = connection.settings_dict
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """A `celery worker` process on the given broker and the test database."""

    def __init__(
        self,
        *,
        broker_url: str,
        queues: str = "reports,archive,webhooks",
        concurrency: int = 2,
        database_url: str | None = None,
        app: str = "tracker",
        **env: str,
    ):
        self.broker_url = broker_url
        self.queues = queues
        self.concurrency = concurrency
        self.database_url = database_url
        self.app = app  # another module can wrap the app, e.g. to inject a fault
        self.env = env
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self, *, ready_timeout: float = 30) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url or test_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "SECRET_KEY": settings.SECRET_KEY,
            "CONN_MAX_AGE": "0",
            "HF_HUB_OFFLINE": "1",
            # The lexical matcher unless a test asks for embeddings: fast to start.
            "MATCHER_EMBEDDINGS": "false",
            **self.env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", self.app, "worker",
            "--queues", self.queues, "--concurrency", str(self.concurrency), "--pool", "prefork",
            "--hostname", self.name, "--without-gossip", "--without-mingle", "--loglevel", "INFO",
        ]  # fmt: skip
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(
            lambda: b" ready." in self.log.read_bytes() or self.process.poll() is not None,
            timeout=ready_timeout,
            interval=0.05,
            what="worker ready",
        )
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited at start:\n{self.log.read_text()[-3000:]}")
        return self

    def kill(self) -> None:
        """kill -9 of the worker and all its pool children."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def settings_load(**environment: str) -> subprocess.CompletedProcess:
    """Load tracker/settings.py in a fresh process with these environment
    variables (and this one's): exit 0, or the ImproperlyConfigured in stderr."""
    code = "import django; django.setup()"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings", "SECRET_KEY": "test", **environment}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# serve_forever looks for shutdown() this often (its default, 0.5 s, was
# waited out at the end of every test that ran a server).
QUICK_SHUTDOWN = {"poll_interval": 0.01}


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    """``handler`` served on a free loopback port from a daemon thread, its
    URL in ``.base``; shut down and closed on exit."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs=QUICK_SHUTDOWN, daemon=True).start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def _kill_group(process: subprocess.Popen | None, sig: int = signal.SIGKILL) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class RedisServer:
    """A redis-server of the test's own on a spare port, without persistence:
    a restart loses every queued message, as a crash would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=10, interval=0.05, what=f"redis on port {self.port}")
        return self

    def kill(self) -> None:
        _kill_group(self.process)


class PostgresServer:
    """A PostgreSQL instance of the test's own (initdb into a temporary
    directory, a spare port, trust authentication), never the shared one.
    Run as the ``postgres`` user when the tests run as root (initdb refuses root)."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not bins:
            raise AssertionError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = bins[-1].parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"

    def _run(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, timeout=timeout, capture_output=True)

    def url(self, dbname: str = "tracker") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def init(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        return self

    def start(self) -> PostgresServer:
        # Durability settings off: only speed matters here, a restart is a clean one or a crash we recover from.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """``immediate`` is a crash: every connection dropped, recovery on the next start."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def createdb(self, name: str) -> None:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def remove(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class ApiServer:
    """A gunicorn process serving the project on a spare port."""

    def __init__(self, *, database_url: str, broker_url: str, workers: int = 2, **env: str):
        self.port = free_port()
        self.log = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "SECRET_KEY": settings.SECRET_KEY,
            "CONN_MAX_AGE": "0",
            "MATCHER_EMBEDDINGS": "false",
            "API_THROTTLE_RATE": "100000/minute",
            **env,
        }
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self, *, ready_timeout: float = 60) -> ApiServer:
        command = [sys.executable, "-m", "gunicorn", "tracker.wsgi", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--timeout", "60"]  # fmt: skip
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(self._ready, timeout=ready_timeout, what=f"gunicorn on port {self.port}")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.output()[-3000:]}")
        try:
            urllib.request.urlopen(self.url("/api/schema/"), timeout=2)  # noqa: S310 (a local server)
        except (urllib.error.URLError, OSError):
            return False
        return True

    def stop(self) -> None:
        _kill_group(self.process, signal.SIGTERM)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def celery_app_on(broker_url: str) -> Iterator:
    """The project's Celery app sending to ``broker_url`` (not in-process) for
    the duration, as production does."""
    from tracker.celery import app

    previous = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=broker_url)
    _drop_pools(app)
    try:
        yield app
    finally:
        _drop_pools(app)
        app.conf.update(previous)


def _drop_pools(app) -> None:
    # Pools are created lazily for the broker URL of the moment; drop them so
    # the next send connects to the URL now configured. (Not closed: kombu
    # keeps a registry of producer pools per connection pool, and a closed one
    # would be handed out again.)
    app._pool = None
    app.amqp._producer_pool = None
