"""The browsable API's pages under the site's Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from csp.constants import SELF, UNSAFE_INLINE
from rest_framework import renderers

# Replaces the site's style directives on these pages only (None drops one).
_INLINE_STYLES = {"style-src": [SELF, UNSAFE_INLINE], "style-src-attr": None}


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable API. Its templates style a few elements inline (style
    attributes, and a <style> of highlighting rules when Pygments is there),
    so its pages, and only these, may apply inline styles. Scripts stay as
    strict as everywhere: DRF's are all files."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> Any:
        response = (renderer_context or {}).get("response")
        if response is not None:
            # django-csp's per-response overrides (what its csp_replace decorator sets).
            response._csp_replace = _INLINE_STYLES
            response._csp_replace_ro = _INLINE_STYLES
        return super().render(data, accepted_media_type, renderer_context)
