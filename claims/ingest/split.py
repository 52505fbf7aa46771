"""Split a document that carries several articles (a news digest) into its
articles, and pick out a trailing list of cited items ("Outlet: Title").

The heuristic knows no outlet or section names:

- a *headline* is a short line in title case without terminal punctuation
  (a question or exclamation mark is allowed), that starts the document or
  follows the end of a paragraph, and is followed by a paragraph line (a
  longer line of several words ending a sentence);
- a document is split only when at least two headlines each head a body of
  some length; otherwise it stays one article;
- a *reference list* is a run of at least two "Outlet: Title" lines closing
  the document, under a short heading or written as a bulleted list.

Hard-wrapped plain text (paragraphs broken over several lines, separated by
blank lines) is first joined back into paragraphs.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

MIN_ARTICLE_WORDS = 30
MAX_HEADLINE_WORDS = 20
MAX_HEADLINE_CHARS = 160
MAX_TITLE_CHARS = 300

_CLOSERS = "\"'’”»)]"
_OPENERS = "\"'‘“«(["
_SMALL_WORDS = frozenset(
    {
        "a", "an", "and", "as", "at", "but", "by", "de", "for", "from", "in", "into", "is", "nor",
        "of", "off", "on", "or", "over", "per", "than", "the", "to", "up", "via", "vs", "with",
    }
)  # fmt: skip
_BULLET = re.compile(r"^(?:[-*•–—]|\d{1,2}[.)])\s+")
_REFERENCE = re.compile(r"^(?P<outlet>[^:]{2,60}?):\s+(?P<title>\S.{3,})$")


@dataclass(frozen=True)
class Article:
    title: str
    body: str


@dataclass(frozen=True)
class Reference:
    outlet: str
    title: str


@dataclass(frozen=True)
class Document:
    articles: list[Article]
    references: list[Reference] = field(default_factory=list)


def _words(line: str) -> list[str]:
    return line.split()


def _strip_closers(line: str) -> str:
    return line.rstrip().rstrip(_CLOSERS).rstrip()


def ends_sentence(line: str) -> bool:
    return _strip_closers(line)[-1:] in (".", "!", "?", "…", ":") if line.strip() else False


def is_headline_text(line: str) -> bool:
    """Short, title-case-ish, no terminal full stop, comma, colon or semicolon."""
    line = line.strip()
    words = _words(line)
    if not (2 <= len(words) <= MAX_HEADLINE_WORDS) or len(line) > MAX_HEADLINE_CHARS:
        return False
    if _BULLET.match(line) or _strip_closers(line)[-1:] in (".", ",", ";", ":", "…", "-"):
        return False
    cleaned = [w.strip(_OPENERS + _CLOSERS + ",;:.!?") for w in words]
    cleaned = [w for w in cleaned if any(c.isalpha() for c in w)]
    if not cleaned or not (cleaned[0][0].isupper() or cleaned[0][0].isdigit()):
        return False
    significant = [w for w in cleaned[1:] if w.lower() not in _SMALL_WORDS]
    if not significant:
        return len(cleaned) >= 2
    capitalised = sum(1 for w in significant if w[0].isupper() or w[0].isdigit())
    return capitalised / len(significant) >= 0.75


def _is_paragraph(line: str) -> bool:
    words = len(_words(line))
    return (words >= 8 and ends_sentence(line)) or words >= 25


def _reference(line: str) -> Reference | None:
    match = _REFERENCE.match(_BULLET.sub("", line.strip()))
    if not match:
        return None
    outlet, title = match["outlet"].strip(), match["title"].strip()
    if len(outlet.split()) > 6 or re.search(r"[,;!?“”\"]", outlet) or not (outlet[0].isupper() or outlet[0].isdigit()):
        return None
    if len(title.split()) < 2:
        return None
    return Reference(outlet=outlet, title=title[:MAX_TITLE_CHARS])


def _take_references(lines: list[str]) -> tuple[list[str], list[Reference]]:
    """Remove a closing reference list (and its heading) from ``lines``."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    found: list[Reference] = []
    bulleted = True
    while start and lines[start - 1].strip():
        reference = _reference(lines[start - 1])
        if reference is None:
            break
        bulleted = bulleted and bool(_BULLET.match(lines[start - 1].strip()))
        found.insert(0, reference)
        start -= 1
    if len(found) < 2:
        return lines, []
    heading = start
    while heading and not lines[heading - 1].strip():
        heading -= 1
    if heading:
        above = lines[heading - 1].strip()
        if len(_words(above)) <= 8 and not ends_sentence(above) and not _BULLET.match(above):
            return lines[: heading - 1], found
    if bulleted:
        return lines[:start], found
    return lines, []


def _units(lines: list[str]) -> tuple[list[str], str]:
    """Paragraph-sized units, and the separator to join body units with."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    non_blank = [line for b in blocks for line in b]
    if not non_blank:
        return [], "\n"
    wrapped = (
        len(blocks) > 1
        and any(len(b) >= 3 for b in blocks)
        and statistics.median(len(line) for line in non_blank) < 100
    )
    if not wrapped:
        return non_blank, "\n"
    units: list[str] = []
    for block in blocks:
        if len(block) > 1 and is_headline_text(block[0]) and not ends_sentence(block[0]):
            units.append(block[0])
            block = block[1:]
        units.append(" ".join(block))
    return units, "\n\n"


def _headlines(units: list[str]) -> list[int]:
    found = []
    for i, unit in enumerate(units):
        if i + 1 >= len(units) or not is_headline_text(unit):
            continue
        follower = units[i + 1]
        if not _is_paragraph(follower) or len(follower) <= len(unit):
            continue
        if i > 0 and not (ends_sentence(units[i - 1]) or i - 1 in found):
            continue
        found.append(i)
    return found


def _body_words(units: list[str], start: int, end: int) -> int:
    return sum(len(_words(u)) for u in units[start:end])


def derive_title(text: str) -> str:
    """A title for text without a headline: its first sentence, shortened."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    if len(sentence) <= 120:
        return sentence
    return sentence[:117].rsplit(" ", 1)[0] + "…"


def split_document(text: str, *, default_title: str = "") -> Document:
    """Articles (title, body) and closing references (outlet, title) of ``text``."""
    lines, references = _take_references(text.splitlines())
    units, separator = _units(lines)
    if not units:
        return Document(articles=[], references=references)

    heads = _headlines(units)
    # Drop headlines whose body is too short to be an article (a subheading,
    # a dateline); their lines stay in the article before them.
    changed = True
    while changed and heads:
        changed = False
        for position, head in enumerate(heads):
            end = heads[position + 1] if position + 1 < len(heads) else len(units)
            if _body_words(units, head + 1, end) < MIN_ARTICLE_WORDS and len(heads) > 1:
                del heads[position]
                changed = True
                break

    if len(heads) >= 2:
        articles = []
        if _body_words(units, 0, heads[0]) >= MIN_ARTICLE_WORDS:
            preamble = separator.join(units[: heads[0]])
            articles.append(Article(title=default_title or derive_title(preamble), body=preamble))
        for position, head in enumerate(heads):
            end = heads[position + 1] if position + 1 < len(heads) else len(units)
            articles.append(Article(title=units[head][:MAX_TITLE_CHARS], body=separator.join(units[head + 1 : end])))
        return Document(articles=articles, references=references)

    if heads == [0]:
        return Document(
            articles=[Article(title=units[0][:MAX_TITLE_CHARS], body=separator.join(units[1:]))],
            references=references,
        )
    body = separator.join(units)
    return Document(
        articles=[Article(title=(default_title or derive_title(body))[:MAX_TITLE_CHARS], body=body)],
        references=references,
    )
