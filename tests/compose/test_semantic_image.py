"""The image built with MATCHER=semantic (the Dockerfile's option) carries
torch's CPU build and the embedding model, and matches with embeddings with
no network at all: nothing is downloaded at run time.

torch's CPU build comes from this machine's wheel directory (TORCH_WHEELS,
default /opt/wheels), served to the build on loopback, since PyTorch's index
is out of reach here; pip takes it only with the lock's hash. Run with
`make compose-test`."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compose.test_compose_up import ROOT, run, wait_for
from tests.harness import free_port

pytestmark = pytest.mark.compose

IMAGE = "attribution-tracker:semantic"
WHEELS = Path(os.environ.get("TORCH_WHEELS", "/opt/wheels"))

# Inside the container: the encoder a worker uses, on three claims. A
# paraphrase sharing no key word with its claim must still score it highest.
PROBE = """
from claims.matching import embeddings
encoder = embeddings.default_encoder()
assert encoder is not None, "the semantic extra is not importable"
claims = [
    "Government helicopters dropped chlorine barrel bombs on Sarmin.",
    "The ceasefire in Aleppo collapsed after two days.",
    "The OPCW found sarin in samples from Khan Shaykhun.",
]
query = "Toxic gas canisters fell from military aircraft onto a town in Idlib."
vectors = encoder.encode(claims + [query])
scores = vectors[:3] @ vectors[3]
print("scores", [round(float(s), 3) for s in scores])
assert scores.argmax() == 0, scores
"""


@pytest.fixture(scope="module", autouse=True)
def base_images() -> None:
    run(str(ROOT / "tests/compose/standins.sh"), timeout=900)


@pytest.fixture(scope="module")
def wheel_server() -> Iterator[str]:
    if not list(WHEELS.glob("torch-*+cpu-*.whl")):
        pytest.fail(f"no torch CPU wheel in {WHEELS}; set TORCH_WHEELS to the directory that holds it")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(WHEELS)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for("the wheel server", lambda: _answers(url), timeout=20, every=0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback server)
        return True


def test_semantic_image_matches_with_embeddings_offline(wheel_server: str) -> None:
    run(
        "docker", "build", "--network", "host", "-q", "-t", IMAGE,
        "--build-arg", "MATCHER=semantic", "--build-arg", "TORCH_INDEX_URL=",
        "--build-arg", f"PIP_FIND_LINKS={wheel_server}",
        str(ROOT), timeout=1800,
    )  # fmt: skip
    probe = run(
        "docker", "run", "--rm", "--network", "none",
        "-e", "SECRET_KEY=probe", "-e", "DJANGO_SETTINGS_MODULE=tracker.settings",
        IMAGE, "python", "-c", "import django; django.setup(); exec(" + repr(PROBE) + ")",
        check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stdout + probe.stderr
    print(probe.stdout)
    torch = run(
        "docker", "run", "--rm", "--network", "none", IMAGE, "python", "-c", "import torch; print(torch.__version__)"
    )
    assert torch.stdout.strip() == "2.13.0+cpu"


def test_an_unknown_matcher_is_refused_at_build_time() -> None:
    result = run(
        "docker",
        "build",
        "--force-rm",
        "--network",
        "host",
        "-q",
        "--build-arg",
        "MATCHER=fast",
        str(ROOT),
        check=False,
    )
    assert result.returncode != 0
    assert "MATCHER must be lexical or semantic" in result.stdout + result.stderr
