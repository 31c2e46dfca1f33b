"""Ask the policy corpus; answers carry verified clause citations."""

from .answer import Answer, Citation, Intent
from .pipeline import Assistant
from .retrieve import Mode
from .settings import Settings

__all__ = ["Answer", "Assistant", "Citation", "Intent", "Mode", "Settings"]
