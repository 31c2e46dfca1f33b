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

pytest_plugins = ("tests.store_helpers",)  # the store tests' fixtures: clauses, cfg, built

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
def no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy in the environment must not swallow requests to the loopback stub.
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, ",".join(filter(None, ["127.0.0.1", "localhost", os.environ.get(name)])))


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
    from tests.servers import Server, shared_data_dir

    s = Server(shared_data_dir(tmp_path_factory))
    yield s
    s.stop()


FAMILY_CATALOG = '''
[[document]]
id = "luoyang-measures"
title = "洛阳市关于加强知识产权保护的若干措施"
short_name = "洛阳市知识产权保护若干措施"
city = "洛阳"
province = "河南"
issuer = "洛阳市人民政府办公室"
number = "洛政办〔2022〕9号"
date = "2022-05-01"
source = "luoyang-measures.txt"

[[document]]
id = "anyang-rules"
title = "安阳市知识产权保护办法"
short_name = "安阳市知识产权保护办法"
city = "安阳"
province = "河南"
issuer = "安阳市人民政府"
source = "anyang-rules.txt"

[[document]]
id = "kaifeng-division"
title = "开封市知识产权保护重点任务分工方案"
short_name = "开封市知识产权保护重点任务分工方案"
city = "开封"
province = "河南"
issuer = "开封市人民政府办公室"
number = "汴政办〔2023〕15号"
date = "2023-04-10"
source = "kaifeng-division.txt"
aliases = ["开封市", "Kaifeng"]
'''


FAMILY = ("luoyang-measures", "anyang-rules", "kaifeng-division")


def write_family_seeds(target: Path, doc_ids=FAMILY) -> Path:
    """The five seeds plus documents of the same family in other layouts (tests/fixtures), added as a
    user would: the files and their catalog entries, no code."""
    import shutil

    shutil.copytree(SEEDS, target)
    entries = [e for e in FAMILY_CATALOG.split("\n[[document]]\n") if e.strip()]
    with open(target / "catalog.toml", "a", encoding="utf-8") as fh:
        for doc_id in doc_ids:
            shutil.copy(ROOT / "tests" / "fixtures" / f"{doc_id}.txt", target / f"{doc_id}.txt")
            fh.write("\n[[document]]\n" + next(e for e in entries if f'id = "{doc_id}"' in e))
    return target


@pytest.fixture(scope="session")
def family_seeds(tmp_path_factory) -> Path:
    """The seeds and the three family documents, once for the session."""
    return write_family_seeds(tmp_path_factory.mktemp("family") / "seeds")


@pytest.fixture(scope="session")
def family_assistant(family_seeds, tmp_path_factory):
    """The pipeline over the seeds and the family fixtures, keyword retrieval (no model)."""
    from assistant import Assistant, Settings

    return Assistant(Settings(retrieval="keyword", seeds_dir=family_seeds, data_dir=tmp_path_factory.mktemp("fam-data")))
