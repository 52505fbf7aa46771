"""Bytes to text: plain text, HTML, PDF, XML; hostile inputs bounded or refused."""

import io
import time

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from claims.ingest.extract import ExtractionError, detect_kind, extract
from claims.ingest.sandbox import SandboxError, run_sandboxed


def make_pdf(lines, title="Chlorine report"):
    """A real one-page PDF with a text layer, made here rather than shipped."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- kinds ---------------------------------------------------------------------------


def test_kinds_follow_content_type_extension_and_magic():
    assert detect_kind(b"%PDF-1.7 ...") == "pdf"
    assert detect_kind(b"anything", content_type="application/pdf") == "pdf"
    assert detect_kind(b"<p>x</p>", content_type="text/html; charset=utf-8") == "html"
    assert detect_kind(b"<p>x</p>", filename="page.HTM") == "html"
    assert detect_kind(b"<!DOCTYPE html><html></html>") == "html"
    assert detect_kind(b"<?xml version='1.0'?><doc/>") == "xml"
    assert detect_kind(b"Plain words.", filename="note.txt") == "text"
    assert detect_kind(b"Plain words, no hints.") == "text"


@pytest.mark.parametrize(
    ("data", "content_type", "filename"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", ""),
        (b"PK\x03\x04\x14\x00\x00\x00", "", "report.docx"),
        (b"\x00\x01\x02\x03\xff\xfe\x00\x00binary", "", ""),
    ],
)
def test_unknown_types_are_refused_clearly(data, content_type, filename):
    with pytest.raises(ExtractionError, match="unsupported file type"):
        extract(data, content_type=content_type, filename=filename)


def test_an_empty_file_is_an_error():
    with pytest.raises(ExtractionError, match="empty"):
        extract(b"", content_type="text/plain")


# --- plain text ----------------------------------------------------------------------


def test_plain_text_keeps_paragraphs_and_takes_the_first_line_as_title():
    result = extract(b"Sarmin Attack Report\n\n\n\nFirst paragraph.\r\nSecond line.", filename="a.txt")
    assert result.kind == "text"
    assert result.title == "Sarmin Attack Report"
    assert result.text == "Sarmin Attack Report\n\nFirst paragraph.\nSecond line."


def test_text_in_a_legacy_encoding_is_detected():
    text = "Le gouvernement syrien a nié toute responsabilité dans l'attaque au chlore à Sarmin, selon le ministère."
    result = extract(text.encode("cp1252"), content_type="text/plain")
    assert "nié toute responsabilité" in result.text


def test_undecodable_bytes_do_not_fail_and_nul_bytes_are_dropped():
    result = extract(b"Report text \x00with a NUL and a stray \xff byte.", content_type="text/plain")
    assert "\x00" not in result.text
    assert result.text.startswith("Report text with a NUL")


# --- HTML -----------------------------------------------------------------------------

HTML = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Site | Churkin on chlorine</title>
<style>body { color: red }</style><script>var secret = "tracking";</script></head>
<body>
<header><a href="/">Home</a></header>
<nav><ul><li>World</li><li>Politics</li></ul></nav>
<main><article>
<h1>Russia Backs Efforts to Assign Blame</h1>
<p>Russia has lent its support to efforts to uncover culpability, a diplomat said.</p>
<p>\xe2\x80\x9cWe support the need to find those people,\xe2\x80\x9d Vitaly Churkin said.</p>
<script>document.write("injected")</script>
<!-- a comment -->
</article></main>
<aside>Most read</aside><footer>Copyright</footer>
</body></html>"""


def test_html_text_without_scripts_styles_or_navigation():
    result = extract(HTML, content_type="text/html")
    assert result.kind == "html"
    assert result.title == "Russia Backs Efforts to Assign Blame"
    assert result.text.splitlines() == [
        "Russia Backs Efforts to Assign Blame",
        "Russia has lent its support to efforts to uncover culpability, a diplomat said.",
        "“We support the need to find those people,” Vitaly Churkin said.",
    ]
    for absent in ("secret", "injected", "color", "Politics", "Most read", "Copyright", "comment"):
        assert absent not in result.text


def test_html_source_line_breaks_are_spaces_except_in_pre():
    page = b"<p>One sentence broken\nover two lines.</p><pre>line one\nline two</pre>"
    assert extract(page, content_type="text/html").text == "One sentence broken over two lines.\nline one\nline two"


def test_html_title_falls_back_to_the_title_element():
    result = extract(
        b"<html><head><title>Only a title</title></head><body><p>Body text.</p></body></html>", content_type="text/html"
    )
    assert result.title == "Only a title"
    assert result.text == "Body text."


def test_html_without_text_is_an_error():
    with pytest.raises(ExtractionError, match="no text"):
        extract(b"<html><body><script>x()</script></body></html>", content_type="text/html")


# --- PDF ------------------------------------------------------------------------------


def test_pdf_text_and_title():
    pdf = make_pdf(["The OPCW fact-finding mission confirmed chlorine use.", "Second line of the report."])
    result = extract(pdf, filename="report.pdf")
    assert result.kind == "pdf"
    assert result.title == "Chlorine report"
    assert "confirmed chlorine use" in result.text
    assert "Second line of the report." in result.text


def test_a_corrupt_pdf_is_an_extraction_error():
    with pytest.raises(ExtractionError, match="could not parse PDF"):
        extract(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ngarbage" * 3, filename="x.pdf")


# --- XML ------------------------------------------------------------------------------


def test_xml_text_and_title():
    xml = b"<?xml version='1.0'?><doc><title>Letter S/2016/738</title><p>The Mechanism found the Syrian"
    xml += b" Arab Armed Forces responsible.</p></doc>"
    result = extract(xml, content_type="application/xml")
    assert result.kind == "xml"
    assert result.title == "Letter S/2016/738"
    assert "Syrian Arab Armed Forces responsible." in result.text


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE doc [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<doc>&xxe;</doc>"""


def test_billion_laughs_is_rejected():
    with pytest.raises(ExtractionError, match="entity declarations are not allowed"):
        extract(BILLION_LAUGHS, content_type="text/xml")


def test_external_entities_are_rejected():
    with pytest.raises(ExtractionError, match="XML rejected"):
        extract(EXTERNAL_ENTITY, filename="doc.xml")


# --- the sandbox's limits ------------------------------------------------------------


def spin_forever(data, options):
    while True:
        pass


def sleep_forever(data, options):
    time.sleep(3600)


def allocate_a_lot(data, options):
    return len(bytearray(2 * 1024 * 1024 * 1024))


def crash_hard(data, options):
    import os

    os._exit(3)


def test_sandbox_returns_the_parser_result():
    result = run_sandboxed("claims.ingest.extract:sandbox_parse", b"<p>Hi there.</p>", {"kind": "html"})
    assert result == {"title": "Hi there.", "text": "Hi there."}


def test_a_parser_that_spins_is_stopped_by_the_cpu_limit():
    started = time.monotonic()
    with pytest.raises(SandboxError, match="CPU time limit"):
        run_sandboxed("tests.test_ingest_extract:spin_forever", b"", cpu_seconds=1, timeout=20)
    assert time.monotonic() - started < 10


def test_a_parser_that_hangs_is_stopped_by_the_wall_clock_timeout():
    started = time.monotonic()
    with pytest.raises(SandboxError, match="timed out after 1s"):
        run_sandboxed("tests.test_ingest_extract:sleep_forever", b"", timeout=1)
    assert time.monotonic() - started < 5


def test_a_parser_that_allocates_too_much_hits_the_memory_limit():
    with pytest.raises(SandboxError, match="out of memory"):
        run_sandboxed("tests.test_ingest_extract:allocate_a_lot", b"", memory_bytes=512 * 1024 * 1024)


def test_a_parser_that_crashes_is_reported():
    with pytest.raises(SandboxError, match="crashed"):
        run_sandboxed("tests.test_ingest_extract:crash_hard", b"")


def test_extraction_past_its_time_limit_is_an_extraction_error():
    page = b"<html><body>" + b"<div><p>Words in a paragraph.</p></div>" * 20000 + b"</body></html>"
    with pytest.raises(ExtractionError, match="timed out"):
        extract(page, content_type="text/html", timeout=0.05)
    assert extract(page, content_type="text/html").text.count("Words in a paragraph.") == 20000
