"""The passage index in Chroma: one collection per build, swapped in atomically, checked on open.

What is stored are passages (`Passage`: a clause, or a sentence or short window of one), each row
pointing at its clause; `one_passage_per_clause` makes the default, `split_passages` any other cut.
Vectors are computed by the caller (`embed_passages`, then a query vector); Chroma never embeds
anything itself.

    build_index(cfg, passages, embed, embedder_name)   embed → write aside → verify → swap → clean up
    open_index(cfg, fingerprint(passages, embedder_name))   → PassageIndex (query, vectors, get, …)
    index_status(cfg)                                   the manifest and an integrity check

Backends (protocol.py): embedded, a PersistentClient folder per build under data_dir with a CURRENT
pointer file (embedded.py); or a `chroma run` server with a pointer collection (server.py).
"""

from .build import DEFAULT_LOCK_TIMEOUT, BuildReport, build_index
from .errors import (
    BUILD_COMMAND,
    DamagedIndexError,
    IndexBusyError,
    IndexMissingError,
    StaleIndexError,
    StoreError,
    StoreIOError,
)
from .manifest import SCHEMA_VERSION, fingerprint
from .passages import (
    Passage,
    clause_metadata,
    one_passage_per_clause,
    passage_id,
    passage_text,
    split_passages,
)
from .protocol import StoreConfig
from .reader import IndexStatus, PassageIndex, active_manifest, index_status, open_index

__all__ = [
    "BUILD_COMMAND",
    "DEFAULT_LOCK_TIMEOUT",
    "SCHEMA_VERSION",
    "BuildReport",
    "DamagedIndexError",
    "IndexBusyError",
    "IndexMissingError",
    "IndexStatus",
    "Passage",
    "PassageIndex",
    "StaleIndexError",
    "StoreConfig",
    "StoreError",
    "StoreIOError",
    "active_manifest",
    "build_index",
    "clause_metadata",
    "fingerprint",
    "index_status",
    "one_passage_per_clause",
    "open_index",
    "passage_id",
    "passage_text",
    "split_passages",
]
