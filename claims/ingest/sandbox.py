"""Run a parser on untrusted bytes in a child process with limits, so a hostile
file (a decompression bomb, a pathological PDF, a deeply nested page) can cost
at most a bounded amount of memory, CPU and wall-clock time and never hang or
kill the worker that asked.

The child is a fresh interpreter (``python -m claims.ingest.sandbox``) with a
minimal environment (no secrets, no database URL). It sets RLIMIT_AS,
RLIMIT_CPU and RLIMIT_FSIZE on itself before importing the parser, reads the
input from stdin and writes one JSON object to stdout. The parent kills it
when the wall-clock timeout passes.

The target is ``"package.module:function"``, a function taking ``bytes`` and
``options`` (a JSON-able dict) and returning a JSON-able dict.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 30.0
DEFAULT_CPU_SECONDS = 20
DEFAULT_MEMORY_BYTES = 768 * 1024 * 1024
MAX_OUTPUT_BYTES = 64 * 1024 * 1024

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SandboxError(Exception):
    """The sandboxed parser failed, ran out of time or memory, or was killed."""


def run_sandboxed(
    target: str,
    data: bytes,
    options: dict[str, Any] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cpu_seconds: int = DEFAULT_CPU_SECONDS,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
) -> dict[str, Any]:
    """Call ``target(data, options)`` in a limited child process and return its result."""
    if ":" not in target:
        raise ValueError(f"target must be 'module:function', not {target!r}")
    header = json.dumps(
        {"target": target, "options": options or {}, "cpu": cpu_seconds, "memory": memory_bytes}
    ).encode()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(_PROJECT_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
        # One thread for any numeric library a parser might pull in.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "claims.ingest.sandbox"],
            input=header + b"\n" + data,
            capture_output=True,
            timeout=timeout,
            env=env,
            cwd=str(_PROJECT_ROOT),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        # subprocess.run has killed the child already.
        raise SandboxError(f"parsing timed out after {timeout:g}s") from exc
    if completed.returncode < 0:
        signum = -completed.returncode
        name = signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else str(signum)
        why = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed (memory or time limit)"}.get(name, name)
        raise SandboxError(f"parser killed by {name}: {why} exceeded")
    if len(completed.stdout) > MAX_OUTPUT_BYTES:
        raise SandboxError("parser output too large")
    try:
        result = json.loads(completed.stdout or b"null")
    except ValueError as exc:
        tail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise SandboxError(f"parser crashed (exit {completed.returncode}): {' '.join(tail)}") from exc
    if not isinstance(result, dict):
        raise SandboxError(f"parser crashed (exit {completed.returncode})")
    if "error" in result:
        raise SandboxError(str(result["error"]))
    return result["result"]


def _limit(cpu_seconds: int, memory_bytes: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child() -> None:
    stdin = sys.stdin.buffer.read()
    header_line, _, data = stdin.partition(b"\n")
    header = json.loads(header_line)
    _limit(int(header["cpu"]), int(header["memory"]))
    module_name, _, function_name = header["target"].partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        result = function(data, header["options"])
        out = json.dumps({"result": result})
    except MemoryError:
        out = json.dumps({"error": "parser ran out of memory"})
    except Exception as exc:
        out = json.dumps({"error": f"{type(exc).__name__}: {exc}"[:2000]})
    sys.stdout.write(out)
    sys.stdout.flush()


if __name__ == "__main__":
    _child()
