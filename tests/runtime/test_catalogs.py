"""What generated packages register (`runtime/_catalogs.py`) and how `load_config` and
`OtelConfig` use it. Each case runs in a fresh interpreter: the registry is per process,
and this one has the bundled catalog registered already."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
from codex_otel.runtime import ConfigError, OtelConfig, load_config
from codex_otel.runtime._catalogs import catalog_defaults
from codex_otel.runtime._contract import register_catalog

def refused(text, **kwargs):
    try:
        load_config(text=text, environ={}, **kwargs)
    except ConfigError as error:
        return str(error)
    raise AssertionError("accepted: " + text)
"""


def run_child(body: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.no_otel
def test_without_a_catalog_the_defaults_name_no_application() -> None:
    run_child(
        """
        import sys
        assert not any(m.startswith("codex_otel.generated") for m in sys.modules)
        config = OtelConfig()
        assert (config.toggles, config.service_name, config.scope_name) == (
            {}, "unknown_service", "codex_otel"
        )
        assert load_config(environ={}).service_name == "unknown_service"
        # A toggle is unknown then; the message names it and says why it may be.
        message = refused("[otel]\\nlog_user_prompt = true\\n")
        assert message.startswith("otel.log_user_prompt: unknown key;"), message
        assert "import the generated package before load_config" in message
        # With the toggles given, that hint would be wrong: it is left out.
        message = refused("[otel]\\nlog_user_promt = true\\n", toggles={"log_user_prompt": False})
        assert "did you mean 'log_user_prompt'?" in message and "import" not in message
        """
    )


@pytest.mark.no_otel
def test_the_registered_catalog_gives_the_defaults() -> None:
    run_child(
        """
        import codex_otel.generated
        config = load_config(text="[otel]\\nlog_user_prompt = true\\n", environ={})
        assert config.toggles == {
            "log_user_prompt": True,
            "log_tool_details": True,
            "log_error_details": True,
        }
        assert (config.service_name, config.scope_name) == ("codex-cli", "codex_otel")
        assert OtelConfig().toggles == {
            "log_user_prompt": False,
            "log_tool_details": True,
            "log_error_details": True,
        }
        """
    )


@pytest.mark.no_otel
def test_several_catalogs_the_first_names_the_service_every_toggle_is_known() -> None:
    run_child(
        """
        first = dict(toggles={"log_a": False, "log_shared": False}, service_name="one",
                     scope_name="one.scope")
        register_catalog(**first)
        register_catalog(toggles={"log_b": True, "log_shared": True}, service_name="two",
                         scope_name="two.scope")
        register_catalog(**first)  # a second import of the first package changes nothing
        defaults = catalog_defaults()
        assert defaults.catalogs == 2
        assert dict(defaults.toggles) == {"log_a": False, "log_shared": False, "log_b": True}
        assert (defaults.service_name, defaults.scope_name) == ("one", "one.scope")
        config = load_config(text="[otel]\\nlog_b = false\\n", environ={})
        assert config.toggles == {"log_a": False, "log_shared": False, "log_b": False}
        assert config.service_name == "one"
        """
    )


@pytest.mark.no_otel
def test_scanned_keys_of_every_catalog_are_merged_the_larger_cap_winning() -> None:
    run_child(
        """
        assert dict(catalog_defaults().scanned) == {}  # none registered: nothing scanned
        register_catalog(toggles={"log_a": True}, service_name="one", scope_name="one",
                         scanned={"output": 100, "prompt": None, "id": 8})
        register_catalog(toggles={"log_b": False}, service_name="two", scope_name="two",
                         scanned={"output": 400, "prompt": 50, "id": 4, "args": 9},
                         content_toggles=())
        register_catalog(toggles={"log_c": False}, service_name="three", scope_name="three")
        defaults = catalog_defaults()
        assert dict(defaults.scanned) == {"output": 400, "prompt": None, "id": 8, "args": 9}
        # A catalog that does not say which toggles govern content: all of its toggles.
        assert defaults.content_toggles == {"log_a", "log_c"}
        """
    )
