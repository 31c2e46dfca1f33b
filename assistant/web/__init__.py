"""The chat page (Gradio): chat with cited sources, the responsibility explorer, the document browser,
and the `/ask` API endpoint of docs/CONTRACT.md."""

from __future__ import annotations

__all__ = ["build_app", "launch", "mount"]


def __getattr__(name: str):
    # Gradio loads only when the page is built: render/explorer/browse stay importable without it.
    if name in __all__:
        from . import app  # noqa: PLC0415

        return getattr(app, name)
    raise AttributeError(name)
