"""`policy-assistant`: the command line. Each command group lives in its own module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from ..errors import UserError
from ..settings import Settings, fields, flat_names, parse_assignments
from . import ask_cmds, corpus_cmds, duty_cmds, edge, index_cmds, serve_cmds

Handler = Callable[[argparse.Namespace, Settings], int]

# Settings with an option of their own (flat name → flag); `--set key=value` reaches every setting.
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
    infos = dict(fields())
    flat = flat_names()
    for name, flag in _SETTING_OPTIONS.items():
        info = infos[flat[name]]
        parser.add_argument(flag, dest=name, default=None,
                            help=f"{info.description} (--set {flat[name]}; env POLICY_{name.upper()})")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="任一设置，可重复：KEY 为 group.key（如 retrieval.top_k、llm.model、web.port）"
                             "或环境变量名去掉 POLICY_ 的小写形式（如 top_k）；全部设置见 README 的设置表")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (corpus_cmds, duty_cmds, index_cmds, ask_cmds, serve_cmds):
        module.register(sub)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Environment, then `--set`, then the options of their own: the last one given wins."""
    try:
        overrides: dict = parse_assignments(getattr(args, "assignments", []) or [])
    except ValueError as exc:
        raise UserError(str(exc), exit_code=2) from None
    overrides.update({f: getattr(args, f) for f in _SETTING_OPTIONS if getattr(args, f, None) is not None})
    return Settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    edge.install_hooks()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = settings_from(args)
        code = args.handler(args, settings)
        sys.stdout.flush()  # a full device or a closed pipe shows here, not as "Exception ignored" at exit
        return code
    except KeyboardInterrupt:
        edge.quiet_stdout()
        return 130
    except Exception as exc:  # noqa: BLE001 - the edge: one line, never a traceback
        return edge.report(exc)


def commands_table() -> str:
    """The README's command list, from the parser itself (a test keeps them in step)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    rows = ["| command | what it does |", "|---|---|"]
    for choice in sub._choices_actions:
        rows.append(f"| `policy-assistant {choice.dest}` | {choice.help} |")
    return "\n".join(rows)
