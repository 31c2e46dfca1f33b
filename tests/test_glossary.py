"""The everyday-words glossary (index/data/synonyms.tsv): its format, and how its words are found."""

from __future__ import annotations

from index.keyword import SYNONYMS_FILE, _glossary, expansions, ip_words
from index.normalize import normalise


def test_every_line_is_a_word_a_tab_and_policy_terms():
    for n, line in enumerate(SYNONYMS_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        word, sep, terms = line.partition("\t")
        assert sep and word.strip("~ ") and terms.split() and "\t" not in terms, f"line {n}: {line!r}"


def test_no_user_word_is_listed_twice():
    words = [normalise(w) for w, _, _ in _glossary()]
    twice = sorted({w for w in words if words.count(w) > 1})
    assert not twice


def test_a_trailing_space_asks_for_the_whole_english_word():
    assert "知识产权" in expansions("who protects my ip here?")
    assert "知识产权" not in expansions("ipad cases sold in zhengzhou")
    assert ip_words("ipad cases sold in zhengzhou") == []


def test_an_english_word_without_one_is_a_prefix():
    assert any("假冒" in e for e in expansions("counterfeits of our brand"))


def test_words_marked_as_context_only_are_no_sign_of_ip():
    assert "投诉" not in ip_words(normalise("公司欠薪去哪投诉"))
    assert ip_words(normalise("我们的游戏被做了山寨版"))
