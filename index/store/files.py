"""Files of the store: durable writes (fsync, atomic replace), JSON reads, the build lock."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import BUILD_COMMAND, FULL_ERRNOS, IndexBusyError, StoreError, io_error

# fsync may be unsupported on a file system (EINVAL) and is then skipped; a full disk or an I/O
# error is not: the build stops before it would point readers at data that may not be on disk.
_FATAL_SYNC = FULL_ERRNOS | {errno.EIO}


def _fsync(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno in _FATAL_SYNC:
            raise
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            _fsync(os.path.join(dirpath, f))
        _fsync(dirpath)


def atomic_write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.time_ns()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync(str(path.parent))


def read_json(path: Path) -> dict | None:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise StoreError(f"索引文件 {path} 无法读取（{e}）：请运行 {BUILD_COMMAND} 重建索引") from e
    if not isinstance(data, dict):
        raise StoreError(f"索引文件 {path} 内容不正确：请运行 {BUILD_COMMAND} 重建索引")
    return data


@contextlib.contextmanager
def build_lock(data_dir: Path, timeout: float) -> Iterator[None]:
    """flock on data_dir/build.lock: one builder at a time (readers never take it). The lock goes
    with the process, so a killed builder never leaves it held."""
    path = data_dir / "build.lock"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        f = open(path, "a+", encoding="utf-8")  # noqa: SIM115
    except OSError as e:
        raise (io_error(e, "获取构建锁（build.lock）", data_dir) or e) from e
    try:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise (io_error(e, "获取构建锁（build.lock）", data_dir) or e) from e
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
