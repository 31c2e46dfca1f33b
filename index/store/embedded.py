"""The embedded backend: one Chroma PersistentClient folder per build, a CURRENT pointer file.

Layout under ``data_dir``::

    CURRENT              {"build": <dir name>, "fingerprint": ..., "previous": <dir name>}
    build.lock           flock'ed by a builder (readers never take it)
    builds/<fp16>-<pid>-<ns>/
        chroma.sqlite3 …  one PersistentClient folder, collection "clauses"
        DONE             the manifest, written last

A build is written into a fresh folder, fsynced, completed with DONE, and only then named in CURRENT
(``os.replace``), so a crash — even SIGKILL — leaves either the old index or the new one active. After
the swap every other build goes except the one that was active just before (a reader that opened it a
moment ago keeps working); partial folders of crashed builds go on the next build.

Chroma 1.5 has no read-only client (chroma-core/chroma#1438): a PersistentClient writes to
chroma.sqlite3 whenever it opens it. Where the build folder cannot be written (a read-only mount, a
data dir the user may only read), the reader opens a private copy in the temp dir instead, removed
on close and at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from . import chroma
from .errors import (
    BUILD_COMMAND,
    FULL_ERRNOS,
    READ_ONLY_ERRNOS,
    BrokenPointerError,
    DamagedIndexError,
    IndexMissingError,
    StoreError,
    chroma_errno,
    io_error,
    one_line,
)
from .files import atomic_write_json, build_lock, fsync_tree, read_json
from .integrity import check_sqlite
from .manifest import to_metadata
from .protocol import Opened, Staging, StoreConfig

COLLECTION = "clauses"  # the collection's name inside a build folder
COPY_PREFIX = "policy-assistant-ro-"
LOW_SPACE = 16 << 20  # bytes free below which a failed write is taken for a full disk


class EmbeddedBackend:
    private_copies = True

    def __init__(self, cfg: StoreConfig):
        self.cfg = cfg
        self.data_dir = Path(cfg.data_dir)
        self.builds = self.data_dir / "builds"

    def where(self) -> str:
        return str(self.data_dir)

    def lock(self, timeout: float):
        return build_lock(self.data_dir, timeout)

    def close(self) -> None:
        pass

    # ------------------------------------------------------------------ reading

    def active(self) -> dict | None:
        try:
            cur = read_json(self.data_dir / "CURRENT")
        except StoreError as e:
            raise BrokenPointerError(str(e)) from None
        if cur is None:
            return None
        name = cur.get("build")
        if not isinstance(name, str) or not name or "/" in name:
            raise BrokenPointerError(f"索引指针 CURRENT 内容不正确：请运行 {BUILD_COMMAND} 重建索引")
        folder = self.builds / name
        try:
            done = read_json(folder / "DONE")
        except StoreError as e:
            raise BrokenPointerError(str(e)) from None
        if done is None:
            raise IndexMissingError(
                f"索引不存在：请先运行 {BUILD_COMMAND}（位置：{self.data_dir}）（CURRENT 指向的 {folder} 不完整或已被删除）")
        if done.get("fingerprint") != cur.get("fingerprint"):
            raise BrokenPointerError(f"索引指针与索引 {folder} 的指纹不一致：请运行 {BUILD_COMMAND} 重建索引")
        return {**done, "location": str(folder), "previous": str(cur.get("previous") or "")}

    def name_of(self, manifest: dict) -> str:
        return Path(manifest["location"]).name

    def precheck(self, manifest: dict) -> None:
        check_sqlite(Path(manifest["location"]) / "chroma.sqlite3", manifest["location"])

    def open(self, manifest: dict, private_copy: bool = False) -> Opened:
        folder = Path(manifest["location"])
        name = manifest.get("collection", COLLECTION)
        if not private_copy and _writable(folder):
            return _open_folder(folder, name, str(folder))
        copy = _private_copy(folder)
        try:
            opened = _open_folder(copy, name, str(folder))
        except BaseException:
            shutil.rmtree(copy, ignore_errors=True)
            raise
        opened.read_only = True
        opened.release = lambda: shutil.rmtree(copy, ignore_errors=True)
        return opened

    # ------------------------------------------------------------------ building

    def create(self, manifest: dict) -> Staging:
        name = f"{manifest['fingerprint'][:16]}-{os.getpid()}-{time.time_ns()}"
        folder = self.builds / name
        folder.mkdir(parents=True)
        staging = Staging(name=name, location=str(folder), collection_name=COLLECTION)
        try:
            staging.client = chroma.persistent_client(folder)
            staging.collection = chroma.create_collection(staging.client, COLLECTION, to_metadata(manifest))
        except BaseException:
            self.discard(staging)
            raise
        return staging

    def reopen(self, staging: Staging):
        """Reopened from disk, as a reader will: checks the data and lets Chroma finish its own
        log → HNSW work before the folder becomes visible."""
        chroma.close(staging.client)
        staging.client = chroma.persistent_client(Path(staging.location))
        staging.collection = chroma.get_collection(staging.client, COLLECTION)
        return staging.collection

    def commit(self, staging: Staging, manifest: dict) -> None:
        chroma.close(staging.client)
        staging.client = staging.collection = None
        folder = Path(staging.location)
        fsync_tree(folder)
        atomic_write_json(folder / "DONE", manifest)

    def discard(self, staging: Staging) -> None:
        if staging.client is not None:
            chroma.close(staging.client)
        shutil.rmtree(staging.location, ignore_errors=True)

    def swap(self, staging: Staging, manifest: dict, previous: str | None) -> None:
        atomic_write_json(self.data_dir / "CURRENT",
                          {"build": staging.name, "fingerprint": manifest["fingerprint"], "previous": previous or ""})

    def low_on_space(self, staging: Staging) -> bool:
        try:
            st = os.statvfs(staging.location if os.path.exists(staging.location) else self.builds)
        except OSError:
            return False
        return st.f_bavail * st.f_frsize < LOW_SPACE

    def cleanup(self, keep: set[str]) -> list[str]:
        removed: list[str] = []
        for tmp in self.data_dir.glob(".CURRENT.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()
        if not self.builds.is_dir():
            return removed
        for entry in sorted(self.builds.iterdir()):
            if entry.name in keep:
                continue
            try:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                removed.append(entry.name)
            except OSError:
                pass  # tolerated: retried by the next build
        return removed


def _writable(folder: Path) -> bool:
    """Whether Chroma may write here (os.access sees read-only mounts too)."""
    return os.access(folder, os.W_OK | os.X_OK) and os.access(folder / "chroma.sqlite3", os.W_OK)


def _open_folder(path: Path, name: str, location: str) -> Opened:
    try:
        client = chroma.persistent_client(path)
    except Exception as e:  # noqa: BLE001  (Chroma's start-up errors: OS-level or damage)
        raise _opening_error(e, location) from None
    try:
        col = chroma.find_collection(client, name)
    except Exception as e:  # noqa: BLE001
        chroma.close(client)
        raise _opening_error(e, location) from None
    if col is None:
        chroma.close(client)
        raise DamagedIndexError(location, f"集合 {name} 不存在")
    return Opened(client=client, collection=col, location=location, release=lambda: None)


def _opening_error(e: Exception, location: str) -> StoreError:
    code = chroma_errno(e)
    if code in READ_ONLY_ERRNOS or code in FULL_ERRNOS:
        return io_error(e, "打开索引", location, building=False)  # type: ignore[return-value]
    return DamagedIndexError(location, f"{type(e).__name__}: {one_line(e, 120)}")


def _private_copy(folder: Path) -> Path:
    base = Path(tempfile.gettempdir())
    _remove_stale_copies(base)
    dest = base / f"{COPY_PREFIX}{os.getpid()}-{time.time_ns()}"
    try:
        shutil.copytree(folder, dest, copy_function=shutil.copyfile)
        for dirpath, _dirs, _files in os.walk(dest):  # copytree copied the folders' modes (maybe a-w)
            os.chmod(dirpath, 0o700)
    except OSError as e:
        shutil.rmtree(dest, ignore_errors=True)
        raise (io_error(e, f"索引目录 {folder} 只读，复制到临时目录", base, building=False) or e) from None
    atexit.register(shutil.rmtree, dest, True)
    return dest


def _remove_stale_copies(base: Path) -> None:
    """Copies left by readers that were killed: their pid is gone."""
    for entry in base.glob(f"{COPY_PREFIX}*"):
        pid = entry.name[len(COPY_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass
