"""The prompt templates, as files (prompts/answer_system.txt and answer_user.txt), checked when loaded.

An unknown or missing `{variable}` is a PromptError at start-up, not at the first question: the
system prompt takes none, the user template exactly {question} and {sources}.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from .settings import packaged

SYSTEM_FILE = "answer_system.txt"
USER_FILE = "answer_user.txt"
# Variables each template must use (all of them) and may use (only these).
_SYSTEM_VARS: frozenset[str] = frozenset()
_USER_VARS: frozenset[str] = frozenset({"question", "sources"})


class PromptError(ValueError):
    """A prompt file is missing or its template variables are wrong."""


@dataclass(frozen=True)
class Prompts:
    system: str  # sent as is (after `{{`/`}}` unescaping)
    user: str  # template with {question} and {sources}

    def render_user(self, question: str, sources_block: str) -> str:
        return self.user.format(question=question, sources=sources_block)


def _template_fields(text: str, name: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as e:  # a lone "{" or "}"
        raise PromptError(f"{name}: {e} (write literal braces as {{{{ and }}}})") from e
    out: set[str] = set()
    for _literal, fname, spec, conv in parsed:
        if fname is None:
            continue
        if fname == "" or fname.isdigit():
            raise PromptError(f"{name}: positional field {{{fname}}} is not allowed")
        if spec or conv:
            raise PromptError(f"{name}: {{{fname}}} must not have a conversion or format spec")
        out.add(fname)
    return out


def _check_template(text: str, name: str, allowed: frozenset[str]) -> None:
    found = _template_fields(text, name)
    unknown = sorted(found - allowed)
    missing = sorted(allowed - found)
    if unknown:
        raise PromptError(
            f"{name}: unknown variable(s) {', '.join('{' + u + '}' for u in unknown)}; "
            f"allowed: {', '.join('{' + a + '}' for a in sorted(allowed)) or 'none'}"
        )
    if missing:
        raise PromptError(
            f"{name}: missing variable(s) {', '.join('{' + m + '}' for m in missing)}"
        )


def load_prompts(folder: str | Path | None = None) -> Prompts:
    """Read answer_system.txt and answer_user.txt from `folder` (default: the packaged prompts).

    Raises PromptError when a file is missing or empty, when a template uses an
    unknown {variable} (the system prompt takes none; the user template takes
    {question} and {sources}) or misses a required one.
    """
    folder = Path(folder) if folder is not None else packaged("prompts")
    texts: dict[str, str] = {}
    for fname in (SYSTEM_FILE, USER_FILE):
        path = folder / fname
        try:
            texts[fname] = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise PromptError(f"cannot read prompt {path}: {e}") from e
        if not texts[fname]:
            raise PromptError(f"prompt {path} is empty")
    _check_template(texts[SYSTEM_FILE], SYSTEM_FILE, _SYSTEM_VARS)
    _check_template(texts[USER_FILE], USER_FILE, _USER_VARS)
    return Prompts(system=texts[SYSTEM_FILE].format(), user=texts[USER_FILE])
