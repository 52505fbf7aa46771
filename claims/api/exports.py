"""Exports: a claim as schema.org ClaimReview JSON-LD; claims, stances and flags as CSV."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
