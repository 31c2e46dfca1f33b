"""The HTTP API on `serve`'s port: REST JSON (/api), OpenAI-compatible chat completions (/v1), OpenAPI docs."""

from .app import create_app
from .server import HttpServer, exposure_warning

__all__ = ["HttpServer", "create_app", "exposure_warning"]
