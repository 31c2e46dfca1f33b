"""Duty lists in any wording, as a generated grid: every unit the corpus prints (the five seeds
and the family fixtures) × phrasing templates × its city's documents, each named in the ways
users name it (full name, printed aliases, without 市/市委, with the city, its core, English).

The expected list comes from the parsed records — every measure whose units include the unit,
those it leads first, then those it supports, then the rest — and the answer must give exactly
that list, nothing more, with the counts."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from assistant import Intent
from assistant.cite import verify_quote
from index import english_unit_names, load_aliases

TEMPLATES = (
    "{c}{u}负责哪些措施？",
    "哪些条款点了{c}{u}的名？",
    "{c}{u}在这份文件里分到了哪些任务？",
    "{c}{u}要干哪些活？",
    "{c}{u}管什么？",
    "{c}{u}的职责有哪些？",
    "有{c}{u}什么事？",
    "{c}{u}牵头或参与了哪些工作？",
    "请列出{c}{u}承担的全部措施",
    "{c}的{u}都要做些什么？",
    "{c}{u}被列为责任单位的条款有哪些？",
    "{c}{u}呢？",
    "{c}{u}作为责任单位的所有措施有哪些？",
    "{c}{u}被列为责任单位的有哪几条？",
    "{c}{u}作为责任单位的条目都列一下",
    "涉及{c}{u}的条款有几条？",
    "和{c}{u}有关的措施有哪些",
    "找出所有提到{c}{u}的条款",
    "{c}{u}头上有哪些活",
    "请问{c}{u}的责任有哪些",
    "{c}{u}在知识产权保护中的作用",
    "{c}{u}牵扯到哪几条工作？",
    "{c}{u}是哪些措施的责任单位？",
)
DOC_TEMPLATE = "{c}{u}在《{d}》里负责哪些措施？"
EN_TEMPLATES = (
    "What is the {C} {e} responsible for?",
    "Which measures does the {C} {e} take part in?",
)
_ORGAN_SUFFIX = re.compile(r"(办公室|委员会|局|委|办|部)$")


def _forms(unit: str, city: str, printed: list[str]) -> list[str]:
    """The ways a user names the unit: as printed (and its other printed forms), without the
    市/市委 prefix, without the city, and its core without the organ suffix (公安局 → 公安)."""
    out = [unit, *printed]
    bare = unit[2:] if unit.startswith("市委") else unit[1:] if unit.startswith("市") else unit
    if bare.startswith(city):
        bare = bare[len(city):]
    out.append(bare)
    core = _ORGAN_SUFFIX.sub("", bare)
    if core != bare:
        out.append(core)
        suffix = bare[len(core):]
        parts = re.split("和", core)
        for part in parts[1:]:  # 政务服务和大数据管理局 → 大数据管理局, 大数据局
            out += [part + suffix, part.removesuffix("管理") + suffix]
        if len(parts) >= 2:  # 文化广电和旅游局 → 文旅局
            out.append("".join(p[0] for p in parts) + suffix)
    return [f for f in dict.fromkeys(out) if len(f) >= 2]


def _unambiguous(form: str, unit: str, city_units: dict[str, list[str]]) -> bool:
    """The form names no other unit of the city (as a part of its name or of a printed form)."""
    return not any(form in name for other, names in city_units.items() if other != unit for name in names)


def _english(unit: str, city_units: dict[str, list[str]]) -> str | None:
    """An English name for the unit from the data file, if one names no other unit of the city."""
    names = english_unit_names()
    for zh in sorted(names, key=len, reverse=True):
        if zh in unit:
            for phrase in names[zh]:
                others = [u for u in city_units if u != unit and any(z in u and phrase in names[z] for z in names)]
                if not others:
                    return phrase
    return None


def _expected(corpus, doc_ids: list[str], unit: str) -> list[str]:
    out = []
    for doc_id in doc_ids:
        mine = [c for c in corpus.clauses_of(doc_id) if unit in c.units]
        out += [c.clause_id for c in mine if unit in c.lead_units]
        out += [c.clause_id for c in mine if unit in c.support_units]
        out += [c.clause_id for c in mine if unit not in c.lead_units and unit not in c.support_units]
    return out


def _prefix(city: str, form: str, i: int) -> str:
    if form.startswith(city):
        return ""
    if form.startswith("市"):
        return city
    return (city, f"{city}市")[i % 2]


def grid(corpus, seeds_dir) -> list[tuple[str, str, str, list[str]]]:
    """(question, city, unit, expected clause ids) for every unit × phrasing × scope."""
    aliases = load_aliases(seeds_dir)
    cities: dict[str, list[str]] = {}
    for d in corpus.documents:
        cities.setdefault(d.city, []).append(d.doc_id)
    rows = []
    for city, doc_ids in cities.items():
        doc_ids = [d for d in doc_ids if not corpus.document(d).district]  # a district's units are its own
        printed = aliases.get(city, {})
        city_units: dict[str, list[str]] = {}
        for doc_id in doc_ids:
            for c in corpus.clauses_of(doc_id):
                for u in c.units:
                    city_units.setdefault(u, [u, *(p for p, canon in printed.items() if canon == u)])
        english_city = next((a for d in doc_ids for a in corpus.document(d).aliases if a.isascii()), None)
        for unit, names in city_units.items():
            forms = [f for f in _forms(unit, city, names[1:]) if f == unit or _unambiguous(f, unit, city_units)]
            expected = _expected(corpus, doc_ids, unit)
            for i, template in enumerate(TEMPLATES):
                form = forms[i % len(forms)]
                rows.append((template.format(c=_prefix(city, form, i), u=form), city, unit, expected))
            for j, form in enumerate(forms):  # every form once more, in the first wording
                rows.append((TEMPLATES[0].format(c=_prefix(city, form, j + 1), u=form), city, unit, expected))
            for doc_id in doc_ids:  # each of its documents by name
                own = _expected(corpus, [doc_id], unit)
                if own:
                    d = corpus.document(doc_id)
                    rows.append((DOC_TEMPLATE.format(c=_prefix(city, unit, 0), u=unit, d=d.short_name), city, unit, own))
            en = _english(unit, city_units) if english_city else None
            if en:
                rows += [(t.format(C=english_city, e=en), city, unit, expected) for t in EN_TEMPLATES]
    return rows


@pytest.fixture(scope="module")
def cells(family_assistant, family_seeds):
    return grid(family_assistant.corpus, family_seeds)


def test_the_grid_covers_every_unit_with_ten_phrasings_or_more(family_assistant, cells):
    corpus = family_assistant.corpus
    printed = {(d.city, u) for d in corpus.documents for c in corpus.clauses_of(d.doc_id) for u in c.units}
    per_unit = Counter((city, unit) for _, city, unit, _ in cells)
    assert set(per_unit) == printed
    assert min(per_unit.values()) >= len(TEMPLATES) >= 10
    assert len(cells) > 1000


def test_every_duty_list_is_complete_and_exact(family_assistant, cells):
    corpus = family_assistant.corpus
    failures = []
    for question, _city, unit, expected in cells:
        ans = family_assistant.ask(question)
        got = [c.clause_id for c in ans.citations]
        if ans.intent is not Intent.DEPARTMENT or got != expected or unit not in ans.units:
            failures.append((question, ans.intent.value, ans.units[:3], len(got), len(expected)))
            continue
        for doc_id in dict.fromkeys(cid.split("#")[0] for cid in expected):
            n = sum(1 for cid in expected if cid.startswith(doc_id + "#"))
            if f"共 {n} 项" not in ans.answer and f"共承担 {n} 项" not in ans.answer:
                failures.append((question, "count", n))
        for c in ans.citations:
            if not verify_quote(c.quote, corpus.clause(c.clause_id).text):
                failures.append((question, "quote", c.quote))
    assert not failures, f"{len(failures)} of {len(cells)} cells fail: {failures[:20]}"
