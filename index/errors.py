"""The one error base: a problem the user can act on, said in one Chinese line with the fix.

Every error raised for users (catalog, parse, store, embedder here; bad input in `assistant`) derives from
`PolicyError`; the CLI prints its message and exits with `exit_code`, every web handler shows its message. (They keep their old builtin base too, ValueError or RuntimeError, for
callers that catch those.)
`os_error_line` says an operating-system failure (read-only, full disk, permissions) the same way.
"""

from __future__ import annotations

import errno


class PolicyError(Exception):
    """One line saying what went wrong and the fix; `exit_code` 2 for bad input, 1 for everything else."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


# errno → (what happened, what to do)
_OS_REASONS = {
    errno.EACCES: ("没有权限", "请检查文件和文件夹的权限，或换一个可写的位置"),
    errno.EPERM: ("操作不被允许", "请检查文件和文件夹的权限，或换一个可写的位置"),
    errno.EROFS: ("文件系统是只读的", "请换一个可写的位置"),
    errno.ENOSPC: ("磁盘空间已满", "请清理磁盘空间后重试，或换一个位置"),
    errno.EDQUOT: ("磁盘配额已用完", "请清理磁盘空间后重试，或换一个位置"),
    errno.EFBIG: ("文件过大", "请换一个位置，或清理磁盘空间"),
    errno.ENOENT: ("文件或文件夹不存在", "请检查路径是否写对"),
    errno.EISDIR: ("这是一个文件夹", "请给出文件的路径"),
    errno.ENOTDIR: ("路径中有一部分不是文件夹", "请检查路径是否写对"),
    errno.EEXIST: ("已经存在", "请换一个名字，或先删除它"),
    errno.EMFILE: ("打开的文件过多", "请关闭其他程序，或用 ulimit -n 提高上限"),
    errno.ENFILE: ("系统打开的文件过多", "请关闭其他程序后重试"),
    errno.ENOMEM: ("内存不足", "请关闭其他程序后重试"),
    errno.EIO: ("读写出错（设备 I/O 错误）", "请检查磁盘或设备"),
    errno.EPIPE: ("输出管道已关闭", "其余输出未写出；如需全部结果，请不要截断输出（如 | head）"),
    errno.ETIMEDOUT: ("连接超时", "请检查网络与服务地址"),
    errno.ECONNREFUSED: ("连接被拒绝", "请确认服务已启动、地址和端口正确"),
}


def os_error_line(exc: OSError, action: str = "", path: object = None) -> str:
    """`无法写入输出文件 /x/out.jsonl：文件系统是只读的（Read-only file system）：请换一个可写的位置`."""
    reason, fix = _OS_REASONS.get(exc.errno, (exc.strerror or type(exc).__name__, "请检查该路径和磁盘后重试"))
    target = path if path is not None else (exc.filename if exc.filename is not None else "")
    head = " ".join(str(p) for p in (f"无法{action}" if action else "", target) if p != "")
    detail = f"（{exc.strerror}）" if exc.strerror and exc.strerror != reason else ""
    return f"{head}：{reason}{detail}：{fix}" if head else f"{reason}{detail}：{fix}"
