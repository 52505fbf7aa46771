"""Splitting digests into articles and their closing reference lists."""

from pathlib import Path

import pytest

from claims.ingest.split import Reference, is_headline_text, split_document

# shared/ sits beside the repository, here and in CI.
DIGEST = Path(__file__).resolve().parents[2] / "shared" / "seed" / "digest-2015.txt"


@pytest.fixture
def digest_text():
    if not DIGEST.exists():  # the seed sits beside the repository; keep a copy's absence loud
        pytest.fail(f"seed digest missing at {DIGEST}")
    return DIGEST.read_text(encoding="utf-8")


def test_the_digest_splits_into_its_three_articles(digest_text):
    document = split_document(digest_text)
    assert [a.title for a in document.articles] == [
        "Al-Qaida Chief Says ISIS Caliphate Is ‘Illegitimate’",
        "Syrian Troops Repel Islamic State Attack in Northeastern Syria",
        "Russia Backs Efforts to Assign Blame for Chlorine Attacks in Syria",
    ]
    first, second, third = (a.body.splitlines() for a in document.articles)
    assert first[0].startswith("The head of Syria’s al-Qaida affiliate Jabhat al-Nusra")
    assert first[-1].startswith("Hezbollah said in a statement that its fighters had seized three hilltops")
    assert len(first) == 12
    assert second[0].startswith("Syrian troops battled on Wednesday to repel an attack")
    assert second[-1].endswith("threatening to cut off key rebel supply routes to Aleppo.")
    assert len(second) == 8
    assert third[0].startswith("Russia has lent its support")
    assert third[-1].endswith("but thus far has not assigned blame for the attacks.")
    assert len(third) == 8
    # Nothing of the articles is lost, and no headline or reference leaks into a body.
    for article in document.articles:
        assert "Recommended Reads" not in article.body
        assert "Washington Post" not in article.body
    words = sum(len(a.title.split()) + len(a.body.split()) for a in document.articles)
    reference_words = sum(len(r.outlet.split()) + len(r.title.split()) + 1 for r in document.references)
    assert words + reference_words + 2 == len(digest_text.split())


def test_the_digest_recommended_reads_become_references(digest_text):
    assert split_document(digest_text).references == [
        Reference("Reuters", "Al-Qaida’s Wing Sees No Peace with Islamic State Soon: TV"),
        Reference("The Washington Post", "U.S. Faces Challenges in Building Up Syrian Training Program"),
        Reference("Agence France-Presse", "Jordan Stranding Hundreds of Syria Refugees in Desert: HRW"),
        Reference("The Washington Post", "Syria Using Chemical Weapons in Growing Number of Attacks"),
        Reference("Reuters", "Hezbollah Widens Offensive in Syria Border Area, Seizes Hilltops"),
    ]


SINGLE = "\n".join(
    [
        "Inspectors Confirm Sarin Exposure in Khan Shaykhun",
        "The OPCW said on Friday that laboratory analysis of samples from victims showed exposure to sarin or a"
        " sarin-like substance.",
        "The Director-General said the results were incontrovertible and that the fact-finding mission would now"
        " report to the Executive Council.",
        "Findings",
        "The mission interviewed witnesses and examined samples collected by several parties over the following weeks.",
    ]
)


def test_a_single_article_stays_whole():
    document = split_document(SINGLE)
    assert len(document.articles) == 1
    article = document.articles[0]
    assert article.title == "Inspectors Confirm Sarin Exposure in Khan Shaykhun"
    assert article.body.startswith("The OPCW said on Friday")
    assert "Findings" in article.body  # a subheading does not start a new article
    assert article.body.endswith("over the following weeks.")
    assert document.references == []


def test_text_without_a_headline_is_one_article_titled_by_its_first_sentence():
    text = "Damascus denied the accusation on Monday. It called the reports fabricated.\nA second paragraph follows."
    document = split_document(text)
    assert len(document.articles) == 1
    assert document.articles[0].title == "Damascus denied the accusation on Monday."
    assert document.articles[0].body == text
    assert split_document(text, default_title="From the page").articles[0].title == "From the page"


WRAPPED = """Chlorine Barrels Reported Over Idlib

Activists said helicopters dropped barrels containing chlorine on
several villages in Idlib province overnight, injuring dozens of
civilians, according to local medical workers who treated them.

The government denied any involvement and said the reports were
fabricated by armed groups seeking foreign intervention in the war.

Security Council Deadlocked on Inquiry

Diplomats said the council could not agree on the wording of a new
inquiry, with Russia objecting to any mechanism that assigns blame
before the evidence has been examined by all parties to the talks.
"""


def test_hard_wrapped_text_is_joined_into_paragraphs_before_splitting():
    document = split_document(WRAPPED)
    assert [a.title for a in document.articles] == [
        "Chlorine Barrels Reported Over Idlib",
        "Security Council Deadlocked on Inquiry",
    ]
    assert document.articles[0].body.split("\n\n")[0].startswith("Activists said helicopters dropped barrels")
    assert "on several villages" in document.articles[0].body
    assert document.articles[1].body.endswith("all parties to the talks.")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Syrian Troops Repel Islamic State Attack in Northeastern Syria", True),
        ("Is Assad Using Chlorine?", True),
        ("The government denied it.", False),
        ("the government denied any involvement and said", False),
        ("- Reuters: Hezbollah Widens Offensive", False),
        ("Findings", False),
    ],
)
def test_headline_shape(line, expected):
    assert is_headline_text(line) is expected
