"""`policy-assistant`: the command line. Each command group lives in its own module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from ..errors import UserError
from ..settings import Settings
from . import ask_cmds, corpus_cmds, duty_cmds, index_cmds, serve_cmds

Handler = Callable[[argparse.Namespace, Settings], int]

# Options that map one-to-one onto Settings fields.
_SETTING_OPTIONS = {
    "seeds_dir": "--seeds-dir",
    "data_dir": "--data-dir",
    "embedder": "--embedder",
    "chroma_host": "--chroma-host",
    "chroma_port": "--chroma-port",
    "llm_base_url": "--llm-base-url",
    "llm_model": "--llm-model",
    "llm_timeout_s": "--llm-timeout",
    "retrieval": "--retrieval",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-assistant",
        description="知识产权保护政策问答助手：按条款引用回答（信阳、郑州、新乡、合肥瑶海）",
    )
    for field, flag in _SETTING_OPTIONS.items():
        info = Settings.model_fields[field]
        parser.add_argument(flag, dest=field, default=None, help=f"{info.description} (env POLICY_{field.upper()})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (corpus_cmds, duty_cmds, index_cmds, ask_cmds, serve_cmds):
        module.register(sub)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {f: getattr(args, f) for f in _SETTING_OPTIONS if getattr(args, f, None) is not None}
    return Settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = settings_from(args)
        return args.handler(args, settings)
    except BrokenPipeError:  # `… | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        print(f"错误：设置 {where} 无效：{first['msg']}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    except (ValueError, RuntimeError, OSError) as exc:
        # Domain errors (catalog, parse, store, embedder) carry user-facing messages.
        if type(exc).__module__.split(".")[0] not in ("index", "assistant", "evals"):
            raise
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def commands_table() -> str:
    """The README's command list, from the parser itself (a test keeps them in step)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    rows = ["| command | what it does |", "|---|---|"]
    for choice in sub._choices_actions:
        rows.append(f"| `policy-assistant {choice.dest}` | {choice.help} |")
    return "\n".join(rows)
