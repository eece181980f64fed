"""What a catalog decides that the runtime must know before any event: its privacy
toggles (with their defaults), the default `service.name`, the instrumentation scope, and
the keys whose values are scanned for secrets (those of class content or identifier).

The runtime knows no catalog. A generated package hands its catalog's decisions over when
it is imported (its `__init__` calls `register_catalog`), and `load_config` and
`OtelConfig` take their defaults from what is registered, so `load_config(path)` accepts
the `[otel]` toggles of whichever catalog the application generated, without being told.

One generated package per process is the rule. When several are imported, the toggles of
all of them are accepted (a toggle two catalogs share keeps the default of the first
imported), and the first one imported names the service and the scope: a process that
mixes catalogs sets `service_name` in its `[otel]` table to be explicit.

Standard library only (the config model imports this module).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

__all__ = ["NO_CATALOG", "CatalogDefaults", "catalog_defaults", "register_catalog"]

_NO_TOGGLES: Mapping[str, bool] = MappingProxyType({})
_NO_SCANNED: Mapping[str, int | None] = MappingProxyType({})


class CatalogDefaults(NamedTuple):
    """The runtime's defaults from one catalog (or, merged, from every catalog imported).
    A named tuple, not a dataclass: it is built at import, where a dataclass costs ~1 ms."""

    #: The privacy toggles the `[otel]` table may set, with their defaults.
    toggles: Mapping[str, bool] = _NO_TOGGLES
    #: The `service.name` resource attribute unless the config names one.
    service_name: str = "unknown_service"
    #: The instrumentation scope of every exported log record and metric.
    scope_name: str = "codex_otel"
    #: How many catalogs these defaults were merged from (0: none was imported).
    catalogs: int = 0
    #: The keys of class content or identifier, with their max_length (None: no cap):
    #: the values the runtime scans for secrets.
    scanned: Mapping[str, int | None] = _NO_SCANNED


#: The defaults before any generated package is imported: no toggles (every redacted
#: field stays redacted), the service named as the OpenTelemetry SDKs name a service that
#: did not name itself, and the runtime's own package as the scope.
NO_CATALOG = CatalogDefaults()


class _Registry:
    """The catalogs registered so far, and their merged defaults (read without the lock:
    the attribute is replaced, never changed)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: list[CatalogDefaults] = []
        self.merged = NO_CATALOG


_REGISTRY = _Registry()


def register_catalog(
    *,
    toggles: Mapping[str, bool],
    service_name: str,
    scope_name: str,
    scanned: Mapping[str, int | None] = _NO_SCANNED,
) -> CatalogDefaults:
    """Register one catalog's decisions (called by a generated package's `__init__`).

    Registering the same decisions again (a package imported twice, a reload) changes
    nothing. Returns what was registered."""
    entry = CatalogDefaults(
        toggles=MappingProxyType(dict(toggles)),
        service_name=service_name,
        scope_name=scope_name,
        catalogs=1,
        scanned=MappingProxyType(dict(scanned)),
    )
    with _REGISTRY.lock:
        if entry not in _REGISTRY.entries:
            _REGISTRY.entries.append(entry)
            _REGISTRY.merged = _merge(_REGISTRY.entries)
    return entry


def catalog_defaults() -> CatalogDefaults:
    """The defaults of the catalogs registered so far (`NO_CATALOG` before any)."""
    return _REGISTRY.merged


def _merge(entries: list[CatalogDefaults]) -> CatalogDefaults:
    toggles: dict[str, bool] = {}
    scanned: dict[str, int | None] = {}
    for entry in entries:
        for name, default in entry.toggles.items():
            toggles.setdefault(name, default)
        for key, cap in entry.scanned.items():
            # A key two catalogs scan keeps the larger cap (None: no cap is the largest).
            before = scanned.get(key, 0)
            scanned[key] = None if before is None or cap is None else max(before, cap)
    first = entries[0]
    return CatalogDefaults(
        toggles=MappingProxyType(toggles),
        service_name=first.service_name,
        scope_name=first.scope_name,
        catalogs=len(entries),
        scanned=MappingProxyType(scanned),
    )
