#!/usr/bin/env python3
"""Regenerate the hash-pinned lock files from the human-edited requirements*.txt.

    python3 requirements-lock.py           # rewrite both locks from the inputs
    python3 requirements-lock.py --check   # exit 1 if a lock is out of date
    python3 requirements-lock.py --pins    # offline, seconds: every input pin is in its lock (CI)

requirements.lock           <- requirements.txt (the runtime: what the Docker image installs)
requirements-dev.lock       <- requirements-dev.txt (with requirements.txt)
requirements-semantic.lock  <- requirements-dev.txt + requirements-semantic.txt
requirements-image-semantic.lock <- requirements-semantic.txt (the image built with MATCHER=semantic)

`make install` installs the locks with `pip install --require-hashes`, so
after editing a requirements*.txt, run this and commit the locks with it.
Pins already in a lock are kept unless an input asks for another version.

pip-compile (pip-tools) runs from a throwaway virtualenv (LOCK_TOOLS_VENV,
default ~/.cache/tracker-lock-tools), so the locks do not carry pip-tools itself.
One patch: pip-tools hashes a file by downloading it unless the index's JSON
API lists it, and here that API misses many releases (it would fetch every
platform's wheel, gigabytes); this takes the sha256 that the simple index
gives with each link (the same hash pip checks a download against) and
downloads only links that come without one. Local files are hashed on disk,
so the CPU torch wheel of /opt/wheels is pinned as torch==2.13.0+cpu with
its own hash, and pip can take no other torch file.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
LOCKS = {
    "requirements.lock": ["requirements.txt"],
    "requirements-dev.lock": ["requirements-dev.txt"],
    "requirements-semantic.lock": ["requirements-dev.txt", "requirements-semantic.txt"],
    "requirements-image-semantic.lock": ["requirements-semantic.txt"],
}
# pip-tools 7.6 asks the JSON API at the wrong address; 7.5.3 needs pip < 26.
TOOLS = ["pip==25.3", "pip-tools==7.5.3"]
TOOLS_VENV = Path(os.environ.get("LOCK_TOOLS_VENV", Path.home() / ".cache" / "tracker-lock-tools"))
COMMAND = "python3 requirements-lock.py"


def run_pip_compile(args: list[str]) -> None:
    """Inside the tools venv: pip-compile, taking index-given sha256 hashes."""
    from piptools.repositories.pypi import PyPIRepository
    from piptools.scripts.compile import cli

    download_hash = PyPIRepository._get_file_hash

    def index_hash(self: PyPIRepository, link):  # type: ignore[no-untyped-def]
        if link.hash_name == "sha256" and link.hash:
            return f"sha256:{link.hash}"
        return download_hash(self, link)

    PyPIRepository._get_file_hash = index_hash  # type: ignore[method-assign]
    cli.main(args=args, prog_name="pip-compile")


def tools_python() -> Path:
    python = TOOLS_VENV / "bin" / "python"
    marker = TOOLS_VENV / (".tools-" + "-".join(TOOLS))
    if not marker.exists():
        venv = [sys.executable, "-m", "venv", "--clear", str(TOOLS_VENV)]
        subprocess.run(venv, check=True)  # noqa: S603 - our own command line
        install = [str(python), "-m", "pip", "install", "-q", *TOOLS]
        subprocess.run(install, check=True)  # noqa: S603 - our own command line
        marker.touch()
    return python


def compile_lock(python: Path, output: str, inputs: list[str]) -> None:
    args = [
        "--quiet",
        "--generate-hashes",
        "--allow-unsafe",
        "--strip-extras",
        "--no-emit-index-url",
        "--no-emit-find-links",
        "--newline=LF",
        f"--output-file={output}",
        *inputs,
    ]
    env = {**os.environ, "CUSTOM_COMPILE_COMMAND": COMMAND}
    command = [str(python), __file__, "--pip-compile", *args]
    subprocess.run(command, check=True, cwd=ROOT, env=env)  # noqa: S603 - our own command line


def _pins(path: Path) -> dict[str, str]:
    """name -> version of the ``name==version`` lines of a requirements or lock
    file, following ``-r`` includes; names normalised as pip does."""
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip().rstrip("\\").strip()
        if line.startswith("-r "):
            pins.update(_pins(path.parent / line[3:].strip()))
        elif "==" in line and not line.startswith("-"):
            name, _, version = line.partition("==")
            name = name.split("[", 1)[0].strip().lower().replace("_", "-").replace(".", "-")
            pins[name] = version.split(";", 1)[0].split()[0]
    return pins


def pins_missing() -> list[str]:
    """Input pins that their lock does not hold at the same version: a
    package added to requirements*.txt without regenerating the locks."""
    missing = []
    for lock, inputs in LOCKS.items():
        locked = _pins(ROOT / lock)
        for name in inputs:
            for package, version in _pins(ROOT / name).items():
                if locked.get(package, "").split("+", 1)[0] != version.split("+", 1)[0]:
                    missing.append(f"{lock}: {package}=={version} (locked: {locked.get(package, 'absent')})")
    return missing


def main(argv: list[str]) -> int:
    if argv[:1] == ["--pip-compile"]:
        run_pip_compile(argv[1:])
        return 0
    if argv == ["--pins"]:
        missing = pins_missing()
        for line in missing:
            print(f"not in the lock: {line}")
        if missing:
            print(f"run: {COMMAND}")
        return 1 if missing else 0
    check = argv == ["--check"]
    if argv and not check:
        print(__doc__)
        return 2
    python = tools_python()
    stale = []
    for lock, inputs in LOCKS.items():
        if not check:
            compile_lock(python, lock, inputs)
            continue
        # Compile beside the lock (the "via" comments name inputs relatively),
        # seeded with it so that only a changed input changes a pin.
        candidate = ROOT / f".{lock}.check"
        candidate.write_bytes((ROOT / lock).read_bytes())
        try:
            compile_lock(python, candidate.name, inputs)
            if not filecmp.cmp(candidate, ROOT / lock, shallow=False):
                stale.append(lock)
        finally:
            candidate.unlink()
    if stale:
        print(f"out of date with requirements*.txt: {', '.join(stale)}; run: {COMMAND}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
