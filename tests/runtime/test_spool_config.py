"""`[otel.spool]` in the config loader: defaults, values, and errors that name the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_otel.runtime import ConfigError, SpoolConfig, load_config

pytestmark = pytest.mark.no_otel


def spool(body: str) -> SpoolConfig:
    return load_config(text=f"[otel.spool]\n{body}\n", environ={}).spool


def test_defaults() -> None:
    assert load_config(environ={}).spool == SpoolConfig(True, None, 4 * 1024 * 1024)


def test_values(tmp_path: Path) -> None:
    config = load_config(
        text=f'[otel.spool]\nenabled = false\npath = "{tmp_path}"\nmax_bytes = 1000\n', environ={}
    )
    assert config.spool == SpoolConfig(enabled=False, path=tmp_path, max_bytes=1000)


def test_a_relative_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text('[otel.spool]\npath = "spool-here"\n')
    assert load_config(file, environ={}).spool.path == tmp_path / "spool-here"


@pytest.mark.parametrize(
    ("body", "where", "problem"),
    [
        ("enabled = 1", "otel.spool.enabled", "expected true or false"),
        ('path = ""', "otel.spool.path", "must not be empty"),
        ("path = 3", "otel.spool.path", "expected a string"),
        ("max_bytes = 0", "otel.spool.max_bytes", "expected a positive integer"),
        ("max_bytes = 1.5", "otel.spool.max_bytes", "expected a positive integer"),
        ("max_bytes = true", "otel.spool.max_bytes", "expected a positive integer"),
        ("max_byte = 10", "otel.spool.max_byte", "did you mean 'max_bytes'?"),
    ],
)
def test_errors_name_the_key_path(body: str, where: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        spool(body)
    message = str(info.value)
    assert message.startswith(f"{where}: ")
    assert problem in message


def test_spool_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match=r"^otel\.spool: expected a table"):
        load_config(text='[otel]\nspool = "off"\n', environ={})
