"""Deciding to decline: only on positive evidence that the documents do not hold the answer.

Evidence, not unfamiliar words: (1) the question names a place no document covers (from the
gazetteer); (2) it asks for a kind of value (an amount in yuan, a phone number, an address,
a duration) that none of the best clauses prints; (3) it asks for results achieved where
the documents only set targets; (4) it asks for another office's registration procedure or
fees; (5) nothing in the corpus is near it on either side — the best sentence is far in
meaning *and* the question's words are nearly absent (天气, 个税) *and* the question is nearer an
everyday matter of another kind (wages, social insurance: `other_matters`) than any clause; or it is
clearly nearer such a matter than the corpus. A question in everyday
words the documents never use (山寨, 手游) is answered from the nearest measures; where the
topic is covered but the point is not clearly, the answer says so (a notice and a lower
`confidence`) instead of declining. Thresholds live in `AbstainPolicy`, chosen by
cross-validation over the project's own question sets (`evals/`), never the blind set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.normalize import normalise

from .answer import Intent
from .asking import WHO, ask_part
from .other_matters import Nearest
from .query import Query
from .words import content_words, is_common_word
from .retrieve import Hit

_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元")
MONEY_ASK = re.compile(r"多少钱|(?:月薪|工资|薪资|薪酬|年薪|待遇)\S{0,6}多少|开多少|(?:费用|收费|金额|经费|报酬|酬金|补偿金?|赔偿金?|补贴|补助|奖励|资助|奖金|(?:学|培训|报名|考试|代理|服务|律师|诉讼|鉴定|评估|年|官|申请)费)(?:是|有|能|按|给|要|大概|一般)?(?:多少|几|怎么算|什么标准|标准)|"
                       r"(?:补贴|补助|奖励|补偿|赔偿|报酬|收费)标准|(?:奖励|补贴|资助|罚款|领|给|赔|拿|补|交|缴|付|花|安排|投入)多少|能拿多少|"
                       r"多少(?:补贴|补助|奖励|费用|经费|资金|钱)|(?:标准|金额|额度)(?:是|为)?多少|"
                       r"每件(?:给|奖|补)|每家(?:给|奖|补|最多)|how much|what (?:is|are) the (?:fees?|costs?|subsid(?:y|ies)|amounts?)\b")
_VALUE_ASKS = [
    # (what the question asks for, what a clause must print to answer it, what to call it): asking forms, not
    # mentions ("照片被公众号拿去用" mentions a 公众号 but does not ask for one)
    (MONEY_ASK, _MONEY, "具体的金额或收费标准"),
    (re.compile(r"(?:电话|热线|号码|公众号|微信号?|邮箱)(?:是|叫)?(?:多少|什么|几号|哪个)|联系方式|怎么联系|phone|hotline|e-?mail"),
     re.compile(r"\d{5,}|@"), "电话或联系方式"),
    (re.compile(r"地址|门牌|办公地点|在哪条路|哪条街|哪个街道|具体位置|怎么走|address"), re.compile(r"[路街道]\d+号|\d+号楼"), "具体地址"),
    (re.compile(r"网址|网站地址|链接|website|url"), re.compile(r"https?://|www\."), "网址"),
    (re.compile(r"几倍|倍数|多少倍"), re.compile(r"\d+\s*倍|[一二三四五六七八九十]倍"), "具体倍数"),
    (re.compile(r"几点|上班时间|营业时间|办公时间|开放时间"), re.compile(r"\d{1,2}\s*[:：点]"), "办公时间"),
    # how often (多久搞一次, 几年一次): 年度 or 每年 answers it; how long: a printed duration
    (re.compile(r"(?:多久|多长时间|几年|几个月)\S{0,3}一次|频率|how often"), re.compile(r"年度|每年|每季度?|每月|每半年|定期|一年一次"), "多久一次"),
    (re.compile(r"截止(?:到|日期|时间)?(?:几号|哪天|什么时候)|几号截止|哪天截止|报名截止|deadline"),
     re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日(?:前|之前|截止)|截止(?:日期|时间)?为"), "截止日期"),
    (re.compile(r"多长时间(?!\S{0,3}一次)|多久(?!\S{0,3}一次)|几个月|多少个月|多少天|几天|(?:多少|几)个?工作日|期限|多少年(?!底)|how long"),
     re.compile(r"(?<!\d)\d{1,3}\s*(?:个)?(?:年|月|天|日|工作日)(?:内|以内)|期限为"), "具体期限或时长"),
    (re.compile(r"多少件|多少起|多少个案件|审结|结案数"), re.compile(r"\d+\s*(?:件|起)"), "案件数量"),
    (re.compile(r"利率|税率|贴息|折扣|百分之几"), re.compile(r"\d+(?:\.\d+)?\s*%|利率|税率|贴息"), "利率、税率或折扣"),
    (re.compile(r"几成|多少比例|比例(?:是|为)?多少|百分比|what (?:share|percentage|proportion)"),
     re.compile(r"\d+(?:\.\d+)?\s*%|[一二三四五六七八九]成|百分之|比例(?:为|达到|不低于|不少于)"), "具体比例"),
    (re.compile(r"(?:局长|主任|处长|负责人|领导)(?:是谁|叫什么|姓什么)"), re.compile(r"(?!)"), "负责人姓名"),  # no person is named
]
def _printed(value: re.Pattern, text: str, about: str = "") -> bool:
    """The clauses print a value of the kind asked; with `about` (the asking words), in a sentence that
    shares one of their words: an amount of 3 亿元 for pledge financing does not answer 每家能拿多少补助."""
    if not about:
        return bool(value.search(text))
    words = [w for w in content_words(about) if not MONEY_ASK.fullmatch(w) and len(w) >= 2]
    return any(value.search(s) and (not words or any(w in s for w in words)) for s in re.split(r"[。；;]", text))


# Results achieved (去年审结了多少件, 实际完成了吗): the documents set targets and measures only.
RESULTS_ASK = re.compile(r"(?:去年|前年|上一年|今年上半年|已经|实际|至今|迄今|到现在|目前为止|截至目前|最后)"
                         r".{0,12}(?:多少|几|完成|达到了|实现了|成效|效果|结果|判决)|判决结果|完成得怎么样|完成了吗|"
                         r"(?:建成|建好|成立|挂牌|落地|开通)了(?:吗|没)|"
                         r"(?:哪一年|哪年|什么时候|何时|哪天)(?:注册|成立|设立|获批|批准|认定|建成|挂牌|开通)的?|"
                         r"(?:调查|考核|评估|评价|测评)结果|结果(?:是|为)?(?:多少|怎么样|如何)|多少分|得分|排名第?几|"
                         r"真的(?:做到|实现|遏制|达到|完成|建成|落实)|(?:做到|实现|遏制|达到|完成|落实|评上|评为|入选|获批|通过)了(?:吗|没有?)|"
                         r"排(?:名)?第几|效果(?:到底|究竟)?(?:怎么样|如何)|成效(?:怎么样|如何)")
# Advice on one's own case (怎么答辩, 会不会坐牢, 官司能不能赢): the documents are policy, not counsel.
CASE_ADVICE_ASK = re.compile(r"(?:怎么|如何|怎样)(?:答辩|应诉|辩护|写起诉状)|(?:合同|协议|条款)\S{0,12}(?:怎么|如何)写|"
                             r"(?:起诉|发律师函|报警)\S{0,3}好[,，]?还是|还是先(?:发|去|找)|(?:要不要|该不该)(?:起诉|报警|发律师函)|"
                             r"会不会(?:坐牢|判刑|被判|被抓|输)|判几年|判多久|"
                             r"(?:要不要|需不需要|该不该)(?:请|找)律师|(?:能不能|能否|会不会)(?:赢|胜诉|打赢)|能赢吗|胜算|赢面")
# Not policy either: a recommendation of a firm or course (靠谱的代理机构推荐), family law (离婚时专利怎么分割).
_RECOMMEND_ASK = re.compile(r"(?:推荐|哪家好|靠谱的?)\S{0,12}(?:课程|培训|机构|公司|律所|律师|代理)")
# Family law is told in the story and asked at the end (我离婚了，前夫名下的商标怎么分？): searched in the whole question.
_FAMILY_ASK = re.compile(r"(?:离婚|前夫|前妻|夫妻|配偶|婚前|婚后|继承|遗产|遗嘱)\S{0,40}(?:分割|怎么分|如何分|归谁|算谁的|分给)")
_NOT_POLICY = (  # (what is asked, whether it is searched in the whole question, not only where it asks)
    (CASE_ADVICE_ASK, False, "问题问的是个案的法律意见，这些政策文件不提供",
     "这些知识产权保护政策文件不对个案提供法律意见（如何应诉、结果如何）；请咨询律师或当地知识产权维权援助机构。"),
    (_RECOMMEND_ASK, False, "问题要的是对具体机构、课程或公司的推荐，这些政策文件不提供",
     "这些知识产权保护政策文件不推荐具体的机构、课程或公司，我不作推测。"),
    (_FAMILY_ASK, True, "问题问的是婚姻家庭方面的事务（财产分割），这些政策文件不涉及",
     "这些知识产权保护政策文件没有涉及婚姻家庭方面的事务（如离婚、继承时的财产分割），我不作推测。"),
)
# Another office's registration procedure or fees (how to file a patent, the official fee).
PROCEDURE_ASK = re.compile(r"(?:申请|注册|办理|缴纳?|提交)\S{0,8}(?:流程|步骤|手续|材料|官费|年费|申请费|表格)"
                           r"|(?:国家知识产权局|商标局|专利局|版权保护中心|版权局|WIPO|CNIPA)\S{0,20}(?:手续|文件|材料|怎么办|办什么|流程)"
                           r"|(?:提交|准备|带)\S{0,4}(?:哪些|什么)(?:文件|材料)|办\S{0,6}手续|恢复权利|著录项目"
                           r"|(?:什么时候|何时|在哪|去哪|怎么|如何)(?:报名|报考)|报名(?:时间|入口|条件|方式|网址)|(?:考试|资格)\S{0,6}(?:报名|报考)"
                           r"|\b(?:renewal|registration|application|filing|examination) (?:procedures?|process|steps|fees?)\b|\bofficial fees?\b"
                           r"|(?:流程|步骤|手续)是(?:怎样|什么)|怎么(?:缴|交)(?:费|年费)|(?:年费|官费|申请费|减缴|费减)\S{0,6}(?:怎么|如何)")
_PROCEDURE_TEXT = re.compile(r"流程|程序|手续|材料|年费|官费|报名")
# Applying for something (税收优惠怎么申请, 怎么申请人才公寓): when what is applied for is a thing no
# document names, the documents cannot say how.
_APPLY = re.compile(r"(?:怎么|如何|怎样|咋|去哪|在哪|哪里|到哪)(?:才能|可以|能|去)?(?:申请|申报|办理|领取|享受)|"
                    r"怎么办(?=[？?。！!]*$)")


def unnamed_application(q: Query) -> str:
    """What the question asks how to apply for, when that is a thing no document names ("" otherwise):
    the phrase before or after the asking apply-verb that holds the question's unknown words."""
    asked = ask_part(q.norm)
    m = _APPLY.search(asked)
    if not m or not q.unknown_terms:
        return ""
    before = re.split(r"[，,。；;！!？?、]", asked[: m.start()])[-1]
    after = re.split(r"[，,。；;！!？?、]", asked[m.end():])[0]
    for phrase in (before, after):
        words = [w for w in content_words(phrase) if not any(w in p or p in w for p in q.places)]
        unknown = [w for w in words if any(t in w or w in t for t in q.unknown_terms)]
        if words and len(unknown) * 2 >= len(words):  # 人才公寓, 税收优惠 — not 专利快速预审
            return re.sub(r"^(?:的|我们|我|想|要|请问)+|的$", "", phrase.strip())
    return ""


# Words that frame a question about responsibility or point back at a clause: not content.
SCAFFOLD = frozenset("负责 牵头 承担 参与 涉及 主管 分管 归口 单位 部门 机构 哪个 哪家 由谁 谁来 那条 这条 该条 这项 那项 "
                     "这一条 那一条 这份 那份 文件 里面 其中 具体 一下 目前 现在 打算 准备 会不会 是不是 能不能".split())


@dataclass(frozen=True)
class AbstainPolicy:
    # Off-topic: decline only when both sides are weak. The bundled e5-small puts unrelated
    # Chinese questions (天气, 个税, 营业执照) at best-sentence cosine 0.85–0.88 and in-scope
    # ones at median 0.92 (p10 0.886), so meaning alone cannot decide; the keyword side must
    # agree (coverage below `off_topic_coverage`).
    off_topic_dense: float = 0.89
    off_topic_coverage: float = 0.30
    keyword_only_coverage: float = 0.15  # no dense side (keyword mode): words alone decide
    min_dense_english: float = 0.76  # cosine of the best clause, for English questions
    # English with no IP word, no unit, no target or document asked: in-scope ones sit at 0.78–0.85,
    # unrelated ones (weather, recipes) at 0.76–0.79
    off_topic_dense_english: float = 0.80
    partial_coverage: float = 0.45  # below this the answer carries a "not clearly covered" notice
    # How much nearer an everyday matter of another kind (other_matters) than the corpus a question
    # must be: for the far-from-documents decline, and on its own (clearly another matter). Tuning sets:
    # in-scope questions with no IP word where they ask sit at margin ≥ −0.019, out-of-scope ones at ≤ −0.036 (p90).
    other_matter_margin: float = 0.015
    other_matter_clear: float = 0.04


@dataclass(frozen=True)
class Verdict:
    decline: str = ""  # a reason to decline ("" to answer)
    confidence: float = 1.0  # 0‥1: how well the best clauses cover the question
    notice: str = ""  # said with an answer whose topic is covered but whose point may not be
    say: str = ""  # what the declining answer tells the user, where the reason has its own words


DEFAULT_POLICY = AbstainPolicy()


def coverage(q: Query, hits: Sequence[Hit], ctx, top: int = 3) -> float:
    """idf-weighted share of the question's content words (jieba tokens, places
    aside) that occur in the best clauses' text. Question scaffolding (负责, 那条) and tokenizer
    debris are left out; real words the corpus never uses count as not found."""
    places = {normalise(n) for n in q.places}
    words = {t for t in q.tokens if not t.startswith("#") and t not in SCAFFOLD and not any(t in p for p in places)
             and (ctx.known(t) or is_common_word(t) or t in q.unknown_terms)}  # not tokenizer debris (院有)
    if not words:
        return 0.0
    text = "".join(ctx.clauses[h.clause_id].text for h in hits[:top])
    text = normalise(text)
    total = sum(ctx.weight(w) for w in words)
    found = sum(ctx.weight(w) for w in words if w in text)
    return found / total if total else 0.0


_LIKENESS = r"(?:类似|像|跟|和|同|参照|比照)(?:{place})\S{{0,3}}?(?:这样|那样|一样|似的)|(?:{place})(?:周边|附近|旁边|隔壁)"


def _only_as_likeness(norm: str, place: str) -> bool:
    """The covered place is named only as a model for another or to say where it lies (郑州周边的开封有没有类似郑州
    这样的意见): not what is asked about."""
    likes = len(re.findall(_LIKENESS.format(place=re.escape(place)), norm))
    return likes > 0 and likes == norm.count(place)


def elsewhere(q: Query) -> Verdict | None:
    """A place or a document the corpus does not hold: declined before any reading of the question,
    whatever it asks (洛阳的实施意见里市公安局负责哪些 names a unit the corpus knows, of a city it does not)."""
    if q.foreign_places and (not q.places or all(_only_as_likeness(q.norm, p) for p in q.places)):
        return Verdict(f"问题所问地区（{'、'.join(q.foreign_places)}）不在这些文件范围内", 0.0)
    if q.foreign_documents:
        return Verdict(f"问题所问的文件（{'、'.join(q.foreign_documents)}）不在这些文件之中", 0.0)
    return None


def may_be_other_matter(q: Query) -> bool:
    """Nothing where the question asks says it is about IP (its story may: 技术员离职了，他的社保怎么转),
    a unit or a document: the case where `assess` wants to know the nearest other matter. Not for
    English: English questions sit as near an English bank of other matters as in-scope ones do
    (cross-lingual similarity to the Chinese clauses is lower across the board), so the bank cannot tell."""
    return not (q.english or q.asks_of_ip or q.units or ((q.about_document or q.asks_target) and q.doc_ids))


def _other_matter(q: Query, dense: float, nearest: Nearest | None, policy: AbstainPolicy) -> Verdict | None:
    """Declining because the question is clearly about another kind of matter, with its name."""
    if nearest is None or not may_be_other_matter(q) or dense - nearest.similarity > -policy.other_matter_clear:
        return None
    return Verdict(f"问题更接近“{nearest.matter}”方面的事务（语义相似度 {nearest.similarity:.2f}，"
                   f"与文件最近 {dense:.2f}）", 0.0,
                   say=f"这些知识产权保护政策文件没有涉及{nearest.matter}方面的事务，我不作推测。")


def _nearer_elsewhere(dense: float, nearest: Nearest | None, policy: AbstainPolicy) -> bool:
    """Far from the documents counts only when another kind of matter is nearer (or unknown: no bank)."""
    return nearest is None or dense - nearest.similarity < -policy.other_matter_margin


def assess(q: Query, hits: Sequence[Hit], ctx, policy: AbstainPolicy = DEFAULT_POLICY,
           nearest: Nearest | None = None) -> Verdict:
    """Decline on evidence, or answer with a confidence. `nearest`: the everyday matter of another kind
    the question is nearest (`other_matters`), when `may_be_other_matter(q)` and there is a dense side."""
    if outside := elsewhere(q):
        return outside
    if not hits:
        return Verdict("没有检索到相关条款", 0.0)
    top_text = "".join(ctx.clauses[h.clause_id].text for h in hits[:3])
    asked = ask_part(q.norm)
    also_who = bool(WHO.search(asked))  # a second ask the clauses do answer (哪个部门牵头筹建，建好了没有)
    partly = ""  # what the answer says it leaves out, when it answers the who of such a question
    printed = False  # the question asks for a kind of value the best clauses print (多久一次 → 年度)
    for ask, value, what in _VALUE_ASKS:
        if ask.search(asked) and _printed(value, top_text, asked if ask is MONEY_ASK else ""):
            printed = printed or ask is not MONEY_ASK  # any amount in yuan is not the amount asked
        elif ask.search(asked):
            if not also_who:
                return Verdict(f"问题所问的{what}在相关条款中没有出现", 0.0,
                               say=f"这些文件没有写到{what}，无法回答这个问题；我不作推测。")
            partly = f"文件没有写到{what}，以下回答由谁负责。"
    if q.intent in (Intent.CLAUSE_REF, Intent.DEPARTMENT):
        return Verdict()
    for ask, whole, reason, say in _NOT_POLICY:
        if ask.search(q.norm if whole else asked):
            return Verdict(reason, 0.0, say=say)
    if RESULTS_ASK.search(asked):
        if not also_who:
            return Verdict("问题问的是实际结果或数据，文件只规定了目标和措施", 0.0)
        partly = "文件只规定了措施和责任单位，没有写实际进展或结果，以下回答由谁负责。"
    if what := unnamed_application(q):
        return Verdict(f"问题问的是“{what}”如何申请办理，这些文件没有规定", 0.0,
                       say=f"这些知识产权保护政策文件没有规定“{what}”的申请办理，我不作推测。")
    if PROCEDURE_ASK.search(asked) and not _PROCEDURE_TEXT.search(top_text):
        return Verdict("问题问的是申请/注册的办理流程或收费，不是这些政策文件的内容", 0.0)
    dense = max((h.dense for h in hits[:3]), default=0.0)
    has_dense = any(h.dense_rank is not None for h in hits)
    if has_dense and (other := _other_matter(q, dense, nearest, policy)):
        return other
    if q.english:  # no Chinese words to cover: the dense side and the glossary decide
        if has_dense and dense < policy.min_dense_english and hits[0].keyword <= 0 \
                and not (q.about_document and q.doc_ids):
            return Verdict(f"检索证据不足（英文问题，语义相似度 {dense:.2f}）", 0.0)
        if has_dense and not (q.speaks_of_ip or q.units or q.unlisted_unit or q.asks_target or q.about_document) \
                and dense < policy.off_topic_dense_english:
            return Verdict(f"问题与这些文件的内容相距较远（英文问题，语义相似度 {dense:.2f}）", 0.0)
        return Verdict(confidence=min(1.0, max(0.0, (dense - 0.7) / 0.2)) if has_dense else 0.5, notice=partly)
    cov = coverage(q, hits, ctx)
    if has_dense:
        if not q.speaks_of_ip and not q.units and not ((q.about_document or q.asks_target) and q.doc_ids) \
                and dense < policy.off_topic_dense and cov < policy.off_topic_coverage \
                and _nearer_elsewhere(dense, nearest, policy):
            return Verdict(f"问题与这些文件的内容相距较远（语义相似度 {dense:.2f}，关键词覆盖 {cov:.2f}）", 0.0)
        confidence = 0.5 * cov + 0.5 * min(1.0, max(0.0, (dense - 0.85) / 0.1))
    else:
        if not q.speaks_of_ip and not q.units and not (q.about_document and q.doc_ids) \
                and cov < policy.keyword_only_coverage:
            return Verdict(f"问题的关键词在相关条款中几乎没有出现（覆盖 {cov:.2f}）", 0.0)
        confidence = cov
    notice = ""
    front_matter = q.about_document and hits[0].clause_id.endswith("#0.0")  # the header answers it as printed
    if cov < policy.partial_coverage and not front_matter and not printed:
        missing = [t for t in q.unknown_terms][:3]
        what = f"（如“{'、'.join(missing)}”）" if missing else ""
        notice = f"文件没有直接写到您问的具体情形{what}，以下是最相关的规定，供参考。"
    return Verdict(confidence=round(confidence, 3), notice=partly or notice)
