"""Language detection from profiles shipped with the package."""

import pytest

from claims.ingest.language import SUPPORTED_LANGUAGES, detect_language, is_supported


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Syrian government denied using chlorine in the attack on the village, officials said on Tuesday, "
            "while the OPCW mission continued its investigation.",
            "en",
        ),
        (
            "Le gouvernement syrien a nié avoir utilisé du chlore lors de l'attaque contre le village, ont déclaré "
            "mardi des responsables, tandis que la mission de l'OIAC poursuivait son enquête.",
            "fr",
        ),
        (
            "نفت الحكومة السورية استخدام الكلور في الهجوم على القرية، بحسب ما أفاد مسؤولون يوم الثلاثاء، "
            "بينما واصلت بعثة منظمة حظر الأسلحة الكيميائية تحقيقها.",
            "ar",
        ),
    ],
)
def test_detects_the_language_of_a_report(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "OPCW", "Hello there", "12 34 56 78 90 2015-06-03", "https://example.org/x"]
)
def test_too_little_text_is_unsure(text):
    assert detect_language(text) == ""


def test_detection_is_deterministic():
    text = "Russia backs efforts to assign blame for chlorine attacks in Syria, a diplomat said."
    assert {detect_language(text) for _ in range(5)} == {"en"}


def test_only_english_is_supported_by_the_matcher():
    assert {"en"} == SUPPORTED_LANGUAGES
    assert is_supported("en")
    assert not is_supported("fr")
    assert not is_supported("")
