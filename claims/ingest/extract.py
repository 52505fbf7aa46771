"""Bytes in, plain text and a title out: plain text, HTML, PDF and XML.

HTML, PDF and XML are parsed in a limited child process (``sandbox``), so a
hostile file costs bounded time and memory. XML goes through defusedxml:
entity declarations (billion laughs) and external references are refused.
Anything else is refused with a clear ExtractionError rather than guessed at.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from claims.ingest.sandbox import (
    DEFAULT_CPU_SECONDS,
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TIMEOUT,
    SandboxError,
    run_sandboxed,
)

MAX_PDF_PAGES = 1000
MAX_TITLE = 300


class ExtractionError(Exception):
    """The input could not be turned into text; the message says why."""


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    kind: str  # "text", "html", "pdf" or "xml"


_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_XML_TYPES = {"application/xml", "text/xml"}
_TEXT_EXTENSIONS = {".txt", ".text", ".md"}
_HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


def detect_kind(data: bytes, *, content_type: str = "", filename: str = "") -> str:
    """Which parser handles this input. Raises ExtractionError for anything else."""
    media = content_type.split(";", 1)[0].strip().lower()
    ext = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(b"%PDF-") or media == "application/pdf" or ext == ".pdf":
        return "pdf"
    if media in _HTML_TYPES or ext in _HTML_EXTENSIONS:
        return "html"
    if media in _XML_TYPES or media.endswith("+xml") or ext == ".xml":
        return "html" if b"<html" in head else "xml"
    if media.startswith("text/") or ext in _TEXT_EXTENSIONS:
        return "text"
    if media in _GENERIC_TYPES and not ext:
        if head.startswith((b"<!doctype html", b"<html")):
            return "html"
        if head.startswith(b"<?xml"):
            return "html" if b"<html" in head else "xml"
        if _looks_like_text(data):
            return "text"
    raise ExtractionError(f"unsupported file type: {media or ext or 'unknown binary data'}")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start >= len(sample) - 3:
            return True
    import charset_normalizer

    return charset_normalizer.from_bytes(sample).best() is not None


def decode_text(data: bytes) -> str:
    """Bytes to str: a BOM wins, then strict UTF-8, then charset detection,
    then UTF-8 with replacement characters. NULs are dropped (PostgreSQL
    refuses them in text)."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            import charset_normalizer

            best = charset_normalizer.from_bytes(data).best()
            text = str(best) if best is not None else data.decode("utf-8", errors="replace")
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _clean_lines(text: str, *, keep_paragraph_breaks: bool = False) -> str:
    """Whitespace collapsed within lines; blank lines dropped, or (plain text,
    where they separate paragraphs) collapsed to one."""
    lines = [re.sub(r"[ \t\f\v\u00a0]+", " ", line).strip() for line in text.replace("\x00", "").splitlines()]
    if not keep_paragraph_breaks:
        return "\n".join(line for line in lines if line)
    joined = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


def _first_line_title(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:MAX_TITLE]
    return ""


# --- parsers (run inside the sandbox) -------------------------------------------------

_BLOCK = {
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul", "caption", "summary",
}  # fmt: skip
_DROP = {
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg",
    "button", "select", "textarea", "object", "embed", "canvas", "head",
}  # fmt: skip
_HTML_SPACE = re.compile(r"\s+")
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([a-zA-Z0-9_\-]+)""", re.IGNORECASE)


def _decode_html(data: bytes) -> str:
    match = _META_CHARSET.search(data[:4096])
    if match and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return decode_text(data)


def html_to_text(html: bytes | str) -> tuple[str, str]:
    """(title, text) of an HTML page or fragment: scripts, styles, navigation,
    headers, footers and asides removed; one line per block element. Pure
    lxml, no network; callers with untrusted input run it in the sandbox."""
    from lxml import etree
    from lxml import html as lxml_html

    source = _decode_html(html) if isinstance(html, bytes) else html
    # lxml refuses str input that carries an encoding declaration.
    source = re.sub(r"^\s*<\?xml[^>]*\?>", "", source).replace("\x00", "")
    if not source.strip():
        return "", ""
    try:
        doc = lxml_html.document_fromstring(source)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unreadable HTML: {exc}") from exc

    def first_text(xpath: str) -> str:
        for node in doc.xpath(xpath):
            value = node if isinstance(node, str) else node.text_content()
            value = " ".join(str(value).split())
            if value:
                return value[:MAX_TITLE]
        return ""

    title = first_text("//meta[@property='og:title']/@content") or first_text("//h1") or first_text("//title")

    for node in list(doc.iter(etree.Comment, etree.ProcessingInstruction)):
        node.drop_tree() if hasattr(node, "drop_tree") else node.getparent().remove(node)
    for node in list(doc.iter()):
        tag = node.tag if isinstance(node.tag, str) else ""
        if (tag.lower() in _DROP or (node.get("role") or "").lower() in _DROP_ROLES) and node.getparent() is not None:
            node.drop_tree()
    mains = doc.xpath("//main")
    root = mains[0] if len(mains) == 1 else doc

    out: list[str] = []
    in_pre = 0

    def add(chunk: str | None) -> None:
        # Source line breaks are spaces in HTML, except inside <pre>.
        if chunk:
            out.append(chunk if in_pre else _HTML_SPACE.sub(" ", chunk))

    for event, node in etree.iterwalk(root, events=("start", "end")):
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        block = tag in _BLOCK
        if event == "start":
            in_pre += tag == "pre"
            if block:
                out.append("\n")
            elif tag in ("td", "th"):
                out.append(" ")
            add(node.text)
        else:
            in_pre -= tag == "pre"
            if block:
                out.append("\n")
            if node is not root:
                add(node.tail)
    return title, _clean_lines("".join(out))


def _parse_pdf(data: bytes, options: dict[str, Any]) -> dict[str, str]:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise ExtractionError("the PDF is encrypted")
    max_pages = int(options.get("max_pages", MAX_PDF_PAGES))
    pages = []
    for number, page in enumerate(reader.pages):
        if number >= max_pages:
            break
        pages.append(page.extract_text() or "")
    text = _clean_lines("\n".join(pages))
    meta_title = ""
    if reader.metadata is not None and reader.metadata.title:
        meta_title = " ".join(str(reader.metadata.title).split())[:MAX_TITLE]
    return {"title": meta_title or _first_line_title(text), "text": text}


def _parse_xml(data: bytes, options: dict[str, Any]) -> dict[str, str]:
    import defusedxml
    import defusedxml.ElementTree as safe_et

    try:
        root = safe_et.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        raise ExtractionError("XML rejected: entity declarations are not allowed") from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise ExtractionError("XML rejected: external references are not allowed") from exc
    except defusedxml.DefusedXmlException as exc:
        raise ExtractionError(f"XML rejected: {exc}") from exc
    except safe_et.ParseError as exc:
        raise ExtractionError(f"malformed XML: {exc}") from exc
    title = ""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1].lower() == "title":
            title = " ".join("".join(element.itertext()).split())[:MAX_TITLE]
            if title:
                break
    text = _clean_lines("\n".join(chunk.strip() for chunk in root.itertext()))
    return {"title": title or _first_line_title(text), "text": text}


def _parse_html(data: bytes, options: dict[str, Any]) -> dict[str, str]:
    title, text = html_to_text(data)
    return {"title": title or _first_line_title(text), "text": text}


_PARSERS = {"pdf": _parse_pdf, "xml": _parse_xml, "html": _parse_html}


def sandbox_parse(data: bytes, options: dict[str, Any]) -> dict[str, str]:
    """Entry point inside the sandbox child."""
    return _PARSERS[options["kind"]](data, options)


# --- public entry point -------------------------------------------------------------


def extract(
    data: bytes,
    *,
    content_type: str = "",
    filename: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    cpu_seconds: int = DEFAULT_CPU_SECONDS,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
) -> Extracted:
    """Plain text and a title from an upload. Raises ExtractionError with the
    reason when the type is unsupported, the file is malformed or hostile, or
    parsing exceeds its time or memory limit."""
    if not data:
        raise ExtractionError("the file is empty")
    kind = detect_kind(data, content_type=content_type, filename=filename)
    if kind == "text":
        text = _clean_lines(decode_text(data), keep_paragraph_breaks=True)
        title = _first_line_title(text)
    else:
        try:
            result = run_sandboxed(
                "claims.ingest.extract:sandbox_parse",
                data,
                {"kind": kind},
                timeout=timeout,
                cpu_seconds=cpu_seconds,
                memory_bytes=memory_bytes,
            )
        except SandboxError as exc:
            raise ExtractionError(f"could not parse {kind.upper()}: {exc}") from exc
        title, text = str(result.get("title", "")), str(result.get("text", ""))
    if not text.strip():
        hint = " (a scanned PDF without a text layer?)" if kind == "pdf" else ""
        raise ExtractionError(f"no text found in the {kind.upper()} file{hint}")
    return Extracted(title=title, text=text, kind=kind)
