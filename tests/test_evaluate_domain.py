"""``manage.py evaluate_domain``: the product's whole path on a labelled
in-domain set, scored as the set's reference scorer scores it.

The set here is invented for the test (a handful of articles about an
imagined chlorine attack, two opposing attribution claims and a statement),
in the format of ``../shared/eval/domain-syria/``; none of it comes from the
real set. The command runs as a user runs it, in a process of its own, on a
scratch database on the server the tests use (PostgreSQL under ``make
test``, SQLite without ``DATABASE_URL``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claims.evaluation import domain, metrics

ROOT = Path(__file__).resolve().parent.parent
SCORE_PY = ROOT.parent / "shared" / "eval" / "domain-syria" / "score.py"

ACTORS = [
    # Listed before its parent: the command records parents first.
    {
        "name": "Syrian Arab Air Force",
        "kind": "armed_forces",
        "parent": "Syrian government",
        "aliases": [{"name": "government helicopters", "ambiguous": False}],
    },
    {
        "name": "Syrian government",
        "kind": "government",
        "aliases": [{"name": "Damascus", "ambiguous": True}, {"name": "the regime", "ambiguous": False}],
    },
    {
        "name": "Syrian opposition armed groups",
        "kind": "armed_group",
        "aliases": [{"name": "rebels", "ambiguous": False}, {"name": "armed opposition", "ambiguous": False}],
    },
]
INCIDENT = {"name": "Sarmin chlorine attack", "place": "Sarmin, Idlib", "date": "2015-03-16", "date_precision": "day"}
CLAIMS = [
    {
        "id": "sarmin-govt",
        "title": "Sarmin 2015 chlorine attack: by the Syrian government",
        "text": "Syrian government helicopters dropped chlorine barrel bombs on Sarmin in Idlib on 16 March 2015.",
        "kind": "attribution",
        "perpetrator": "Syrian government",
        "incident": INCIDENT,
        "opposes": ["sarmin-rebels"],
    },
    {
        "id": "sarmin-rebels",
        "title": "Sarmin 2015 chlorine attack: by rebel groups",
        "text": "Rebel groups, not the government, released the chlorine in Sarmin in March 2015.",
        "kind": "attribution",
        "perpetrator": "Syrian opposition armed groups",
        "incident": INCIDENT,
        "opposes": ["sarmin-govt"],
    },
    {
        "id": "opcw-access",
        "title": "OPCW inspectors need access to Idlib",
        "text": "OPCW inspectors must be allowed into Idlib province to investigate the chlorine reports.",
        "kind": "statement",
        "perpetrator": None,
        "incident": None,
        "opposes": [],
    },
]
BARRELS = (
    "Chlorine barrel bombs hit Sarmin",
    "Government helicopters dropped barrel bombs filled with chlorine gas on the town of Sarmin in Idlib province "
    "late on Monday, 16 March 2015, killing six people, including three children, medics said. Doctors treated "
    "dozens for choking. Opposition activists accused the regime of carrying out the chemical attack.",
)


def _article(unit_id, source, date, title, text, language="en"):
    return {"unit_id": unit_id, "source": source, "date": date, "title": title, "text": text, "language": language}


ARTICLES = [
    _article("a1", "Wire One", "3/17/2015", *BARRELS),
    _article(
        "a2",
        "State Agency",
        "3/18/2015",
        "Damascus denies using chlorine in Sarmin",
        "The Syrian government denied on Wednesday that its forces used chlorine gas in Sarmin and said rebels had "
        "staged the chemical attack in the Idlib town to draw foreign intervention. Rebels carried out the attack "
        "with chlorine cylinders, the foreign ministry said.",
    ),
    _article(
        "a3",
        "Wire One",
        "3/20/2015",
        "Watchdog asks to enter Idlib",
        "The OPCW said its inspectors must be allowed into Idlib province to investigate reports of chlorine attacks "
        "on Sarmin and other towns. The watchdog's fact-finding mission is ready to travel, a spokesman said.",
    ),
    _article(
        "a4",
        "Wire Two",
        "3/21/2015",
        "League announces the coastal season",
        "The football league announced its new season schedule on Saturday, with the coastal teams opening at home "
        "and the final due in June.",
    ),
    _article(
        "a5",
        "Wire Two",
        "3/22/2015",
        "Strikes kill civilians near Raqqa",
        "Air strikes by the US-led coalition killed at least twenty civilians in villages near Raqqa, a monitoring "
        "group said, as government forces and rebels fought over districts of Aleppo.",
    ),
    _article("a6", "Wire Three", "3/17/2015", *BARRELS),  # the same text as a1: one report, two articles
    _article(
        "a7",
        "Wire Three",
        "4/2/2015",
        "Idlib doctors recall the night of the gas",
        "Two weeks after the attack on Sarmin, doctors in Idlib described how families arrived choking after "
        "helicopters dropped barrels that smelled of chlorine. They said they could not tell who was responsible.",
    ),
    _article(
        "a8",
        "Wire Three",
        "3/18/2015",
        "Du chlore largué sur Sarmin",
        "Des hélicoptères du gouvernement syrien ont largué des barils remplis de chlore sur la ville de Sarmin, "
        "dans la province d'Idlib, lundi soir, tuant six personnes dont trois enfants, selon des médecins. "
        "L'opposition accuse le régime de cette attaque chimique.",
        language="fr",
    ),
]
LABELS = [
    ("a1", "sarmin-govt", 2, "supports", "yes"),
    ("a6", "sarmin-govt", 2, "supports", "yes"),
    ("a2", "sarmin-govt", 1, "denies", "yes"),
    ("a2", "sarmin-rebels", 2, "supports", "yes"),
    ("a3", "opcw-access", 2, "supports", "yes"),
    ("a3", "sarmin-govt", 1, "neutral", "no"),
    ("a7", "sarmin-govt", 1, "neutral", "yes"),
    ("a8", "sarmin-govt", 2, "supports", "yes"),
]


def _write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _write_labels(path: Path, rows) -> Path:
    lines = ["unit_id\tclaim_id\tlabel\tstance\tagreed"] + ["\t".join(map(str, row)) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def domain_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("domain")
    return {
        "articles": _write_jsonl(folder / "articles.jsonl", ARTICLES),
        "claims": _write_jsonl(folder / "claims.jsonl", CLAIMS),
        "actors": _write_jsonl(folder / "actors.jsonl", ACTORS),
        "labels": _write_labels(folder / "labels.tsv", LABELS),
    }


def _score_py(flags: Path, files: dict[str, Path]) -> list[str]:
    if not SCORE_PY.exists():
        pytest.skip(f"the reference scorer is not here: {SCORE_PY}")
    args = [sys.executable, str(SCORE_PY), "--flags", str(flags)]
    args += [arg for name in ("labels", "claims", "articles") for arg in (f"--{name}", str(files[name]))]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.splitlines()


# --- the command ---------------------------------------------------------------------------------


@pytest.mark.parametrize("order", domain.ORDERS)
def test_the_commands_figures_are_score_pys_for_the_flags_it_wrote(order, domain_files, tmp_path):
    flags_out = tmp_path / "flags.jsonl"
    args = [sys.executable, str(ROOT / "manage.py"), "evaluate_domain", "--no-embeddings", "--order", order]
    args += [arg for name, path in domain_files.items() for arg in (f"--{name}", str(path))]
    run = subprocess.run(
        [*args, "--flags-out", str(flags_out)], capture_output=True, text=True, cwd=ROOT, env=os.environ, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    printed = run.stdout.splitlines()
    assert printed[-1].startswith("seconds ")
    assert printed[:-1] == _score_py(flags_out, domain_files)

    flags = metrics.read_jsonl(flags_out)
    assert {f["tier"] for f in flags} == {"strong", "suggested"}
    assert all(set(f) == {"unit_id", "claim", "score", "tier"} and 0 <= f["score"] <= 1 for f in flags)
    figures = dict(line.split(" ") for line in printed)
    # The real path was taken: the shared text is flagged for both of its articles,
    # the French lead (a language the matcher does not handle) for none.
    assert {f["claim"] for f in flags if f["unit_id"] == "a1"} == {f["claim"] for f in flags if f["unit_id"] == "a6"}
    assert {f["unit_id"] for f in flags} >= {"a1", "a2", "a3", "a6"}
    assert figures["flag_recall_any[fr]"] == "0.0000"
    assert float(figures["flag_recall_any"]) > 0.5
    assert "1 not matched: language" in run.stderr
    (database,) = re.findall(r"on the scratch database (\S+) \(dropped\)", run.stderr)
    assert not _database_exists(database)


def _database_exists(name: str) -> bool:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return Path(name).exists()
    import psycopg

    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "dbname": "postgres"}
    with psycopg.connect(**server, password=db["PASSWORD"] or None) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def test_files_out_of_format_are_refused_before_any_database(tmp_path, domain_files):
    bad = _write_jsonl(tmp_path / "claims.jsonl", [{**CLAIMS[0], "perpetrator": "Nobody"}])
    with pytest.raises(domain.DomainError, match="'Nobody', is not an actor"):
        domain.DomainSet.read(**{**domain_files, "claims": bad})
    bad = _write_jsonl(tmp_path / "claims.jsonl", [{**CLAIMS[0], "incident": {**INCIDENT, "date": "16/03/2015"}}])
    with pytest.raises(domain.DomainError, match="not YYYY"):
        domain.DomainSet.read(**{**domain_files, "claims": bad})


def test_the_scratch_database_is_dropped_when_the_run_fails_and_only_once_created(monkeypatch, tmp_path):
    # Django's own creation and destruction (exercised for real by the runs above)
    # stood in for: what is asserted is when they are called, and what is restored.
    from django.db import connection

    if connection.vendor == "sqlite":  # the tests' database may be in memory: as a command sees a file
        monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "db.sqlite3"))
    calls = []

    def create(**kwargs):
        calls.append("create")
        if fail_creating:
            raise RuntimeError("CREATE DATABASE failed")
        connection.settings_dict["NAME"] = connection.settings_dict["TEST"]["NAME"]

    def destroy(old_name, **kwargs):
        calls.append(f"drop {connection.settings_dict['NAME']}")
        connection.settings_dict["NAME"] = old_name

    monkeypatch.setattr(connection.creation, "create_test_db", create)
    monkeypatch.setattr(connection.creation, "destroy_test_db", destroy)
    before, before_test = connection.settings_dict["NAME"], dict(connection.settings_dict["TEST"])
    fail_creating = False
    with pytest.raises(KeyboardInterrupt), domain.scratch_database() as name:
        assert connection.settings_dict["NAME"] == name != before
        raise KeyboardInterrupt
    assert calls == ["create", f"drop {name}"]
    fail_creating = True
    with pytest.raises(RuntimeError, match="CREATE DATABASE"), domain.scratch_database():
        pass
    assert calls[2:] == ["create"]  # nothing was created: nothing to drop
    assert (connection.settings_dict["NAME"], connection.settings_dict["TEST"]) == (before, before_test)


def test_sigterm_stops_a_run_as_ctrl_c_does_through_its_clean_ups():
    from claims.management.commands.evaluate_domain import _sigterm_exits

    cleaned = []
    with pytest.raises(SystemExit) as stopped, _sigterm_exits():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # not reached: the signal interrupts it
        finally:
            cleaned.append(True)
    assert (stopped.value.code, cleaned) == (128 + signal.SIGTERM, [True])
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


# --- the figures ---------------------------------------------------------------------------------


def _flag(unit_id, claim, score, tier="suggested"):
    return {"unit_id": unit_id, "claim": claim, "score": score, "tier": tier}


def _label(unit_id, claim_id, label=1, agreed="yes"):
    return {"unit_id": unit_id, "claim_id": claim_id, "label": str(label), "stance": "supports", "agreed": agreed}


TWO_CLAIMS = [{"id": "x", "opposes": ["y"]}, {"id": "y", "opposes": ["x"]}]


def test_a_flag_on_a_pair_only_one_annotator_marked_counts_neither_way():
    articles = [{"unit_id": u} for u in ("u1", "u2", "u3")]
    labels = [_label("u1", "x", 2), _label("u2", "x", agreed="no")]
    flags = [_flag("u1", "x", 0.9, "strong"), _flag("u2", "x", 0.95, "strong")]
    scores = metrics.score(flags=flags, labels=labels, claims=TWO_CLAIMS, articles=articles)
    assert scores.rates["flag_precision_any"] == scores.rates["flag_precision_strong"] == 1.0
    assert scores.rates["flag_recall_strong_central"] == 1.0
    assert scores.rates["claim_to_archive_MAP"] == 1.0  # u2 ranks above u1, yet is not scored
    assert (scores.counts["count_flags"], scores.counts["count_positive_pairs"]) == (2, 1)
    assert scores.counts["count_unrelated_articles"] == 1  # u2 is labelled, if only by one


def test_with_no_unrelated_article_flags_per_unrelated_article_is_zero():
    articles = [{"unit_id": "u1"}]
    scores = metrics.score(
        flags=[_flag("u1", "y", 0.5)], labels=[_label("u1", "x")], claims=TWO_CLAIMS, articles=articles
    )
    assert (scores.rates["flags_per_unrelated_article"], scores.counts["count_unrelated_articles"]) == (0.0, 0)
    assert scores.rates["flag_precision_any"] == 0.0
    # u1 bears on x and has no label row for y, which opposes x: a chance, confused.
    assert (scores.counts["count_direction_chances"], scores.counts["count_direction_confused"]) == (1, 1)


def test_without_flags_every_rate_is_zero_and_an_unknown_claim_or_article_is_left_out():
    articles = [{"unit_id": 7}, {"unit_id": "u2"}]  # ids read as strings, as score.py reads them
    labels = [_label("7", "x"), _label("u9", "x"), _label("7", "z")]
    scores = metrics.score(
        flags=[_flag("u9", "x", 0.9), _flag(7, "z", 0.9)], labels=labels, claims=TWO_CLAIMS, articles=articles
    )
    assert set(scores.rates.values()) == {0.0}
    assert (scores.counts["count_flags"], scores.counts["count_positive_pairs"]) == (0, 1)


def test_per_language_lines_follow_the_articles_language():
    articles = [{"unit_id": "u1", "language": "fr"}, {"unit_id": "u2", "language": "ar"}, {"unit_id": "u3"}]
    labels = [_label("u1", "x"), _label("u2", "x")]
    scores = metrics.score(
        flags=[_flag("u1", "x", 0.9), _flag("u1", "y", 0.8)], labels=labels, claims=TWO_CLAIMS, articles=articles
    )
    assert scores.by_language == {"ar": (0.0, 0.0), "fr": (0.5, 1.0)}
    assert scores.lines()[-4:] == [
        "flag_precision_any[ar] 0.0000",
        "flag_recall_any[ar] 0.0000",
        "flag_precision_any[fr] 0.5000",
        "flag_recall_any[fr] 1.0000",
    ]
    assert not any("[" in line for line in metrics.score(flags=[], labels=[], claims=[], articles=[]).lines())


def test_average_precision_divides_by_every_relevant_item_even_beyond_k():
    assert metrics.average_precision(["a", "b", "c"], {"a", "c"}) == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.average_precision(["b", "a"], {"a", "z"}, k=1) == 0.0
    assert metrics.average_precision(["a"], set()) == 0.0


def test_ties_rank_as_listed_and_every_line_is_score_pys(tmp_path):
    articles = [{"unit_id": f"u{i}", "language": "en" if i % 2 else "es"} for i in range(6)]
    claims = [{"id": "x", "opposes": ["y"]}, {"id": "y", "opposes": ["x", "gone"]}, {"id": "w"}]
    labels = [_label("u0", "x", 2), _label("u1", "x"), _label("u1", "y", 2), _label("u2", "y", agreed="no")]
    labels += [_label("u3", "w", 2), _label("u3", "x", agreed="no")]
    flags = [_flag("u1", "y", 0.7), _flag("u1", "x", 0.7, "strong"), _flag("u0", "y", 0.4), _flag("u2", "y", 0.9)]
    flags += [_flag("u4", "w", 0.8, "strong"), _flag("u3", "w", 0.8), _flag("u3", "x", 0.1), _flag("u5", "w", 0.3)]
    files = {
        "labels": _write_labels(tmp_path / "labels.tsv", [tuple(r.values()) for r in labels]),
        "claims": _write_jsonl(tmp_path / "claims.jsonl", claims),
        "articles": _write_jsonl(tmp_path / "articles.jsonl", articles),
    }
    ours = metrics.score(flags=flags, labels=labels, claims=claims, articles=articles).lines()
    assert ours == _score_py(_write_jsonl(tmp_path / "flags.jsonl", flags), files)
