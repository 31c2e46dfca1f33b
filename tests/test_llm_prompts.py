"""The prompt files: the repo's load, and a bad template is refused when it loads, not at the first question."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.llm import PromptError, load_prompts


def _write_prompts(folder: Path, system: str, user: str) -> Path:
    (folder / "answer_system.txt").write_text(system, encoding="utf-8")
    (folder / "answer_user.txt").write_text(user, encoding="utf-8")
    return folder


def test_repo_prompts_load():
    prompts = load_prompts()
    assert "[n]" in prompts.system or "[1]" in prompts.system
    assert "「」" in prompts.system
    assert "这些文件没有涉及" in prompts.system
    assert "{question}" in prompts.user and "{sources}" in prompts.user


@pytest.mark.parametrize(
    ("system", "user", "match"),
    [
        ("规则", "{question}\n{sources}\n{context}", "unknown"),  # unknown variable
        ("规则", "{question}", "missing"),  # {sources} missing
        ("规则 {question}", "{question}{sources}", "unknown"),  # system takes none
        ("规则", "{question}{sources}{}", "positional"),
        ("规则", "{question}{sources}{0}", "positional"),
        ("规则", "{question!r}{sources}", "conversion"),
        ("规则", "{question}{sources} {", "brace"),  # a lone brace
        ("规则", "{question.upper}{sources}", "unknown"),
        ("", "{question}{sources}", "empty"),
    ],
)
def test_bad_prompts_rejected_at_load(tmp_path, system, user, match):
    with pytest.raises(PromptError, match=match):
        load_prompts(_write_prompts(tmp_path, system, user))


def test_missing_prompt_file(tmp_path):
    (tmp_path / "answer_system.txt").write_text("规则", encoding="utf-8")
    with pytest.raises(PromptError):
        load_prompts(tmp_path)


def test_literal_braces_allowed_when_doubled(tmp_path):
    p = load_prompts(_write_prompts(tmp_path, "用 {{n}} 表示", "{{x}} {question} {sources}"))
    assert p.system == "用 {n} 表示"
    assert p.render_user("问", "源") == "{x} 问 源"
