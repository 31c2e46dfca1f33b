"""Errors a user can act on: one clean line, a fix in the message, a non-zero exit."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or set-up; `exit_code` 2 for bad input, 1 for everything else."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
