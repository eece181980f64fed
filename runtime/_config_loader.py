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

import os
import string
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import config as model
from ._catalogs import catalog_defaults
from ._config_exporters import _LOGS, _METRICS, _TRACES, ExporterReader
from ._config_traces import TRACES_KEYS, read_traces
from ._config_values import (
    _MAX_COUNT,
    _MAX_EXPORT_INTERVAL_MS,
    _MAX_SCHEDULE_DELAY_MS,
    _kind,
    _one_of,
    _printable,
    _shown,
)

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
    *TRACES_KEYS,
)
#: `[otel]` settings that, at the top level of a file (a snippet pasted without its
#: `[otel]` line), would be silently ignored; never a key of Codex's own config.toml. The
#: generic table names (`batch`, `spool`, `metrics`) are left out: other tools use them.
_MISPLACED_KEYS = (
    "environment",
    "exporter",
    "metrics_exporter",
    "trace_exporter",
    "service_name",
    "shutdown_timeout",
)
#: Added to the unknown-key message while no generated package has registered its catalog:
#: a toggle is unknown then because the catalog's package was not imported yet.
_NO_CATALOG_HINT = (
    " (no catalog's toggles are known: import the generated package before load_config,"
    " or pass toggles=)"
)
#: `[otel.metrics] temporality` and OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
_TEMPORALITIES = ("cumulative", "delta", "lowmemory")
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


class _Reader(ExporterReader):
    """Reads one `[otel]` table into an `OtelConfig`: the getters and exporters of its
    bases, the traces keys (`_config_traces`), and the rest of the table here."""

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
            **read_traces(self, table, _TRACES),
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

    def resource_attributes(self) -> dict[str, str]:
        found = self.env("OTEL_RESOURCE_ATTRIBUTES")
        return dict(self.pairs(*found, secret=False)) if found else {}
