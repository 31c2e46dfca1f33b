"""Ask the policy corpus; answers carry verified clause citations."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__all__ = ["Answer", "Assistant", "Citation", "Intent", "Mode", "Settings"]

# Loaded on first use (PEP 562): `policy-assistant serve` starts its page before the pipeline
# (jieba, scipy, the speller) is imported.
_HOME = {"Answer": ".answer", "Citation": ".answer", "Intent": ".answer", "Assistant": ".pipeline",
         "Mode": ".retrieve", "Settings": ".settings"}

if TYPE_CHECKING:
    from .answer import Answer, Citation, Intent
    from .pipeline import Assistant
    from .retrieve import Mode
    from .settings import Settings


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(import_module(_HOME[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
