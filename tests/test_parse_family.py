"""Documents of the same family in layouts the seeds do not use parse without code changes:
a three-level 一、/（一）/1. outline with （…牵头，…配合）/（…负责） phrasing, and 第一章/第一条
articles. Also: bad catalogs and unreadable files give clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import CatalogError, ParseError, load_corpus
from tests.conftest import write_family_seeds


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return write_family_seeds(tmp_path / "seeds", ("luoyang-measures", "anyang-rules"))


def test_three_level_outline_with_lead_and_support_units(seeds):
    corpus = load_corpus(seeds)
    ids = [c.clause_id for c in corpus.clauses_of("luoyang-measures")]
    assert ids == ["luoyang-measures#0.0", "luoyang-measures#1.1", "luoyang-measures#1.2",
                   "luoyang-measures#2.3", "luoyang-measures#2.4"]
    first = corpus.clause("luoyang-measures#1.1")
    assert first.title == "健全执法机制"
    assert "不少于 50 件" in first.text  # the 1. 2. sub-points stay inside the measure
    assert first.units == ("市市场监管局", "市公安局", "市文化广电和旅游局")  # split across a page
    assert corpus.clause("luoyang-measures#1.2").units == ("市中级人民法院",)
    assert corpus.clause("luoyang-measures#2.3").units == ("市市场监管局", "市商务局", "市司法局")
    assert corpus.clause("luoyang-measures#2.4").units == ()
    assert corpus.clause("luoyang-measures#1.1").chapter_title == "完善保护体系"  # ** marks gone
    assert len(corpus.clauses) == 111 + 5 + 5  # the seeds are untouched


def test_chapter_and_article_layout(seeds):
    corpus = load_corpus(seeds)
    ids = [c.clause_id for c in corpus.clauses_of("anyang-rules")]
    assert ids == ["anyang-rules#0.0", "anyang-rules#1.1", "anyang-rules#1.2", "anyang-rules#2.3", "anyang-rules#2.4"]
    assert corpus.clause("anyang-rules#1.2").units == ("市司法局", "市市场监管局")
    assert corpus.clause("anyang-rules#2.3").units == ("市市场监管局", "市公安局")
    assert corpus.clause("anyang-rules#2.4").text == "鼓励建立知识产权纠纷调解组织。"
    anyang = next(p for p in corpus.parsed if p.doc.doc_id == "anyang-rules")
    assert anyang.closing == "安阳市人民政府\n2022年3月1日"


@pytest.mark.parametrize(
    "entry, message",
    [
        ('[[document]]\nid = "x"\n', "缺少字段"),
        ('[[document]]\nid = "Bad Id"\ntitle="t"\nshort_name="s"\ncity="c"\nprovince="p"\nissuer="i"\nsource="luoyang-measures.txt"\n', "只能用小写字母"),
        ('[[document]]\nid = "x"\ntitle="t"\nshort_name="s"\ncity="c"\nprovince="p"\nissuer="i"\nsource="missing.txt"\n', "找不到源文件"),
        ('[[document]]\nid = "xinyang-plan"\ntitle="t"\nshort_name="s"\ncity="c"\nprovince="p"\nissuer="i"\nsource="luoyang-measures.txt"\n', "重复"),
        ('[[document]\n', "TOML 格式错误"),
    ],
)
def test_bad_catalog_entry_names_file_and_problem(seeds, entry, message):
    with open(seeds / "catalog.toml", "a", encoding="utf-8") as fh:
        fh.write("\n" + entry)
    with pytest.raises(CatalogError) as err:
        load_corpus(seeds)
    assert "catalog.toml" in str(err.value) and message in str(err.value)


def test_unreadable_document_is_named(seeds):
    (seeds / "luoyang-measures.txt").write_bytes("一、总则\n（一）测试。".encode("gbk"))
    with pytest.raises(CatalogError) as err:
        load_corpus(seeds)
    assert "luoyang-measures.txt" in str(err.value) and "UTF-8" in str(err.value)


def test_document_without_measures_is_refused(seeds):
    (seeds / "anyang-rules.txt").write_text("这是一段没有编号的文字。\n", encoding="utf-8")
    with pytest.raises(ParseError) as err:
        load_corpus(seeds)
    assert "anyang-rules.txt" in str(err.value)


def test_cli_reports_bad_catalog_cleanly(seeds, capsys):
    from assistant.cli import main

    (seeds / "catalog.toml").write_text("[[document]\n", encoding="utf-8")
    assert main(["--seeds-dir", str(seeds), "clauses", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "catalog.toml" in err and "Traceback" not in err
