"""Ask the policy corpus; answers carry verified clause citations."""

from .answer import Answer, Citation, Intent
from .settings import Settings

__all__ = ["Answer", "Citation", "Intent", "Settings"]
