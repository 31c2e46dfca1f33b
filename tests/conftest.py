"""Shared fixtures: fakes that predict their output for fast tests, the real parts for slow ones."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# Whatever a test starts without a data folder of its own writes here, never to ~/.local/share.
_DATA = tempfile.mkdtemp(prefix="policy-tests-data-")
atexit.register(shutil.rmtree, _DATA, True)
os.environ.setdefault("POLICY_DATA_DIR", _DATA)

from tests.openai_stub import openai_stub  # noqa: E402,F401  (fixture: a real OpenAI-protocol server)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


class FakeEmbedder:
    """Maps text to a fixed vector: hashed character bigrams, L2-normalised. Same text, same
    vector; texts sharing bigrams are near. Enough to test the logic around the real model."""

    name = "fake-bigram-64"
    dim = 64

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(text) - 1):
            h = int(hashlib.md5(text[i : i + 2].encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else np.eye(self.dim, dtype=np.float32)[0]

    def embed_passages(self, texts):
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text):
        return self._vec(text)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def keyword_assistant(tmp_path_factory):
    """The whole pipeline on keyword retrieval only: no model, no Chroma; fast."""
    from assistant import Assistant, Settings

    return Assistant(Settings(retrieval="keyword", data_dir=tmp_path_factory.mktemp("kw-data")))


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory):
    """The real thing: bundled multilingual-e5-small, Chroma on disk, hybrid retrieval."""
    from assistant import Assistant, Settings

    a = Assistant(Settings(data_dir=tmp_path_factory.mktemp("real-data")))
    a.warm_up()
    return a


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One real `serve` process for the session's web and browser tests."""
    from tests.test_web import Server, shared_data_dir

    s = Server(shared_data_dir(tmp_path_factory))
    yield s
    s.stop()
