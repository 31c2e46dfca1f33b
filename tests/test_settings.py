"""Settings: four groups, the POLICY_* names users already use, `--set` for every setting, packaged data."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.cli import build_parser, main, settings_from
from assistant.errors import UserError
from assistant.settings import ENV_PREFIX, GROUPS, Settings, fields, flat_names, parse_assignments

OLD_NAMES = ["SEEDS_DIR", "DATA_DIR", "EMBEDDER", "CHROMA_HOST", "CHROMA_PORT", "TOP_K", "RETRIEVAL", "DENSE_WEIGHT",
             "MAX_QUESTION_CHARS", "LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY", "LLM_TIMEOUT_S", "PROMPTS_DIR", "HOST",
             "PORT", "QUEUE_SIZE", "API_KEY", "API_MAX_BODY_BYTES", "DENSE_PASSAGES", "MAX_INPUT_BYTES", "SESSIONS_KEPT"]


@pytest.fixture
def clean_env(monkeypatch):
    for name in OLD_NAMES:
        monkeypatch.delenv(ENV_PREFIX + name, raising=False)
    return monkeypatch


def test_every_setting_is_in_a_group_described_and_keeps_its_environment_name():
    envs = [info.json_schema_extra["env"] for _, info in fields()]
    assert sorted(envs) == sorted(OLD_NAMES) and len(set(envs)) == len(envs)
    assert all(info.description for _, info in fields())
    assert {d.split(".")[0] for d, _ in fields() if "." in d} == set(GROUPS) == {"store", "retrieval", "llm", "web"}
    assert all(Settings.model_fields[g].description for g in GROUPS)


def test_the_environment_names_users_already_use(clean_env, tmp_path):
    clean_env.setenv("POLICY_DATA_DIR", str(tmp_path))
    clean_env.setenv("POLICY_RETRIEVAL", "keyword")
    clean_env.setenv("POLICY_TOP_K", "3")
    clean_env.setenv("POLICY_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    clean_env.setenv("POLICY_LLM_MODEL", "m")
    clean_env.setenv("POLICY_PORT", "8123")
    s = Settings()
    assert (s.store.data_dir, s.retrieval.mode, s.retrieval.top_k) == (tmp_path, "keyword", 3)
    assert s.llm.enabled and s.llm.base_url == "http://127.0.0.1:9/v1" and s.web.port == 8123
    assert Settings(retrieval="keyword", top_k=4).retrieval.top_k == 4  # a keyword argument wins over the env
    assert Settings(retrieval="dense").retrieval.top_k == 3  # and keeps the rest of the group's env
    child = s.updated(top_k=9)
    for name, value in child.env().items():  # what a child process is given
        clean_env.setenv(name, value)
    assert Settings().model_dump() == child.model_dump()


def test_keyword_arguments_flat_dotted_or_nested(clean_env):
    a = Settings(**{"retrieval.top_k": 7, "host": "0.0.0.0", "llm": {"model": "x"}})
    assert (a.retrieval.top_k, a.web.host, a.llm.model) == (7, "0.0.0.0", "x")
    b = a.updated(port=9000, **{"retrieval.mode": "keyword"})
    assert (b.web.port, b.web.host, b.retrieval.mode, b.retrieval.top_k) == (9000, "0.0.0.0", "keyword", 7)
    with pytest.raises(ValidationError):
        Settings(no_such_setting=1)
    with pytest.raises(ValidationError) as err:
        Settings(top_k=0)
    assert err.value.errors()[0]["loc"] == ("retrieval", "top_k")


def test_set_reaches_every_setting_and_names_a_bad_key(clean_env):
    assert set(flat_names().values()) == {d for d, _ in fields()}
    args = build_parser().parse_args(["--set", "retrieval.top_k=2", "--set", "queue_size=3", "--set", "llm.model=q",
                                      "--retrieval", "keyword", "clauses"])
    s = settings_from(args)
    assert (s.retrieval.top_k, s.web.queue_size, s.llm.model, s.retrieval.mode) == (2, 3, "q", "keyword")
    with pytest.raises(ValueError, match="没有这个设置"):
        parse_assignments(["nope=1"])
    with pytest.raises(ValueError, match="key=value"):
        parse_assignments(["top_k"])
    with pytest.raises(UserError):
        settings_from(build_parser().parse_args(["--set", "nope=1", "clauses"]))


def test_a_bad_value_is_one_line_naming_the_setting_and_its_variable(clean_env, capsys):
    assert main(["--set", "web.port=99999", "docs"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "web.port" in err and "POLICY_PORT" in err


def test_packaged_data_and_the_user_data_folder(clean_env, tmp_path):
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path))
    s = Settings()
    assert (s.seeds_dir / "catalog.toml").is_file()
    assert (s.llm.prompts_dir / "answer_system.txt").is_file()
    assert s.store.data_dir == tmp_path / "policy-assistant"
