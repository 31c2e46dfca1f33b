"""The server backend: ``chromadb.HttpClient`` against a `chroma run`.

A build goes to a new collection ``<namespace>_clauses_<fp16>_<ns>`` (the name predates passages; kept
so that cleanup still finds the collections of earlier builds); the swap is one metadata update of the
pointer collection ``<namespace>_pointer``, whose metadata holds the active collection's name and
manifest. The build lock is still the local ``data_dir/build.lock``, so builders on *different hosts*
are not kept apart.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from . import chroma
from .errors import BUILD_COMMAND, IndexMissingError
from .files import build_lock
from .manifest import from_metadata, to_metadata
from .protocol import Opened, Staging, StoreConfig


class ServerBackend:
    private_copies = False  # nothing local to copy

    def __init__(self, cfg: StoreConfig):
        self.cfg = cfg
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = chroma.http_client(self.cfg.host, self.cfg.port)
        return self._client

    @property
    def pointer_name(self) -> str:
        return f"{self.cfg.namespace}_pointer"

    @property
    def prefix(self) -> str:
        return f"{self.cfg.namespace}_clauses_"

    def where(self) -> str:
        return f"Chroma 服务 {self.cfg.host}:{self.cfg.port}（{self.cfg.namespace}）"

    def lock(self, timeout: float):
        return build_lock(Path(self.cfg.data_dir), timeout)

    def close(self) -> None:
        if self._client is not None:
            chroma.close(self._client)
            self._client = None

    # ------------------------------------------------------------------ reading

    def active(self) -> dict | None:
        col = chroma.find_collection(self.client, self.pointer_name)
        if col is None:
            return None
        meta = from_metadata(dict(col.metadata or {}))
        if not meta.get("collection"):
            return None
        return {**meta, "location": meta["collection"]}

    def name_of(self, manifest: dict) -> str:
        return str(manifest["collection"])

    def precheck(self, manifest: dict) -> None:
        pass  # the server owns its files

    def open(self, manifest: dict, private_copy: bool = False) -> Opened:
        client = chroma.http_client(self.cfg.host, self.cfg.port)  # the index's own, for its lifetime
        name = manifest["collection"]
        try:
            col = chroma.find_collection(client, name)
        except BaseException:
            chroma.close(client)
            raise
        if col is None:
            chroma.close(client)
            raise IndexMissingError(
                f"索引不存在：请先运行 {BUILD_COMMAND}（位置：{self.where()}）（指针指向的集合 {name} 不存在）")
        return Opened(client=client, collection=col, location=name)

    # ------------------------------------------------------------------ building

    def create(self, manifest: dict) -> Staging:
        name = f"{self.prefix}{manifest['fingerprint'][:16]}_{time.time_ns()}"
        staging = Staging(name=name, location=name, collection_name=name, client=self.client)
        try:
            staging.collection = chroma.create_collection(self.client, name, to_metadata(manifest))
        except BaseException:
            self.discard(staging)
            raise
        return staging

    def reopen(self, staging: Staging):
        return chroma.get_collection(self.client, staging.name)

    def commit(self, staging: Staging, manifest: dict) -> None:
        pass  # the server has persisted every add before answering it

    def discard(self, staging: Staging) -> None:
        with contextlib.suppress(Exception):
            self.client.delete_collection(staging.name)

    def swap(self, staging: Staging, manifest: dict, previous: str | None) -> None:
        pointer = self.client.get_or_create_collection(name=self.pointer_name, embedding_function=None)
        # One metadata update (it replaces the whole metadata): the atomic swap.
        pointer.modify(metadata=to_metadata({**manifest, "previous": previous or ""}))

    def low_on_space(self, staging: Staging) -> bool:
        return False  # the server's disk is not ours to look at

    def cleanup(self, keep: set[str]) -> list[str]:
        removed: list[str] = []
        try:
            names = [c.name for c in self.client.list_collections()]
        except Exception:  # noqa: BLE001
            return removed
        for n in names:
            if n.startswith(self.prefix) and n not in keep:
                try:
                    self.client.delete_collection(n)
                    removed.append(n)
                except Exception:  # noqa: BLE001, S112
                    continue
        return removed
