"""The guarded fetcher: hostile URLs are refused before any connection, and a
real fetch from a local server obeys redirects, size and time limits.

Only 127.0.0.1 is ever connected to; every other address in these tests is
refused before a socket is opened."""

import ipaddress
import shutil
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest

from claims.ingest.fetch import FetchError, FetchRefused, address_refusal, fetch, parse_ip_host
from tests.harness import QUICK_SHUTDOWN, http_server

LOCAL = frozenset({"127.0.0.1"})

FAKE_DNS = {
    "internal.test": ["10.1.2.3"],
    "rebind.test": ["127.0.0.1"],
    "mixed.test": ["93.184.216.34", "192.168.1.5"],
    "metadata.test": ["169.254.169.254"],
    "v6loopback.test": ["::1"],
    "cgnat.test": ["100.64.0.1"],
}


def fake_resolver(host):
    return FAKE_DNS[host]


def refusing_connections(*args, **kwargs):  # pragma: no cover - must never run
    raise AssertionError("a hostile URL reached the network")


HOSTILE_URLS = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://app.localhost/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://100.100.100.200/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://2130706433/",  # decimal 127.0.0.1
    "http://167772161/",  # decimal 10.0.0.1
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",  # octal
    "http://127.1/",
    "http://0/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:a9fe:a9fe]/",  # mapped 169.254.169.254
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[fe80::1]/",
    "http://[::]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://1.2.3.999/",
    "https://internal.test/",
    "http://rebind.test:8080/",
    "http://mixed.test/",  # one public and one private answer
    "http://metadata.test/",
    "http://v6loopback.test/",
    "http://cgnat.test/",
    "ftp://example.org/file",
    "file:///etc/passwd",
    "gopher://example.org/",
    "http://user:secret@example.org/",
    "not a url",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_urls_are_refused_before_connecting(url, monkeypatch):
    monkeypatch.setattr("urllib3.HTTPConnectionPool.urlopen", refusing_connections)
    monkeypatch.setattr("urllib3.HTTPSConnectionPool.urlopen", refusing_connections)
    with pytest.raises(FetchRefused) as excinfo:
        fetch(url, resolver=fake_resolver)
    assert excinfo.value.reason


def test_integer_and_ipv6_host_spellings_mean_the_address_they_reach():
    loopback = ipaddress.ip_address("127.0.0.1")
    for host in ["2130706433", "0x7f.1", "0x7f.0.0.1", "0177.0.0.1", "127.1", "0x7F000001"]:
        assert parse_ip_host(host.lower()) == loopback, host
    assert parse_ip_host("[::ffff:127.0.0.1]").ipv4_mapped == loopback
    assert parse_ip_host("example.org") is None
    assert parse_ip_host("cafe.be") is None  # hex-looking labels are still a hostname


def test_public_addresses_are_allowed_and_metadata_stays_refused_even_with_the_test_hatch():
    assert address_refusal(ipaddress.ip_address("93.184.216.34")) is None
    assert address_refusal(ipaddress.ip_address("2606:4700::1111")) is None
    assert "metadata" in address_refusal(ipaddress.ip_address("169.254.169.254"), allow_private=True)
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), allow_private=True) is None
    assert address_refusal(ipaddress.ip_address("10.0.0.1"), allow_private=LOCAL) is not None


# --- a real local server ----------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list  # set per server

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}) and status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        self.server.seen.append((self.path, dict(self.headers)))
        path = self.path
        if path == "/ok":
            self._send(200, b"hello from the report server", {"Content-Type": "text/plain; charset=utf-8"})
        elif path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self._send(304, headers={"ETag": '"v1"'})
            else:
                self._send(200, b"feed v1", {"ETag": '"v1"'})
        elif path.startswith("/redirect-to?"):
            self._send(302, headers={"Location": unquote(path.split("?", 1)[1])})
        elif path == "/loop":
            self._send(302, headers={"Location": "/loop"})
        elif path == "/missing":
            self._send(404, b"no")
        elif path == "/big":
            self._send(200, b"x" * (2 * 1024 * 1024))
        elif path == "/big-undeclared":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"y" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(50):  # would take 10 s in all
                    self.wfile.write(b"z")
                    self.wfile.flush()
                    if self.server.stop.wait(0.2):
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/stall":
            self.server.stop.wait(10)
        else:
            self._send(404)


@pytest.fixture
def server():
    with http_server(Handler) as httpd:
        httpd.seen = []
        httpd.stop = threading.Event()
        yield httpd
        httpd.stop.set()


def test_local_server_is_refused_without_the_test_hatch(server):
    with pytest.raises(FetchRefused, match="loopback"):
        fetch(f"{server.base}/ok")
    assert server.seen == []


def test_fetch_from_an_allowed_local_server(server):
    result = fetch(f"{server.base}/ok", allow_private=LOCAL)
    assert result.status == 200
    assert result.content == b"hello from the report server"
    assert result.content_type.startswith("text/plain")
    assert server.seen[0][1]["Host"] == f"127.0.0.1:{server.server_address[1]}"


def test_connects_to_the_address_it_checked_and_resolves_once(server):
    port = server.server_address[1]
    answers = [["127.0.0.1"], ["10.0.0.1"]]  # a rebinding resolver: the second answer is private
    calls = []

    def rebinding(host):
        calls.append(host)
        return answers[min(len(calls) - 1, 1)]

    result = fetch(f"http://news.test:{port}/ok", resolver=rebinding, allow_private=LOCAL)
    assert result.content == b"hello from the report server"
    assert calls == ["news.test"]
    assert server.seen[0][1]["Host"] == f"news.test:{port}"


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.5/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.test/",
        "http://167772161/",
        "http://[::ffff:192.168.0.1]/",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_into_private_space_is_refused(server, location):
    with pytest.raises(FetchRefused):
        fetch(f"{server.base}/redirect-to?{location}", resolver=fake_resolver, allow_private=LOCAL)
    assert len(server.seen) == 1  # only the first hop reached a server


def test_a_redirect_to_an_allowed_address_is_followed(server):
    result = fetch(f"{server.base}/redirect-to?/ok", allow_private=LOCAL)
    assert result.content == b"hello from the report server"
    assert result.final_url == f"{server.base}/ok"
    assert result.redirects == [f"{server.base}/ok"]


def test_redirects_are_bounded(server):
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(f"{server.base}/loop", allow_private=LOCAL, max_redirects=3)
    assert len(server.seen) == 4


def test_an_error_status_is_a_fetch_error_with_the_status(server):
    with pytest.raises(FetchError) as excinfo:
        fetch(f"{server.base}/missing", allow_private=LOCAL)
    assert excinfo.value.status == 404
    assert not isinstance(excinfo.value, FetchRefused)


@pytest.mark.parametrize("path", ["/big", "/big-undeclared"])
def test_a_response_past_the_size_limit_is_abandoned(server, path):
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch(f"{server.base}{path}", allow_private=LOCAL, max_bytes=1024 * 1024)


def test_a_trickling_response_hits_the_total_time_limit(server):
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(f"{server.base}/slow", allow_private=LOCAL, total_timeout=1.0)
    assert time.monotonic() - started < 3


def test_a_server_that_never_answers_hits_the_time_limit(server):
    started = time.monotonic()
    with pytest.raises(FetchError):
        fetch(f"{server.base}/stall", allow_private=LOCAL, total_timeout=1.0)
    assert time.monotonic() - started < 3


def test_conditional_fetch_returns_not_modified(server):
    first = fetch(f"{server.base}/etag", allow_private=LOCAL)
    assert first.etag == '"v1"'
    second = fetch(f"{server.base}/etag", allow_private=LOCAL, etag=first.etag)
    assert second.not_modified
    assert second.content == b""


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 with a certificate for news.test (openssl CLI)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command is needed to make a test certificate"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=news.test", "-addext", "subjectAltName=DNS:news.test"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.seen = []
    httpd.stop = threading.Event()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, kwargs=QUICK_SHUTDOWN, daemon=True).start()
    httpd.cert = str(cert)
    httpd.port = httpd.server_address[1]
    yield httpd
    httpd.stop.set()
    httpd.shutdown()
    httpd.server_close()


def test_https_is_verified_against_the_hostname_while_connecting_to_the_checked_address(tls_server):
    def resolver(host):
        return ["127.0.0.1"]

    port = tls_server.port
    result = fetch(f"https://news.test:{port}/ok", resolver=resolver, allow_private=LOCAL, ca_certs=tls_server.cert)
    assert result.content == b"hello from the report server"
    assert tls_server.seen[0][1]["Host"] == f"news.test:{port}"
    # The certificate names news.test: another name on the same address fails verification.
    with pytest.raises(FetchError, match="doesn't match"):
        fetch(f"https://other.test:{port}/ok", resolver=resolver, allow_private=LOCAL, ca_certs=tls_server.cert)
    # And an untrusted certificate is refused.
    with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch(f"https://news.test:{port}/ok", resolver=resolver, allow_private=LOCAL)
