"""The keyword index on disk beside the Chroma builds, so that start-up is a load, not a build.

Layout under the data folder (next to ``builds/`` and ``CURRENT``)::

    keyword/<fingerprint[:16]>/   bm25s's files + ids.json, then DONE (the manifest), written last

The fingerprint covers the clause ids and texts as indexed and the tokenizer's identity (its
mode and terms, the code and data it runs, jieba's version), so a changed corpus or tokenizer
never loads an old index. A build is written to a temporary folder and renamed into place; a
folder without DONE is never read. The three folders used most recently are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .keyword import BM25Index, Tokenizer

log = logging.getLogger(__name__)

FOLDER = "keyword"
SCHEMA_VERSION = 1
KEEP = 3
DONE = "DONE"


@dataclass(frozen=True)
class Opened:
    index: BM25Index
    loaded: bool  # False: built (and saved, unless `saved` is False)
    seconds: float
    fingerprint: str
    saved: bool = True


def fingerprint(ids: Sequence[str], texts: Sequence[str], tokenizer: Tokenizer) -> str:
    h = hashlib.sha256(json.dumps({"schema": SCHEMA_VERSION, "tokenizer": tokenizer.identity()}).encode())
    for cid, text in zip(ids, texts, strict=True):
        h.update(f"\n{cid}\x00{text}".encode())
    return h.hexdigest()


def open_keyword_index(data_dir: Path, ids: Sequence[str], texts: Sequence[str], tokenizer: Tokenizer,
                       build: Callable[[], BM25Index] | None = None) -> Opened:
    """The saved index for these clauses and this tokenizer, or a new one built and saved.

    A data folder that cannot be written is not an error: the index is built in memory and a
    warning says why it was not kept."""
    t0 = time.perf_counter()
    fp = fingerprint(ids, texts, tokenizer)
    root = Path(data_dir) / FOLDER
    folder = root / fp[:16]
    found = _load(folder, fp, len(ids))
    if found is not None:
        with contextlib.suppress(OSError):
            os.utime(folder / DONE)  # most recently used: kept by the clean-up
        return Opened(found, True, time.perf_counter() - t0, fp)
    index = (build or (lambda: BM25Index.build(ids, (tokenizer(t) for t in texts))))()
    try:
        _save(root, folder, index, fp)
    except OSError as exc:
        log.warning("keyword index not saved in %s (%s): it will be rebuilt at the next start", root, exc)
        return Opened(index, False, time.perf_counter() - t0, fp, saved=False)
    _clean(root)
    return Opened(index, False, time.perf_counter() - t0, fp)


def _load(folder: Path, fp: str, count: int) -> BM25Index | None:
    try:
        manifest = json.loads((folder / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("fingerprint") != fp or manifest.get("count") != count:
        return None
    try:
        return BM25Index.load(folder, mmap=True)
    except (OSError, ValueError, KeyError) as exc:  # damaged: rebuilt (and replaced) by the caller
        log.warning("keyword index in %s unreadable (%s): rebuilding", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _save(root: Path, folder: Path, index: BM25Index, fp: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{os.getpid()}-{time.time_ns()}"
    try:
        index.save(tmp)
        manifest = {"schema_version": SCHEMA_VERSION, "fingerprint": fp, "count": len(index.ids),
                    "terms": len(index.vocab), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (tmp / DONE).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        if (folder / DONE).is_file():
            return  # another process has just saved the same index
        shutil.rmtree(folder, ignore_errors=True)  # a damaged or half-removed one
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (folder / DONE).is_file():  # lost a race to a process saving the same index: fine
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _clean(root: Path) -> None:
    """Keep the KEEP most recently used indexes; drop temporary folders older than an hour."""
    used = []
    for p in root.iterdir():
        if p.name.startswith("."):
            continue
        with contextlib.suppress(OSError):
            used.append(((p / DONE).stat().st_mtime, p))
    for _, old in sorted(used, reverse=True)[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in root.glob(".tmp-*"):
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > 3600:
                shutil.rmtree(tmp, ignore_errors=True)
