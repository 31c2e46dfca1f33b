"""What a text claims, in pieces that can be looked up in a source: figures, dates, amounts,
unit and body names, named platforms, URLs; and which sentences of a source read like
instructions to a model rather than policy.

Pure functions over strings. `cite.check_answer` uses them to hold every claim of a
generated answer to the source it cites; `compare` uses them to line up what measures name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.numerals import chinese_to_int

__all__ = [
    "Claim",
    "claims",
    "figures",
    "fold",
    "names",
    "supported",
    "untrusted_sentences",
    "urls",
]

_CJK = "\u4e00-\u9fff"
_URL = re.compile(r"(?:https?://|www\.)[^\s，。；、）)」”\"'<>]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|gov|info|io)\b[^\s，。；、）)」”]*",
                  re.IGNORECASE)
_UNIT_WORD = r"(?:%|％|万元|亿元|千元|元|万|亿|家|个|项|年底|年末|年度|年|月|日|倍|件|次|人|天|批|所|条|名|套|户|G|g)"
_FIGURE_FULL = re.compile(rf"(\d+(?:[.,]\d+)?)(\s*(?:[-–—~～至到]\s*\d+(?:[.,]\d+)?)?)\s*({_UNIT_WORD}?)")
_CN_AMOUNT = re.compile(r"([零〇一二两三四五六七八九十百]+)\s*(万元|亿元|元|万|亿)")
_ORDINAL = re.compile(r"第\s*$")
# Names: text in “…” or 《…》, and runs ending in a word that names a body or platform.
_QUOTED_NAME = re.compile(r"[“《〈]([^“”《》〈〉]{2,40})[”》〉]")
_BODY_SUFFIX = ("中级人民法院|人民法院|人民检察院|检察院|委员会|办公室|办公厅|人民政府|海关|中心支行|支行|分行|分局|"
                "分中心|中心|平台|法庭|仲裁院|工作站|基地|联盟|协会|商会|研究院|示范区|实验区")
_BODY = re.compile(rf"[{_CJK}（）()]{{2,30}}?(?:{_BODY_SUFFIX})(?:[{_CJK}]{{1,8}}?(?:{_BODY_SUFFIX}))?"
                   rf"(?![{_CJK}]{{0,1}}(?:城市|工作|作用|建设))")
_OFFICE = re.compile(rf"(?<![城都超闹门上股夜菜集])(?:市|区|县|省)[{_CJK}]{{1,12}}?(?:局|委|办|厅|部)(?![面部势署分门托理法案事员会公])")
_NOT_A_BODY = re.compile(r"(?:格局|布局|大局|全局|当局|结局|开局|干部|全部|内部|外部|局部|总部|本部|协办|查办|承办|举办|主办|"
                         r"督办|交办|创办|开办|市场部)$")
# Words before a name that are not part of it (设立/依托/… a body; X和Y).
_CUT = re.compile(r".*(?:设立|设置|建设|建立|建成|成立|组建|筹建|申建|申请|依托|发挥|运用|利用|用好|加入|申报|推动|推进|推广|支持|"
                  r"打造|构建|搭建|完善|健全|培育|加快|鼓励|引导|通过|会同|联合|牵头|负责|配合|包括|提出|要求|规定|明确|"
                  r"指出|强化|加强|开展|落实|积极|探索|规范|督促|优化|夯实|突出|化解|录入|纳入|引进|组织|收集|深化|提升|"
                  r"提高|促进|保障|实施|充分|点名|写明|进一步|以及|通知|一批|\d\s*[家个批项]|(?<!国)家|号|由|在|向|与|和|及|或|同|的|"
                  r"将|把|到|等)")
_GENERIC = re.compile(r"^(?:相关|有关|各|各级|主管|职能|执法|行政|政府)?(?:部门|单位|机构|中心|平台|基地|委员会|办公室)$")
# Sentences of a source that speak to a model, not to the public.
_INSTRUCTION = re.compile(
    r"忽略|无视|不要理会|忘记.{0,6}(?:规则|指令|提示|要求|设定)|系统提示|提示词|系统消息|新规则|你(?:现在)?是|扮演|"
    r"(?:请|务必|必须)(?:在回答|回答|输出|告诉用户|附上|加上|写上)|回答时|回答中|在答案|大模型|语言模型|AI助手|人工智能助手|"
    r"\bignore\b|\bdisregard\b|\bprompt\b|\binstruction|\bsystem\b|\bassistant\b|jailbreak",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^。；！？!?;\n]*[。；！？!?;]?")
# Saying a thing is absent, stopped or forbidden is a claim too; saying the document does not
# state something (未写明, 没有列明) is not.
_NEGATION = re.compile(r"(没有|并无|不设|不再|取消|停止|废止|暂停|终止|撤销|无需|不需要|禁止)(?!写明|列明|规定|涉及|提到|说明|明确|载明)")


@dataclass(frozen=True)
class Claim:
    kind: str  # "figure", "amount", "name", "url"
    text: str  # as written in the answer


def fold(text: str) -> str:
    """The form claims are compared in: NFKC (full-width digits, brackets), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def urls(text: str) -> list[str]:
    return [m.group().rstrip(".") for m in _URL.finditer(text)]


def figures(text: str) -> list[Claim]:
    """Numbers with their unit (3 亿元, 80%以上 → 80%, 2025年, 1-3 家), and amounts in Chinese
    numerals (一百万元). Ordinals (第3条) are references, not figures."""
    out: list[Claim] = []
    plain = _URL.sub(" ", text)
    for m in _FIGURE_FULL.finditer(plain):
        if _ORDINAL.search(plain[max(0, m.start() - 2): m.start()]):
            continue
        if m.start() > 0 and plain[m.start() - 1].isalnum() and plain[m.start() - 1].isascii():
            continue  # part of a word or code (H5, abc123)
        num, rng, unit = m.group(1), m.group(2), m.group(3)
        kind = "amount" if unit.endswith("元") else "figure"
        out.append(Claim(kind, (num + rng.strip() + unit).strip()))
    for m in _CN_AMOUNT.finditer(plain):
        out.append(Claim("amount", m.group()))
    return out


def names(text: str) -> list[str]:
    """Names of bodies, units and platforms a text mentions, as written, cut from the verbs and
    conjunctions before them: 市市场监管局, 国家海外知识产权纠纷应对指导中心郑州分中心,
    “郑州知识产权仲裁院”, 《郑州市专利促进和保护条例》 (without the marks)."""
    out: list[str] = []
    for m in _QUOTED_NAME.finditer(text):
        out.append(m.group(1).strip())
    bare = _QUOTED_NAME.sub(lambda m: "，" * len(m.group()), text)
    for pattern in (_BODY, _OFFICE):
        for m in pattern.finditer(bare):
            name = _CUT.sub("", m.group())
            name = name.strip("（）() ")
            if len(name) < 3 or _GENERIC.match(name) or _NOT_A_BODY.search(name):
                continue
            if not any(name in n for n in out):
                out = [n for n in out if n not in name] + [name]
    return out


def claims(text: str) -> list[Claim]:
    """Every checkable claim of a text: figures and amounts, names, URLs, negations."""
    found = [Claim("url", u) for u in urls(text)]
    found += figures(text)
    found += [Claim("name", n) for n in names(_URL.sub(" ", text))]
    found += [Claim("negation", m.group(1)) for m in _NEGATION.finditer(text)]
    return found


def supported(claim: Claim, haystack: str) -> bool:
    """True when the claim occurs in `haystack` (already `fold`ed). An amount in Chinese
    numerals also counts as written in digits (一百万元 ≈ 100万元)."""
    want = fold(claim.text)
    if want in haystack:
        return True
    if claim.kind == "figure":  # 80% also matches 80%以上; a bare number matches itself only
        return False
    m = _CN_AMOUNT.fullmatch(claim.text.replace(" ", ""))
    if m:
        try:
            return f"{chinese_to_int(m.group(1))}{m.group(2)}" in haystack
        except ValueError:
            return False
    return False


def untrusted_sentences(text: str) -> list[str]:
    """Sentences of a source that address a model (忽略以上规则…, 回答时请附上…): an answer may
    not lean on them for any claim."""
    return [m.group() for m in _SENTENCE.finditer(text) if m.group().strip() and _INSTRUCTION.search(m.group())]


def trusted_text(text: str) -> str:
    """The source with its instruction-like sentences blanked out."""
    return _SENTENCE.sub(lambda m: "。" if _INSTRUCTION.search(m.group()) else m.group(), text)
