"""The two score thresholds (suggest, strong), written by
``manage.py calibrate_matcher`` into thresholds.json beside this module."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

THRESHOLDS_PATH = Path(__file__).with_name("thresholds.json")


class ThresholdsError(RuntimeError):
    """No thresholds calibrated for this scorer: run calibrate_matcher."""


@dataclass(frozen=True)
class Thresholds:
    suggest: float
    strong: float

    def tier(self, score: float) -> str | None:
        if score >= self.strong:
            return "strong"
        if score >= self.suggest:
            return "suggested"
        return None


def load_thresholds(mode: str, matcher_version: str, path: Path | str | None = None) -> Thresholds:
    """Thresholds for ``mode`` ("lexical" or "semantic"). Refuses thresholds
    calibrated for another version of the scorer: scores are not comparable."""
    path = Path(path) if path else THRESHOLDS_PATH
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ThresholdsError(f"{path} is missing: run `manage.py calibrate_matcher`") from exc
    entry = data.get(mode)
    if not entry:
        raise ThresholdsError(f"{path} has no {mode!r} thresholds: run `manage.py calibrate_matcher`")
    if entry.get("matcher_version") != matcher_version:
        raise ThresholdsError(
            f"{path} {mode!r} thresholds were calibrated for matcher {entry.get('matcher_version')!r}, "
            f"not {matcher_version!r}: run `manage.py calibrate_matcher`"
        )
    return Thresholds(suggest=float(entry["suggest"]["threshold"]), strong=float(entry["strong"]["threshold"]))


def write_thresholds(mode: str, entry: dict, path: Path | str | None = None) -> None:
    """Replace the ``mode`` entry, keeping the others."""
    path = Path(path) if path else THRESHOLDS_PATH
    data = json.loads(path.read_text()) if path.exists() else {}
    data[mode] = entry
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
