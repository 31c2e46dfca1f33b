"""A synthetic corpus of the same family, for scale benchmarks: real sentences, new documents.

Every synthetic document is a policy text of the 一、/（一） family: front matter, 3–6 chapters
under real chapter headings, about 20 numbered measures (numbering runs on across chapters),
now and then a chapter preamble (#N.0), and a closing signature. A measure is a real measure
title followed by real sentences of the five seed documents, recombined, and — as often as in
the seeds — a real responsibility list (its city's name swapped for the synthetic city's).
Document ids are ``synth-00001`` …; places are made-up two-character names that are none of
the seed cities. Everything is drawn from one `random.Random(seed)`: same seed, same corpus.

The clauses are built directly (no parsing, so 100k clauses take seconds), and every
document can also be printed (`render_document`) exactly as the parser reads it back —
`tests/test_synth.py` checks that round trip — or written out as a seeds folder with its
catalog (`write_seeds`), which exercises the whole loader.

    python benchmarks/synth.py 1000 --out /tmp/synth-seeds    # a seeds folder of ~1000 clauses
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from index import Clause, Corpus, Document, ParsedDocument, load_corpus  # noqa: E402
from index.numerals import int_to_chinese  # noqa: E402

SEEDS = ROOT / "seeds"
_SENTENCE = re.compile(r"[^。；]+[。；]")
_CLOSERS = "）)]〕】"
_PREAMBLE = re.compile(r"(?:为|根据)[^。；]{10,300}。")
_OUTLINE_START = re.compile(r"^\s*[（(]?\s*[一二三四五六七八九十百\d]+\s*[）)、.．]|^\s*第[一二三四五六七八九十百]+[章条]")
# Characters of made-up place names: 2 characters, first × second.
_FIRST = "安宁平和永兴长顺东西南北新江临泰清丰嘉华云丹青白石金玉龙凤宝德昌"
_SECOND = "阳州城山江河川源丘陵林峰台原溪湖港桥"
_DISTRICT = "东西南北中新"
_PROVINCES = ("河南", "安徽", "湖北", "山东", "江苏", "河北", "江西", "湖南")
_TOPICS = ("强化知识产权保护", "推动知识产权高质量发展", "加强知识产权保护工作", "强化知识产权保护工作")
_KINDS = ("实施意见", "落实意见", "实施方案")


def split_sentences(text: str) -> list[str]:
    """Sentences ending in 。 or ；, as printed (a trailing piece without either is dropped)."""
    return [s for s in _SENTENCE.findall(text) if s.strip()]


@dataclass(frozen=True)
class Pool:
    """What a synthetic document is made of, all taken from a real corpus."""

    titles: tuple[str, ...]  # measure titles (强化行政执法)
    chapter_titles: tuple[str, ...]  # chapter headings (总体要求)
    sentences: tuple[str, ...]  # measure sentences, without the lead title
    counts: tuple[int, ...]  # sentences per real measure, to sample lengths from
    unit_lists: tuple[tuple[str, ...], ...]  # one per real measure, () where it prints none
    preambles: tuple[str, ...]  # front-matter sentences that name no one in particular
    cities: tuple[str, ...]  # the real cities, swapped out of unit names


def build_pool(corpus: Corpus) -> Pool:
    measures = [c for c in corpus.clauses if c.measure]
    titles, sentences, counts = [], [], []
    for c in measures:
        parts = split_sentences(c.body)
        if parts and parts[0].startswith(c.title):
            parts = parts[1:]  # the lead phrase is the title, drawn separately
        kept = [s for s in parts if _usable(s)]
        sentences += kept
        counts.append(max(1, len(kept)))
        if 2 <= len(c.title) <= 40 and "。" not in c.title:
            titles.append(c.title)
    chapters = {c.chapter_title for c in corpus.clauses if c.chapter_title}
    preambles = [  # 为贯彻落实…，提出如下实施意见。
        s for c in corpus.clauses if c.clause_id.endswith("#0.0")
        for s in _PREAMBLE.findall(c.text) if _usable(s)
    ]
    return Pool(
        titles=tuple(dict.fromkeys(titles)),
        chapter_titles=tuple(sorted(t for t in chapters if len(t) <= 40 and "。" not in t)),
        sentences=tuple(dict.fromkeys(sentences)),
        counts=tuple(counts),
        unit_lists=tuple(c.units for c in measures),
        preambles=tuple(dict.fromkeys(preambles)),
        cities=tuple(sorted({d.city for d in corpus.documents}, key=len, reverse=True)),
    )


def _usable(s: str) -> bool:
    """Long enough to stand as a line of its own, no responsibility wording, no bracket ending
    that the parser could take for a (A牵头) unit group, no outline marker at its start."""
    s = s.strip()
    return (len(s) >= 8 and "责任单位" not in s and s.rstrip("。；")[-1:] not in _CLOSERS
            and not _OUTLINE_START.match(s))


@dataclass
class SynthCorpus:
    documents: list[Document]
    clauses: list[Clause]
    closings: dict[str, str] = field(default_factory=dict)  # doc_id → signature block
    # clause_id → the pieces its passage is made of (chapter title, title, sentences), for
    # building realistic vectors cheaply: embed each distinct piece once, average per clause.
    pieces: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def corpus(self) -> Corpus:
        """As `index.load_corpus` would return it (the pipeline takes a Corpus)."""
        by_doc: dict[str, list[Clause]] = {}
        for c in self.clauses:
            by_doc.setdefault(c.doc_id, []).append(c)
        parsed = [ParsedDocument(d, tuple(by_doc.get(d.doc_id, ())), self.closings.get(d.doc_id, ""))
                  for d in self.documents]
        return Corpus(documents=list(self.documents), parsed=parsed)

    def clauses_of(self, doc_id: str) -> list[Clause]:
        return [c for c in self.clauses if c.doc_id == doc_id]


def generate(n_clauses: int, seed: int = 0, pool: Pool | None = None, measures_per_doc: int = 20) -> SynthCorpus:
    """Exactly `n_clauses` clauses (front matter and chapter texts count), in documents of
    about `measures_per_doc` measures each; the last document is cut short to fit."""
    if n_clauses < 1:
        raise ValueError("n_clauses must be at least 1")
    pool = pool or build_pool(load_corpus(SEEDS))
    rng = random.Random(seed)
    places = _places(pool)
    out = SynthCorpus(documents=[], clauses=[])
    i = 0
    while len(out.clauses) < n_clauses:
        i += 1
        doc, lines = _document(i, rng, pool, places, measures_per_doc)
        clauses, pieces, closing = _clauses_of(doc, lines)
        room = n_clauses - len(out.clauses)
        if len(clauses) > room:
            clauses, closing = clauses[:room], ""
        out.documents.append(doc)
        out.clauses += clauses
        out.closings[doc.doc_id] = closing
        out.pieces.update((c.clause_id, pieces[c.clause_id]) for c in clauses)
    return out


def _places(pool: Pool) -> list[str]:
    real = set(pool.cities)
    return [a + b for a in _FIRST for b in _SECOND if a + b not in real and a != b]


# One printed line of a document: its text, and what it is.
@dataclass(frozen=True)
class _Line:
    text: str
    kind: str  # "front", "chapter", "pre" (chapter text), "measure", "closing"
    chapter: int = 0
    chapter_title: str = ""
    measure: int = 0
    title: str = ""
    units: tuple[str, ...] = ()
    pieces: tuple[str, ...] = ()


def _document(i: int, rng: random.Random, pool: Pool, places: Sequence[str], per_doc: int) -> tuple[Document, list[_Line]]:
    city = places[rng.randrange(len(places))]
    district = f"{rng.choice(_DISTRICT)}{rng.choice('城湖山')}区" if rng.random() < 0.3 else ""
    place = f"{city}市{district}"
    topic, kind = rng.choice(_TOPICS), rng.choice(_KINDS)
    year, seq = rng.choice((2019, 2020, 2021, 2022, 2023)), rng.randint(1, 60)
    issuer = f"中共{place}委办公室" if district else f"中共{city}市委办公室"
    doc = Document(
        doc_id=f"synth-{i:05d}",
        title=f"{place}关于{topic}的{kind}",
        short_name=f"{place}关于{topic}的{kind}",
        city=city,
        province=rng.choice(_PROVINCES),
        issuer=issuer,
        source=f"synth-{i:05d}.txt",
        number=f"{city[0]}办〔{year}〕{seq}号",
        date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        district=district,
        aliases=(f"{city}市",),
    )
    generic = f"关于印发《关于{topic}的{kind}》的通知"  # what the front matter's vector stands for
    pre = rng.sample(pool.preambles, k=min(len(pool.preambles), rng.randint(1, 2)))
    front = (f"{issuer}文件", doc.number, f"关于印发《{doc.title}》的通知", *pre)
    # The front matter's vector stands for a generic issuer and title: place names left out.
    lines = [_Line(t, "front", pieces=("市委办公室文件", generic, *pre) if j == 0 else ()) for j, t in enumerate(front)]

    n_measures = max(1, min(len(pool.titles), rng.randint(per_doc - 4, per_doc + 4)))
    n_chapters = min(n_measures, rng.randint(3, 6))
    cuts = sorted(rng.sample(range(1, n_measures), n_chapters - 1)) if n_chapters > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n_measures])]
    chapter_titles = rng.sample(pool.chapter_titles, k=min(n_chapters, len(pool.chapter_titles)))
    titles = rng.sample(pool.titles, k=n_measures)
    m = 0
    for ch, size in enumerate(sizes, start=1):
        ch_title = chapter_titles[(ch - 1) % len(chapter_titles)]
        lines.append(_Line(f"{int_to_chinese(ch)}、{ch_title}", "chapter", ch, ch_title))
        if rng.random() < 0.1:  # a chapter preamble: the #N.0 clause
            sents = rng.sample(pool.sentences, k=rng.randint(1, 2))
            lines.append(_Line("".join(sents), "pre", ch, ch_title, pieces=(ch_title, *sents)))
        for _ in range(size):
            m += 1
            title = titles[m - 1]
            sents = rng.sample(pool.sentences, k=rng.choice(pool.counts))
            units = _swap_city(rng.choice(pool.unit_lists), pool.cities, city)
            body = f"{title}。{''.join(sents)}"
            text = body + (f"（责任单位：{'、'.join(units)}）" if units else "")
            lines.append(_Line(f"（{int_to_chinese(m)}）{text}", "measure", ch, ch_title, m, title, units,
                               pieces=(ch_title, f"{title}。", *sents)))
    y, mo, d = doc.date.split("-")
    lines.append(_Line(issuer, "closing"))
    lines.append(_Line(f"{y}年{int(mo)}月{int(d)}日", "closing"))
    return doc, lines


def _swap_city(units: tuple[str, ...], cities: Sequence[str], city: str) -> tuple[str, ...]:
    out: list[str] = []
    for u in units:
        for real in cities:
            u = u.replace(real, city)
        if u not in out:
            out.append(u)
    return tuple(out)


def _clauses_of(doc: Document, lines: list[_Line]) -> tuple[list[Clause], dict[str, tuple[str, ...]], str]:
    """Clause records with the spans `render_document`'s text gives them (the parser's)."""
    offsets, pos = [], 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln.text) + 1  # one "\n" after each line
    clauses: list[Clause] = []
    pieces: dict[str, tuple[str, ...]] = {}
    front = [j for j, ln in enumerate(lines) if ln.kind == "front"]
    text = "".join(lines[j].text for j in front)
    last = lines[front[-1]]
    cid = f"{doc.doc_id}#0.0"
    clauses.append(Clause(cid, doc.doc_id, 0, "", 0, "", "", text,
                          (offsets[front[0]], offsets[front[-1]] + len(last.text)), label=f"{doc.short_name} 文件头与前言"))
    pieces[cid] = lines[front[0]].pieces
    for j, ln in enumerate(lines):
        mark = f"{int_to_chinese(ln.chapter)}、" if ln.chapter else ""
        if ln.kind == "pre":
            cid = f"{doc.doc_id}#{ln.chapter}.0"
            clauses.append(Clause(cid, doc.doc_id, ln.chapter, ln.chapter_title, 0, "", ln.chapter_title, ln.text,
                                  (offsets[j], offsets[j] + len(ln.text)),
                                  label=f"{doc.short_name} {mark}{ln.chapter_title}"))
            pieces[cid] = ln.pieces
        elif ln.kind == "measure":
            marker = f"（{int_to_chinese(ln.measure)}）"
            text = ln.text[len(marker):]
            raw = "、".join(ln.units)
            body = text[: len(text) - len(f"（责任单位：{raw}）")] if ln.units else text
            cid = f"{doc.doc_id}#{ln.chapter}.{ln.measure}"
            clauses.append(Clause(cid, doc.doc_id, ln.chapter, ln.chapter_title, ln.measure, marker, ln.title, text,
                                  (offsets[j] + len(marker), offsets[j] + len(ln.text)), units_raw=raw,
                                  units=ln.units, label=f"{doc.short_name} {mark}{marker}{ln.title}", body=body))
            pieces[cid] = ln.pieces
    closing = "\n".join(ln.text for ln in lines if ln.kind == "closing")
    return clauses, pieces, closing


def render_document(doc: Document, clauses: Sequence[Clause], closing: str = "") -> str:
    """The printed text of a synthetic document, as `index.parse_document` reads it back."""
    lines: list[str] = []
    chapter = 0
    for c in clauses:
        if c.chapter == 0:
            lines += _split_front(doc, c.text)
            continue
        if c.chapter != chapter:
            chapter = c.chapter
            lines.append(f"{int_to_chinese(c.chapter)}、{c.chapter_title}")
        lines.append(c.text if c.measure == 0 else f"{c.measure_label}{c.text}")
    lines += closing.splitlines() if closing else []
    return "".join(ln + "\n" for ln in lines)


def _split_front(doc: Document, text: str) -> list[str]:
    heads = [f"{doc.issuer}文件", doc.number, f"关于印发《{doc.title}》的通知"]
    out, rest = [], text
    for h in heads:
        if rest.startswith(h):
            out.append(h)
            rest = rest[len(h):]
    return out + split_sentences(rest) + ([rest.split("。")[-1]] if rest and not rest.endswith(("。", "；")) else [])


def write_seeds(synth: SynthCorpus, folder: Path) -> Path:
    """A seeds folder (one .txt per document + catalog.toml) that `index.load_corpus` reads."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_doc: dict[str, list[Clause]] = {}
    for c in synth.clauses:
        by_doc.setdefault(c.doc_id, []).append(c)
    entries = []
    for d in synth.documents:
        text = render_document(d, by_doc.get(d.doc_id, []), synth.closings.get(d.doc_id, ""))
        (folder / d.source).write_text(text, encoding="utf-8")
        fields = {"id": d.doc_id, "title": d.title, "short_name": d.short_name, "city": d.city,
                  "district": d.district, "province": d.province, "issuer": d.issuer, "number": d.number,
                  "date": d.date, "source": d.source}
        body = "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in fields.items() if v)
        body += f"aliases = {json.dumps(list(d.aliases), ensure_ascii=False)}\n"
        entries.append("[[document]]\n" + body)
    (folder / "catalog.toml").write_text("# synthetic corpus (benchmarks/synth.py)\n\n" + "\n".join(entries),
                                         encoding="utf-8")
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of clauses")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="write a seeds folder (documents + catalog.toml) here")
    ap.add_argument("--jsonl", action="store_true", help="print the clauses as `clauses --json` lines")
    args = ap.parse_args()
    synth = generate(args.n, args.seed)
    if args.out:
        write_seeds(synth, args.out)
        print(f"{len(synth.documents)} documents, {len(synth.clauses)} clauses → {args.out}", file=sys.stderr)
    if args.jsonl:
        for c in synth.clauses:
            print(json.dumps({k: v for k, v in c.to_json().items()
                              if k in ("clause_id", "doc_id", "label", "title", "text", "units")}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
