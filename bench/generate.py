"""Synthetic data for every benchmark: actors with aliases, claims, stances,
incidents and reports, bulk-loaded into a PostgreSQL database with COPY.

    .venv/bin/python bench/generate.py \\
        --database-url postgres://postgres@127.0.0.1:5432/tracker_bench \\
        --claims 100000 --reports 1000000 [--seed 1] [--reset]

Creates the database if it is missing and runs ``manage.py migrate`` against
it, then drops the loaded tables' non-primary indexes and unique/foreign-key
constraints (the report full-text GIN index ``report_text_search`` too),
COPYs the rows in, rebuilds what it dropped (two connections in parallel) and
runs ANALYZE. The same ``--seed`` gives the same rows. Refuses a database
that already holds claims or reports unless ``--reset`` (which drops and
recreates it), and any database whose name does not contain "bench".

Claims are sentences built from a vocabulary of actors, places, agents and
dates ("<actor> carried out a <agent> attack on <place> in <month year>");
reports are 50-300 words of news-like sentences, about a third of them
mentioning some claim's actor, place, agent and date. Prints one line: rows
per second for the load and the time of each phase.

The vocabulary and the text builders are importable (``World``,
``report_text``) for the other benchmarks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims.normalize import normalize_name, text_hash  # noqa: E402

# --- vocabulary -------------------------------------------------------------------------

# (country, adjective, capital): a state, its government (the capital is an
# ambiguous metonym alias: "Damascus denies" vs "fighting near Damascus").
COUNTRIES = [
    ("Syria", "Syrian", "Damascus"), ("Iraq", "Iraqi", "Baghdad"), ("Russia", "Russian", "Moscow"),
    ("United States", "American", "Washington"), ("France", "French", "Paris"), ("Britain", "British", "London"),
    ("Turkey", "Turkish", "Ankara"), ("Iran", "Iranian", "Tehran"), ("Israel", "Israeli", "Jerusalem"),
    ("Lebanon", "Lebanese", "Beirut"), ("Jordan", "Jordanian", "Amman"), ("Saudi Arabia", "Saudi", "Riyadh"),
    ("Qatar", "Qatari", "Doha"), ("Egypt", "Egyptian", "Cairo"), ("Libya", "Libyan", "Tripoli"),
    ("Yemen", "Yemeni", "Sanaa"), ("China", "Chinese", "Beijing"), ("Germany", "German", "Berlin"),
    ("Netherlands", "Dutch", "The Hague"), ("Ukraine", "Ukrainian", "Kyiv"), ("Sudan", "Sudanese", "Khartoum"),
    ("Nigeria", "Nigerian", "Abuja"), ("Mali", "Malian", "Bamako"), ("Somalia", "Somali", "Mogadishu"),
    ("Afghanistan", "Afghan", "Kabul"), ("Pakistan", "Pakistani", "Islamabad"),
    ("Ethiopia", "Ethiopian", "Addis Ababa"),
    ("Myanmar", "Myanmar", "Naypyidaw"), ("Venezuela", "Venezuelan", "Caracas"), ("Algeria", "Algerian", "Algiers"),
]  # fmt: skip

# (name, aliases, parent name or "")
GROUPS = [
    ("Islamic State", ["ISIS", "ISIL", "Daesh", "IS"], ""),
    ("al-Qaida", ["al-Qaeda", "Al Qaeda"], ""),
    ("Jabhat al-Nusra", ["Nusra Front", "al-Nusra", "Jabhat Fateh al-Sham"], "al-Qaida"),
    ("Hezbollah", ["Hizbollah", "Hizballah"], ""),
    ("Kurdistan Workers' Party", ["PKK"], ""),
    ("People's Protection Units", ["YPG"], ""),
    ("Free Syrian Army", ["FSA"], ""),
    ("Ahrar al-Sham", ["Harakat Ahrar al-Sham"], ""),
    ("Jaysh al-Islam", ["Army of Islam"], ""),
    ("Houthi movement", ["Houthis", "Ansar Allah"], ""),
    ("Boko Haram", ["Jama'at Ahl al-Sunnah"], ""),
    ("al-Shabaab", ["Harakat al-Shabaab al-Mujahideen", "Shabab"], "al-Qaida"),
    ("Taliban", ["Islamic Emirate"], ""),
    ("Wagner Group", ["Wagner", "PMC Wagner"], ""),
    ("Rapid Support Forces", ["RSF"], ""),
    ("Hayat Tahrir al-Sham", ["HTS", "Tahrir al-Sham"], ""),
    ("Syrian Democratic Forces", ["SDF"], ""),
    ("Popular Mobilization Forces", ["PMF", "Hashd al-Shaabi"], ""),
]
GROUP_PREFIXES = ["Liberation", "Martyrs", "Revolutionary", "Islamic", "Popular", "National", "Free", "Unity"]
GROUP_SUFFIXES = ["Brigade", "Front", "Battalion", "Movement", "Army", "Council", "Forces", "Legion"]

ORGANISATIONS = [
    ("Organisation for the Prohibition of Chemical Weapons", ["OPCW"]),
    ("UN Security Council", ["Security Council", "UNSC"]),
    ("OPCW-UN Joint Investigative Mechanism", ["JIM", "Joint Investigative Mechanism"]),
    ("OPCW Fact-Finding Mission", ["FFM", "Fact-Finding Mission"]),
    ("Investigation and Identification Team", ["IIT"]),
    ("United Nations", ["UN", "U.N."]),
    ("World Health Organization", ["WHO"]),
    ("Human Rights Watch", ["HRW"]),
    ("Amnesty International", ["Amnesty"]),
    ("Syrian Observatory for Human Rights", ["SOHR", "the Observatory"]),
    ("Syria Civil Defence", ["White Helmets"]),
    ("Medecins Sans Frontieres", ["MSF", "Doctors Without Borders"]),
    ("International Committee of the Red Cross", ["ICRC", "Red Cross"]),
    ("Syrian American Medical Society", ["SAMS"]),
    ("European Union", ["EU"]),
    ("Arab League", ["League of Arab States"]),
    ("NATO", ["North Atlantic Treaty Organization"]),
    ("UN Commission of Inquiry on Syria", ["Commission of Inquiry", "COI"]),
]

MEDIA = [
    ("AFP", "agency"), ("Reuters", "agency"), ("Associated Press", "agency"), ("Anadolu", "agency"),
    ("SANA", "agency"), ("TASS", "agency"), ("RIA Novosti", "agency"), ("Al Jazeera", "broadcaster"),
    ("Al Arabiya", "broadcaster"), ("BBC", "broadcaster"), ("CNN", "broadcaster"), ("RT", "broadcaster"),
    ("France 24", "broadcaster"), ("The Guardian", "newspaper"), ("The New York Times", "newspaper"),
    ("The Washington Post", "newspaper"), ("Le Monde", "newspaper"), ("Asharq Al-Awsat", "newspaper"),
    ("The National", "newspaper"), ("Enab Baladi", "newspaper"), ("Syria Direct", "newspaper"),
    ("Middle East Eye", "newspaper"), ("Kurdistan 24", "broadcaster"), ("Rudaw", "broadcaster"),
]  # fmt: skip

FIRST_NAMES = [
    "Ahmed", "Mohammed", "Omar", "Ali", "Hassan", "Hussein", "Khaled", "Mahmoud", "Youssef", "Ibrahim",
    "Abdullah", "Mustafa", "Karim", "Tariq", "Walid", "Samir", "Nabil", "Faisal", "Bashar", "Rami",
    "Sergei", "Vitaly", "Dmitry", "Vassily", "John", "Samantha", "Nikki", "Francois", "Laurent", "Boris",
    "Fatima", "Leila", "Mariam", "Rania", "Huda", "Nour", "Abu Mohammad", "Abu Bakr", "Zahran", "Hamza",
]  # fmt: skip
LAST_NAMES = [
    "al-Assad", "al-Jolani", "al-Baghdadi", "al-Zawahiri", "Nasrallah", "Churkin", "Lavrov", "Nebenzia",
    "Kerry", "Power", "Haley", "Delattre", "Fabius", "Johnson", "al-Moallem", "al-Jaafari", "Mekdad", "Alloush",
    "Haddad", "Khoury", "Mansour", "Saleh", "Qasim", "Darwish", "Hamdan", "Nasser", "Farouk", "Rahman",
    "Suleiman", "Yassin", "Karam", "Othman", "Bakri", "Zein", "Aziz", "Halabi", "Idlibi", "Homsi", "Shami", "Masri",
]  # fmt: skip

PLACES = [
    "Aleppo", "Idlib", "Homs", "Hama", "Douma", "Ghouta", "Eastern Ghouta", "Khan Sheikhoun", "Saraqib", "Sarmin",
    "Talmenes", "Qmenas", "Kafr Zita", "Al-Lataminah", "Marea", "Deir ez-Zor", "Raqqa", "Palmyra", "Hassakeh",
    "Qamishli", "Kobani", "Manbij", "Afrin", "Azaz", "Jisr al-Shughur", "Ariha", "Binnish", "Taftanaz", "Darayya",
    "Moadamiyeh", "Zamalka", "Ain Tarma", "Jobar", "Harasta", "Arbin", "Yarmouk", "Daraa", "Quneitra", "Sweida",
    "Latakia", "Tartus", "Qusayr", "Yabroud", "Zabadani", "Madaya", "Arsal", "Qalamoun", "Mosul", "Tikrit",
    "Fallujah", "Ramadi", "Kirkuk", "Sinjar", "Tal Afar", "Halabja", "Erbil", "Basra", "Taiz", "Hodeidah",
    "Aden", "Saada", "Marib", "Benghazi", "Misrata", "Sirte", "Derna", "El Fasher", "Nyala", "Geneina",
    "Maiduguri", "Gao", "Timbuktu", "Mogadishu", "Kismayo", "Kandahar", "Helmand", "Kunduz", "Mariupol",
    "Bakhmut", "Kherson", "Avdiivka", "Salisbury", "Kuala Lumpur", "Atareb", "Maarat al-Numan", "Kafr Nabl",
    "Hreitan", "Anadan", "Tal Rifaat", "Al-Bab", "Jarablus", "Khan al-Assal", "Sheikh Maqsoud", "Bustan al-Qasr",
    "Al-Sukhnah", "Al-Qaryatayn", "Muhradah", "Suran", "Kafr Nubl", "Habit", "Morek", "Halfaya", "Tal Abyad",
]  # fmt: skip

# (incident agent code, as written in text)
AGENTS = [
    ("chlorine", "chlorine"), ("sarin", "sarin"), ("sulfur_mustard", "sulfur mustard"), ("vx", "VX"),
    ("other_chemical", "an unidentified toxic chemical"), ("conventional", "barrel bomb"),
    ("conventional", "artillery"), ("conventional", "air strike"), ("chlorine", "chlorine gas"),
    ("sarin", "nerve agent"),
]  # fmt: skip

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
]  # fmt: skip
YEARS = list(range(2012, 2025))

ATTRIBUTION_TEMPLATES = [
    "{actor} carried out a {agent} attack on {place} in {month} {year}.",
    "The {agent} attack on {place} in {month} {year} was carried out by {actor}.",
    "{actor} used {agent} against civilians in {place} on {day} {month} {year}.",
    "Helicopters of {actor} dropped {agent} munitions on {place} in {month} {year}.",
    "{actor} was responsible for the {agent} attack that killed {n} people in {place} in {month} {year}.",
    "Forces loyal to {actor} shelled {place} with {agent} in {month} {year}.",
]
EVENT_TEMPLATES = [
    "{agent_cap} was used as a weapon in {place} in {month} {year}.",
    "Civilians in {place} were exposed to {agent} on {day} {month} {year}.",
    "A {agent} attack on {place} in {month} {year} killed {n} people.",
    "Samples from {place} confirmed exposure to {agent} in {month} {year}.",
]
STATEMENT_TEMPLATES = [
    "{actor} seized {place} from {actor2} in {month} {year}.",
    "{actor} receives weapons and orders from {actor2}.",
    "{actor} declared that {actor2} had withdrawn from {place} in {month} {year}.",
    "{actor} besieged {place} and blocked humanitarian aid in {month} {year}.",
    "{actor} executed {n} prisoners in {place} in {month} {year}.",
]
TITLE_TEMPLATES = {
    "attribution": "{agent_cap} attack on {place}, {month} {year}: {actor}",
    "event": "{agent_cap} used in {place}, {month} {year}",
    "statement": "{actor} and {place}, {month} {year}",
}
POSITIONS = [
    ("asserts", 30), ("denies", 20), ("disputes", 15), ("acknowledges", 10), ("retracts", 3),
    ("calls_investigation", 22),
]  # fmt: skip
STANCE_QUOTES = {
    "asserts": "{speaker} said the evidence pointed clearly to {actor}.",
    "denies": "{speaker} rejected the accusation as fabricated.",
    "disputes": "{speaker} questioned the samples and the chain of custody.",
    "acknowledges": "{speaker} confirmed the use of {agent} without naming those responsible.",
    "retracts": "{speaker} withdrew the earlier statement.",
    "calls_investigation": "{speaker} called for an independent investigation.",
}

# News sentences with slots; {g} is some actor's name or alias, {p} a place.
FILLER_TEMPLATES = [
    "{g} said on {weekday} that its forces had repelled an offensive near {p}.",
    "Fighting between {g} and {g2} continued for a {ord} day on the outskirts of {p}.",
    "At least {n} civilians were killed and dozens wounded in shelling of {p}, according to {o}.",
    "{o} said it was investigating reports of casualties in {p} and would publish its findings.",
    "Residents of {p} described heavy bombardment overnight and a shortage of medical supplies.",
    "The Security Council is expected to discuss the situation in {p} at a closed meeting on {weekday}.",
    "{g} accused {g2} of violating the ceasefire agreed in {month}.",
    "Aid convoys reached {p} for the first time since {month}, the {o} said.",
    "A spokesman for {g} told reporters that the claims were part of a disinformation campaign.",
    "Satellite images reviewed by {o} showed damage to a hospital and a school in {p}.",
    "The offensive has displaced more than {n} thousand people from {p} and nearby villages.",
    "Diplomats said negotiations over a new resolution had stalled over the wording on accountability.",
    "{g} has denied targeting civilians and says it strikes only armed groups.",
    "Doctors in {p} said patients showed symptoms consistent with exposure to a toxic substance.",
    "The foreign minister of {c} called for restraint and urged all parties to return to talks.",
    "Witnesses said helicopters were seen over {p} shortly before the explosions.",
    "{o} documented {n} attacks on medical facilities in the province since {month}.",
    "Officials in {c} said the sanctions would target individuals linked to {g}.",
    "The ceasefire brokered by {c} and {c2} appeared to be holding in most of {p}.",
    "Prices of bread and fuel in {p} have doubled since the siege began in {month}.",
    "In a statement, {g} said it had captured several positions from {g2} near {p}.",
    "Investigators from {o} interviewed survivors and collected samples in {p}.",
    "The report did not assign responsibility for the attack, saying more evidence was needed.",
    "Analysts said the fall of {p} would be a major setback for {g}.",
    "The ambassador of {c} told the council that the allegations were unfounded.",
    "Thousands of families fled towards the border with {c} as the fighting intensified.",
    "Local activists posted videos showing rescue workers pulling bodies from the rubble in {p}.",
    "{g} and {g2} agreed to exchange prisoners under a deal mediated by {c}.",
    "The United Nations said {n} trucks of aid were waiting to cross into {p}.",
    "Security sources said a car bomb exploded at a checkpoint in {p}, killing {n} people.",
]
CLAIM_MENTION_TEMPLATES = [
    "{o} said it had evidence that {actor} used {agent} in {place} in {month} {year}.",
    "{speaker} accused {actor} of the {agent} attack on {place} last {month}.",
    "{actor} denied any role in the {month} {year} {agent} attack on {place}.",
    "Survivors of the {agent} attack on {place} in {month} {year} blamed {actor}.",
    "A report by {o} on the attack on {place} in {month} {year} found that {agent} had been used.",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = ["second", "third", "fourth", "fifth", "sixth", "tenth"]


@dataclass
class ActorRow:
    id: int
    kind: str
    name: str
    parent: int | None = None
    aliases: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, kind, ambiguous)


@dataclass
class ClaimRow:
    id: int
    kind: str
    title: str
    text: str
    perpetrator: int | None
    actor_name: str
    place: str
    agent_code: str
    agent: str
    month: int
    year: int
    stance_actors: list[int]


class World:
    """The vocabulary every benchmark draws from, deterministic for a seed."""

    def __init__(self, seed: int = 1):
        rng = random.Random(f"world-{seed}")
        self.actors: list[ActorRow] = []
        by_name: dict[str, int] = {}

        def add(kind: str, name: str, parent: str = "", aliases: list[tuple[str, str, bool]] | None = None) -> int:
            row = ActorRow(len(self.actors) + 1, kind, name, by_name.get(parent), aliases or [])
            self.actors.append(row)
            by_name[name] = row.id
            return row.id

        self.states, self.governments = [], []
        for country, adjective, capital in COUNTRIES:
            self.states.append(add("state", country))
            self.governments.append(
                add(
                    "government",
                    f"{adjective} government",
                    country,
                    [
                        (capital, "metonym", True),
                        (f"the {adjective} regime", "alias", False),
                        (f"{adjective} authorities", "alias", False),
                        (f"government of {country}", "alias", False),
                    ],
                )
            )
            add(
                "government",
                f"{adjective} Armed Forces",
                f"{adjective} government",
                [(f"{adjective} army", "alias", False)],
            )
        self.groups = [
            add("armed_group", name, parent, [(a, "acronym" if a.isupper() else "alias", a == "IS") for a in aliases])
            for name, aliases, parent in GROUPS
        ]
        for prefix in GROUP_PREFIXES:
            for suffix in GROUP_SUFFIXES:
                place = rng.choice(PLACES)
                name = f"{prefix} {suffix} of {place}"
                if name not in by_name:
                    self.groups.append(add("armed_group", name, "", [(f"{prefix} {suffix}", "alias", False)]))
        self.organisations = [
            add(
                "organisation",
                name,
                "",
                [(a, "acronym" if a.replace(".", "").isupper() else "alias", False) for a in aliases],
            )
            for name, aliases in ORGANISATIONS
        ]
        self.media = [add("media", name) for name, _ in MEDIA]
        self.persons = []
        for first in FIRST_NAMES:
            for last in LAST_NAMES:
                if rng.random() < 0.6:
                    continue
                variant = last.replace("al-", "el-") if last.startswith("al-") else last.replace("ou", "u")
                aliases = [(variant, "transliteration", False)] if variant != last else []
                aliases.append((f"{first[0]}. {last}", "alias", False))
                parent = self.actors[rng.choice(self.governments + self.states + self.groups) - 1].name
                self.persons.append(add("person", f"{first} {last}", parent, aliases))
        self.perpetrators = self.governments + self.groups
        self.stance_holders = self.states + self.governments + self.organisations + self.groups
        self.name = {a.id: a.name for a in self.actors}
        self.names_and_aliases = {a.id: [a.name] + [n for n, _, amb in a.aliases if not amb] for a in self.actors}

    def claims(self, n: int, seed: int = 1) -> list[ClaimRow]:
        rng = random.Random(f"claims-{seed}")
        out = []
        kinds = ["attribution"] * 5 + ["event"] * 2 + ["statement"] * 3
        for claim_id in range(1, n + 1):
            kind = rng.choice(kinds)
            perpetrator = rng.choice(self.perpetrators)
            other = rng.choice(self.perpetrators)
            agent_code, agent = rng.choice(AGENTS)
            slots = {
                "actor": self.pick_name(rng, perpetrator),
                "actor2": self.pick_name(rng, other),
                "agent": agent,
                "agent_cap": agent[0].upper() + agent[1:],
                "place": rng.choice(PLACES),
                "month": MONTHS[(month := rng.randrange(12))],
                "year": (year := rng.choice(YEARS)),
                "day": rng.randint(1, 28),
                "n": rng.randint(3, 200),
            }
            templates = {"attribution": ATTRIBUTION_TEMPLATES, "event": EVENT_TEMPLATES}.get(kind, STATEMENT_TEMPLATES)
            text = rng.choice(templates).format(**slots)
            text = text[0].upper() + text[1:]
            title = TITLE_TEMPLATES[kind].format(**slots)[:300]
            title = title[0].upper() + title[1:]
            holders = rng.sample(self.stance_holders, rng.randint(1, 4))
            out.append(
                ClaimRow(
                    id=claim_id,
                    kind=kind,
                    title=title,
                    text=text,
                    perpetrator=perpetrator if kind != "event" else None,
                    actor_name=slots["actor"],
                    place=slots["place"],
                    agent_code=agent_code,
                    agent=agent,
                    month=month,
                    year=year,
                    stance_actors=holders,
                )
            )
        return out

    def pick_name(self, rng: random.Random, actor_id: int) -> str:
        return rng.choice(self.names_and_aliases[actor_id])

    def any_group_name(self, rng: random.Random) -> str:
        return self.pick_name(rng, rng.choice(self.perpetrators))

    def filler_pool(self, size: int, seed: int = 1) -> list[tuple[str, int]]:
        """Distinct news sentences with their word counts."""
        rng = random.Random(f"filler-{seed}")
        pool = []
        for _ in range(size):
            sentence = rng.choice(FILLER_TEMPLATES).format(
                g=self.any_group_name(rng),
                g2=self.any_group_name(rng),
                p=rng.choice(PLACES),
                o=self.pick_name(rng, rng.choice(self.organisations)),
                c=rng.choice(COUNTRIES)[0],
                c2=rng.choice(COUNTRIES)[0],
                n=rng.randint(2, 300),
                month=rng.choice(MONTHS),
                weekday=rng.choice(WEEKDAYS),
                ord=rng.choice(ORDINALS),
            )
            sentence = sentence[0].upper() + sentence[1:]
            pool.append((sentence, sentence.count(" ") + 1))
        return pool

    def claim_mention(self, rng: random.Random, claim: ClaimRow) -> str:
        sentence = rng.choice(CLAIM_MENTION_TEMPLATES).format(
            o=self.pick_name(rng, rng.choice(self.organisations)),
            speaker=self.pick_name(rng, rng.choice(self.stance_holders)),
            actor=claim.actor_name,
            agent=claim.agent,
            place=claim.place,
            month=MONTHS[claim.month],
            year=claim.year,
        )
        return sentence[0].upper() + sentence[1:]


def report_text(
    rng: random.Random, world: World, pool: list[tuple[str, int]], claims: list[ClaimRow], words: int
) -> str:
    """A news-like report of about ``words`` words; a third mention a claim
    (paraphrased from its actor, place, agent and date)."""
    media = MEDIA[rng.randrange(len(MEDIA))][0]
    parts = [f"{rng.choice(PLACES).upper()}, {rng.choice(MONTHS)} {rng.randint(1, 28)} ({media}) -"]
    count = len(parts[0].split())
    mention_at = rng.randint(1, 4) if claims and rng.random() < 0.35 else -1
    while count < words:
        if len(parts) == mention_at:
            sentence = world.claim_mention(rng, rng.choice(claims))
            count += sentence.count(" ") + 1
        else:
            sentence, n = pool[rng.randrange(len(pool))]
            count += n
        parts.append(sentence)
    # Paragraphs of three to five sentences, as wire copy reads.
    out, i = [], 0
    while i < len(parts):
        step = rng.randint(3, 5)
        out.append(" ".join(parts[i : i + step]))
        i += step
    return "\n\n".join(out)


# --- COPY -----------------------------------------------------------------------------------

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_line(values) -> str:
    return "\t".join("\\N" if v is None else str(v).translate(_ESCAPE) for v in values) + "\n"


class Loader:
    def __init__(self, conn):
        self.conn = conn
        self.rows = 0

    def copy(self, table: str, columns: list[str], rows, batch: int = 5000) -> int:
        count = 0
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            buffer = []
            for row in rows:
                buffer.append(copy_line(row))
                count += 1
                if len(buffer) >= batch:
                    copy.write("".join(buffer))
                    buffer = []
            if buffer:
                copy.write("".join(buffer))
        self.rows += count
        return count


TABLES = [
    "claims_actor",
    "claims_actoralias",
    "claims_source",
    "claims_incident",
    "claims_claim",
    "claims_claim_incidents",
    "claims_stance",
    "claims_report",
]


def dropped_definitions(conn) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Secondary indexes, unique and foreign-key constraints of the loaded tables."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
               WHERE t.relname = ANY(%s) AND NOT x.indisprimary
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
            [TABLES],
        )
        indexes = cur.fetchall()
        cur.execute(
            """SELECT t.relname, c.conname, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c
               JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY(%s) AND c.contype IN ('u', 'f')""",
            [TABLES],
        )
        rows = cur.fetchall()
    uniques = [(t, n, d) for t, n, d, kind in rows if kind == "u"]
    foreign = [(t, n, d) for t, n, d, kind in rows if kind == "f"]
    return indexes, uniques, foreign


def rebuild(database_url: str, statements: list[str], workers: int = 2) -> None:
    """Run CREATE INDEX / ADD CONSTRAINT statements on ``workers`` connections."""
    import psycopg

    pending = list(statements)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def run() -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")
            while True:
                with lock:
                    if not pending or errors:
                        return
                    statement = pending.pop(0)
                try:
                    conn.execute(statement)
                except BaseException as exc:  # re-raised in the caller
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# --- the load --------------------------------------------------------------------------------


def ts(value: dt.datetime) -> str:
    return value.isoformat()


def load(conn, *, world: World, n_claims: int, n_reports: int, seed: int, log) -> dict[str, int]:
    loader = Loader(conn)
    rng = random.Random(f"load-{seed}")
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    counts: dict[str, int] = {}

    actor_cols = ["id", "created_at", "updated_at", "kind", "name", "description", "parent_id"]
    counts["actors"] = loader.copy(
        "claims_actor", actor_cols, ((a.id, ts(base), ts(base), a.kind, a.name, "", a.parent) for a in world.actors)
    )
    alias_rows, alias_id = [], 0
    for actor in world.actors:
        seen = set()
        for name, kind, ambiguous in actor.aliases:
            normalized = normalize_name(name)
            if normalized in seen or not normalized:
                continue
            seen.add(normalized)
            alias_id += 1
            alias_rows.append((alias_id, ts(base), ts(base), name, normalized, kind, ambiguous, "en", actor.id))
    alias_cols = ["id", "created_at", "updated_at", "name", "normalized", "kind", "ambiguous", "language", "actor_id"]
    counts["aliases"] = loader.copy("claims_actoralias", alias_cols, alias_rows)
    media_actor = {world.name[a]: a for a in world.media}
    counts["sources"] = loader.copy(
        "claims_source",
        ["id", "created_at", "updated_at", "name", "kind", "url", "actor_id"],
        (
            (i, ts(base), ts(base), name, kind, f"https://{name.lower().replace(' ', '')}.example", media_actor[name])
            for i, (name, kind) in enumerate(MEDIA, 1)
        ),
    )
    log(f"actors, aliases, sources: {loader.rows} rows")

    claims = world.claims(n_claims, seed)
    incident_rows, link_rows = [], []
    for claim in claims:
        if claim.kind in ("attribution", "event"):
            incident_id = len(incident_rows) + 1
            title = f"{claim.agent[0].upper()}{claim.agent[1:]} attack on {claim.place}"
            start = dt.date(claim.year, claim.month + 1, 1)
            incident_rows.append(
                (incident_id, ts(base), ts(base), title, "", claim.place, start, "month", claim.agent_code)
            )
            link_rows.append((incident_id, claim.id, incident_id))
    counts["incidents"] = loader.copy(
        "claims_incident",
        [
            "id",
            "created_at",
            "updated_at",
            "title",
            "description",
            "place_name",
            "date_start",
            "date_precision",
            "agent",
        ],
        incident_rows,
    )
    counts["claim_incidents"] = loader.copy("claims_claim_incidents", ["id", "claim_id", "incident_id"], link_rows)

    def claim_rows():
        for c in claims:
            created = base + dt.timedelta(seconds=c.id * 37)
            scope = dt.date(c.year, c.month + 1, 1)
            status = "published" if c.id % 4 else "draft"
            yield (c.id, ts(created), ts(created), c.title, c.text, c.kind, scope, "month", status, c.perpetrator)

    claim_cols = [
        "id", "created_at", "updated_at", "title", "text", "kind", "scope_start", "scope_precision", "status",
        "alleged_perpetrator_id",
    ]  # fmt: skip
    counts["claims"] = loader.copy("claims_claim", claim_cols, claim_rows())

    positions = [p for p, _ in POSITIONS]
    weights = [w for _, w in POSITIONS]

    def stance_rows():
        stance_id = 0
        for c in claims:
            for actor in c.stance_actors:
                stance_id += 1
                position = rng.choices(positions, weights)[0]
                quote = STANCE_QUOTES[position].format(speaker=world.name[actor], actor=c.actor_name, agent=c.agent)
                stated = dt.date(c.year, c.month + 1, rng.randint(1, 28))
                created = base + dt.timedelta(seconds=c.id * 37 + 5)
                yield (
                    stance_id, ts(created), ts(created), "accepted", None, "", "", position, stated, "day", quote,
                    rng.choice(("verbatim", "paraphrase")), "", None, "", actor, c.id,
                )  # fmt: skip

    stance_cols = [
        "id", "created_at", "updated_at", "review_status", "reviewed_at", "review_note", "speaker_description",
        "position", "stated_on", "stated_precision", "quote", "quote_kind", "confidence_wording", "confidence",
        "note", "actor_id", "claim_id",
    ]  # fmt: skip
    counts["stances"] = loader.copy("claims_stance", stance_cols, stance_rows())
    log(f"claims, incidents, stances: {loader.rows} rows")

    pool = world.filler_pool(200_000, seed)
    seen: set[bytes] = set()

    def report_rows():
        report_rng = random.Random(f"reports-{seed}")
        n_sources = len(MEDIA)
        for report_id in range(1, n_reports + 1):
            while True:
                text = report_text(report_rng, world, pool, claims, report_rng.randint(50, 300))
                digest = text_hash(text)
                key = bytes.fromhex(digest[:16])
                if key not in seen:
                    seen.add(key)
                    break
            first = text.split(" - ", 1)[-1]
            title = first[: first.find(".") if 0 < first.find(".") < 140 else 140]
            published = dt.date(2012, 1, 1) + dt.timedelta(days=report_id * 4748 // max(n_reports, 1))
            created = base + dt.timedelta(seconds=report_id)
            source = report_id % n_sources + 1
            yield (
                report_id, ts(created), ts(created), title, text, digest, "", "", published, "day", "en",
                "processed", 1, "", ts(created), "bench-synthetic", source,
            )  # fmt: skip
            if report_id % 100_000 == 0:
                log(f"reports: {report_id}")

    report_cols = [
        "id", "created_at", "updated_at", "title", "text", "text_hash", "url", "document_symbol", "published_on",
        "published_precision", "language", "status", "attempts", "last_error", "processed_at", "matcher_version",
        "source_id",
    ]  # fmt: skip
    counts["reports"] = loader.copy("claims_report", report_cols, report_rows())
    counts["rows"] = loader.rows
    return counts


def database_url_for(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args()

    import psycopg

    name = urlsplit(args.database_url).path.lstrip("/")
    if "bench" not in name:
        parser.error(f"refusing to load synthetic data into {name!r}: the database name must contain 'bench'")
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    with psycopg.connect(database_url_for(args.database_url, "postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and args.reset:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    log("migrated")

    with psycopg.connect(args.database_url) as conn:
        filled = conn.execute(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM claims_claim LIMIT 1) c)"
            " + (SELECT count(*) FROM (SELECT 1 FROM claims_report LIMIT 1) r)"
        ).fetchone()[0]
        if filled:
            sys.exit(f"{name} already holds claims or reports; pass --reset to start over")
        indexes, uniques, foreign = dropped_definitions(conn)
        for table, constraint, _ in foreign + uniques:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        for index, _ in indexes:
            conn.execute(f'DROP INDEX "{index}"')
        conn.commit()
        log(f"dropped {len(indexes)} indexes and {len(uniques) + len(foreign)} constraints")

        world = World(args.seed)
        load_started = time.perf_counter()
        conn.execute("SET synchronous_commit = off")
        counts = load(conn, world=world, n_claims=args.claims, n_reports=args.reports, seed=args.seed, log=log)
        for table in TABLES:
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            conn.execute(sql)
        conn.commit()
        load_seconds = time.perf_counter() - load_started
        log(f"loaded {counts}")

    index_started = time.perf_counter()
    # The GIN full-text index first: the longest build gets a connection to itself.
    indexes.sort(key=lambda item: "gin" not in item[1].lower())
    statements = [definition for _, definition in indexes]
    statements += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in uniques]
    rebuild(args.database_url, statements)
    rebuild(args.database_url, [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in foreign])
    index_seconds = time.perf_counter() - index_started
    log("indexes and constraints rebuilt")

    analyze_started = time.perf_counter()
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    analyze_seconds = time.perf_counter() - analyze_started
    total = time.perf_counter() - started
    print(
        f"generate: {counts['rows']} rows ({counts['claims']} claims, {counts['stances']} stances, "
        f"{counts['actors']} actors, {counts['aliases']} aliases, {counts['reports']} reports) "
        f"loaded at {counts['rows'] / load_seconds:.0f} rows/s ({load_seconds:.0f}s); "
        f"indexes {index_seconds:.0f}s; analyze {analyze_seconds:.0f}s; total {total:.0f}s"
    )


if __name__ == "__main__":
    main()
