"""A team's webhooks and their delivery log, with replay."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
