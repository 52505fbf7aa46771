"""Which language a report is written in, from profiles shipped inside the
langdetect package (nothing is downloaded at run time).

Returns an ISO 639-1 code, or "" when the text is too short or the detector
is not confident. Detection is deterministic (fixed seed)."""

from __future__ import annotations

import re
import threading

from django.conf.locale import LANG_INFO
from langdetect import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

# Languages the claim matcher handles. A report in another language is stored
# and marked "not matched: language" by the caller.
SUPPORTED_LANGUAGES = frozenset({"en"})

MIN_LETTERS = 20
MIN_PROBABILITY = 0.80
MAX_CHARS = 20_000

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_URL = re.compile(r"https?://\S+|www\.\S+")
_factory: DetectorFactory | None = None
_lock = threading.Lock()


def _get_factory() -> DetectorFactory:
    global _factory
    with _lock:
        if _factory is None:
            from langdetect.detector_factory import PROFILES_DIRECTORY

            factory = DetectorFactory()
            factory.load_profile(PROFILES_DIRECTORY)
            factory.set_seed(0)
            _factory = factory
        return _factory


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language, or "" when unsure."""
    sample = _URL.sub(" ", text[:MAX_CHARS])
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return ""
    detector = _get_factory().create()
    detector.append(sample)
    try:
        candidates = detector.get_probabilities()
    except LangDetectException:
        return ""
    if not candidates or candidates[0].prob < MIN_PROBABILITY:
        return ""
    # langdetect names a few languages with a region ("zh-cn"); keep the language.
    return str(candidates[0].lang).split("-", 1)[0]


def is_supported(language: str) -> bool:
    return language in SUPPORTED_LANGUAGES


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code (Django's table), else the code."""
    info = LANG_INFO.get(code)
    return str(info["name"]) if info else f"the language {code!r}"


def not_matched_note(language: str) -> str:
    """What happens to a report in ``language``, which the matcher does not
    handle, as the admin and the API tell its submitter. Names the languages
    in SUPPORTED_LANGUAGES, so it says what the matcher handles at the time."""
    name = language_name(language)
    handled = sorted(language_name(code) for code in SUPPORTED_LANGUAGES)
    listed = ", ".join(handled[:-1]) + f" and {handled[-1]}" if len(handled) > 1 else "".join(handled)
    return (
        f"A report in {name} will not be matched: the matcher handles {listed} only. "
        f"It is kept, with no flags; Retry matching matches it once the matcher handles {name}."
    )
