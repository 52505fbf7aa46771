"""The admin pages in a real browser: Debian's headless Chromium on the live server."""
