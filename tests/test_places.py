"""Places from the gazetteer: a county or district of a covered city is that city's; a place
no document covers is declined with the scope said."""

from __future__ import annotations

import pytest

from assistant.places import Gazetteer, PlaceResolver
from index import Document


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.bundled()


def _doc(doc_id, city, province, district=""):
    return Document(doc_id=doc_id, title=f"{city}{district}实施意见", short_name=doc_id, city=city,
                    province=province, issuer="", source=f"{doc_id}.txt", district=district)


@pytest.fixture(scope="module")
def resolver(gazetteer):
    docs = [_doc("xy", "信阳", "河南"), _doc("zz", "郑州", "河南"), _doc("yh", "合肥", "安徽", "瑶海区")]
    return PlaceResolver(docs, gazetteer)


@pytest.mark.parametrize("text, docs", [
    ("我们在浉河区", ("xy",)),
    ("罗山县的企业", ("xy",)),
    ("固始的茶叶", ("xy",)),
    ("二七区的店", ("zz",)),
    ("新郑市的工厂", ("zz",)),
    ("合肥瑶海区", ("yh",)),
    ("合肥的企业", ("yh",)),  # the city whose only document is one district's
    ("What does Zhengzhou do?", ("zz",)),
])
def test_a_part_of_a_covered_place_maps_to_its_documents(resolver, text, docs):
    reading = resolver.read(text)
    assert reading.doc_ids == docs
    assert reading.outside == ()


@pytest.mark.parametrize("text, outside, note", [
    ("洛阳有什么政策", ("洛阳",), ""),
    ("合肥包河区的企业", ("包河区",), "只适用于瑶海区"),
    ("蜀山区有没有快速维权中心", ("蜀山区",), "只适用于瑶海区"),
    ("合肥高新区有维权中心吗", ("合肥高新区",), "合肥只有"),
    ("河南省的知识产权政策", ("河南省",), "不是河南省省级的规定"),
    ("Is there a policy for Shanghai?", ("上海市",), ""),
])
def test_a_place_no_document_covers_is_outside_with_its_scope(resolver, text, outside, note):
    reading = resolver.read(text)
    assert reading.outside == outside
    assert reading.doc_ids == ()
    assert note in reading.scope_note


def test_a_new_document_gets_its_places_with_no_code_change(gazetteer):
    """A city added to the catalog: its districts map to it, the old cities stay apart."""
    resolver = PlaceResolver([_doc("ly", "洛阳", "河南"), _doc("zz", "郑州", "河南")], gazetteer)
    assert resolver.read("西工区的企业").doc_ids == ("ly",)
    assert resolver.read("涧西区").doc_ids == ("ly",)
    assert resolver.read("金水区").doc_ids == ("zz",)
    assert resolver.read("信阳").outside == ("信阳",)


def test_short_county_names_the_corpus_uses_otherwise_are_not_places(gazetteer):
    g = Gazetteer(gazetteer.divisions, corpus_text="市中级人民法院")
    assert not any(surface == "市中" for surface, _, _ in g.find("市中级人民法院"))


@pytest.mark.parametrize("question, doc", [
    ("罗山县的企业想用专利做质押贷款，有什么支持？", "xinyang-"),
    ("二七区的店被人卖假货冒充我们的牌子", "zhengzhou-opinions"),
    ("惠济区做电商的，网店产品被仿冒", "zhengzhou-opinions"),  # 惠济 is a place, not a typo of 惠企
    ("长垣的工厂商业秘密被泄露了怎么办", "xinxiang-opinions"),
])
def test_district_questions_are_answered_from_the_city_documents(keyword_assistant, question, doc):
    answer = keyword_assistant.ask(question)
    assert not answer.abstained
    assert answer.citations and all(c.doc_id.startswith(doc) for c in answer.citations)


@pytest.mark.parametrize("question", ["平原示范区的企业被侵权怎么维权？", "和平共处的营商环境里，信阳怎么保护商标？"])
def test_a_county_name_without_its_suffix_is_no_evidence_to_decline(keyword_assistant, question):
    assert not keyword_assistant.ask(question).abstained


@pytest.mark.parametrize("question, place", [
    ("合肥包河区的企业专利被侵权了怎么办？", "包河区"),
    ("洛阳对商标侵权有什么打击措施？", "洛阳"),
    ("How does Luoyang protect trade secrets?", "洛阳"),
    ("北京昌平区的企业商标被抢注了怎么办？", "昌平区"),
])
def test_uncovered_places_are_declined_saying_the_scope(keyword_assistant, question, place):
    answer = keyword_assistant.ask(question)
    assert answer.abstained and not answer.citations
    assert place in answer.answer


@pytest.mark.parametrize("question, said", [
    ("开封和郑州在知识产权保护上有什么不同？", "开封不在这些文件范围内，以下只回答郑州的规定"),
    ("Compare Kaifeng and Zhengzhou on trade secret protection", "not covered by these documents; this answers for Zhengzhou only"),
])
def test_a_covered_place_beside_an_uncovered_one_is_answered_and_says_which(real_assistant, question, said):
    ans = real_assistant.ask(question)
    assert not ans.abstained and ans.citations[0].clause_id.startswith("zhengzhou-")
    assert said in ans.notice
