"""Store errors a user can act on: each message is one Chinese line saying what went wrong and the fix."""

from __future__ import annotations

import errno

from ..errors import PolicyError

BUILD_COMMAND = "policy-assistant index build"

# errno values that mean "this place cannot be written" / "the disk is full"
READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

# The same conditions as Chroma (sqlite, Rust std::io) reports them in exception texts.
_CHROMA_TEXTS = (
    (errno.ENOSPC, ("database or disk is full", "no space left on device", "os error 28", "disk quota")),
    (errno.EROFS, ("readonly database", "read-only file system", "os error 30")),
    (errno.EACCES, ("permission denied", "os error 13")),
)


class StoreError(PolicyError, RuntimeError):
    """A store problem the user can fix; the message (Chinese) says how."""


class IndexMissingError(StoreError):
    pass


class StaleIndexError(StoreError):
    """The active index was built for other passages, another embedder or schema version."""

    def __init__(self, message: str, expected: str, actual: str, manifest: dict | None = None):
        super().__init__(message)
        self.expected = expected
        self.actual = actual
        self.manifest = manifest or {}


class BrokenPointerError(StoreError):
    """The pointer to the active build is unreadable or names a build that does not match it;
    a build replaces it."""


class IndexBusyError(StoreError):
    """Another process holds the build lock."""


class DamagedIndexError(StoreError):
    """The active index does not hold what its manifest says (a damaged or replaced file)."""

    def __init__(self, location: str, reason: str):
        super().__init__(f"索引已损坏（{location}：{one_line(reason)}）：请运行 {BUILD_COMMAND} 重建索引")
        self.location = location
        self.reason = reason


class StoreIOError(StoreError):
    """The operating system refused a read or write (read-only, no permission, disk full)."""

    def __init__(self, message: str, code: int | None):
        super().__init__(message)
        self.errno = code

    @property
    def read_only(self) -> bool:
        return self.errno in READ_ONLY_ERRNOS

    @property
    def disk_full(self) -> bool:
        return self.errno in FULL_ERRNOS


def one_line(text: object, limit: int = 160) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def chroma_errno(exc: BaseException) -> int | None:
    """The errno an exception stands for: its own, or the one its (Chroma) text describes."""
    if isinstance(exc, OSError) and exc.errno:
        return exc.errno
    text = str(exc).lower()
    for code, needles in _CHROMA_TEXTS:
        if any(n in text for n in needles):
            return code
    return None


def io_error(exc: BaseException, doing: str, path: object, *, building: bool = True) -> StoreIOError | None:
    """`exc` as one line naming the problem and the fix, or None when it is not an OS-level failure.

    `doing` says what failed ("构建索引", "打开索引"); `building` picks the fix: a build can be retried
    once there is room, a reader needs the data dir readable only."""
    code = chroma_errno(exc)
    if code in FULL_ERRNOS:
        if building:
            msg = (f"磁盘空间不足，{doing}失败（{path}）：原有索引（如有）未受影响，仍可使用；"
                   f"请清理磁盘空间后重新运行 {BUILD_COMMAND}")
        else:
            msg = f"磁盘空间不足，{doing}失败（{path}）：请清理磁盘空间后重试"
    elif code in READ_ONLY_ERRNOS:
        msg = (f"数据目录 {path} 不可写（只读文件系统或没有写权限），{doing}失败：请给该目录写权限，"
               "或用 --data-dir（POLICY_DATA_DIR）指向一个可写的目录")
        if building:
            msg += "；原有索引（如有）未受影响，仍可使用"
    elif isinstance(exc, OSError):
        msg = f"{doing}失败（{path}：{one_line(exc.strerror or exc)}）：请检查磁盘和权限后重试"
    else:
        return None
    return StoreIOError(msg, code)
