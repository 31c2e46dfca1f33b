"""What a question asks of a department: who carries a measure (WHO), or what a named unit carries
(duty_ask, in any wording), and the unit a duty question names where the documents list none."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from index import english_unit_names

from .units_lookup import UnitMatch
from .words import ascii_find

if TYPE_CHECKING:
    from .query import CorpusView

WHO = re.compile(r"责任单位|有没有责任|有责任吗|什么责任|负有责任|牵头单位|配合单位|协办单位|主办单位|牵头部门|配合部门|谁牵头|谁配合|负责单位|哪些部门|哪个部门|什么部门|哪些单位|哪个单位|哪家单位|由谁|谁负责|谁来|谁管|归谁|主管部门|由哪|哪些机构负责|who\b|which (?:department|agenc|unit|bod|bureau|office|authorit|organi[sz]ation|government)|responsible|takes? the lead|\bleads? (?:on|the)\b")
_ASKING = re.compile(r"[吗呢？?]|什么|多少|哪|怎么|如何|是否|有没有|能不能|咋|(?<!好)几|谁|\b(?:what|how|which|who|when|is|are|does|do)\b")


def ask_part(norm: str) -> str:
    """The sentences that ask: a long question tells its story first ("去年收到律师函，开口就要
    好几万……") and asks last; what it mentions on the way is not what it asks for."""
    pieces = [p for p in re.split(r"(?<=[。！!？?；;])|[，,](?=[^，,]{0,40}$)", norm) if p and p.strip()]
    asking = [p for p in pieces if _ASKING.search(p)]
    return "".join(asking[-2:]) if asking else norm


# What a named unit carries, in any wording (负责哪些, 要干哪些活, 管什么, 有X什么事, 点了X的名 …);
# a question that is the unit alone (市公安局呢？) asks the same.
_DEPT_ASK = re.compile(
    r"负责|承担|牵头|参与|配合|协办|主办|职责|职能|分工|任务|涉及|担任|分到|分配|名下|点名|点了.{0,16}名|提到|提及|"
    r"出现|列为|列入|(?:责任|任务)?(?:条款|清单|条目)|(?:的)?责任(?:有|是)|作用|角色|牵扯|牵涉|关系到|沾边|挂钩|(?:哪几|哪些|多少|几)(?:条|项)|(?:管|干|做|办|抓)(?:了|些|的|什么|哪些|啥|哪|几)|(?:哪些|什么|的|哪几项)(?:活|事|工作|措施|条款|内容)|"
    r"事情|事儿|差事|活儿|responsib|in charge|dut(?:y|ies)|tasks?\b|roles?\b|carr(?:y|ies)|\blead|take part|involved|"
    r"\bdoes\b.{0,60}\bdo\b|\bmeasures\b")
# X是哪些措施的责任单位: the unit is given, the measures are asked.
_ROLE_IN_WHICH = re.compile(r"是(?:哪些|哪几项|哪几条|什么|几项)(?:措施|条款|工作|任务|内容|条|项)?的(?:牵头|配合|主办|协办|责任)?(?:单位|部门)|"
                            r"(?:出现|列|写|排)在(?:哪些|哪几|什么)(?:项|条)?(?:措施|条款|工作|任务|条|项)?的?(?:牵头|配合|责任)?单位|"
                            r"(?:哪些|哪几)(?:项|条)?(?:措施|条款)的(?:牵头|配合|责任)?单位(?:里|中)|"
                            r"\bwhich (?:measures|clauses|tasks)\b.{0,60}\bas (?:a |the )?(?:responsible|lead|leading|supporting)")
_AS_ROLE = re.compile(r"(?:作为|列为|列入|是)(?:牵头|配合|主办|协办|责任)?(?:单位|部门)")
_FILLER = re.compile(r"[\W\d_a-z]|哪些|哪几|什么|请问|请|列出|列一下|全部|所有|一下|看看|查询|查|都|有|的|了|呢|吗|在|里|中|是|呀|啊")
# What a list of measures is called (…作为责任单位的条目都列一下, 被列为责任单位的有哪几条).
_LIST_NOUNS = re.compile(r"条目|条款|措施|任务|工作|事项|内容|条|项|被|哪|几|个")
_LISTED = re.compile(r"(?:措施|条款|任务|工作|事项|条目)(?:都|一共|共)?(?:有|包括)?(?:哪些|哪几|什么|几)|(?:哪些|哪几|多少)(?:项|条)?(?:措施|条款|任务|工作)")
# A unit named in a question (市场监管局, 区司法局): for documents that list no 责任单位 at all.
_ORGAN = re.compile(r"(?:[市区县]委?)?[\u4e00-\u9fff]{2,10}?(?:管理局|局|委员会|委|人民法院|法院|检察院|办公室|办|厅|海关|支行)")

def duty_ask(norm: str, units: Sequence[UnitMatch], places: Sequence[str]) -> bool:
    """Asks what the named unit carries, not who carries a measure: with the unit's own words
    taken out, no who-question remains (谁牵头…, 由哪些单位…), and a duty word does or nothing does."""
    rest = norm
    for word in sorted({u.key for u in units} | set(places), key=len, reverse=True):
        rest = rest.replace(word, " ")
    if _ROLE_IN_WHICH.search(rest):
        return True
    as_role = bool(_AS_ROLE.search(rest))
    rest = _AS_ROLE.sub(" ", rest)
    if WHO.search(rest.replace("负责", "").replace("responsible for", "")):
        return False
    if as_role and not _LIST_NOUNS.sub("", _FILLER.sub("", rest)).replace("市", ""):
        return True  # X作为责任单位的措施有哪些: nothing but the role and a list is asked
    if as_role and _LISTED.search(rest):
        return True  # X被列为责任单位的知识产权保护措施有哪些: a list of measures, whatever words describe them
    return bool(_DEPT_ASK.search(rest)) or len(_FILLER.sub("", rest).replace("市", "")) == 0


_TOPIC = re.compile(r"在(?P<a>[\u4e00-\u9fff]{2,12}?)(?:方面|这一块|这块|领域|工作中|工作上|问题上)|"
                    r"(?:关于|有关|涉及|针对)(?P<b>[\u4e00-\u9fff]{2,12}?)(?:的|方面)")


_GENERIC_TOPIC = re.compile(r"强化|加强|推进|知识产权|保护|工作|方面|全面|有关|相关|文件|意见|方案|措施|任务|落实|实施|市里|全市")


def duty_topic(norm: str, units: Sequence[UnitMatch]) -> str:
    """What a department question narrows the list to (市公安局在打击知识产权犯罪方面负责哪些 → 打击知识产权犯罪),
    "" when it asks for everything."""
    rest = re.sub(r"《[^》]*》|“[^”]*”", " ", norm)  # a title quoted (在《…落实意见》里) is no topic
    for u in units:
        rest = rest.replace(u.key, " ")
    m = _TOPIC.search(rest)
    topic = (m.group("a") or m.group("b")) if m else ""
    return topic if len(_GENERIC_TOPIC.sub("", topic)) >= 2 else ""  # 在强化知识产权保护方面: everything


def unlisted_unit(norm: str, view: CorpusView, doc_ids: Sequence[str], places: Sequence[str]) -> str:
    """The unit a duty question names, when none of the named documents lists units ("" otherwise)."""
    if any(view.units.by_doc.get(d) for d in doc_ids):
        return ""
    rest = norm
    for p in sorted(places, key=len, reverse=True):
        rest = rest.replace(p, " ")
    m = _ORGAN.search(rest)
    english = [] if m else [p for phrases in english_unit_names().values() for p in phrases if ascii_find(rest, p) >= 0]
    if m:
        name = m.group(0)
        for surface, _, _ in view.places.gazetteer.find(name):  # 瑶海区市场监管局 → 区市场监管局
            if name.startswith(surface) and len(name) > len(surface) + 2:
                name = name[len(surface) - 1:] if surface[-1] in "市区县" else name[len(surface):]
    elif english:  # the market regulation bureau of Xinxiang: the longest phrase, as the user wrote it
        name = max(english, key=len)
    else:
        return ""
    return name if duty_ask(rest, [UnitMatch(doc_ids[0], name, name)], places) else ""
