"""Benchmark: the REST API against its ceiling, side by side in one run.

    .venv/bin/python bench/bench_api.py \\
        [--database-url postgres://postgres@127.0.0.1:5432/tracker_bench] \\
        [--duration 10] [--connections 16] [--threads 2] [--workers 2] [--page-size 50]

On the benchmark database (100k claims and 1M reports from bench/generate.py)
it issues a fact-checking team's API key, starts gunicorn serving both the API
and the bare ``.values()`` views of ``bench/api_ceiling.py`` (the ceiling: the
same payload, same key check and visibility, no DRF), checks that each pair
returns the same rows, then runs wrk with fixed concurrency against claim
list, claim detail, actor lookup by alias and the attribution matrix,
alternating API and ceiling. Prints requests/second and p50/p99 latency of
each, the API/ceiling ratio, and one result line. Targets: ratio ≥ 0.6 and
p99 < 100 ms for every endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tracker_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint and side")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args()
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("the database name must contain 'bench' (this benchmark writes an API key)")
    return args


def server_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": "bench-only",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "API_THROTTLE_RATE": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
    }


def prepare(args: argparse.Namespace) -> dict[str, str]:
    """Migrate, issue a key, and pick the ids and alias the requests use."""
    env = server_env(args)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    script = """
import json
from django.contrib.auth import get_user_model
from django.db.models import Count
from claims.services.api_keys import api_key_create
from claims.models import ActorAlias, ApiKey, Claim, Membership, Team
team, _ = Team.objects.get_or_create(slug="bench-checkers", defaults={"name": "Bench checkers", "kind": "factcheck"})
user, _ = get_user_model().objects.get_or_create(username="bench-checker")
Membership.objects.get_or_create(team=team, user=user, defaults={"role": "editor"})
ApiKey.objects.filter(team=team, name="bench").delete()
_, key = api_key_create(team=team, user=user, name="bench", role="editor")
claim = (Claim.objects.filter(status="published").annotate(n=Count("stances")).filter(n__gte=3)
         .order_by("id").values_list("id", flat=True)[500])
aliases = ActorAlias.objects.filter(actor__kind="government", ambiguous=True).order_by("id")
alias = aliases.values_list("name", flat=True).first()
print(json.dumps({"key": key, "claim": claim, "alias": alias or "Damascus"}))
"""
    command = [sys.executable, "manage.py", "shell", "-c", script]
    out = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen:
    env = {**server_env(args), "DJANGO_SETTINGS_MODULE": "api_ceiling_settings"}
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "tracker.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={args.workers}",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def get_json(url: str, key: str) -> object:
    request = urllib.request.Request(url, headers={"Authorization": f"Api-Key {key}", "Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http://127.0.0.1 only)
        return json.loads(response.read())


def same_payload(api: object, ceiling: object) -> bool:
    """Same rows (the pagination links differ: a cursor against an id)."""
    if isinstance(api, dict) and "results" in api:
        return json.dumps(api["results"], sort_keys=True) == json.dumps(ceiling["results"], sort_keys=True)  # type: ignore[index]
    return json.dumps(api, sort_keys=True) == json.dumps(ceiling, sort_keys=True)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(args: argparse.Namespace, url: str, key: str) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603
        [  # noqa: S607 (wrk from the PATH, Debian's package)
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            "-H",
            f"Authorization: Api-Key {key}",
            "-H",
            "Accept: application/json",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {
        pct: float(value) * _UNITS[unit]
        for pct, value, unit in re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    }
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"]}


def main() -> None:
    args = parse_args()
    chosen = prepare(args)
    key, claim, alias = chosen["key"], chosen["claim"], chosen["alias"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    endpoints = {
        "claim list": (f"/api/v1/claims/?page_size={args.page_size}", f"/ceiling/claims/?page_size={args.page_size}"),
        "claim detail": (f"/api/v1/claims/{claim}/", f"/ceiling/claims/{claim}/"),
        "actor by alias": (f"/api/v1/actors/?alias={alias}", f"/ceiling/actors/?alias={alias}"),
        "matrix": (f"/api/v1/claims/{claim}/matrix/", f"/ceiling/claims/{claim}/matrix/"),
    }
    server = start_server(args, port)
    try:
        for name, (api, ceiling) in endpoints.items():
            api_body, ceiling_body = get_json(base + api, key), get_json(base + ceiling, key)
            if not same_payload(api_body, ceiling_body):
                raise SystemExit(f"{name}: the API and the ceiling return different payloads")
        print(
            f"{args.workers} gunicorn workers, wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
            f"page size {args.page_size}, claim {claim}, alias {alias!r}"
        )
        header = ("endpoint", "API r/s", "ceil r/s", "ratio", "API p50", "API p99", "ceil p99")
        print(f"{header[0]:16} {header[1]:>9} {header[2]:>9} {header[3]:>6} " + " ".join(f"{h:>8}" for h in header[4:]))
        worst_ratio, worst_p99 = 1.0, 0.0
        for name, (api, ceiling) in endpoints.items():
            wrk(args, base + api, key)  # warm up both sides' caches and connections
            a = wrk(args, base + api, key)
            c = wrk(args, base + ceiling, key)
            ratio = a["rps"] / c["rps"]
            worst_ratio, worst_p99 = min(worst_ratio, ratio), max(worst_p99, a["p99"])
            print(
                f"{name:16} {a['rps']:9.0f} {c['rps']:9.0f} {ratio:6.2f} {a['p50']:7.1f}ms {a['p99']:7.1f}ms "
                f"{c['p99']:7.1f}ms"
            )
        verdict = "met" if worst_ratio >= 0.6 and worst_p99 < 100 else "missed"
        print(
            f"api: worst ratio to ceiling {worst_ratio:.2f}, worst p99 {worst_p99:.1f} ms "
            f"(targets ≥ 0.6, < 100 ms: {verdict})"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
