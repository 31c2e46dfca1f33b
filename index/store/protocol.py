"""One storage protocol; one implementation per backend (embedded.py, server.py).

A backend knows where builds live and how one is made active; everything else — what is written,
how it is verified, when it is skipped, what an open checks — is shared (build.py, reader.py).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ProgressFn = Callable[[str, int, int], None]
EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class StoreConfig:
    data_dir: Path
    host: str | None = None
    port: int = 8000
    # Server mode only: prefix of the pointer and passage collections, so several corpora
    # can share one Chroma server.
    namespace: str = "policy_assistant"

    @property
    def server(self) -> bool:
        return bool(self.host)


@dataclass
class Opened:
    """A Chroma client and collection of one build, as a reader (or the verifier) holds them."""

    client: Any
    collection: Any
    location: str  # build folder (embedded) or collection name (server)
    read_only: bool = False  # opened from a private copy: the data dir cannot be written
    release: Callable[[], None] = lambda: None  # what close() must also undo (e.g. remove the copy)


@dataclass
class Staging:
    """A build being written aside: not visible to readers until `swap`."""

    name: str  # build folder name (embedded) or collection name (server)
    location: str
    collection_name: str  # the collection's name in Chroma (recorded in the manifest)
    client: Any = None
    collection: Any = None


class Backend(Protocol):
    cfg: StoreConfig
    private_copies: bool  # whether `open(..., private_copy=True)` can copy a build somewhere writable

    def where(self) -> str:
        """Where the index lives, for messages."""

    def lock(self, timeout: float) -> AbstractContextManager[None]:
        """The build lock (readers never take it)."""

    def active(self) -> dict | None:
        """The active build's manifest (with "location" and "previous"), None when there is none;
        BrokenPointerError when the pointer itself is broken, StoreError when it cannot be read."""

    def precheck(self, manifest: dict) -> None:
        """Cheap checks below Chroma (the sqlite file) before Chroma is let near the data;
        DamagedIndexError when they fail."""

    def open(self, manifest: dict, private_copy: bool = False) -> Opened:
        """Open the build `manifest` describes; from a private copy where the data dir cannot be
        written (or when asked to)."""

    def create(self, manifest: dict) -> Staging:
        """An empty collection aside, for a new build."""

    def reopen(self, staging: Staging) -> Any:
        """The staged build's collection, read back as a reader will (for verification)."""

    def commit(self, staging: Staging, manifest: dict) -> None:
        """Make the staged build durable and complete (readers may trust it after the swap)."""

    def discard(self, staging: Staging) -> None:
        """Remove a staged build that failed (never raises)."""

    def swap(self, staging: Staging, manifest: dict, previous: str | None) -> None:
        """Make the staged build the active one, atomically."""

    def low_on_space(self, staging: Staging) -> bool:
        """Whether the disk under a failed staged build is (nearly) full."""

    def cleanup(self, keep: set[str]) -> list[str]:
        """Remove every build not in `keep` (names); what was removed."""

    def name_of(self, manifest: dict) -> str:
        """The build name (as in `keep`) of an active manifest."""

    def close(self) -> None:
        """Release what the backend holds (its control connection)."""
