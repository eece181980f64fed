"""`load_config`: the `[otel]` table of a TOML file or string, and the environment, read
into the config model (`config.py`).

Every setting is decided the same way: the `[otel]` table, else the standard environment
variable, else the default. `${VAR}` in endpoints and header values expands from the
environment. Anything wrong is a `ConfigError` naming the key path (or the variable), the
offending value and what is allowed: a bad table must never quietly turn telemetry off.
Header values are never shown, as they usually carry credentials; a key path is shown
with its control characters escaped (a header name read from the environment may hold a
CR LF).

Every duration and interval has a maximum (`_MAX_SECONDS`, `_MAX_SCHEDULE_DELAY_MS`,
`_MAX_EXPORT_INTERVAL_MS`), far beyond any useful value but well inside what the timers
of the standard library and the SDK take: beyond it a value is a `ConfigError` here, never
an `OverflowError` at shutdown or in a background thread. A TOML document nested deeper
than `MAX_TOML_DEPTH` is refused as well, whether or not the nesting is in `[otel]`.

Standard library only: the runtime must import cheaply and work without the `otel` extra.
"""

from __future__ import annotations

import math
import os
import re
import string
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn
from urllib.parse import unquote, urlsplit, urlunsplit

from . import config as model
from ._catalogs import catalog_defaults
from ._tls import TlsNames, check_tls, plaintext

if TYPE_CHECKING:
    from ._catalogs import CatalogDefaults


def load_config(
    source: str | os.PathLike[str] | None = None,
    *,
    text: str | None = None,
    environ: Mapping[str, str] | None = None,
    toggles: Mapping[str, bool] | None = None,
    missing_ok: bool = True,
) -> model.OtelConfig:
    """Read the `[otel]` table from a TOML file (`source`) or string (`text`).

    With neither, the defaults and the environment alone decide; so does a file that does
    not exist, as Codex runs with its defaults without `~/.codex/config.toml`
    (`missing_ok=False` makes that a `ConfigError`). `environ` defaults to `os.environ`.
    `toggles` names the privacy toggles the table may set, with defaults; by default
    those of the catalog whose generated package is imported (importing it registers
    them). Raises `ConfigError` for an unreadable file, bad TOML or a bad setting.
    """
    defaults = catalog_defaults()
    # An unknown toggle is most likely the catalog's, when no generated package said so.
    note = _NO_CATALOG_HINT if toggles is None and not defaults.catalogs else ""
    if toggles is None:
        toggles = defaults.toggles
    if source is not None and text is not None:
        raise TypeError("load_config() takes a file path or text=, not both")
    origin: str | None = None
    base_dir = Path.cwd()
    if source is not None:
        path = Path(source).expanduser()
        origin = str(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            # A common slip: TOML text passed where a path is expected. Never a file.
            looks_like_text = "\n" in origin
            if missing_ok and not looks_like_text:
                return load_config(environ=environ, toggles=toggles)
            hint = " (to parse TOML text, pass text=...)" if looks_like_text else ""
            raise model.ConfigError(f"{path}: config file not found{hint}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise model.ConfigError(f"{path}: cannot read the config file: {exc}") from None
        # Relative paths in a file mean "next to this file", wherever the process runs.
        base_dir = path.absolute().parent
    document = _parse_toml(text or "", origin or "<text>")
    reader = _Reader(os.environ if environ is None else environ, base_dir, origin)
    reader.misplaced(document, toggles)
    return reader.config(document.get("otel", {}), toggles, defaults, note)


#: Tables and arrays nested deeper than this are refused: no setting is nested beyond 5,
#: and the TOML parser recurses once per level (100,000 levels were a `RecursionError`).
MAX_TOML_DEPTH = 32
#: The largest count or size (`max_queue_size`, `max_bytes`...): a signed 64-bit integer.
#: Far beyond any memory; an integer of thousands of digits is a ConfigError, not a
#: ValueError from int().
_MAX_COUNT = 2**63 - 1
#: The longest `shutdown_timeout` and exporter `timeout`: one hour.
_MAX_SECONDS = 3600.0
#: The longest `[otel.batch] schedule_delay_ms` (and OTEL_BLRP_SCHEDULE_DELAY): one hour.
_MAX_SCHEDULE_DELAY_MS = 3_600_000
#: The longest `[otel.metrics] export_interval_ms` (and OTEL_METRIC_EXPORT_INTERVAL): a day.
_MAX_EXPORT_INTERVAL_MS = 86_400_000


def _parse_toml(text: str, origin: str) -> dict[str, Any]:
    # Imported here, not at module level: most processes never read a config file.
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    too_deep = f"{origin}: invalid TOML: nested deeper than {MAX_TOML_DEPTH} tables or arrays"
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message ends with "(at line L, column C)" and quotes none of the text.
        raise model.ConfigError(f"{origin}: invalid TOML: {exc}") from None
    except ValueError:  # an integer of more digits than int() reads (4300): not a TOML error
        raise model.ConfigError(f"{origin}: invalid TOML: a number too long to read") from None
    except RecursionError:  # nested so deep that the parser itself gave up
        raise model.ConfigError(too_deep) from None
    where = _too_deep(document)
    if where is not None:
        raise model.ConfigError(f"{too_deep} (at {_printable(where)})")
    return document


def _too_deep(document: dict[str, Any]) -> str | None:
    """The key path of a value nested beyond `MAX_TOML_DEPTH`, else None. A loop with
    its own stack, not recursion: the walk must not fail where the parser did not."""
    stack: list[tuple[object, str, int]] = [(document, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        # Tables and arrays are the levels; a plain value inside the deepest is no level.
        if depth > MAX_TOML_DEPTH and isinstance(value, (dict, list)):
            return where or "the top level"
        if isinstance(value, dict):
            items = [(f"{where}.{key}" if where else str(key), item) for key, item in value.items()]
        elif isinstance(value, list):
            items = [(f"{where}[{index}]", item) for index, item in enumerate(value)]
        else:
            continue
        stack.extend((item, path, depth + 1) for path, item in items)
    return None


def _printable(text: str) -> str:
    """`text` with its control and other unprintable characters escaped as `repr` would
    (a CR LF in a header name must not start a new line of a log)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


_TOP_KEYS = (
    "environment",
    "exporter",
    "metrics_exporter",
    "service_name",
    "shutdown_timeout",
    "batch",
    "spool",
    "metrics",
    "privacy",
)
#: `[otel]` settings that, at the top level of a file (a snippet pasted without its
#: `[otel]` line), would be silently ignored; never a key of Codex's own config.toml. The
#: generic table names (`batch`, `spool`, `metrics`) are left out: other tools use them.
_MISPLACED_KEYS = (
    "environment",
    "exporter",
    "metrics_exporter",
    "service_name",
    "shutdown_timeout",
)
#: Added to the unknown-key message while no generated package has registered its catalog:
#: a toggle is unknown then because the catalog's package was not imported yet.
_NO_CATALOG_HINT = (
    " (no catalog's toggles are known: import the generated package before load_config,"
    " or pass toggles=)"
)
_EXPORTERS = ("none", "otlp-http", "otlp-grpc", "file")
_OTLP_KEYS = {
    "otlp-http": ("endpoint", "protocol", "headers", "tls", "compression", "timeout"),
    "otlp-grpc": ("endpoint", "headers", "tls", "compression", "timeout"),
}
_DEFAULT_ENDPOINTS = {
    "otlp-http": "http://localhost:4318",
    "otlp-grpc": "http://localhost:4317",
}


@dataclass(frozen=True)
class _Signal:
    """What differs between the logs' `exporter` and the metrics' `metrics_exporter`: the
    key, the infix of the signal-specific variables, and the OTLP/HTTP path."""

    key: str
    #: OTEL_EXPORTER_OTLP_{env}_ENDPOINT and the like.
    env: str
    #: The OTLP/HTTP signal path appended to a bare endpoint.
    path: str

    def var(self, suffix: str) -> tuple[str, str]:
        """The signal's variable, then the generic one: the spec's precedence."""
        return f"OTEL_EXPORTER_OTLP_{self.env}_{suffix}", f"OTEL_EXPORTER_OTLP_{suffix}"


_LOGS = _Signal("exporter", "LOGS", "/v1/logs")
_METRICS = _Signal("metrics_exporter", "METRICS", "/v1/metrics")
#: `[otel.metrics] temporality` and OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
_TEMPORALITIES = ("cumulative", "delta", "lowmemory")
#: OTEL_EXPORTER_OTLP_PROTOCOL values -> (exporter, OTLP/HTTP encoding).
_ENV_PROTOCOLS = {
    "http/protobuf": ("otlp-http", "binary"),
    "http/json": ("otlp-http", "json"),
    "grpc": ("otlp-grpc", "binary"),
}
#: `tls` keys -> (TlsConfig field, suffix of the OTEL_EXPORTER_OTLP_[LOGS_]* variable).
_TLS_KEYS = {
    "ca-certificate": ("ca_certificate", "CERTIFICATE"),
    "client-certificate": ("client_certificate", "CLIENT_CERTIFICATE"),
    "client-private-key": ("client_private_key", "CLIENT_KEY"),
}
#: `[otel.batch]` keys -> the SDK's variables for the same settings.
_BATCH_ENV = {
    "schedule_delay_ms": "OTEL_BLRP_SCHEDULE_DELAY",
    "max_queue_size": "OTEL_BLRP_MAX_QUEUE_SIZE",
    "max_export_batch_size": "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
}
#: OpenTelemetry's GenAI content switch (`opentelemetry-util-genai`), read for the toggles
#: that govern content when the `[otel]` table does not set them. Events are what is
#: exported, so the span-only capture is off.
_CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_CAPTURE_KEEP = ("TRUE", "SPAN_AND_EVENT", "EVENT_ONLY")
_CAPTURE_OFF = ("FALSE", "NO_CONTENT", "SPAN_ONLY")
#: `${NAME}` expands a variable, `$$` is a literal `$`; a lone `${` is a mistake.
_VAR = re.compile(r"\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|\{)")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Printable ASCII, no surrounding blanks: valid both as an HTTP field and as gRPC metadata.
_HEADER_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?")


def _shown(value: object) -> str:
    """`value` as a message shows it: a string with any URL user info or query masked (an
    endpoint written where another setting belongs still holds its token), a table or an
    array by its kind alone (it may hold headers), anything else as `repr` shows it."""
    if isinstance(value, str):
        return repr(model.url_without_secrets(value))
    if isinstance(value, (dict, list)):
        return "(not shown)"
    return _short(repr(value))


def _short(text: str) -> str:
    """A number's text cut to 40 characters: a 4000-digit integer is no message."""
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def _kind(value: object) -> str:
    """The TOML type of `value`, for messages (bool first: it is an int to Python)."""
    for python_type, name in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (dict, "a table"),
        (list, "an array"),
    ):
        if isinstance(value, python_type):
            return name
    return "a date/time"


def _one_of(choices: Collection[str]) -> str:
    return ", ".join(f'"{choice}"' for choice in choices)


def _suggest(word: str, choices: Collection[str]) -> str:
    import difflib  # only needed on the error path

    close = difflib.get_close_matches(word, choices, n=1)
    return f"did you mean {close[0]!r}? " if close else ""


class _Reader:
    """Reads one `[otel]` table. Knows its environment, its file (for messages) and the
    directory that relative paths start from."""

    def __init__(self, environ: Mapping[str, str], base_dir: Path, origin: str | None) -> None:
        self.environ = environ
        self.base_dir = base_dir
        self.origin = origin

    # --- errors and the environment ----------------------------------------------------

    def bad(self, where: str, problem: str) -> NoReturn:
        """Raise for a key path (prefixed with the file) or a variable name."""
        raise model.ConfigError(f"{self.named(where)}: {problem}")

    def named(self, where: str) -> str:
        """A key path as messages name it (prefixed with the file), or a variable name;
        unprintable characters (of a key or a header name) escaped."""
        where = _printable(where)
        in_file = self.origin is not None and (where == "otel" or where.startswith("otel."))
        return f"{self.origin}: {where}" if in_file else where

    def env(self, *names: str) -> tuple[str, str] | None:
        """The first of `names` that is set, as (name, value). As the OpenTelemetry spec
        asks, a variable set to an empty value counts as unset."""
        for name in names:
            value = self.environ.get(name, "").strip()
            if value:
                return name, value
        return None

    # --- typed getters: None when the key is absent (TOML has no null) --------------------

    def table(self, value: object, where: str) -> dict[str, object]:
        if not isinstance(value, dict):
            self.bad(where, f"expected a table, got {_kind(value)} {_shown(value)}")
        return value

    def sub(self, table: Mapping[str, object], path: str, key: str) -> dict[str, object] | None:
        value = table.get(key)
        return None if value is None else self.table(value, f"{path}.{key}")

    def text(self, table: Mapping[str, object], path: str, key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.bad(f"{path}.{key}", f"expected a string, got {_kind(value)} {_shown(value)}")
        if not value.strip():
            self.bad(f"{path}.{key}", "must not be empty")
        return value

    def choice(
        self, table: Mapping[str, object], path: str, key: str, allowed: Collection[str]
    ) -> str | None:
        value = self.text(table, path, key)
        if value is not None and value not in allowed:
            self.bad(
                f"{path}.{key}", f"{value!r} is not allowed; expected one of {_one_of(allowed)}"
            )
        return value

    def flag(self, table: Mapping[str, object], path: str, key: str) -> bool | None:
        value = table.get(key)
        if value is not None and not isinstance(value, bool):
            self.bad(f"{path}.{key}", f"expected true or false, got {_kind(value)} {_shown(value)}")
        return value

    def seconds(self, table: Mapping[str, object], path: str, key: str) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        where = f"{path}.{key}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.bad(where, f"expected a number of seconds, got {_kind(value)} {_shown(value)}")
        # Not math.isfinite first: an integer beyond a float's range is an OverflowError.
        if not value > 0 or (isinstance(value, float) and not math.isfinite(value)):
            self.bad(where, f"expected a positive number of seconds, got {_shown(value)}")
        if value > _MAX_SECONDS:
            self.bad(where, f"{_shown(value)} seconds is too long; at most {_MAX_SECONDS:g}")
        return float(value)

    def count(
        self, table: Mapping[str, object], path: str, key: str, *, most: int = _MAX_COUNT
    ) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.bad(
                f"{path}.{key}", f"expected a positive integer, got {_kind(value)} {_shown(value)}"
            )
        if value > most:
            self.bad(f"{path}.{key}", f"{_short(str(value))} is too large; at most {most}")
        return value

    def check_keys(
        self, table: Mapping[str, object], path: str, allowed: Collection[str], note: str = ""
    ) -> None:
        for key in table:
            if key not in allowed:
                hint = _suggest(key, allowed)
                self.bad(f"{path}.{key}", f"unknown key; {hint}allowed: {', '.join(allowed)}{note}")

    # --- the [otel] table ---------------------------------------------------------------

    def misplaced(self, document: Mapping[str, object], toggles: Mapping[str, bool]) -> None:
        """Refuse an `[otel]` setting at the top level of the file, which the `[otel]`
        table does not hold: a snippet pasted without its `[otel]` line must not quietly
        leave telemetry at its defaults."""
        otel = document.get("otel")
        inside = otel if isinstance(otel, dict) else {}
        for key in (*_MISPLACED_KEYS, *toggles):
            if key in document and key not in inside:
                where = f"{self.origin}: {key}" if self.origin is not None else key
                raise model.ConfigError(
                    f"{where}: an [otel] setting outside the [otel] table, where it would be "
                    f"ignored; it belongs under [otel] (put the line `[otel]` before `{key} = ...`)"
                )

    def config(
        self, otel: object, toggles: Mapping[str, bool], defaults: CatalogDefaults, note: str
    ) -> model.OtelConfig:
        table = self.table(otel, "otel")
        self.check_keys(table, "otel", (*_TOP_KEYS, *toggles), note)
        resource = self.resource_attributes()
        # Table, then OTEL_SERVICE_NAME, then service.name in OTEL_RESOURCE_ATTRIBUTES (the
        # spec's order), then the catalog's.
        found = self.env("OTEL_SERVICE_NAME")
        service_name = (
            self.text(table, "otel", "service_name")
            or (found[1] if found else None)
            or resource.get("service.name")
            or defaults.service_name
        )
        modes = self.toggle_modes(table, toggles, defaults)
        disabled = self.env("OTEL_SDK_DISABLED")
        return model.OtelConfig(
            environment=self.text(table, "otel", "environment") or "dev",
            exporter=self.exporter(table, _LOGS),
            metrics_exporter=self.exporter(table, _METRICS),
            metrics=self.metrics(table),
            toggles={name: modes[name] == "keep" for name in toggles},
            toggle_modes=modes,
            privacy=self.privacy(table),
            service_name=service_name,
            shutdown_timeout=(
                self.seconds(table, "otel", "shutdown_timeout") or model.DEFAULT_SHUTDOWN_TIMEOUT
            ),
            batch=self.batch(table),
            spool=self.spool(table),
            resource_attributes=resource,
            scope_name=defaults.scope_name,
            # Only "true" disables, as the spec says; anything else leaves the SDK on.
            sdk_disabled=disabled is not None and disabled[1].lower() == "true",
        )

    def toggle_modes(
        self, table: Mapping[str, object], toggles: Mapping[str, bool], defaults: CatalogDefaults
    ) -> dict[str, model.ToggleMode]:
        """Each toggle's mode: the table's (`true`, `false` or a mode's name), else for a
        toggle that governs content OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
        else the toggle's default."""
        content = defaults.content_toggles
        found = self.env(_CAPTURE_CONTENT)
        captured: model.ToggleMode | None = None
        if found is not None:
            word = found[1].upper()
            if word in _CAPTURE_KEEP:
                captured = "keep"
            elif word in _CAPTURE_OFF:
                captured = "off"
            else:
                allowed = _one_of((*_CAPTURE_KEEP, *_CAPTURE_OFF))
                self.bad(found[0], f"{found[1]!r} is not allowed; expected one of {allowed}")
        modes: dict[str, model.ToggleMode] = {}
        for name, default in toggles.items():
            value = table.get(name)
            if value is None:
                # Only a registered catalog can say a toggle governs no content.
                governs_content = content is None or name in content or name not in defaults.toggles
                if captured is not None and governs_content:
                    modes[name] = captured
                else:
                    modes[name] = "keep" if default else "off"
            elif isinstance(value, bool):
                modes[name] = "keep" if value else "off"
            elif isinstance(value, str) and value in model.TOGGLE_MODES:
                modes[name] = value  # type: ignore[assignment]
            else:
                self.bad(
                    f"otel.{name}",
                    f"expected true, false or one of {_one_of(model.TOGGLE_MODES)}, got "
                    f"{_kind(value)} {_shown(value)}",
                )
        return modes

    def privacy(self, otel: Mapping[str, object]) -> model.PrivacyConfig:
        """`[otel.privacy]`: scrubbing, the hash key (never shown), the mask hook."""
        path = "otel.privacy"
        table = self.sub(otel, "otel", "privacy") or {}
        self.check_keys(table, path, ("scrub_secrets", "hash_key", "mask"))
        scrub = self.flag(table, path, "scrub_secrets")
        return model.PrivacyConfig(
            scrub_secrets=True if scrub is None else scrub,
            hash_key=self.hash_key(table.get("hash_key"), f"{path}.hash_key"),
            mask=self.mask(self.text(table, path, "mask"), f"{path}.mask"),
        )

    def hash_key(self, value: object, where: str) -> bytes | None:
        if value is None:
            return None
        # The key is a secret: a message says what is wrong with it, never what it is.
        expected = "expected 64 hexadecimal digits (a 32-byte key)"
        if not isinstance(value, str):
            self.bad(where, f"{expected}, got {_kind(value)} (not shown)")
        if len(value) != 64 or not all(char in string.hexdigits for char in value):
            self.bad(where, f"{expected}, got a string of {len(value)} characters (not shown)")
        return bytes.fromhex(value)

    def mask(self, spec: str | None, where: str) -> Callable[[str], str] | None:
        """The function `module:function` names, imported now: a missing one is a
        ConfigError here, not a failure on the export thread."""
        if spec is None:
            return None
        module_name, colon, attribute = spec.partition(":")
        if not colon or not module_name.strip() or not attribute.strip():
            self.bad(where, f'expected "module:function", got {spec!r}')
        import importlib

        try:
            module = importlib.import_module(module_name.strip())
        except Exception as error:  # ImportError, or whatever the module raised
            self.bad(where, f"cannot import {module_name!r}: {type(error).__name__}: {error}")
        target: object = module
        for part in attribute.strip().split("."):
            if not hasattr(target, part):
                self.bad(where, f"{module_name!r} has no attribute {attribute!r}")
            target = getattr(target, part)
        if not callable(target):
            self.bad(where, f"{spec!r} is {_kind(target)}, not a function")
        return target

    def batch(self, otel: Mapping[str, object]) -> model.BatchConfig:
        path = "otel.batch"
        table = self.sub(otel, "otel", "batch") or {}
        self.check_keys(table, path, _BATCH_ENV)
        values: dict[str, int] = {}
        sources: dict[str, str] = {}
        for key, var in _BATCH_ENV.items():
            most = _MAX_SCHEDULE_DELAY_MS if key == "schedule_delay_ms" else _MAX_COUNT
            value, source = self.count(table, path, key, most=most), f"{path}.{key}"
            found = self.env(var)
            if value is None and found is not None:
                value, source = self.env_count(*found, most=most), var
            if value is not None:
                values[key], sources[key] = value, source
        batch = model.BatchConfig(**values)
        if batch.max_export_batch_size > batch.max_queue_size:
            where = sources.get("max_export_batch_size") or sources["max_queue_size"]
            self.bad(
                where,
                f"max_export_batch_size ({batch.max_export_batch_size}) must not exceed "
                f"max_queue_size ({batch.max_queue_size})",
            )
        return batch

    def metrics(self, otel: Mapping[str, object]) -> model.MetricsConfig:
        """`[otel.metrics]`: how often measurements are exported, and their temporality."""
        path = "otel.metrics"
        table = self.sub(otel, "otel", "metrics") or {}
        self.check_keys(table, path, ("export_interval_ms", "temporality"))
        most = _MAX_EXPORT_INTERVAL_MS
        interval = self.count(table, path, "export_interval_ms", most=most)
        if interval is None:
            found = self.env("OTEL_METRIC_EXPORT_INTERVAL")
            interval = (
                self.env_count(*found, most=most) if found else model.DEFAULT_EXPORT_INTERVAL_MS
            )
        temporality = self.choice(table, path, "temporality", _TEMPORALITIES)
        if temporality is None:
            found = self.env("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")
            if found is not None:
                # The spec's values are case-insensitive (the SDKs upper-case them).
                temporality = found[1].lower()
                if temporality not in _TEMPORALITIES:
                    self.bad(
                        found[0],
                        f"{found[1]!r} is not allowed; expected one of {_one_of(_TEMPORALITIES)}",
                    )
        return model.MetricsConfig(
            export_interval_ms=interval,
            temporality=temporality or "cumulative",  # type: ignore[arg-type]
        )

    def spool(self, otel: Mapping[str, object]) -> model.SpoolConfig:
        path = "otel.spool"
        table = self.sub(otel, "otel", "spool") or {}
        self.check_keys(table, path, ("enabled", "path", "max_bytes", "write_ahead", "window_ms"))
        enabled = self.flag(table, path, "enabled")
        raw = self.text(table, path, "path")
        max_bytes = self.count(table, path, "max_bytes")
        write_ahead = self.flag(table, path, "write_ahead")
        window_ms = self.count(table, path, "window_ms", most=_MAX_SCHEDULE_DELAY_MS)
        return model.SpoolConfig(
            write_ahead=True if write_ahead is None else write_ahead,
            window_ms=model.DEFAULT_SPOOL_WINDOW_MS if window_ms is None else window_ms,
            enabled=True if enabled is None else enabled,
            # Relative to the config file, like every other path of the table.
            path=None if raw is None else self.base_dir / Path(raw).expanduser(),
            max_bytes=model.DEFAULT_SPOOL_BYTES if max_bytes is None else max_bytes,
        )

    def env_count(self, var: str, value: str, *, most: int = _MAX_COUNT) -> int:
        # ASCII digits only (`isdigit` takes other scripts' digits and superscripts).
        if not (value.isascii() and value.isdigit()) or not value.strip("0"):
            self.bad(var, f"expected a positive integer, got {value!r}")
        # Compared as text first: int() refuses more than 4300 digits (a ValueError).
        digits = value.lstrip("0")
        if len(digits) > len(str(most)) or int(digits) > most:
            self.bad(
                var,
                f"{digits[:20]}{'...' if len(digits) > 20 else ''} is too large; at most {most}",
            )
        return int(digits)

    def resource_attributes(self) -> dict[str, str]:
        found = self.env("OTEL_RESOURCE_ATTRIBUTES")
        return dict(self.pairs(*found, secret=False)) if found else {}

    def pairs(self, var: str, raw: str, *, secret: bool) -> list[tuple[str, str]]:
        """Parse the spec's `key=value,key2=value2` lists; values are percent-decoded."""
        pairs = []
        for position, member in enumerate(raw.split(","), 1):
            if not member.strip():
                continue  # tolerate "a=1,,b=2" and a trailing comma
            key, equals, value = member.partition("=")
            if not equals or not key.strip():
                shown = f"item {position}" if secret else repr(member.strip())
                self.bad(var, f"{shown} is not key=value; expected comma-separated key=value pairs")
            pairs.append((key.strip(), unquote(value.strip())))
        return pairs

    # --- exporters -----------------------------------------------------------------------

    def exporter(self, otel: Mapping[str, object], signal: _Signal) -> model.ExporterConfig:
        """`exporter` (logs) or `metrics_exporter`: the same forms, each with its own
        signal's variables (then the generic OTEL_EXPORTER_OTLP_* ones) and path."""
        path = f"otel.{signal.key}"
        value = otel.get(signal.key)
        if value is None:
            # The table is silent. Export stays off (Codex's default) unless the standard
            # variables ask for OTLP export, as they would of any OpenTelemetry SDK.
            chosen = self.env_protocol(signal)
            endpoint = self.env(*signal.var("ENDPOINT"))
            if chosen is None and endpoint is None:
                return model.NoExporter()
            return self.otlp(chosen[0] if chosen else "otlp-http", {}, path, signal)
        if isinstance(value, str):
            if value == "none":
                return model.NoExporter()
            if value in _OTLP_KEYS:
                return self.otlp(value, {}, path, signal)
            if value == "file":
                self.bad(
                    path,
                    "the file exporter needs a path: "
                    f'{signal.key} = {{ file = {{ path = "..." }} }}',
                )
            self.bad(
                path,
                f"unknown exporter {_shown(value)}; {_suggest(value, _EXPORTERS)}"
                f"expected one of {_one_of(_EXPORTERS)} or a table such as "
                '{ otlp-http = { endpoint = "..." } }',
            )
        if not isinstance(value, dict):
            self.bad(path, f"expected a string or a table, got {_kind(value)} {_shown(value)}")
        if len(value) != 1:
            self.bad(
                path,
                f"expected a table with exactly one key (otlp-http, otlp-grpc or file), "
                f"got {len(value)}: {', '.join(value) or 'none'}",
            )
        [(name, settings)] = value.items()
        where = f"{path}.{name}"
        if name == "file":
            return self.file(self.table(settings, where), where)
        if name in _OTLP_KEYS:
            return self.otlp(name, self.table(settings, where), where, signal)
        tables = ("otlp-http", "otlp-grpc", "file")
        self.bad(
            where, f"unknown exporter; {_suggest(name, tables)}expected one of {_one_of(tables)}"
        )

    def file(self, body: Mapping[str, object], path: str) -> model.FileExporter:
        self.check_keys(body, path, ("path",))
        raw = self.text(body, path, "path")
        if raw is None:
            self.bad(
                f"{path}.path", 'missing; give a file to append to, or "-" for standard output'
            )
        if raw == "-":
            return model.FileExporter("-")
        return model.FileExporter(str(self.base_dir / Path(raw).expanduser()))

    def otlp(
        self, kind: str, body: Mapping[str, object], path: str, signal: _Signal
    ) -> model.OtlpHttpExporter | model.OtlpGrpcExporter:
        self.check_keys(body, path, _OTLP_KEYS[kind])
        # Validated even when the table picked the transport.
        chosen = self.env_protocol(signal)
        endpoint = self.endpoint(kind, body, path, signal)
        headers = self.headers(body, path, signal, grpc=kind == "otlp-grpc")
        tls = self.tls(body, path, endpoint, signal)
        compression = self.choice(body, path, "compression", ("gzip", "none"))
        compression = compression or self.env_compression(signal)
        timeout = self.seconds(body, path, "timeout") or self.env_timeout(signal) or 10.0
        gzip: Literal["gzip", "none"] = "gzip" if compression == "gzip" else "none"
        if kind == "otlp-grpc":
            return model.OtlpGrpcExporter(endpoint, headers, tls, gzip, timeout)
        # The variable's http/json picks the encoding when the table does not; its "grpc"
        # cannot override a table that asked for otlp-http.
        protocol = self.choice(body, path, "protocol", ("binary", "json"))
        if protocol is None and chosen is not None and chosen[0] == "otlp-http":
            protocol = chosen[1]
        encoding: Literal["binary", "json"] = "json" if protocol == "json" else "binary"
        return model.OtlpHttpExporter(endpoint, encoding, headers, tls, gzip, timeout)

    def env_protocol(self, signal: _Signal) -> tuple[str, str] | None:
        found = self.env(*signal.var("PROTOCOL"))
        if found is None:
            return None
        var, value = found
        if value not in _ENV_PROTOCOLS:
            self.bad(var, f"{value!r} is not allowed; expected one of {_one_of(_ENV_PROTOCOLS)}")
        return _ENV_PROTOCOLS[value]

    def env_compression(self, signal: _Signal) -> str | None:
        found = self.env(*signal.var("COMPRESSION"))
        if found is not None and found[1] not in ("gzip", "none"):
            self.bad(found[0], f'{found[1]!r} is not allowed; expected one of "gzip", "none"')
        return found[1] if found else None

    def env_timeout(self, signal: _Signal) -> float | None:
        found = self.env(*signal.var("TIMEOUT"))
        if found is None:
            return None
        var, value = found
        try:
            millis = float(value)
        except ValueError:
            millis = math.nan
        if not (math.isfinite(millis) and millis > 0):
            self.bad(var, f"expected a positive number of milliseconds, got {value!r}")
        if millis > _MAX_SECONDS * 1000:
            self.bad(var, f"{value!r} milliseconds is too long; at most {_MAX_SECONDS * 1000:.0f}")
        return millis / 1000  # the spec's unit is milliseconds; ours is seconds

    # --- endpoints -----------------------------------------------------------------------

    def endpoint(self, kind: str, body: Mapping[str, object], path: str, signal: _Signal) -> str:
        raw = self.text(body, path, "endpoint")
        if raw is not None:
            where = f"{path}.endpoint"
            return self.url(kind, self.expand(raw, where), where, raw, signal, signal_url=True)
        specific, generic = signal.var("ENDPOINT")
        found = self.env(specific)
        if found is not None:
            return self.url(kind, found[1], found[0], found[1], signal, signal_url=True)
        found = self.env(generic)
        if found is not None:
            return self.url(kind, found[1], found[0], found[1], signal, signal_url=False)
        default = _DEFAULT_ENDPOINTS[kind]
        return default + signal.path if kind == "otlp-http" else default

    def url(
        self, kind: str, value: str, where: str, shown: str, signal: _Signal, *, signal_url: bool
    ) -> str:
        """Validate an endpoint and apply the signal path rule (`/v1/logs`, `/v1/metrics`)
        for OTLP/HTTP.

        `signal_url`: a signal endpoint (the table's, or ..._LOGS_ENDPOINT) gets the path
        only when it has none; a base URL (OTEL_EXPORTER_OTLP_ENDPOINT) always gets
        `v1/logs` appended to its path, as the spec says. `shown` is the value as written,
        before `${VAR}` expansion, so that expanded text never reaches a message.
        """
        expected = "expected an http:// or https:// URL with a host"
        # What the user wrote, but with any user info or query masked: they hold tokens.
        shown = model.url_without_secrets(shown)
        if kind == "otlp-grpc" and "://" not in shown:
            # A bare host:port is ambiguous (plaintext or TLS?): make the user say which.
            expected += f", e.g. 'http://{shown}' (plaintext) or 'https://{shown}' (TLS)"
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            self.bad(where, f"{shown!r} is not a valid URL; {expected}")
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or any(char.isspace() or not char.isprintable() for char in value)
        ):
            self.bad(where, f"{shown!r}: {expected}")
        if kind == "otlp-grpc":
            if parts.path not in ("", "/") or parts.query or parts.fragment:
                self.bad(
                    where, f"{shown!r}: a gRPC endpoint has no path; expected scheme://host:port"
                )
            return f"{parts.scheme}://{parts.netloc}"
        if signal_url and parts.path not in ("", "/"):
            return value  # a path was given: used as written
        base = "" if signal_url else parts.path.rstrip("/")
        return urlunsplit(parts._replace(path=f"{base}{signal.path}"))

    def expand(self, value: str, where: str) -> str:
        """Expand `${NAME}` from the environment and `$$` to `$`. An unset (or empty)
        variable is an error: it must never become an empty header or a broken URL."""

        def substitute(match: re.Match[str]) -> str:
            if match.group(1) == "$":
                return "$"
            name = match.group(2)
            if name is None:
                self.bad(
                    where, "malformed '${'; write ${NAME} for a variable, $$ for a literal '$'"
                )
            found = self.environ.get(name)
            if not found:
                state = "not set" if found is None else "empty"
                self.bad(where, f"environment variable {name} (from ${{{name}}}) is {state}")
            return found

        return _VAR.sub(substitute, value)

    # --- headers and TLS -----------------------------------------------------------------

    def headers(
        self, body: Mapping[str, object], path: str, signal: _Signal, *, grpc: bool
    ) -> dict[str, str]:
        # Header names are case-insensitive (and gRPC metadata keys must be lower case), so
        # they are lower-cased; that also makes "the table wins per key" unambiguous.
        merged: dict[str, str] = {}
        found = self.env(*signal.var("HEADERS"))
        if found is not None:
            var = found[0]
            for name, text in self.pairs(*found, secret=True):
                key = self.header_name(name, var, grpc=grpc)
                merged[key] = self.header_value(text, f"{var}: {name}")
        raw = body.get("headers")
        if raw is not None and not isinstance(raw, dict):
            # Most likely the variable's `name=value` form: a secret, never shown.
            self.bad(f"{path}.headers", f"expected a table, got {_kind(raw)} (not shown)")
        table = self.sub(body, path, "headers") or {}
        for name, value in table.items():
            where = f"{path}.headers.{name}"
            if not isinstance(value, str):
                self.bad(where, f"expected a string, got {_kind(value)} (value not shown)")
            merged[self.header_name(name, where, grpc=grpc)] = self.header_value(
                self.expand(value, where), where
            )
        return merged

    def header_name(self, name: str, where: str, *, grpc: bool) -> str:
        if not _HEADER_NAME.fullmatch(name):
            self.bad(
                where,
                f"{_printable(repr(name))} is not a valid header name "
                "(letters, digits, -_.!#$%&'*+^`|~)",
            )
        if grpc and name.lower().endswith("-bin"):
            # gRPC sends a `-bin` key's value as bytes, which a text setting cannot be:
            # accepted, every export would fail (and spool) for ever.
            self.bad(
                where,
                f"{name.lower()!r}: gRPC metadata keys ending in -bin carry binary values, "
                "which are not supported; use a key without the -bin suffix",
            )
        return name.lower()

    def header_value(self, value: str, where: str) -> str:
        if not _HEADER_VALUE.fullmatch(value):
            self.bad(
                where,
                "invalid header value (not shown: it may be a secret); expected non-empty "
                "printable ASCII without leading or trailing spaces",
            )
        return value

    def tls(
        self, body: Mapping[str, object], path: str, endpoint: str, signal: _Signal
    ) -> model.TlsConfig | None:
        """The `tls` table, else the variables; checked by `check_tls`, which names the key
        or the variable each setting came from."""
        where = f"{path}.tls"
        table = self.sub(body, path, "tls")
        self.check_keys(table or {}, where, _TLS_KEYS)
        files: dict[str, Path] = {}
        names = {name: self.named(f"{where}.{key}") for key, (name, _) in _TLS_KEYS.items()}
        for key, (name, suffix) in _TLS_KEYS.items():
            raw = self.text(table or {}, where, key)
            if raw is not None:
                # `~` expanded, relative to the config file (or the working directory).
                files[name] = self.base_dir / Path(raw).expanduser()
                continue
            # The variables are the SDK-wide defaults; like other SDKs, an http:// endpoint
            # simply does not use them.
            found = None if plaintext(endpoint) else self.env(*signal.var(suffix))
            if found is not None:
                files[name] = Path.cwd() / Path(found[1]).expanduser()
                names[name] = found[0]
        # A table, even an empty one, asks for TLS: `check_tls` refuses it on http://.
        tls = model.TlsConfig(**files) if files or table is not None else None
        check_tls(endpoint, tls, TlsNames(table=self.named(where), **names))
        return tls if files else None
