"""The README's settings table and command list are the code's own."""

from pathlib import Path

from assistant.cli import commands_table
from assistant.settings import settings_table

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_settings_table_is_current():
    assert settings_table() in README, "regenerate the table: python -c 'from assistant.settings import settings_table; print(settings_table())'"


def test_command_list_is_current():
    assert commands_table() in README, "regenerate: python -c 'from assistant.cli import commands_table; print(commands_table())'"


def test_readme_gives_the_two_commands_and_ci_calls_the_test_one():
    assert "bash scripts/chat.sh" in README and "bash scripts/test.sh" in README
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci
