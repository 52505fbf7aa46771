"""The demo record: `load_demo` and `create_demo_users`."""

from collections import defaultdict
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from claims.demo.loader import demo_digest_bytes, demo_record, split_articles
from claims.models import (
    ActorAlias,
    ApiKey,
    Claim,
    DatePrecision,
    Evidence,
    Incident,
    Membership,
    Position,
    Report,
    ReviewStatus,
    Source,
    Stance,
    Submission,
    Team,
)
from claims.normalize import normalize_text, sha256_bytes
from claims.selectors import actors_matching_name

pytestmark = pytest.mark.django_db

# Tests of what was loaded read the ``demo`` fixture (loaded once for the
# module, tests/conftest.py); tests of loading itself call load() on an empty
# database.

ATTRIBUTION = "Chlorine attacks in Syria in 2015 were carried out by the Syrian government"
EVENT = "Chlorine was used in attacks in Syria"
CALIPHATE = "The Islamic State's self-proclaimed caliphate is illegitimate"
ZAWAHIRI = "Jabhat al-Nusra takes orders from al-Qaida chief Ayman al-Zawahiri"
HASSAKEH = "The Islamic State attacked the city of Hassakeh"
ARSAL = "Hezbollah seized hilltops near Arsal"

HEADLINES = [
    "Al-Qaida Chief Says ISIS Caliphate Is ‘Illegitimate’",
    "Syrian Troops Repel Islamic State Attack in Northeastern Syria",
    "Russia Backs Efforts to Assign Blame for Chlorine Attacks in Syria",
]
READS = {
    ("Reuters", "Al-Qaida’s Wing Sees No Peace with Islamic State Soon: TV"),
    ("The Washington Post", "U.S. Faces Challenges in Building Up Syrian Training Program"),
    ("Agence France-Presse", "Jordan Stranding Hundreds of Syria Refugees in Desert: HRW"),
    ("The Washington Post", "Syria Using Chemical Weapons in Growing Number of Attacks"),
    ("Reuters", "Hezbollah Widens Offensive in Syria Border Area, Seizes Hilltops"),
}


def load(**options):
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def create_users():
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    return out.getvalue()


def positions_by_actor(title):
    positions = defaultdict(set)
    for stance in Stance.objects.filter(claim__title=title).select_related("actor"):
        positions[stance.actor.name].add(stance.position)
    return dict(positions)


def row_counts():
    """Every table, the history tables and the m2m link tables included."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models(include_auto_created=True)}


def test_load_demo_creates_the_published_claims_of_the_research_desk():
    output = load()

    claims = {claim.title: claim for claim in Claim.objects.select_related("team", "alleged_perpetrator")}
    assert set(claims) == {ATTRIBUTION, EVENT, CALIPHATE, ZAWAHIRI, HASSAKEH, ARSAL}
    assert {claim.status for claim in claims.values()} == {Claim.Status.PUBLISHED}
    assert {(claim.team.name, claim.team.kind) for claim in claims.values()} == {("Research desk", Team.Kind.RESEARCH)}
    assert all(claim.tags.exists() for claim in claims.values())
    assert claims[ATTRIBUTION].kind == Claim.Kind.ATTRIBUTION
    assert claims[ATTRIBUTION].alleged_perpetrator.name == "Syrian government"
    assert claims[EVENT].kind == Claim.Kind.EVENT
    assert claims[EVENT].alleged_perpetrator is None
    assert claims[CALIPHATE].kind == Claim.Kind.STATEMENT
    assert claims[HASSAKEH].kind == claims[ARSAL].kind == Claim.Kind.EVENT
    chlorine = Incident.objects.get(claims=claims[ATTRIBUTION])
    assert chlorine.agent == Incident.Agent.CHLORINE
    assert list(claims[EVENT].incidents.all()) == [chlorine]
    assert claims[HASSAKEH].incidents.get().place_name.startswith("Hassakeh")
    assert "Arsal" in claims[ARSAL].incidents.get().title
    assert "Demo data loaded" in output
    assert "claims: 6 new" in output


@pytest.mark.usefixtures("demo")
def test_chlorine_attribution_stances_are_the_digests_positions():
    assert positions_by_actor(ATTRIBUTION) == {
        "United States": {Position.ASSERTS},
        "France": {Position.ASSERTS},
        "United Kingdom": {Position.ASSERTS},
        "Syrian government": {Position.DENIES},
        "Russia": {Position.DISPUTES, Position.CALLS_FOR_INVESTIGATION},
        "OPCW": {Position.ACKNOWLEDGES},
    }
    stances = Stance.objects.filter(claim__title=ATTRIBUTION)
    churkin = stances.get(speaker__name="Vitaly Churkin")
    assert (churkin.actor.name, churkin.position) == ("Russia", Position.CALLS_FOR_INVESTIGATION)
    assert churkin.quote == "We support the need to find those people who are behind it"
    assert churkin.quote_kind == Stance.QuoteKind.VERBATIM
    assert churkin.speaker.parent.name == "Russia"
    diplomat = stances.get(speaker_description="a Security Council diplomat")
    assert diplomat.actor.name == "Russia"
    assert "Agence France-Presse" in diplomat.note
    assert stances.get(actor__name="Syrian government").quote_kind == Stance.QuoteKind.PARAPHRASE
    # Researcher entries: the record at once, not submissions for review.
    assert {s.review_status for s in Stance.objects.all()} == {ReviewStatus.ACCEPTED}
    assert {s.report.title for s in stances} == {HEADLINES[2]}


@pytest.mark.usefixtures("demo")
def test_the_event_claim_is_the_opcws_and_kept_apart_from_the_attribution():
    assert positions_by_actor(EVENT) == {"OPCW": {Position.ASSERTS}}
    opcw = Stance.objects.get(claim__title=EVENT)
    assert opcw.confidence_wording == "has already established"
    assert Source.objects.get(name="OPCW").actor == opcw.actor
    supporting = Evidence.objects.filter(claim__title=EVENT, relation=Evidence.Relation.SUPPORTS)
    assert supporting.filter(report__title=HEADLINES[2], kind=Evidence.Kind.REPORT).exists()
    resolution = supporting.get(kind=Evidence.Kind.DOCUMENT).report
    assert resolution.document_symbol == "S/RES/2209 (2015)"
    assert resolution.source.name == "UN Security Council"
    assert resolution.status == Report.Status.CITED
    helicopters = Evidence.objects.get(claim__title=ATTRIBUTION, description__contains="helicopters")
    assert helicopters.relation == Evidence.Relation.SUPPORTS


@pytest.mark.usefixtures("demo")
def test_the_other_claims_have_their_actors_and_stances():
    assert positions_by_actor(CALIPHATE) == {"Jabhat al-Nusra": {Position.ASSERTS}}
    assert positions_by_actor(ZAWAHIRI) == {"Jabhat al-Nusra": {Position.ASSERTS}}
    assert positions_by_actor(HASSAKEH) == {
        "Reuters": {Position.ASSERTS},
        "Syrian State TV": {Position.ASSERTS},
        "YPG": {Position.ASSERTS},
        "Syrian Observatory for Human Rights": {Position.ASSERTS},
    }
    assert positions_by_actor(ARSAL) == {"Hezbollah": {Position.ASSERTS}}
    for title in (CALIPHATE, ZAWAHIRI):
        stance = Stance.objects.get(claim__title=title)
        assert stance.speaker.name == "Abu Mohammed al-Jolani"
        assert stance.speaker.parent.name == "Jabhat al-Nusra"
    assert Stance.objects.get(claim__title=CALIPHATE).quote_kind == Stance.QuoteKind.VERBATIM
    assert Stance.objects.get(actor__name="YPG").speaker_description == "a YPG spokesman"


@pytest.mark.usefixtures("demo")
def test_every_stance_quote_is_found_in_the_article_it_cites():
    stances = Stance.objects.select_related("report")
    assert stances.count() == 16
    for stance in stances:
        assert stance.report.text, stance
        assert normalize_text(stance.quote) in normalize_text(stance.report.text), stance


@pytest.mark.usefixtures("demo")
def test_the_three_articles_are_reports_with_their_bodies():
    raw = demo_digest_bytes(demo_record())
    lines = raw.decode().splitlines()
    articles = Report.objects.exclude(text="").select_related("source")
    assert sorted(a.title for a in articles) == sorted(HEADLINES)
    assert len({a.text_hash for a in articles}) == 3
    for article in articles:
        first_body_line = lines[lines.index(article.title) + 1]
        assert article.text.startswith(first_body_line)
        assert article.title not in article.text
        assert "Recommended Reads" not in article.text
        assert article.source.kind == Source.Kind.DIGEST
        assert article.status == Report.Status.PENDING
    submission = Submission.objects.get()
    assert submission.channel == Submission.Channel.DEMO
    assert submission.raw_sha256 == sha256_bytes(raw)
    assert submission.status == Submission.Status.PARSED
    assert submission.reports.count() == Report.objects.count()


def test_splitting_the_digest_loses_no_line():
    text = demo_digest_bytes(demo_record()).decode()
    bodies = split_articles(text, headlines=HEADLINES, end_heading="Recommended Reads")
    reads_start = text.index("Recommended Reads")
    rebuilt = "\n".join(f"{headline}\n{body}" for headline, body in zip(HEADLINES, bodies, strict=True))
    assert rebuilt + "\n" + text[reads_start:] == text


@pytest.mark.usefixtures("demo")
def test_recommended_reads_are_cited_reports_with_their_outlet():
    articles = set(Report.objects.exclude(text=""))
    reads = Report.objects.filter(status=Report.Status.CITED).exclude(document_symbol__startswith="S/RES")
    assert {(read.source.name, read.title) for read in reads} == READS
    for read in reads:
        assert read.text == ""
        assert read.text_hash is None
        assert set(read.cited_by.all()) == articles
    assert Source.objects.get(name="Al Jazeera").kind == Source.Kind.BROADCASTER
    assert Source.objects.get(name="Agence France-Presse").kind == Source.Kind.NEWS_AGENCY


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("name", "actor"),
    [
        ("Damascus", "Syrian government"),
        ("the regime", "Syrian government"),
        ("Julani", "Abu Mohammed al-Jolani"),
        ("Golani", "Abu Mohammed al-Jolani"),
        ("ISIL", "Islamic State"),
        ("Daesh", "Islamic State"),
        ("U.S.", "United States"),
        ("Britain", "United Kingdom"),
        ("Russian Federation", "Russia"),
        ("Organization for the Prohibition of Chemical Weapons", "OPCW"),
        ("al-Nusra Front", "Jabhat al-Nusra"),
        ("Hizballah", "Hezbollah"),
        ("SOHR", "Syrian Observatory for Human Rights"),
    ],
)
def test_aliases_resolve_to_their_actor(name, actor):
    assert [a.name for a in actors_matching_name(name)] == [actor]


@pytest.mark.usefixtures("demo")
def test_damascus_is_an_ambiguous_metonym_and_units_have_parents():
    damascus = ActorAlias.objects.get(name="Damascus")
    assert damascus.kind == ActorAlias.Kind.METONYM
    assert damascus.ambiguous
    assert ActorAlias.objects.get(name="IS").ambiguous
    assert not ActorAlias.objects.get(name="ISIL").ambiguous
    parents = {a.name: a.parent.name for a in actors_matching_name("Syrian government").get().children.all()}
    assert parents.keys() >= {"Syrian Arab Air Force", "Syrian Arab Armed Forces", "Bashar al-Assad"}
    assert actors_matching_name("FFM").get().parent.name == "OPCW"
    assert actors_matching_name("Jolani").get().parent.parent.name == "al-Qaida"


@pytest.mark.usefixtures("demo")
def test_relative_dates_are_never_stored_as_exact_days():
    record = demo_record()
    assert record["digest"]["taken_as_dated"].isoformat() == "2015-06-04"
    vague = {DatePrecision.MONTH, DatePrecision.APPROXIMATE}
    for stance in Stance.objects.all():
        assert stance.stated_precision in vague and stance.stated_on.day == 1, stance
    for incident in Incident.objects.all():
        assert incident.date_precision in vague and incident.date_start.day == 1, incident
    for report in Report.objects.all():
        assert report.published_precision in vague and report.published_on.day == 1, report
    for claim in Claim.objects.all():
        assert claim.scope_precision == DatePrecision.MONTH and claim.scope_start.day == 1, claim
    # The Zawahiri remark was made in "last week's installment": May, not June.
    assert Stance.objects.get(claim__title=ZAWAHIRI).stated_on.month == 5


def test_loading_twice_creates_no_rows_and_no_history():
    load()
    before = row_counts()

    output = load()

    assert row_counts() == before
    assert "Demo data loaded: 0 new rows." in output
    assert before["claims.HistoricalClaim"] > 0
    assert before["claims.HistoricalStance"] == 16


def test_loading_keeps_a_researchers_later_edit():
    load()
    Stance.objects.filter(actor__name="Hezbollah").update(note="checked against the statement")

    load()

    assert Stance.objects.get(actor__name="Hezbollah").note == "checked against the statement"


def test_load_demo_records_a_named_researcher_and_refuses_anyone_else():
    research = Team.objects.create(name="Research desk", slug="research-desk", kind=Team.Kind.RESEARCH)
    editor = User.objects.create_user("editor", password="unused-Pw-93")
    Membership.objects.create(team=research, user=editor)
    outsider = User.objects.create_user("outsider", password="unused-Pw-93")

    with pytest.raises(CommandError):
        load(username="outsider")
    assert not Claim.objects.exists()

    load(username="editor")
    assert {s.created_by for s in Stance.objects.all()} == {editor}
    assert Stance.history.filter(history_user=editor).count() == 16
    assert outsider.memberships.count() == 0


def test_create_demo_users_is_idempotent_and_prints_a_new_password_each_run():
    first = create_users()
    counts = row_counts()
    second = create_users()

    # Only the demo API key is new: the previous one is revoked, never reused.
    changed = {table: (counts[table], n) for table, n in row_counts().items() if counts[table] != n}
    assert changed == {
        "claims.ApiKey": (1, 2),
        "claims.HistoricalApiKey": (counts["claims.HistoricalApiKey"], counts["claims.HistoricalApiKey"] + 2),
    }
    keys = ApiKey.objects.order_by("id")
    assert keys[0].revoked_at is not None and keys[1].revoked_at is None
    assert keys[1].prefix in second and keys[0].prefix in first
    assert "http://127.0.0.1:8000/admin/" in first
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.teams.get().kind == Team.Kind.RESEARCH
    checker = User.objects.get(username="checker")
    assert not checker.is_staff and not checker.is_superuser
    assert checker.teams.get().name == "Demo fact-checkers"
    assert checker.teams.get().kind == Team.Kind.FACT_CHECKING

    def password(output, username):
        line = next(line for line in output.splitlines() if f"username: {username} " in line)
        return line.split("password: ")[1].split()[0]

    assert password(first, "admin") != password(second, "admin")
    assert admin.check_password(password(second, "admin"))
    assert not admin.check_password(password(first, "admin"))
    assert checker.check_password(password(second, "checker"))


def test_create_demo_users_takes_the_admin_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "correct-horse-battery-staple-42")

    output = create_users()

    assert "correct-horse-battery-staple-42" in output
    assert User.objects.get(username="admin").check_password("correct-horse-battery-staple-42")


def test_create_demo_users_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "admin")

    with pytest.raises(CommandError, match="Password refused"):
        create_users()
    assert not User.objects.filter(username="admin").exists()


def test_demo_users_and_demo_data_share_the_research_desk():
    create_users()
    load()

    assert Team.objects.filter(name="Research desk").count() == 1
    assert Claim.objects.filter(team__members__username="admin").count() == 6
