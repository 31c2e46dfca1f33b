"""Department names in questions: every way a user may name a unit, per document.

Matching is structural, from the parsed unit lists and the alias table: the canonical name,
its printed forms and the second name a form carries in brackets (市委宣传部（市新闻出版局）), the name
without the 市/市委 prefix, its core (市公安局 → 公安), short forms (文旅局, 市监局, 中院), and for
short names the last two characters (信阳海关 → 海关); in English, the phrases of
index/data/unit_english.toml for the kind of body the name contains (公安局 → "public
security bureau"). Keys and questions are compared in their search form (normalise). The
longest key found wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from index import Clause, english_unit_names, unit_short_names
from index.normalize import normalise

from .spelling import lazy_pinyin
from .substrings import SubstringIndex

_PREFIX = re.compile(r"^(市委|市人民|市)")
_SUFFIX = re.compile(r"(委员会|办公室|中心支行|支行|局|委|办|院|部|厅|会)$")
_JOINED = re.compile(r"[和与及跟同、,，/]|以及|还有|[和与及、,，]市")  # between two units named together
_BRACKETED = re.compile(r"[（(]([^（）()]{3,})[）)]")


def name_keys(name: str, city: str = "") -> set[str]:
    """Every key a user may name the unit by: its forms long and short (人社局 / 人力资源和社会保障局),
    without its city wherever the city sits (人行信阳中心支行 → 人行中心支行 → 人行), and the keys of each."""
    variants = {name}
    for long, short in unit_short_names():
        for v in list(variants):
            if long in v:
                variants.add(v.replace(long, short))
            elif short in v:
                variants.add(v.replace(short, long))
    if city:
        variants |= {re.sub(rf"{city}市?", "", v) for v in variants if city in v[1:]}
    return {k for v in variants for k in _keys_of(v, city)}


def _keys_of(name: str, city: str) -> set[str]:
    keys = {name}
    if name.startswith("市人民"):  # 人民代表大会常务委员会 and its core, beside 代表大会…
        keys |= _keys_of(name[1:], city)
    bare = _PREFIX.sub("", name)
    if city and bare.startswith(city):
        bare = bare[len(city):]
    if len(bare) >= 2:
        keys.add(bare)
    core = bare
    for _ in range(2):  # 仲裁委员会办公室 → 仲裁委员会 → 仲裁
        core = _SUFFIX.sub("", core)
        if len(core) >= 2:
            keys.add(core)
    if 2 <= len(bare) <= 4 or bare[-1] in "院关":  # 信阳海关 → 海关, 中级人民法院 → 法院
        keys.add(bare[-2:])
    for i in range(1, len(bare) - 2):  # suffixes of 3+ chars: 市场监管局 of 市市场监管局; not 办公室, 委员会 alone
        if len(_SUFFIX.sub("", bare[i:])) >= 2:
            keys.add(bare[i:])
    keys |= _short_forms(bare)
    return {k for k in keys if len(k) >= 2}


def _short_forms(bare: str) -> set[str]:
    """How a joined or long name is said short: each part of a joined name with the common suffix
    (政务服务和大数据管理局 → 政务服务局, 大数据管理局), and without 管理 (大数据局, 市场监督局)."""
    m = _SUFFIX.search(bare)
    if not m:
        return set()
    stem, suffix = bare[: m.start()], m.group(1)
    parts = [p for p in re.split(r"[和与及]", stem) if len(p) >= 2] if len(stem) > 4 else [stem]
    out = set()
    if len(parts) >= 2:  # 林业和茶产业局 → 林茶局, 文化和旅游局 → 文旅局: each part's first character
        out.add("".join(p[0] for p in parts) + suffix)
    elif len(stem) == 4:  # two words, each by its first character: 市场监管局 → 市监局, 教育体育局 → 教体局
        out.add(stem[0] + stem[2] + suffix)
    for part in {stem, *parts}:
        out.add(part + suffix)
        if part.endswith(("管理", "工作")) and len(part) > 3:  # 大数据管理局 → 大数据局, 金融工作局 → 金融局
            out.add(part[:-2] + suffix)
    out.discard(bare)
    out = {k for k in out if len(k) >= 3}
    if stem.endswith("级人民法"):  # 中级人民法院 → 中院
        out.add(stem[0] + suffix)
    return out


@dataclass(frozen=True)
class UnitMatch:
    doc_id: str
    unit: str  # canonical name in that document
    key: str  # the words of the question that named it


class UnitDirectory:
    """Units per document, and which clauses carry each: the responsibility explorer's data."""

    def __init__(self, clauses: Iterable[Clause], cities: Mapping[str, str], aliases: Mapping[str, Mapping[str, str]]):
        self.by_doc: dict[str, dict[str, list[str]]] = {}
        for c in clauses:
            for unit in c.units:
                self.by_doc.setdefault(c.doc_id, {}).setdefault(unit, []).append(c.clause_id)
        self._keys: list[tuple[str, str, str]] = []  # (key, doc_id, unit)
        for doc_id, units in self.by_doc.items():
            city = cities.get(doc_id, "")
            printed = aliases.get(city, {})
            for unit in units:
                forms = {unit, *(p for p, canon in printed.items() if canon == unit)}
                forms |= {m for f in list(forms) for m in _BRACKETED.findall(f)}  # 市委宣传部（市新闻出版局）: its second name
                keys = {k for form in forms for k in name_keys(form, city)}
                keys |= {p for zh, phrases in english_unit_names().items() if zh in unit for p in phrases}
                for key in sorted(keys):  # sorted: the same order in every run (set order is not)
                    self._keys.append((normalise(key), doc_id, unit))
        self._keys.sort(key=lambda t: -len(t[0]))
        self._by_key = SubstringIndex((key, (pos, doc_id, unit)) for pos, (key, doc_id, unit) in enumerate(self._keys))
        self._by_sound: dict[tuple[str, ...], str] | None = None  # unit names by their pinyin, built when first asked
        self._by_key_doc: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        for pos, (key, doc_id, unit) in enumerate(self._keys):
            self._by_key_doc.setdefault((key, doc_id), []).append((pos, doc_id, unit))

    def find(self, text: str, doc_ids: Iterable[str] = ()) -> list[UnitMatch]:
        """Units the text names: the longest match; limited to doc_ids when given. Units joined to it
        by 和/与/、 (市人大常委会和市政协) join it, whatever their length, in the order named; other keys elsewhere in the
        text do not (司法 in 刑事司法 beside 市公安局). The text's substrings are looked up, so the cost
        follows the text, not the corpus."""
        allowed = set(doc_ids)
        text = normalise(text)
        found: list[tuple[int, int, list[tuple[int, str, str, str]]]] = []  # (start, end, hits) per key occurrence
        for keys in self._by_key.found(text):
            for k in sorted(keys):
                hits = self._hits(k, allowed)
                if not hits:
                    continue
                for m in re.finditer(re.escape(k), text):
                    if not any(m.start() < e and s < m.end() for s, e, _ in found):
                        found.append((m.start(), m.end(), hits))
        if not found:
            return []
        first = max(found, key=lambda f: (f[1] - f[0], -f[0]))
        chosen = [first]
        joined = True
        while joined:
            joined = False
            for f in sorted(found):
                if f not in chosen and any(_JOINED.fullmatch(text[min(c[1], f[1]):max(c[0], f[0])]) for c in chosen):
                    chosen.append(f)
                    joined = True
        out, seen = [], set()
        for _, _, hits in sorted(chosen) if len(chosen) > 1 else chosen:  # named together: in the order named
            for _, doc, unit, k in sorted(hits):
                if (doc, unit) not in seen:
                    seen.add((doc, unit))
                    out.append(UnitMatch(doc, unit, k))
        return out

    def _hits(self, k: str, allowed: set[str]) -> list[tuple[int, str, str, str]]:
        entries = self._by_key.values[k]
        if allowed and len(allowed) < len(entries):
            return [(p, doc, unit, k) for d in allowed for p, doc, unit in self._by_key_doc.get((k, d), ())]
        return [(p, doc, unit, k) for p, doc, unit in entries if not allowed or doc in allowed]

    def misheard(self, text: str) -> list[tuple[str, str]]:
        """Unit names typed with a homophone slip (人设局 for 人社局, 检查院 for 检察院): (as typed, as
        printed) for each piece of the text that sounds like a unit's name, ends like one, and is none."""
        text = normalise(text)
        if self._by_sound is None:  # pypinyin loads with the first look-up
            self._by_sound = {}
            for key, _doc, _unit in self._keys:
                if 3 <= len(key) <= 8 and _SUFFIX.search(key):
                    self._by_sound.setdefault(tuple(lazy_pinyin(key)), key)
        out = []
        for m in re.finditer(r"[\u4e00-\u9fff]{2,7}?(?:局|委|院|办|部|厅)", text):
            for start in range(m.start(), m.end() - 2):
                piece = text[start:m.end()]
                if piece in self._by_key.values:  # a unit's name as printed: nothing misheard here
                    break
                key = self._by_sound.get(tuple(lazy_pinyin(piece)))
                if key and key != piece:
                    out.append((piece, key))
                    break
        return out

    def clauses_of(self, doc_id: str, unit: str) -> list[str]:
        return list(self.by_doc.get(doc_id, {}).get(unit, []))

    def search(self, partial: str) -> list[tuple[str, str, int]]:
        """(doc_id, unit, count) for every unit whose name contains `partial` or is named by it."""
        partial = partial.strip().lower()
        out = []
        for doc_id, units in self.by_doc.items():
            named = None  # one look-up per document, not one per unit
            for unit, ids in units.items():
                if not partial or partial in unit.lower():
                    out.append((doc_id, unit, len(ids)))
                    continue
                if named is None:
                    named = {m.unit for m in self.find(partial, [doc_id])}
                if unit in named:
                    out.append((doc_id, unit, len(ids)))
        return sorted(out, key=lambda t: (t[0], -t[2]))
