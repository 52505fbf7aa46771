"""Claim embeddings are cached by content hash; only changed claims are encoded again."""

import io

import pytest
from django.core.management import call_command

from claims import matcher_runtime
from claims.matching import semantic_available
from claims.models import Claim, ClaimEmbedding

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not semantic_available(), reason="semantic extra (requirements-semantic.txt) not installed"),
]


def _encode() -> str:
    out = io.StringIO()
    call_command("encode_claims", stdout=out)
    return out.getvalue()


def test_encode_claims_fills_the_cache_once_and_redoes_only_edited_claims(settings, monkeypatch):
    settings.MATCHER_EMBEDDINGS = True
    monkeypatch.setattr(matcher_runtime, "ENCODE_CHUNK", 4)  # several chunks, each stored as it is done
    call_command("load_demo", stdout=io.StringIO())
    claims = Claim.objects.count()
    assert f"{claims} claim(s) encoded" in _encode()
    assert ClaimEmbedding.objects.count() == claims
    assert "0 claim(s) encoded" in _encode()

    claim = Claim.objects.get(kind=Claim.Kind.EVENT, title__startswith="Chlorine")
    before = ClaimEmbedding.objects.get(claim=claim).content_hash
    claim.text = "Chlorine gas was used as a weapon in Syria in 2015."
    claim.save()
    assert "1 claim(s) encoded" in _encode()
    assert ClaimEmbedding.objects.get(claim=claim).content_hash != before
    # A worker then builds its index from the cache alone.
    assert matcher_runtime.build().mode == "semantic"


def test_nothing_to_encode_with_embeddings_off(settings):
    settings.MATCHER_EMBEDDINGS = False
    assert "nothing to encode" in _encode()
