"""The one guarded fetcher for every outbound URL: feeds, submitted report URLs
and webhooks (``post``: one request, never redirected).

Guarantees, checked on every hop including each redirect:

- only ``http`` and ``https``, no credentials in the URL;
- the host (an IP literal in any spelling: dotted, decimal, octal, hex,
  IPv6, IPv4-mapped IPv6) and every address a hostname resolves to must be
  public: private, loopback, link-local, multicast, reserved, unspecified,
  shared (CGNAT) and cloud-metadata addresses are refused;
- the connection goes to the address that was checked (the pool is opened on
  the IP, with ``Host`` and TLS SNI/verification set to the hostname), so a
  second DNS answer cannot swap in a private address (DNS rebinding);
- connect and total time limits, and a size limit enforced while streaming.

The resolver is injectable (``host -> list of IP strings``) so tests never
need real DNS. ``allow_private`` exists only for tests that talk to a local
server; production code never passes it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import LocationParseError
from urllib3.util import Timeout, parse_url

Resolver = Callable[[str], list[str]]
# What services accept as a fetcher: ``fetch`` itself, or a partial of it in tests.
Fetcher = Callable[..., "FetchResult"]
# What webhook delivery accepts as a sender: ``post`` itself, or a partial of it in tests.
Poster = Callable[..., "FetchResult"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_TOTAL_TIMEOUT = 30.0
DEFAULT_MAX_REDIRECTS = 5
USER_AGENT = "attribution-tracker/0.1 (report ingestion)"

# Instance-metadata services. Most are link-local or private anyway; they are
# listed so the refusal names them, and so allow_private never opens them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
METADATA_HOSTNAMES = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data"})

# Embedded-IPv4 IPv6 prefixes whose IPv4 part is what the packet reaches.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_PART = re.compile(r"^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """The fetch failed: network error, timeout, too large, bad status."""

    def __init__(self, reason: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url
        self.status = status


class FetchRefused(FetchError):
    """The URL (or a redirect, or what its host resolves to) is not allowed."""


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")


def default_resolver(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"could not resolve {host!r}: {exc}") from exc
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        if address not in seen:
            seen.append(address)
    return seen


# --- address checks -----------------------------------------------------------------


def parse_ip_host(host: str) -> IPAddress | None:
    """The address an IP-literal host means, in any spelling a resolver or a
    browser accepts (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``,
    ``[::ffff:127.0.0.1]``). None for a hostname. Raises FetchRefused for a
    host that looks numeric but is malformed (``1.2.3.999``)."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    parts = host.lower().rstrip(".").split(".")
    if not all(_NUMERIC_PART.match(p) for p in parts):
        if parts[-1].isdigit() or parts[-1].startswith("0x"):
            # WHATWG URL: a host whose last label is a number is an IPv4 address or invalid.
            raise FetchRefused(f"malformed numeric host {host!r}")
        return None
    if len(parts) > 4:
        raise FetchRefused(f"malformed numeric host {host!r}")
    values = [_numeric_part(p) for p in parts]
    # inet_aton: the last part fills all remaining bytes.
    head, last = values[:-1], values[-1]
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        raise FetchRefused(f"malformed numeric host {host!r}")
    number = 0
    for v in head:
        number = number * 256 + v
    number = (number << (8 * (5 - len(values)))) + last
    return ipaddress.IPv4Address(number)


def _numeric_part(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _allowed_by_exception(ip: IPAddress, allow_private: bool | Collection[str]) -> bool:
    if allow_private is True:
        return True
    if not allow_private or isinstance(allow_private, bool):
        return False
    return any(ip in ipaddress.ip_network(item, strict=False) for item in allow_private)


def address_refusal(ip: IPAddress, *, allow_private: bool | Collection[str] = False) -> str | None:
    """Why connecting to ``ip`` is refused, or None when it is allowed."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        reason = address_refusal(embedded, allow_private=allow_private)
        if reason:
            return f"{ip} embeds {embedded}: {reason}"
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    for label, test in (
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    ):
        if test:
            if label not in ("unspecified", "multicast") and _allowed_by_exception(ip, allow_private):
                return None
            return f"{ip} is {label}"
    return None


# --- fetching ---------------------------------------------------------------------------


@dataclass
class _Target:
    scheme: str
    host: str  # as written, lower case, IDNA
    port: int
    path: str
    ip: IPAddress


def _check_url(url: str, resolver: Resolver, allow_private: bool | Collection[str]) -> _Target:
    try:
        parsed = parse_url(url)
    except LocationParseError as exc:
        raise FetchRefused(f"unparseable URL: {exc}", url=url) from exc
    scheme = (parsed.scheme or "").lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(f"scheme {scheme or '(none)'!r} is not allowed; only http and https", url=url)
    if parsed.auth:
        raise FetchRefused("credentials in the URL are not allowed", url=url)
    host = (parsed.host or "").lower().rstrip(".")
    if not host:
        raise FetchRefused("URL has no host", url=url)
    port = parsed.port or (443 if scheme == "https" else 80)
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query is not None else "")

    literal = parse_ip_host(host)
    if literal is not None:
        candidates = [literal]
    else:
        if host in METADATA_HOSTNAMES:
            raise FetchRefused(f"{host} is a cloud metadata hostname", url=url)
        if (host == "localhost" or host.endswith(".localhost")) and not allow_private:
            raise FetchRefused(f"{host} is loopback", url=url)
        try:
            answers = resolver(host)
        except FetchError:
            raise
        except Exception as exc:
            raise FetchError(f"could not resolve {host!r}: {exc}", url=url) from exc
        if not answers:
            raise FetchError(f"{host!r} resolves to no address", url=url)
        candidates = []
        for answer in answers:
            try:
                candidates.append(ipaddress.ip_address(str(answer).split("%", 1)[0]))
            except ValueError as exc:
                raise FetchRefused(f"{host!r} resolved to a non-address {answer!r}", url=url) from exc
    # Every answer must be allowed: an attacker controls which one a client picks.
    for ip in candidates:
        reason = address_refusal(ip, allow_private=allow_private)
        if reason:
            via = "" if literal is not None else f"{host} resolves to "
            raise FetchRefused(f"{via}{reason}", url=url)
    return _Target(scheme=scheme, host=host, port=port, path=path, ip=candidates[0])


def url_check(url: str, *, resolver: Resolver | None = None, allow_private: bool | Collection[str] = False) -> None:
    """Raise FetchRefused if ``url`` may not be fetched (scheme, credentials,
    or an address its host is or resolves to), FetchError if its host does not
    resolve. Checking is not enough on its own: connect with ``fetch`` or
    ``post``, which check again and connect to the address they checked."""
    _check_url(url, resolver or default_resolver, allow_private)


def url_refusal(url: str, *, resolver: Resolver | None = None, allow_private: bool | Collection[str] = False) -> str:
    """Why ``url`` may not be fetched (``url_check``), as a sentence for the
    person who typed it in; "" if it may."""
    try:
        url_check(url, resolver=resolver, allow_private=allow_private)
    except FetchRefused as exc:
        return f"This address is not allowed: {exc.reason}."
    except FetchError as exc:
        return f"This address cannot be reached: {exc.reason}."
    return ""


def _pool(target: _Target, timeout: Timeout, ca_certs: str | None) -> urllib3.HTTPConnectionPool:
    ip = str(target.ip)
    if target.scheme == "https":
        hostname = target.host.strip("[]")
        return urllib3.HTTPSConnectionPool(
            ip,
            port=target.port,
            timeout=timeout,
            maxsize=1,
            block=False,
            retries=False,
            server_hostname=hostname,
            assert_hostname=hostname,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs,
        )
    return urllib3.HTTPConnectionPool(ip, port=target.port, timeout=timeout, maxsize=1, block=False, retries=False)


def _host_header(target: _Target) -> str:
    default = 443 if target.scheme == "https" else 80
    return target.host if target.port == default else f"{target.host}:{target.port}"


def fetch(
    url: str,
    *,
    resolver: Resolver | None = None,
    allow_private: bool | Collection[str] = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    etag: str = "",
    modified: str = "",
    headers: Mapping[str, str] | None = None,
    ca_certs: str | None = None,
) -> FetchResult:
    """GET ``url`` under the guarantees in the module docstring.

    Returns the final response (2xx, or 304 when ``etag``/``modified`` matched).
    Raises FetchRefused for a URL, redirect or resolved address that is not
    allowed, FetchError for anything else that went wrong.

    ``allow_private``: tests only. True allows private and loopback addresses
    (never metadata ones); a collection of addresses or networks allows only
    those. ``ca_certs``: a CA bundle to trust instead of the system's.

    TLS is verified against the hostname (SNI and certificate check) while
    the socket goes to the checked address."""
    resolver = resolver or default_resolver
    deadline = time.monotonic() + total_timeout
    request_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Accept": "*/*"}
    request_headers.update(headers or {})
    if etag:
        request_headers["If-None-Match"] = etag
    if modified:
        request_headers["If-Modified-Since"] = modified

    current = url
    redirects: list[str] = []
    while True:
        target = _check_url(current, resolver, allow_private)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out after {total_timeout:g}s", url=current)
        timeout = Timeout(connect=min(connect_timeout, remaining), read=remaining)
        pool, response = _open(target, "GET", request_headers, None, timeout, ca_certs, current)
        try:
            status = response.status
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if status in _REDIRECTS and "location" in response_headers:
                if len(redirects) >= max_redirects:
                    raise FetchError(f"more than {max_redirects} redirects", url=url, status=status)
                current = urljoin(current, response_headers["location"])
                redirects.append(current)
                continue
            if status == 304 or 200 <= status < 300:
                content = b"" if status == 304 else _read_bounded(response, max_bytes, deadline, total_timeout, current)
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=status,
                    headers=response_headers,
                    content=content,
                    redirects=redirects,
                )
            raise FetchError(f"HTTP {status} from {target.host}", url=current, status=status)
        finally:
            response.release_conn()
            response.close()
            pool.close()


def _open(
    target: _Target,
    method: str,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout: Timeout,
    ca_certs: str | None,
    url: str,
) -> tuple[urllib3.HTTPConnectionPool, urllib3.BaseHTTPResponse]:
    """One request to the checked address, redirects not followed; the caller
    releases the response and closes the pool."""
    pool = _pool(target, timeout, ca_certs)
    try:
        response = pool.urlopen(
            method,
            target.path,
            body=body,
            headers={**headers, "Host": _host_header(target)},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
    except Urllib3HTTPError as exc:
        pool.close()
        raise FetchError(f"request to {target.host} failed: {exc}", url=url) from exc
    return pool, response


def post(
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    resolver: Resolver | None = None,
    allow_private: bool | Collection[str] = False,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    max_response_bytes: int = 4096,
    ca_certs: str | None = None,
) -> FetchResult:
    """POST ``body`` to ``url`` once, under the same address checks as
    ``fetch`` (made now, at send time, and connecting to the checked address).

    A redirect is not followed: it is returned like any other status, so the
    caller decides what a 3xx means. Only the first ``max_response_bytes`` of
    the response body are read. Raises FetchRefused for a URL or address that
    is not allowed, FetchError for a network error or timeout."""
    target = _check_url(url, resolver or default_resolver, allow_private)
    deadline = time.monotonic() + total_timeout
    request_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Accept": "*/*"}
    request_headers.update(headers or {})
    timeout = Timeout(connect=connect_timeout, read=total_timeout)
    pool, response = _open(target, "POST", request_headers, body, timeout, ca_certs, url)
    try:
        content = _read_prefix(response, max_response_bytes, deadline, total_timeout, url)
        return FetchResult(
            url=url,
            final_url=url,
            status=response.status,
            headers={k.lower(): v for k, v in response.headers.items()},
            content=content,
        )
    finally:
        response.release_conn()
        response.close()
        pool.close()


def _read_prefix(
    response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float, total_timeout: float, url: str
) -> bytes:
    """Up to ``max_bytes`` of the body, the rest left unread, within the deadline."""
    chunks: list[bytes] = []
    size = 0
    sock = getattr(getattr(response, "connection", None), "sock", None)
    try:
        while size < max_bytes:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"timed out after {total_timeout:g}s", url=url, status=response.status)
            if sock is not None:
                sock.settimeout(remaining)
            chunk = response.read1(max_bytes - size)
            if not chunk:
                break
            size += len(chunk)
            chunks.append(chunk)
    except (Urllib3HTTPError, OSError) as exc:
        raise FetchError(f"reading the response failed: {exc}", url=url, status=response.status) from exc
    return b"".join(chunks)


def _read_bounded(
    response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float, total_timeout: float, url: str
) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"response of {declared} bytes is larger than the limit of {max_bytes}", url=url)
    chunks: list[bytes] = []
    size = 0
    sock = getattr(getattr(response, "connection", None), "sock", None)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"timed out after {total_timeout:g}s", url=url)
            if sock is not None:
                # Each recv waits at most until the overall deadline.
                sock.settimeout(remaining)
            chunk = response.read1(64 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"response is larger than the limit of {max_bytes} bytes", url=url)
            chunks.append(chunk)
    except (Urllib3HTTPError, OSError) as exc:
        if time.monotonic() >= deadline:
            raise FetchError(f"timed out after {total_timeout:g}s", url=url) from exc
        raise FetchError(f"reading the response failed: {exc}", url=url) from exc
    return b"".join(chunks)
