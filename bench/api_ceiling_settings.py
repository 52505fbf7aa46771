"""Settings for bench_api.py: the project's, with the ceiling views mounted next to the API."""

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "api_ceiling"
