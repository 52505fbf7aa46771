"""gunicorn's configuration, as the image runs it (Dockerfile CMD, and so
docker-compose.yml's web service); gunicorn also reads it by itself when
started from the checkout.

No ``Server`` header: gunicorn adds ``Server: gunicorn`` to every response
and has no setting to leave it out (benoitc/gunicorn#825), so its default
header lines are taken without it. Naming the server helps no one but a
scanner looking for a version with a known flaw."""

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _default_headers_but_server(self: wsgi.Response) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _default_headers_but_server  # type: ignore[method-assign]
