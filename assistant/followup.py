"""Follow-up questions without an LLM: "那郑州呢？" after a question about 信阳 asks the same
about 郑州. The earlier question is taken as the frame and what the follow-up names
(a place, a department, a topic) replaces its counterpart."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.normalize import clean, normalise

from .query import CorpusView

_FOLLOWUP = re.compile(r"^(那|那么|还有|再|同样|另外|以及|和|跟|与)|[呢吗]?[？?]?$")
_TAIL = re.compile(r"^(那么|那|还有|再说说|再问|同样|另外|以及|和|跟|与)|(的呢|呢|怎么样|如何|怎样|又如何|是什么情况)?[？?。!！]*$")


def is_followup(question: str, view: CorpusView) -> bool:
    """Short, and leans on what came before: 那…呢 / 还有… / names only a place or unit."""
    q = clean(question)
    if len(q) > 20:
        return False
    core = _TAIL.sub("", q)
    if not core:
        return True
    norm = normalise(core)
    docs, places = view.docs_named(norm)
    rest = norm
    for name in (*places, *(n for d in view.documents for n in d.names)):
        rest = rest.replace(normalise(name), "")
    for m in view.units.find(norm):
        rest = rest.replace(m.key, "")
    rest = re.sub(r"[的市区县省，,、\s]", "", rest)
    starts_like_followup = bool(re.match(r"^(那|那么|还有|同样|另外)", q)) or q.rstrip("？?").endswith("呢")
    return starts_like_followup or len(rest) <= 1


def rewrite(question: str, history: Sequence[str], view: CorpusView) -> str:
    """The follow-up as a whole question, using the most recent earlier question as its frame."""
    if not history or not is_followup(question, view):
        return question
    frame = clean(history[-1])
    core = normalise(_TAIL.sub("", clean(question)))
    _, new_places = view.docs_named(core)
    new_units = view.units.find(core)
    if new_places:
        _, old_places = view.docs_named(normalise(frame))
        out = frame
        if old_places:
            out = _replace_place(out, old_places, new_places[0], view)
        else:
            out = f"{new_places[0]}{out}"
        return out
    if new_units:
        old = view.units.find(normalise(frame))
        if old:
            return frame.replace(old[0].key, new_units[0].unit) if old[0].key in frame else f"{frame}（{new_units[0].unit}）"
    # a new topic in the same frame: keep the earlier place, ask the new thing
    _, old_places = view.docs_named(normalise(frame))
    topic = clean(_TAIL.sub("", clean(question)))
    if old_places and topic:
        return f"{old_places[0]}{topic}有什么规定？"
    return question


def _replace_place(text: str, old_places: Sequence[str], new_place: str, view: CorpusView) -> str:
    names = sorted({n for d in view.documents if d.place in old_places for n in (d.place, *d.names)}, key=len, reverse=True)
    for name in names:
        if name in text:
            return text.replace(name, new_place, 1)
    return f"{new_place}{text}"
