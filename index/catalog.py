"""The corpus catalog (seeds/catalog.toml): which documents there are and what they are."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .errors import PolicyError
from .records import Document

CATALOG_FILE = "catalog.toml"
ALIASES_FILE = "unit_aliases.toml"
_REQUIRED = ("id", "title", "short_name", "city", "province", "issuer", "source")
_OPTIONAL = ("number", "date", "district", "aliases")
_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})?$")


class CatalogError(PolicyError, ValueError):
    """A catalog or seed file that cannot be used; the message names the file and the fix."""


def load_catalog(seeds_dir: Path) -> list[Document]:
    """Read and check every [[document]] entry; the source files must exist."""
    path = Path(seeds_dir) / CATALOG_FILE
    data = _read_toml(path)
    entries = data.get("document")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: 没有任何 [[document]] 条目：请为每份文件添加一个条目")
    docs: list[Document] = []
    seen: set[str] = set()
    sources: dict[Path, str] = {}  # resolved source file → the entry that names it
    root = Path(seeds_dir).resolve()
    for i, entry in enumerate(entries, start=1):
        where = f"{path} 第 {i} 个 [[document]]"
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            where += f"（id {entry['id']}）"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: 条目格式错误")
        unknown = set(entry) - set(_REQUIRED) - set(_OPTIONAL)
        if unknown:
            raise CatalogError(f"{where}: 未知字段 {sorted(unknown)}；可用字段：{', '.join(_REQUIRED + _OPTIONAL)}")
        missing = [k for k in _REQUIRED if not str(entry.get(k, "")).strip()]
        if missing:
            raise CatalogError(f"{where}: 缺少字段 {', '.join(missing)}")
        bad = [k for k in _REQUIRED + _OPTIONAL[:-1] if k in entry and not isinstance(entry[k], str)]
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            bad.append("aliases")
        if bad:
            raise CatalogError(f"{where}: 字段 {', '.join(bad)} 应为字符串（aliases 为字符串列表）")
        doc_id = entry["id"]
        if not _DOC_ID.match(doc_id):
            raise CatalogError(f"{where}: id {doc_id!r} 只能用小写字母、数字和连字符（如 zhengzhou-opinions）")
        if doc_id in seen:
            raise CatalogError(f"{where}: id {doc_id!r} 重复")
        if not _DATE.match(entry.get("date", "")):
            raise CatalogError(f"{where}: date {entry['date']!r} 应写成 YYYY-MM-DD 或留空")
        source = _inside(root, entry["source"], where)
        if source in sources:
            raise CatalogError(f"{where} 与{sources[source]}指向同一个源文件 {entry['source']}："
                               f"每份文件只能有一个条目，请删去其中一个或改正 source")
        sources[source] = where.removeprefix(f"{path} ")
        seen.add(doc_id)
        docs.append(
            Document(
                doc_id=doc_id,
                title=entry["title"],
                short_name=entry["short_name"],
                city=entry["city"],
                province=entry["province"],
                issuer=entry["issuer"],
                source=entry["source"],
                number=entry.get("number", ""),
                date=entry.get("date", ""),
                district=entry.get("district", ""),
                aliases=tuple(aliases),
            )
        )
    return docs


def _inside(root: Path, source: str, where: str) -> Path:
    """The source file, resolved (symlinks followed); it must be a file inside the seeds folder."""
    resolved = (root / source).resolve()
    if not resolved.is_relative_to(root):
        raise CatalogError(f"{where}: source {source!r} 指向 seeds 文件夹之外（{resolved}）："
                           f"源文件须放在 {root} 之内，source 写相对路径")
    if not resolved.is_file():
        raise CatalogError(f"{where}: 找不到源文件 {root / source}")
    return resolved


def load_aliases(seeds_dir: Path) -> dict[str, dict[str, str]]:
    """Per-city unit alias tables; a missing file means no aliases."""
    path = Path(seeds_dir) / ALIASES_FILE
    if not path.exists():
        return {}
    data = _read_toml(path)
    tables: dict[str, dict[str, str]] = {}
    for city, table in data.items():
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise CatalogError(f"{path}: [{city}] 应是 \"印刷名\" = \"规范名\" 的表")
        tables[city] = dict(table)
    return tables


def read_source(seeds_dir: Path, doc: Document) -> str:
    """The document's text, exactly as stored (UTF-8, BOM tolerated)."""
    path = Path(seeds_dir) / doc.source
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: 无法读取（{exc.strerror}）") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: 不是 UTF-8 文本（第 {exc.start} 字节）：请转存为 UTF-8") from None


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise CatalogError(f"{path}: 文件不存在") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: TOML 格式错误：{exc}") from None
    except OSError as exc:
        raise CatalogError(f"{path}: 无法读取（{exc.strerror}）") from None
