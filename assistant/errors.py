"""Errors a user can act on: one clean line, a fix in the message, a non-zero exit.

`PolicyError` (from `index.errors`) is the one base: index-side errors (catalog, parse, store, embedder) and
`UserError` derive from it, and the CLI and every web handler catch it.
"""

from __future__ import annotations

from index.errors import PolicyError, os_error_line

__all__ = ["BROKEN_PIPE_EXIT", "PolicyError", "UserError", "os_error_line"]

BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


class UserError(PolicyError):
    """Bad input or set-up; `exit_code` 2 for bad input, 1 for everything else."""
