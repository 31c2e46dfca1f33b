"""Follow-up questions without an LLM: "那郑州呢？" after a question about 信阳 asks the same
about 郑州. Each question is read as place + topic + ask (郑州 | 加强行政保护 | 的责任单位有哪些？);
what the follow-up supplies replaces its counterpart in the earlier question, the rest is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.normalize import clean, normalise
from index.numerals import CHINESE_NUMERAL_CHARS, int_to_chinese, read_number

from .asking import WHO
from .query import CorpusView

_LEAD = re.compile(r"^(那么|那|还有|另外|同样|再问一下|再问|再说说|以及|请问)")
_END = re.compile(r"[呢吗吧啊？?。!！\s]+$")
_REFER = re.compile(r"这件事|这事|此事|这种事|这种|类似的|类似|相关的|具体|这一条|这条|这项|这一项|该条|该项|这个|这样的|这样|同样的|同样|一样的|一样|相同的|相同|对应的|对应|那条|那一条|上述|它|也")
_ASK = re.compile(r"(的)?(责任单位|负责单位|牵头单位|由谁|由哪|谁负责|谁来管|谁来负责|谁来|归谁管|谁管|有什么|有哪些|有没有|是什么|是哪些|是谁|是多少|讲什么|讲的是什么|"
                  r"讲了什么|说了什么|写了什么|怎么|如何|哪些|哪个|哪一年|哪年|什么时候|何时|多少|几)")
_GENERIC_ASK = re.compile(r"^(是)?(怎么规定的?|怎么说的?|有什么规定|有没有规定|有规定|如何规定|怎么样|如何|有吗|有没有)$")
_FILLER = re.compile(r"措施|规定|政策|内容|工作|做法|办法|安排|方面|要到|实现|达到|打算|计划|准备|进行|那边|这边|那里|这里|[的地是有也呢吗要，,、\s]")
_KIND_TAIL = re.compile(r"的?(?:办法|做法|规定|措施|政策|机制|渠道|地方|说法)$")
_YEAR = re.compile(r"20\d\d\s*年")
_STEP = re.compile(r"(下一条|下一项|后一条|上一条|上一项|前一条)")
_NUMBER = re.compile(rf"([(（第]\s*)([{CHINESE_NUMERAL_CHARS}]+|\d+)(\s*[)）条项])")


@dataclass(frozen=True)
class Parts:
    place: str
    topic: str
    ask: str


def split_question(text: str, view: CorpusView) -> Parts:
    """Place (as written), topic and ask of a question."""
    norm = normalise(text)
    _, places = view.docs_named(norm)
    place = ""
    rest = text
    for name in _place_names(places, view):
        i = text.find(name)
        if i >= 0:
            place = name
            rest = text[:i] + text[i + len(name):]
            break
    if not place:  # a county or district (那光山县呢？), or a place no document covers (那洛阳呢？)
        for surface, _pos, _divisions in view.places.gazetteer.find(text):
            if len(surface) >= 2 and surface in text:
                place = surface
                i = text.find(surface)
                rest = text[:i] + text[i + len(surface):]
                break
    m = _ASK.search(rest)
    if not m:
        return Parts(place, rest, "")
    if not _FILLER.sub("", rest[: m.start()]) and m.group(2) in ("怎么", "如何"):  # 怎么加强X？: the topic follows
        return Parts(place, _END.sub("", rest[m.end():]), "有什么规定？")
    if not _FILLER.sub("", rest[: m.start()]) and m.group(2) in ("有没有", "有什么", "有哪些"):  # 有没有X的办法？
        topic = _KIND_TAIL.sub("", _END.sub("", rest[m.end():]))
        if len(_FILLER.sub("", topic)) >= 2:
            return Parts(place, topic, "有什么规定？")
    return Parts(place, rest[: m.start()], rest[m.start():])


def rewrite(question: str, history: Sequence[str], view: CorpusView) -> str:
    """The follow-up as a whole question; unchanged when it stands on its own."""
    if not history:
        return question
    q = clean(question)
    frame = clean(history[-1])
    step = _STEP.search(q)
    if step and _NUMBER.search(frame):
        return _step_number(frame, -1 if step.group(1) in ("上一条", "上一项", "前一条") else 1)
    if q.isascii() and frame.isascii() and len(q) <= 40 and not view.docs_named(normalise(q))[1]:
        return f"{frame.rstrip()} {q}"  # "And online?": English is read with what it follows
    year = _YEAR.fullmatch(_END.sub("", _LEAD.sub("", q)))
    if year and _YEAR.search(frame):  # 2025年呢？ after 郑州到2022年想达到什么效果？
        return _YEAR.sub(year.group(0), frame, count=1)
    if not _is_followup(q, view):
        return _in_place_of(q, frame, view) or question
    core = _END.sub("", _LEAD.sub("", q))
    new_units = view.units.find(normalise(core))
    own = split_question(core, view)
    old = split_question(frame, view)
    if new_units and not own.place:
        old_units = view.units.find(normalise(frame))
        if old_units and old_units[0].key in frame:
            return frame.replace(old_units[0].key, new_units[0].unit, 1)
    topic = _REFER.sub("", own.topic)
    has_topic = len(_FILLER.sub("", topic)) >= 2
    ask = own.ask if own.ask and not _GENERIC_ASK.match(_END.sub("", own.ask)) else old.ask
    place = own.place or old.place
    if has_topic:
        return _question_mark(f"{place}{topic.strip('的 ')}{ask}")
    if own.place and old.place and WHO.search(own.ask) and WHO.search(frame):  # 信阳那边是哪些部门？: the same who-question there
        return frame.replace(old.place, own.place, 1)
    return _question_mark(f"{place}{old.topic}{ask}") if (old.topic or ask) else question


_ANY_PLACE = re.compile(r"各地|各市|哪些城市|哪个城市|哪些地方的|哪几个地方|分别|全国|其他")


def _in_place_of(q: str, frame: str, view: CorpusView) -> str:
    """A short question that names no place, asked after one that did (会在哪些地方公示？ after
    郑州对反复侵权的企业会拉黑名单吗？), is asked about that place ("" when it stands on its own)."""
    if len(q) > 20 or _ANY_PLACE.search(q) or view.docs_named(normalise(q))[1] or view.units.find(normalise(q)):
        return ""
    place = split_question(frame, view).place
    return f"{place}{q}" if place else ""


def _is_followup(q: str, view: CorpusView) -> bool:
    """Short, and leaning on what came before: 那…呢, 这条/也, or only a place or unit."""
    if len(q) > 25:
        return False
    if _LEAD.match(q) or _END.sub("", q) != q.rstrip("？?。") or _REFER.search(q):
        return bool(_LEAD.match(q) or q.rstrip("？?").endswith("呢") or _REFER.search(q))
    core = _END.sub("", q)
    own = split_question(core, view)
    leftover = _FILLER.sub("", own.topic)
    return bool(own.place or view.units.find(normalise(core))) and len(leftover) <= 1 and (
        not own.ask or bool(_GENERIC_ASK.match(_END.sub("", own.ask))) or (bool(own.place) and bool(WHO.search(own.ask))))


def _question_mark(text: str) -> str:
    return text if re.search(r"[？?。!！]$", text) else text + "？"


def _step_number(frame: str, delta: int) -> str:
    m = _NUMBER.search(frame)
    raw = m.group(2)
    n = read_number(raw) + delta
    if n <= 0:
        return frame
    new = str(n) if raw.isdigit() else int_to_chinese(n)
    return frame[: m.start(2)] + new + frame[m.end(2):]


def _place_names(places: Sequence[str], view: CorpusView) -> list[str]:
    names = {n for d in view.documents if d.place in places for n in (d.place, *d.names)}
    return sorted(names, key=len, reverse=True)
