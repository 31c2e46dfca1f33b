"""The clause index in Chroma: one collection per corpus + embedder, swapped in atomically.

Vectors are always computed by the caller (`embed_passages`, then a query vector):
Chroma is opened with ``embedding_function=None`` everywhere, so it never creates its
default ONNX MiniLM model (which would try to download to ~/.cache/chroma).

Embedded mode (``StoreConfig.host is None``), layout under ``data_dir``::

    CURRENT              {"build": <dir name>, "fingerprint": ..., "previous": <dir name>}
    build.lock           flock'ed by a builder (readers never take it)
    builds/<fp16>-<pid>-<ns>/
        chroma.sqlite3 …  one PersistentClient folder, collection "clauses"
        DONE             manifest (fingerprint, embedder, count, dim …), written last

A build writes a fresh folder, reopens it to verify (which also lets Chroma finish its
own compaction), fsyncs it, writes DONE, and only then replaces CURRENT with
``os.replace``. Readers resolve CURRENT, so a crash (even SIGKILL) at any point leaves
either the old index or the new one active, never a half-built one. After the swap the
builder deletes every other build except the one that was active just before (kept so a
reader that opened it a moment ago keeps working); partial folders of crashed builds go
on the next build.

Server mode (``StoreConfig.host`` set): ``chromadb.HttpClient``. A build goes to a new
collection ``<namespace>_clauses_<fp16>_<ns>``; the swap is one metadata update of the
pointer collection ``<namespace>_pointer`` (its collection metadata holds the active
collection name and manifest). The build lock is still the local ``data_dir/build.lock``,
so builders on *different hosts* are not kept apart.

Metadata per record: doc_id, chapter, measure, title, label, n_units, units (a list of
str, so ``where={"units": {"$contains": "市商务局"}}`` works; Chroma 1.5 rejects empty
lists, so the key is left out for clauses without responsible units, use
``{"n_units": 0}`` to find those), and city when the caller passes ``cities``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import PolicyError
from .records import Clause

SCHEMA_VERSION = 1
BUILD_COMMAND = "policy-assistant index build"
COLLECTION = "clauses"  # the collection's name inside an embedded build folder
DEFAULT_LOCK_TIMEOUT = 10.0

ProgressFn = Callable[[str, int, int], None]
EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class StoreConfig:
    data_dir: Path
    host: str | None = None
    port: int = 8000
    # Server mode only: prefix of the pointer and clause collections, so several corpora
    # can share one Chroma server.
    namespace: str = "policy_assistant"

    @property
    def server(self) -> bool:
        return bool(self.host)


class StoreError(PolicyError, RuntimeError):
    """A store problem the user can fix; the message (Chinese) says how."""


class IndexMissingError(StoreError):
    pass


class StaleIndexError(StoreError):
    """The active index was built for another corpus, embedder or schema version."""

    def __init__(self, message: str, expected: str, actual: str, manifest: dict | None = None):
        super().__init__(message)
        self.expected = expected
        self.actual = actual
        self.manifest = manifest or {}


class IndexBusyError(StoreError):
    """Another process holds the build lock."""


@dataclass
class BuildReport:
    fingerprint: str
    embedder_name: str
    skipped: bool
    count: int
    dim: int = 0
    location: str = ""  # build folder (embedded) or collection name (server)
    seconds: float = 0.0
    removed: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- passages


def passage_text(clause: Clause) -> str:
    """Default text embedded for a clause: its title, then its body (without the printed
    responsibility suffix). The title is not repeated when the body already starts with it."""
    body = clause.body or clause.text
    title = clause.title.strip()
    if title and not body.startswith(title):
        return f"{title}\n{body}"
    return body


def fingerprint(
    clauses: Sequence[Clause],
    embedder_name: str,
    *,
    passage: Callable[[Clause], str] = passage_text,
    cities: Mapping[str, str] | None = None,
) -> str:
    """sha256 over SCHEMA_VERSION, the embedder name and every clause (id, doc, chapter,
    measure, title, label, text, units, the embedded passage text, its city).

    Pass the same `passage` and `cities` here as to `build_index`, or the index looks
    stale. The clause order does not matter."""
    h = hashlib.sha256()
    head = {"schema": SCHEMA_VERSION, "embedder": embedder_name}
    h.update(json.dumps(head, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    for c in sorted(clauses, key=lambda c: c.clause_id):
        row = [
            c.clause_id,
            c.doc_id,
            c.chapter,
            c.measure,
            c.title,
            c.label,
            c.text,
            list(c.units),
            passage(c),
            (cities or {}).get(c.doc_id, ""),
        ]
        h.update(b"\n")
        h.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def clause_metadata(clause: Clause, cities: Mapping[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "doc_id": clause.doc_id,
        "chapter": int(clause.chapter),
        "measure": int(clause.measure),
        "title": clause.title,
        "label": clause.label,
        "n_units": len(clause.units),
    }
    if clause.units:
        meta["units"] = [str(u) for u in clause.units]
    city = (cities or {}).get(clause.doc_id)
    if city:
        meta["city"] = city
    return meta


def normalize_where(where: Mapping[str, Any] | None) -> dict | None:
    """Chroma wants exactly one key per where-dict; `{"doc_id": d, "units": {...}}` becomes
    an `$and` of the two. Anything already using operators is passed through."""
    if not where:
        return None
    where = dict(where)
    if len(where) > 1 and not any(k.startswith("$") for k in where):
        return {"$and": [{k: v} for k, v in where.items()]}
    return where


# --------------------------------------------------------------------------- chroma


def _chromadb():
    import chromadb  # noqa: PLC0415  (slow import, only when an index is used)

    return chromadb


def _settings():
    from chromadb.config import Settings  # noqa: PLC0415

    return Settings(anonymized_telemetry=False)


def _persistent_client(path: Path):
    return _chromadb().PersistentClient(path=str(path), settings=_settings())


def _http_client(cfg: StoreConfig):
    try:
        client = _chromadb().HttpClient(host=cfg.host, port=cfg.port, settings=_settings())
        client.heartbeat()
        return client
    except StoreError:
        raise
    except Exception as e:  # noqa: BLE001  (connection errors come in many types)
        raise StoreError(
            f"无法连接 Chroma 服务 http://{cfg.host}:{cfg.port}（{type(e).__name__}: {e}）："
            f"请先启动服务（chroma run --path <数据目录> --host {cfg.host} --port {cfg.port}），"
            "或不设置 host 改用本地嵌入模式"
        ) from e


def _create_collection(client, name: str, manifest: dict):
    # embedding_function=None: no default EF is created; configuration sets cosine HNSW.
    meta = {k: v for k, v in manifest.items() if isinstance(v, (str, int, float, bool))}
    return client.create_collection(
        name=name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
        metadata=meta or None,
    )


def _get_collection(client, name: str):
    return client.get_collection(name=name, embedding_function=None)


# --------------------------------------------------------------------------- files


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            try:
                fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            except OSError:
                pass
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _atomic_write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.time_ns()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _read_json(path: Path) -> dict | None:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise StoreError(
            f"索引文件 {path} 无法读取（{e}）：请运行 {BUILD_COMMAND} --force 重建索引"
        ) from e
    if not isinstance(data, dict):
        raise StoreError(f"索引文件 {path} 内容不正确：请运行 {BUILD_COMMAND} --force 重建索引")
    return data


@contextlib.contextmanager
def _build_lock(data_dir: Path, timeout: float):
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "build.lock"
    f = open(path, "a+", encoding="utf-8")  # noqa: SIM115
    try:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() >= deadline:
                    holder = ""
                    with contextlib.suppress(OSError):
                        holder = path.read_text(encoding="utf-8").strip()
                    who = f"（pid {holder}）" if holder else ""
                    raise IndexBusyError(
                        f"另一个进程{who}正在构建索引，等待 {timeout:g} 秒后仍未结束："
                        f"请等它完成后再运行 {BUILD_COMMAND}；若该进程已不存在，直接重试即可"
                        "（锁会随进程退出自动释放）"
                    ) from None
                time.sleep(0.05)
        with contextlib.suppress(OSError):
            f.seek(0)
            f.truncate()
            f.write(str(os.getpid()))
            f.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            f.seek(0)
            f.truncate()
        f.close()  # closing the descriptor releases the flock


# --------------------------------------------------------------------------- active index


def _missing(cfg: StoreConfig, detail: str = "") -> IndexMissingError:
    where = (
        f"Chroma 服务 {cfg.host}:{cfg.port}（{cfg.namespace}）" if cfg.server else str(cfg.data_dir)
    )
    extra = f"（{detail}）" if detail else ""
    return IndexMissingError(f"索引不存在：请先运行 {BUILD_COMMAND}（位置：{where}）{extra}")


def _pointer_name(cfg: StoreConfig) -> str:
    return f"{cfg.namespace}_pointer"


def _clause_prefix(cfg: StoreConfig) -> str:
    return f"{cfg.namespace}_clauses_"


def _embedded_active(cfg: StoreConfig) -> tuple[dict, Path, dict] | None:
    """(CURRENT, build folder, DONE manifest) of the active embedded index, or None."""
    cur = _read_json(Path(cfg.data_dir) / "CURRENT")
    if cur is None:
        return None
    name = cur.get("build")
    if not isinstance(name, str) or not name or "/" in name:
        raise StoreError(f"索引指针 CURRENT 内容不正确：请运行 {BUILD_COMMAND} --force 重建索引")
    folder = Path(cfg.data_dir) / "builds" / name
    done = _read_json(folder / "DONE")
    if done is None:
        raise _missing(cfg, f"CURRENT 指向的 {folder} 不完整或已被删除")
    if done.get("fingerprint") != cur.get("fingerprint"):
        raise StoreError(
            f"索引指针与索引 {folder} 的指纹不一致：请运行 {BUILD_COMMAND} --force 重建索引"
        )
    return cur, folder, done


def _server_pointer(client, cfg: StoreConfig) -> dict | None:
    chromadb = _chromadb()
    try:
        col = _get_collection(client, _pointer_name(cfg))
    except chromadb.errors.NotFoundError:
        return None
    except ValueError as e:  # some versions raise ValueError("Collection … does not exist")
        if "does not exist" in str(e):
            return None
        raise
    meta = dict(col.metadata or {})
    return meta if meta.get("collection") else None


def active_manifest(cfg: StoreConfig) -> dict | None:
    """The manifest of the active index (fingerprint, embedder_name, schema_version, count,
    dim, built_at, location), or None when there is none. For `index status`."""
    if cfg.server:
        client = _http_client(cfg)
        try:
            ptr = _server_pointer(client, cfg)
        finally:
            client.close()
        if ptr is None:
            return None
        return {**ptr, "location": ptr["collection"]}
    active = _embedded_active(cfg)
    if active is None:
        return None
    _cur, folder, done = active
    return {**done, "location": str(folder)}


def _check_fingerprint(manifest: dict, expected: str) -> None:
    actual = str(manifest.get("fingerprint", ""))
    if actual == expected and manifest.get("schema_version") == SCHEMA_VERSION:
        return
    raise StaleIndexError(
        "索引已过期：现有索引（嵌入模型 {emb}，索引结构版本 {sv}，{n} 条，指纹 {fp}）"
        "与当前的嵌入模型、语料或结构版本（期望指纹 {exp}）不一致，不能混用新旧向量。"
        "请运行 {cmd} 重建索引".format(
            emb=manifest.get("embedder_name", "?"),
            sv=manifest.get("schema_version", "?"),
            n=manifest.get("count", "?"),
            fp=actual[:12],
            exp=expected[:12],
            cmd=BUILD_COMMAND,
        ),
        expected=expected,
        actual=actual,
        manifest=manifest,
    )


class ClauseIndex:
    """An opened, fingerprint-checked clause index. Use `open_index` to get one."""

    def __init__(self, cfg: StoreConfig, client, collection, manifest: dict, location: str):
        self.cfg = cfg
        self._client = client
        self._col = collection
        self.manifest = manifest
        self.location = location
        self.fingerprint: str = manifest["fingerprint"]
        self.embedder_name: str = manifest.get("embedder_name", "")
        self.dim: int = int(manifest.get("dim", 0))
        self.count: int = int(collection.count())

    def query(
        self, vector: np.ndarray, k: int, where: Mapping[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """The k nearest clauses as (clause_id, cosine similarity), best first.

        `where` is a Chroma filter, e.g. {"doc_id": "x"}, {"units": {"$contains": "市商务局"}},
        {"city": {"$in": ["郑州", "信阳"]}}; several plain keys are and-ed."""
        if k <= 0 or self.count == 0:
            return []
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        if self.dim and v.shape[0] != self.dim:
            raise StoreError(
                f"查询向量维度 {v.shape[0]} 与索引维度 {self.dim} 不一致："
                f"请确认使用的嵌入模型与建索引时相同（{self.embedder_name}），或运行 {BUILD_COMMAND} 重建"
            )
        if not np.all(np.isfinite(v)) or not np.any(v):
            raise StoreError("查询向量为零向量或含非法数值，无法检索")
        res = self._col.query(
            query_embeddings=[v.tolist()],
            n_results=min(int(k), self.count),
            where=normalize_where(where),
            include=["distances"],
        )
        ids = res["ids"][0]
        dists = res["distances"][0] if res.get("distances") else [1.0] * len(ids)
        return [(i, float(1.0 - d)) for i, d in zip(ids, dists, strict=True)]

    def get(self, clause_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Metadata (plus the embedded "passage") of the given clauses that are indexed."""
        ids = list(dict.fromkeys(clause_ids))
        if not ids:
            return {}
        res = self._col.get(ids=ids, include=["metadatas", "documents"])
        out: dict[str, dict[str, Any]] = {}
        for i, meta, doc in zip(res["ids"], res["metadatas"], res["documents"], strict=True):
            m = dict(meta or {})
            m["units"] = list(m.get("units") or [])
            m["passage"] = doc or ""
            out[i] = m
        return {i: out[i] for i in ids if i in out}

    def vectors(self, clause_ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Stored vectors of the given clauses (an id look-up, not a filtered scan)."""
        res = self._col.get(ids=list(clause_ids), include=["embeddings"])
        return list(res["ids"]), np.asarray(res["embeddings"], dtype=np.float32)

    def is_current(self) -> bool:
        """Whether this is still the active index (a rebuild may have swapped in another)."""
        try:
            man = active_manifest(self.cfg)
        except StoreError:
            return False
        return bool(man) and man.get("location") == self.location

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()

    def __enter__(self) -> ClauseIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_index(cfg: StoreConfig, expected_fingerprint: str) -> ClauseIndex:
    """Open the active index; IndexMissingError if there is none, StaleIndexError if it was
    built for another fingerprint (then rebuild instead of mixing vectors)."""
    if cfg.server:
        client = _http_client(cfg)
        try:
            ptr = _server_pointer(client, cfg)
            if ptr is None:
                raise _missing(cfg)
            _check_fingerprint(ptr, expected_fingerprint)
            name = ptr["collection"]
            try:
                col = _get_collection(client, name)
            except Exception as e:  # noqa: BLE001
                raise _missing(cfg, f"指针指向的集合 {name} 不存在：{e}") from e
            if (col.metadata or {}).get("fingerprint") != ptr.get("fingerprint"):
                raise StoreError(
                    f"集合 {name} 与索引指针的指纹不一致：请运行 {BUILD_COMMAND} --force 重建"
                )
            return ClauseIndex(cfg, client, col, ptr, name)
        except BaseException:
            client.close()
            raise

    for attempt in range(2):
        active = _embedded_active(cfg)
        if active is None:
            raise _missing(cfg)
        _cur, folder, done = active
        _check_fingerprint(done, expected_fingerprint)
        try:
            return _open_embedded(cfg, folder, done)
        except StoreError:
            # A rebuild may have swapped twice and removed this build between reading
            # CURRENT and opening it: resolve again once.
            again = _read_json_quiet(Path(cfg.data_dir) / "CURRENT")
            if attempt or not again or again.get("build") == folder.name:
                raise
    raise AssertionError("unreachable")


def _open_embedded(cfg: StoreConfig, folder: Path, done: dict) -> ClauseIndex:
    client = _persistent_client(folder)
    try:
        col = _get_collection(client, done.get("collection", COLLECTION))
        return ClauseIndex(cfg, client, col, done, str(folder))
    except Exception as e:
        with contextlib.suppress(Exception):
            client.close()
        if isinstance(e, StoreError):
            raise
        raise StoreError(
            f"索引 {folder} 无法打开（{type(e).__name__}: {e}）：请运行 {BUILD_COMMAND} --force 重建"
        ) from e


# --------------------------------------------------------------------------- build


def _embed_all(
    texts: list[str], embed: EmbedFn, batch_size: int, progress: ProgressFn
) -> np.ndarray:
    parts: list[np.ndarray] = []
    dim = 0
    progress("embed", 0, len(texts))
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        arr = np.asarray(embed(batch), dtype=np.float32)
        if arr.ndim != 2 or arr.shape[0] != len(batch) or arr.shape[1] == 0:
            raise StoreError(
                f"嵌入函数返回形状 {arr.shape}，应为 ({len(batch)}, 维度)：请检查嵌入模型"
            )
        if dim and arr.shape[1] != dim:
            raise StoreError(f"嵌入维度前后不一致（{dim} 与 {arr.shape[1]}）：请检查嵌入模型")
        dim = arr.shape[1]
        if not np.all(np.isfinite(arr)) or np.any(np.linalg.norm(arr, axis=1) == 0):
            raise StoreError("嵌入函数返回了零向量或非法数值（NaN/inf）：请检查嵌入模型")
        parts.append(arr)
        progress("embed", min(start + batch_size, len(texts)), len(texts))
    return np.concatenate(parts, axis=0)


def _write_records(col, ids, vectors, metas, docs, progress: ProgressFn, batch: int) -> None:
    n = len(ids)
    progress("write", 0, n)
    for s in range(0, n, batch):
        e = min(n, s + batch)
        col.add(
            ids=ids[s:e],
            embeddings=vectors[s:e],
            metadatas=metas[s:e],
            documents=docs[s:e],
        )
        progress("write", e, n)


def _verify(col, ids: list[str], vectors: np.ndarray) -> None:
    n = col.count()
    if n != len(ids):
        raise StoreError(f"新索引校验失败：写入 {len(ids)} 条，读回 {n} 条")
    probe = [0, len(ids) // 2, len(ids) - 1]
    res = col.query(query_embeddings=vectors[probe], n_results=1, include=["distances"])
    for j, p in enumerate(probe):
        got = res["ids"][j][0] if res["ids"][j] else None
        if got != ids[p] and float(res["distances"][j][0]) > 1e-4:  # duplicates may tie
            raise StoreError(f"新索引校验失败：{ids[p]} 的向量检索得到 {got}")


def build_index(
    cfg: StoreConfig,
    clauses: Sequence[Clause],
    embed_passages: EmbedFn,
    embedder_name: str,
    *,
    force: bool = False,
    on_progress: ProgressFn | None = None,
    passage: Callable[[Clause], str] = passage_text,
    cities: Mapping[str, str] | None = None,
    batch_size: int = 32,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> BuildReport:
    """Embed `clauses` and make them the active index, atomically.

    Skipped (report.skipped) when the active index already has this fingerprint, unless
    `force`. `on_progress(stage, done, total)` is called with the stages "embed", "write",
    "verify", "commit", "swap" (done=0 just before the pointer is replaced, 1 after) and
    "cleanup". Raises IndexBusyError when another builder holds the lock for longer than
    `lock_timeout` seconds."""
    t0 = time.perf_counter()
    progress: ProgressFn = on_progress or (lambda _s, _d, _t: None)
    clauses = list(clauses)
    if not clauses:
        raise StoreError("没有可索引的条款：请先检查语料（seeds/catalog.toml）能否正常解析")
    ids = [c.clause_id for c in clauses]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise StoreError(f"条款编号重复：{', '.join(dup[:5])}：请检查解析结果")
    fp = fingerprint(clauses, embedder_name, passage=passage, cities=cities)

    with _build_lock(Path(cfg.data_dir), lock_timeout):
        # Checked under the lock: a builder we waited for may have built exactly this.
        current = active_manifest_or_none(cfg)
        if current is not None and current.get("fingerprint") == fp and not force:
            if current.get("schema_version") == SCHEMA_VERSION:
                return BuildReport(
                    fingerprint=fp,
                    embedder_name=embedder_name,
                    skipped=True,
                    count=int(current.get("count", len(clauses))),
                    dim=int(current.get("dim", 0)),
                    location=str(current.get("location", "")),
                    seconds=time.perf_counter() - t0,
                )
        texts = [passage(c) for c in clauses]
        metas = [clause_metadata(c, cities) for c in clauses]
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "fingerprint": fp,
            "embedder_name": embedder_name,
            "count": len(clauses),
            "dim": 0,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        builder = _build_server if cfg.server else _build_embedded
        location, dim, removed = builder(
            cfg, ids, texts, metas, embed_passages, manifest, progress, batch_size
        )
        return BuildReport(
            fingerprint=fp,
            embedder_name=embedder_name,
            skipped=False,
            count=len(clauses),
            dim=dim,
            location=location,
            seconds=time.perf_counter() - t0,
            removed=removed,
        )


def active_manifest_or_none(cfg: StoreConfig) -> dict | None:
    """Like `active_manifest`, but a broken or dangling pointer counts as no index."""
    try:
        return active_manifest(cfg)
    except IndexMissingError:
        return None
    except StoreError:
        if cfg.server:
            raise  # e.g. the server is down: say so instead of building blind
        return None


def _cleanup_embedded(data_dir: Path, keep: set[str]) -> list[str]:
    removed: list[str] = []
    for tmp in data_dir.glob(".CURRENT.*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()
    builds = data_dir / "builds"
    if not builds.is_dir():
        return removed
    for entry in sorted(builds.iterdir()):
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


def _build_embedded(
    cfg: StoreConfig,
    ids: list[str],
    texts: list[str],
    metas: list[dict],
    embed: EmbedFn,
    manifest: dict,
    progress: ProgressFn,
    batch_size: int,
) -> tuple[str, int, list[str]]:
    data_dir = Path(cfg.data_dir)
    cur = _read_json_quiet(data_dir / "CURRENT")
    active = cur.get("build") if cur else None
    keep = {n for n in (active, cur.get("previous") if cur else None) if n}
    # Partial folders of crashed builds (and anything else not in use) go first.
    removed = _cleanup_embedded(data_dir, keep)

    fp = manifest["fingerprint"]
    name = f"{fp[:16]}-{os.getpid()}-{time.time_ns()}"
    folder = data_dir / "builds" / name
    folder.mkdir(parents=True)
    try:
        vectors = _embed_all(texts, embed, max(1, batch_size), progress)
        manifest = {**manifest, "dim": int(vectors.shape[1]), "collection": COLLECTION}
        client = _persistent_client(folder)
        try:
            col = _create_collection(client, COLLECTION, manifest)
            batch = max(1, min(int(client.get_max_batch_size()), 1000))
            _write_records(col, ids, vectors, metas, texts, progress, batch)
        finally:
            client.close()
        # Reopen from disk, as a reader will: checks the data and lets Chroma finish its
        # own log → HNSW work before the folder becomes visible.
        progress("verify", 0, 1)
        client = _persistent_client(folder)
        try:
            _verify(_get_collection(client, COLLECTION), ids, vectors)
        finally:
            client.close()
        progress("verify", 1, 1)
        _fsync_tree(folder)
        _atomic_write_json(folder / "DONE", manifest)
        progress("commit", 1, 1)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    progress("swap", 0, 1)
    _atomic_write_json(
        data_dir / "CURRENT", {"build": name, "fingerprint": fp, "previous": active or ""}
    )
    progress("swap", 1, 1)
    progress("cleanup", 0, 1)
    removed += _cleanup_embedded(data_dir, {name} | ({active} if active else set()))
    progress("cleanup", 1, 1)
    return str(folder), manifest["dim"], removed


def _read_json_quiet(path: Path) -> dict | None:
    try:
        return _read_json(path)
    except StoreError:
        return None


def _build_server(
    cfg: StoreConfig,
    ids: list[str],
    texts: list[str],
    metas: list[dict],
    embed: EmbedFn,
    manifest: dict,
    progress: ProgressFn,
    batch_size: int,
) -> tuple[str, int, list[str]]:
    client = _http_client(cfg)
    try:
        return _build_server_with(client, cfg, ids, texts, metas, embed, manifest, progress, batch_size)
    finally:
        client.close()


def _build_server_with(
    client, cfg, ids, texts, metas, embed, manifest, progress, batch_size
) -> tuple[str, int, list[str]]:
    ptr = _server_pointer(client, cfg)
    active = ptr.get("collection") if ptr else None
    keep = {n for n in (active, ptr.get("previous") if ptr else None) if n}
    prefix = _clause_prefix(cfg)
    removed = _cleanup_server(client, prefix, keep)

    fp = manifest["fingerprint"]
    name = f"{prefix}{fp[:16]}_{time.time_ns()}"
    vectors = _embed_all(texts, embed, max(1, batch_size), progress)
    manifest = {**manifest, "dim": int(vectors.shape[1]), "collection": name}
    try:
        col = _create_collection(client, name, manifest)
        batch = max(1, min(int(client.get_max_batch_size()), 1000))
        _write_records(col, ids, vectors, metas, texts, progress, batch)
        progress("verify", 0, 1)
        _verify(_get_collection(client, name), ids, vectors)
        progress("verify", 1, 1)
        progress("commit", 1, 1)
    except BaseException:
        with contextlib.suppress(Exception):
            client.delete_collection(name)
        raise

    progress("swap", 0, 1)
    pointer = client.get_or_create_collection(name=_pointer_name(cfg), embedding_function=None)
    # One metadata update (it replaces the whole metadata): the atomic swap.
    pointer.modify(metadata={**manifest, "previous": active or ""})
    progress("swap", 1, 1)
    progress("cleanup", 0, 1)
    removed += _cleanup_server(client, prefix, {name} | ({active} if active else set()))
    progress("cleanup", 1, 1)
    return name, manifest["dim"], removed


def _cleanup_server(client, prefix: str, keep: set[str]) -> list[str]:
    removed: list[str] = []
    try:
        names = [c.name for c in client.list_collections()]
    except Exception:  # noqa: BLE001
        return removed
    for n in names:
        if n.startswith(prefix) and n not in keep:
            try:
                client.delete_collection(n)
                removed.append(n)
            except Exception:  # noqa: BLE001, S112
                continue
    return removed
