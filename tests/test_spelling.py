"""The homophone speller: slips of pinyin input corrected to the corpus's words, real words left alone."""

import pytest

from assistant.spelling import Speller

CORPUS = "加强商标保护，完善维权援助机制，发挥仲裁院作用，推进能源领域知识产权保护，建设信阳保护中心。"
WORDS = ["商标", "保护", "维权", "援助", "仲裁院", "能源", "信阳", "中心"]


@pytest.fixture(scope="module")
def speller():
    return Speller.build(CORPUS, WORDS, is_common=lambda w: w in {"涉及"})


@pytest.mark.parametrize("typed, meant", [("商表", "商标"), ("维全", "维权"), ("保户", "保护"), ("仲栽院", "仲裁院"),
                                          ("信杨", "信阳")])
def test_homophone_slips_are_corrected(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize("word", ["能管", "要管", "会查", "每件", "这项", "涉及", "商标", "手游"])
def test_real_words_and_modal_verbs_are_left_alone(speller, word):
    assert speller.correct(word) is None
