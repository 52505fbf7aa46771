"""The README's API walk-through runs on any machine that runs the project:
its shell examples call only curl, python3 and make (no uuidgen, jq or the
like, which a fresh machine may lack)."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
# Where a command starts: a line, a pipe, $(, &&, ||, ;. Then optional VAR=value words.
COMMAND = re.compile(r"(?:^|\$\(|\|\|?|&&|;)\s*(?:\w+=\S*\s+)*([A-Za-z][\w.-]*)(?=\s|\)|$)", re.MULTILINE)


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _programs(markdown: str) -> set[str]:
    programs = set()
    for block in re.findall(r"```sh\n(.*?)```", markdown, re.DOTALL):
        script = re.sub(r"\\\n", " ", block)  # continued lines are one command
        script = re.sub(r"#.*", "", script)
        script = re.sub(r"'[^']*'", "''", script)  # quoted text (python -c code, JSON) is no command
        script = re.sub(r'"(?:[^"$]|\$(?!\())*"', '""', script)  # nor is "text" with no $(command) in it
        programs |= {name for name in COMMAND.findall(script) if not name.isupper()}
    return programs


def test_the_api_walk_through_needs_only_curl_python3_and_make():
    programs = _programs(_section("Using the API"))
    assert "curl" in programs and programs <= {"curl", "python3", "make"}
