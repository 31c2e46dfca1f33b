"""Understanding a question before searching: which documents, department, clause, and kind.

Pure functions over the question and a `CorpusView` built once from the catalog and the
parsed clauses; nothing here names a particular document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from index import Clause, Document
from index.keyword import Tokenizer, expansions, ip_words
from index.normalize import clean, normalise
from index.numerals import CHINESE_NUMERAL_CHARS, read_number

from .answer import Intent
from .caps import Cut
from .places import Gazetteer, PlaceResolver
from .spelling import Speller
from .asking import WHO, ask_part, duty_ask, unlisted_unit
from .units_lookup import UnitDirectory, UnitMatch
from .words import ascii_find, expansion_words, is_common_word, is_english, policy_terms, posseg, segment

_N = f"[{CHINESE_NUMERAL_CHARS}\\d]+"
_CLAUSE_REF = [
    re.compile(rf"第\s*[(（]\s*({_N})\s*[)）]\s*(?:条|项|款|点)?"),
    re.compile(rf"第\s*({_N})\s*(?:条|项|款|点)"),
    re.compile(rf"[(（]\s*([{CHINESE_NUMERAL_CHARS}]+)\s*[)）](?:条|项|款)?"),
    re.compile(r"\b(?:article|item|measure|clause)\s+(\d{1,3})\b"),
]
_CHAPTER_REF = re.compile(rf"第\s*({_N})\s*(?:部分|章|节|大项|方面)")
_INTERROGATIVE = re.compile(r"怎么|什么|多少|哪|几|吗|呢|谁|如何|是否")
# Nouns that frame a question rather than name its subject (有什么区别, 叫什么名字 …).
_ASKING_NOUNS = frozenset("区别 差别 时候 名字 职责 文号 字号 文字 后果 层面 专门 内容 情况 方面 保护措施 办法 做法 "
                          "规定 政策 文件 条款 意思 意义 作用 好处 问题 东西 事情 地方 哪里 时间 日期 多长时间 多久 频率".split())
_COMPARE = re.compile(r"比较|对比|相比|比起|不同|区别|差异|异同|各地|各市|分别|哪些城市|哪个城市|哪几个|哪里更|compare|difference|differ|versus|\bvs\b")
_CONTRAST = re.compile(r"比较|对比|相比|比起|不同|区别|差异|异同|compare|differ|versus|\bvs\b")
_FACT = re.compile(r"多少|几个|几家|几年|哪一年|哪年|何时|什么时候|时间|日期|目标|文号|(?<!老)字号|编号|发文|印发|比例|百分|达到|亿元|万元|数量|几项|截至|到哪|how (?:much|many)|when|what year|target|number|date")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[(（]\d{4}[〕\])）]\s*\d{1,4}\s*号")
# A named regulation: in 《》, or headed by a place (安徽省知识产权保护条例)
# Asking what a document itself says (原文, 第十条讲什么), not what the corpus draws from it (依据, 落实)
_CONTENT_ASK = re.compile(r"原文|全文|第[一二三四五六七八九十百\d]+[条项]|(?:怎么|如何)规定|规定了什么|讲(?:的是|了)?什么|写了什么|说了什么|内容|"
                          r"提出(?:了)?(?:哪些|什么|要)|要实现(?:哪些|什么)|目标是什么|(?:怎么|如何)处理")
_BASIS_ASK = re.compile(r"依据|根据|引用|落实|贯彻|依照|按照|based on|cite")
_REGULATION = re.compile(r"《([^》]{4,40})》|((?:[\u4e00-\u9fff]{2,6}?(?:省|市|区|县))[\u4e00-\u9fff]{2,16}(?:条例|办法|细则))")
# The document itself, not its measures: its number, date, issuer, what it rests on, its preamble.
_ABOUT_DOCUMENT = re.compile(r"文号|(?<!老)字号|编号|发文|印发|发布|落款|日期|哪天|哪一天|哪年出|何时出台|什么时候出|哪个机关|哪些机关|哪个部门印发|"
                             r"谁发的|谁印发|(?:时候|时间|哪年|哪个部门|哪个单位|哪家|谁)(?:下)?发(?:的|出|布)|下发|出台|联合印发|发文单位|制定依据|依据的?(?:是|哪)|根据(?:什么|哪)|附件|前言|开头|通知|"
                             r"document number|reference number|issued|issuer|put out|published|when did")
# The story of an infringement told without the word (我们的款式被别人照着做了, 招牌被人仿了): copying,
# not theft (被偷了 alone may be a bicycle).
_COPIED = re.compile(r"被(?:人|别人|他人|对手|同行|竞争对手|前员工|员工|别家|商家|厂家|网友|公司)?.{0,8}?"
                     r"(?:抄|仿|盗用|盗版|盗图|冒用|冒充|照着|山寨|复制|模仿|抢注|假冒|剽窃|搬运|翻拍|翻录|套用|蹭)"
                     r"|(?:别人|有人|他人|对手|同行|别家)(?:用|使用|盗用|冒用)了?(?:我们|我|咱)")
# The question points at the documents themselves (这份文件里, these measures): it is about them.
_DOC_REFERENCE = re.compile(r"这份文件|该文件|文件里|文件中|政策里|意见里|方案里|"
                            r"\b(?:these|this|the) (?:measures?|polic(?:y|ies)|documents?|opinions?|plan)\b")
# Who issued the document (哪个部门发的, 谁印发的): a question about the document, not about duties.
_ISSUED = re.compile(r"(?:哪个|哪些|哪家|什么)(?:部门|单位|机关|机构)(?:联合)?(?:下)?(?:发|印发|发布|出台|制定)|"
                     r"谁(?:下)?(?:发|印发|发布|出台|制定)|发文(?:单位|机关)")
# Targets: what a document aims at, and by when (目标, 到哪年, 达到什么水平)
_TARGET_ASK = re.compile(r"目标|到\s*20\d\d\s*年|到哪年|到哪一年|哪一年|哪年|时间节点|什么水平|达到什么|要达到|定到|定了什么|\btargets?\b|\bgoals?\b|\baims?\b|by when|what year")
_PLAIN_CLAUSE_ASK = re.compile(r"讲的是什么|讲了什么|说的是什么|是什么内容|内容是什么|说了什么|原文|全文|讲什么|写了什么|具体内容")


@dataclass(frozen=True)
class Query:
    question: str  # as asked, cleaned of invisible characters
    norm: str  # search form
    doc_ids: tuple[str, ...] = ()  # documents the question names; empty = all
    places: tuple[str, ...] = ()  # corpus places named, in order of mention
    foreign_places: tuple[str, ...] = ()  # places named that no document covers
    scope_note: str = ""  # for such a place: which part of its region the corpus covers
    units: tuple[UnitMatch, ...] = ()
    clause_refs: tuple[str, ...] = ()
    intent: Intent = Intent.LOOKUP
    english: bool = False
    truncated: bool = False
    cut: Cut | None = None  # what an over-long question was cut to (caps.capped, before any work)
    unknown_terms: tuple[str, ...] = ()  # nouns the corpus never uses (天气, 营业执照 …)
    corrections: tuple[tuple[str, str], ...] = ()  # homophone typos fixed: (as typed, as meant)
    speaks_of_ip: bool = True  # names an IP right or an everyday word for one (商标, 山寨, 没授权)
    asks_of_ip: bool = True  # so does the part that asks (`ask_part`), not only the story before it
    foreign_documents: tuple[str, ...] = ()  # document numbers or regulations cited that the corpus lacks
    about_document: bool = False  # asks about the document itself (number, date, issuer): the front matter answers
    asks_target: bool = False  # asks what is aimed at, or by when: clauses that set targets answer
    unlisted_unit: str = ""  # asks what a unit carries where the named documents list no units at all
    earlier: tuple[str, ...] = ()  # a follow-up on the same place: the clauses the previous answer cited
    tokens: tuple[str, ...] = field(default=(), compare=False)


class CorpusText:
    """`word in text` that rejects, without scanning, a word with a two-character piece the
    text never has (most words a question uses that the corpus lacks)."""

    def __init__(self, text: str):
        self.text = text
        self.bigrams = {text[i : i + 2] for i in range(len(text) - 1)}

    def __contains__(self, word: str) -> bool:
        if len(word) >= 2 and any(word[i : i + 2] not in self.bigrams for i in range(len(word) - 1)):
            return False
        return word in self.text


class CorpusView:
    """What query understanding needs to know about the corpus, computed once."""

    def __init__(self, documents: Sequence[Document], clauses: Sequence[Clause], units: UnitDirectory, tokenizer: Tokenizer):
        self.documents = list(documents)
        self.clauses = list(clauses)
        self.units = units
        self.tokenizer = tokenizer
        self._names = sorted(
            ((normalise(n), d.doc_id) for d in self.documents for n in d.names), key=lambda t: -len(t[0])
        )
        self._distinct = _distinctive_title_terms(self.documents, tokenizer)
        self._corpus_text = normalise("".join(c.text for c in clauses) + "".join(d.title + d.issuer for d in documents))
        words = {w for c in clauses for w in segment(normalise(c.body))}
        words |= {w[i : i + 2] for w in list(words) if len(w) == 4 for i in (0, 2)}
        words |= named_things([self._corpus_text if isinstance(self._corpus_text, str) else self._corpus_text.text])
        self.places = PlaceResolver(self.documents, Gazetteer.bundled(self._corpus_text))
        self._corpus_text = CorpusText(self._corpus_text)
        self.speller = Speller.build(self._corpus_text, words, is_common_word)
        self._place = {d.doc_id: d.place for d in self.documents}

    def place_of(self, doc_id: str) -> str:
        return self._place[doc_id]

    def docs_named(self, norm: str) -> tuple[list[str], list[str]]:
        """(doc ids, place names) the question names; siblings narrowed by title words."""
        places: list[tuple[int, str]] = []
        docs: list[str] = []
        taken = norm
        for name, doc_id in self._names:
            pos = taken.find(name) if not name.isascii() else ascii_find(taken, name)
            if pos >= 0:
                if doc_id not in docs:
                    docs.append(doc_id)
                city = self._place[doc_id]
                if city not in (p for _, p in places):
                    places.append((pos, city))
        if docs:  # 信阳 has two documents: 实施方案 or 落实意见 picks one
            kept = []
            for place in dict.fromkeys(self._place[d] for d in docs):
                mine = [d for d in docs if self._place[d] == place]
                named = [d for d in mine if any(t in norm for t in self._distinct.get(d, ()))]
                kept += named or mine
            docs = kept
        else:  # no place, but a document's own title words (实施方案 …)
            docs = [d for d, terms in self._distinct.items() if any(t in norm for t in terms if len(t) >= 4)]
        return docs, [p for _, p in sorted(places)]

    def read_places(self, norm: str, docs: list[str], places: list[str]) -> tuple[list[str], list[str], list[str], str]:
        """Districts and counties of covered cities (罗山县 → 信阳), and places no document
        covers (洛阳, 合肥包河区), from the gazetteer: (doc ids, places, outside, scope note)."""
        reading = self.places.read(norm)
        docs = [d for d in docs if d not in reading.excluded]
        places = [p for p in places if any(self._place[d] == p for d in docs)]
        named_places = set(places)
        for doc_id in reading.doc_ids:
            place = self._place[doc_id]
            if place in named_places:
                continue  # the place is named already, its documents narrowed by title words
            mine = [d for d in reading.doc_ids if self._place[d] == place]
            narrowed = [d for d in mine if any(t in norm for t in self._distinct.get(d, ()))]
            docs += [d for d in narrowed or mine if d not in docs]
            places.append(place)
            named_places.add(place)
        return docs, places, list(reading.outside), reading.scope_note

    def speaks_of_ip(self, norm: str) -> bool:
        """Evidence the question is about IP at all: a policy term of the family, or an everyday
        or English word the glossary maps to one."""
        return bool(ip_words(norm)) or any(t in norm for t in policy_terms()) or bool(_COPIED.search(norm)) \
            or bool(_DOC_REFERENCE.search(norm))

    def foreign_documents(self, norm: str) -> list[str]:
        """Documents the question names by number (豫办〔2020〕21号) or title (《安徽省知识产权保护条例》) that the
        corpus does not hold: never printed, or only cited by it, when the question asks what they say
        rather than what the corpus draws from them (依据, 落实)."""
        out = []
        own_numbers = {normalise(d.number) for d in self.documents if d.number}
        for m in _DOC_NUMBER.finditer(norm):
            number = m.group(0)
            cited_only = number not in own_numbers and _CONTENT_ASK.search(norm) and not _BASIS_ASK.search(norm)
            if number not in self._corpus_text or cited_only:  # 豫办〔2020〕21号第十条讲什么: cited, not held
                out.append(number)
        own = {re.sub(r"\s", "", normalise(n)) for d in self.documents for n in (d.title, d.short_name)}
        for m in _REGULATION.finditer(norm):
            name = re.sub(r"\s", "", m.group(1) or m.group(2))
            if len(name) < 6 or any(name in t for t in own):  # 《关于强化知识产权保护的实施意见》: a corpus title
                continue
            if name not in self._corpus_text or (_CONTENT_ASK.search(norm) and not _BASIS_ASK.search(norm)
                                                  and not WHO.search(norm)):  # cited by the corpus, not held by it
                out.append(name)
        return out

    def unknown_terms(self, norm: str) -> list[str]:
        """Nouns of the question that no document uses, even piecewise (every two-character
        piece of the word absent or the word itself absent and not a known everyday word)."""
        out = []
        known = expansion_words()
        for word, flag in posseg(norm):
            if (len(word) < 2 or not (flag[:1] == "n" or flag in ("l", "vn")) or flag == "ns"
                    or word in self._corpus_text or word in known
                    or word in _ASKING_NOUNS or word[-1] in "是的" or _INTERROGATIVE.search(word)):
                continue
            pieces = [word[i : i + 2] for i in range(len(word) - 1)]
            if not all(p in self._corpus_text for p in pieces):
                out.append(word)
        return out

    def measure_clauses(self, number: int, doc_ids: Sequence[str]) -> list[str]:
        return [c.clause_id for c in self.clauses if c.measure == number and (not doc_ids or c.doc_id in doc_ids)]


def understand(question: str, view: CorpusView, max_chars: int = 500) -> Query:
    text = clean(question)
    truncated = len(text) > max_chars
    text = text[:max_chars]
    norm = normalise(text)
    mentions = view.places.gazetteer.find(norm)
    norm, corrections = _fix_typos(norm, view, protected=[m[0] for m in mentions])  # 惠济区 is no typo of 惠企
    if not view.units.find(norm):  # 人设局 → 人社局: a unit's name misheard, where no unit is named as printed
        for typed, meant in view.units.misheard(norm):
            norm = norm.replace(typed, meant, 1)
            corrections = [*corrections, (typed, meant)]
    english = is_english(norm)
    doc_ids, places = view.docs_named(norm)
    doc_ids, places, foreign, scope_note = view.read_places(norm, doc_ids, places)
    units = tuple(view.units.find(norm, doc_ids))
    if len(places) > 1 and units:
        doc_ids, places, units = _places_outside_units(norm, view, doc_ids, places, units)
    unknown = view.unknown_terms(norm)
    refs = tuple(_clause_refs(norm, view, doc_ids))
    intent = _intent(norm, units, refs, places, len(doc_ids))
    if intent is Intent.DEPARTMENT and doc_ids:
        units = tuple(u for u in units if u.doc_id in doc_ids)
    unlisted = "" if units or not doc_ids else unlisted_unit(norm, view, doc_ids, places)
    return Query(
        question=text,
        norm=norm,
        doc_ids=tuple(doc_ids),
        places=tuple(places),
        foreign_places=tuple(foreign),
        scope_note=scope_note,
        units=units,
        clause_refs=refs,
        intent=intent,
        english=english,
        truncated=truncated,
        unknown_terms=tuple(unknown),
        corrections=tuple(corrections),
        tokens=tuple(view.tokenizer(" ".join([norm, *expansions(norm)]))),
        speaks_of_ip=view.speaks_of_ip(norm),
        asks_of_ip=view.speaks_of_ip(ask_part(norm)),
        about_document=bool(_ABOUT_DOCUMENT.search(norm)),
        asks_target=bool(_TARGET_ASK.search(norm)),
        foreign_documents=tuple(view.foreign_documents(norm)),
        unlisted_unit=unlisted,
    )



def named_things(texts, pieces: bool = True) -> set[str]:
    """Names the documents quote (“郑州知识产权仲裁院”), with their 3–4 character pieces
    (仲裁院) for the speller; the tokenizer takes the whole names only."""
    out: set[str] = set()
    for text in texts:
        for name in re.findall(r"[“《]([\u4e00-\u9fff]{3,20})[”》]", text):
            if len(name) <= 10:
                out.add(name)
            if pieces:
                out |= {name[i : i + n] for n in (3, 4) for i in range(len(name) - n + 1)}
    return out


def _fix_typos(norm: str, view: CorpusView, protected: Sequence[str] = ()) -> tuple[str, list[tuple[str, str]]]:
    fixes = []
    named = [(m.start(), m.end()) for u in view.units.find(norm) for m in re.finditer(re.escape(u.key), norm)]
    at = 0
    for word, _flag in posseg(norm):
        start, at = at, at + len(word)
        if any(a < at and start < b for a, b in named):
            continue  # part of a unit's name (发展改革委 | 管什么), not a typo
        if any(word in p or p in word for p in protected):
            continue
        meant = view.speller.correct(word)
        if meant:
            fixes.append((word, meant))
    for typed, meant in fixes:
        norm = norm.replace(typed, meant)
    return norm, fixes


def _compares(norm: str, places: Sequence[str], n_docs: int) -> bool:
    """Two places, or a word of comparing; 分别 alone of one document is "respectively" (文号和日期分别是什么)."""
    if len(places) >= 2:
        return True
    cues = set(_COMPARE.findall(ask_part(norm)))  # what it asks, not its story (卖不同了)
    return bool(cues) and not (cues == {"分别"} and len(places) == 1 and n_docs < 2)


def _intent(norm: str, units: Sequence[UnitMatch], refs: Sequence[str], places: Sequence[str], n_docs: int) -> Intent:
    if refs and (len(norm) <= 30 or _PLAIN_CLAUSE_ASK.search(norm)) and not WHO.search(norm):
        return Intent.CLAUSE_REF
    if units and len(places) < 2 and not _CONTRAST.search(norm) and duty_ask(norm, units, places):
        return Intent.DEPARTMENT
    if _compares(norm, places, n_docs):
        return Intent.COMPARE
    if _ISSUED.search(norm):
        return Intent.FACT
    if WHO.search(norm):
        return Intent.RESPONSIBILITY
    if refs:
        return Intent.CLAUSE_REF
    if _FACT.search(ask_part(norm).replace("好几", "")):  # what it asks, not its story (冒出好几家)
        return Intent.FACT
    return Intent.LOOKUP


def _places_outside_units(norm: str, view: CorpusView, doc_ids: Sequence[str], places: Sequence[str],
                          units: Sequence[UnitMatch]) -> tuple[list[str], list[str], tuple[UnitMatch, ...]]:
    """A place named only inside a unit's name (郑州 in 开封's 郑州海关驻开封办事处) is not a place
    the question asks about; a unit's own place in its name (信阳海关) still is."""
    masked = norm
    for u in units:
        masked = masked.replace(u.key, " ")
    kept = set(view.docs_named(masked)[1])
    kept |= {p for u in units for p in view.docs_named(u.key)[1] if p == view.place_of(u.doc_id)}
    if all(p in kept for p in places):
        return list(doc_ids), list(places), tuple(units)
    places = [p for p in places if p in kept]
    doc_ids = [d for d in doc_ids if view.place_of(d) in places]
    return doc_ids, places, tuple(view.units.find(norm, doc_ids))



def _clause_refs(norm: str, view: CorpusView, doc_ids: Sequence[str]) -> list[str]:
    """Clause ids a question points at: 第（十七）条, 第3条, (二十一), 第二部分…; a chapter
    reference alone gives that chapter's own text (or its measures)."""
    chapter = None
    cm = _CHAPTER_REF.search(norm)
    if cm:
        raw = cm.group(1)
        chapter = read_number(raw)
        norm = norm[: cm.start()] + norm[cm.end():]
    for pattern in _CLAUSE_REF:
        m = pattern.search(norm)
        if m:
            raw = m.group(1)
            number = read_number(raw)
            ids = view.measure_clauses(number, doc_ids)
            if chapter is not None:
                ids = [i for i in ids if i.split("#")[1].split(".")[0] == str(chapter)] or ids
            return ids
    if chapter is not None and doc_ids:
        own = [c.clause_id for c in view.clauses if c.doc_id in doc_ids and c.chapter == chapter]
        preamble = [i for i in own if i.endswith(".0")]
        return preamble or own
    return []


def _distinctive_title_terms(documents: Sequence[Document], tokenizer: Tokenizer) -> dict[str, set[str]]:
    """Title words that tell a document from the others of its place (实施方案 vs 落实意见)."""
    out: dict[str, set[str]] = {}
    by_place: dict[str, list[Document]] = {}
    for d in documents:
        by_place.setdefault(d.place, []).append(d)
    for d in documents:
        siblings = [s for s in by_place[d.place] if s.doc_id != d.doc_id]
        if not siblings:
            continue
        mine = {t for t in tokenizer(d.title) if not t.startswith("#") and len(t) <= 8}
        theirs = "|".join(normalise(s.title) for s in siblings)
        tail = re.findall(r"[\u4e00-\u9fff]{2}$", re.sub(r"[（(].*?[)）]", "", normalise(d.title)))
        out[d.doc_id] = {t for t in mine if len(t) >= 3 and t not in theirs} | {t for t in tail if t not in theirs}
    return out
