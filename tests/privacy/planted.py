"""A tool's output with real-format credentials of every kind the scrubber knows, in the
surroundings an agent meets them (an `env` dump, a connection string, a `curl -v`, a key
file), for the tests that follow such output from the emitter to the wire and the spool.

Also the test catalog's registration: the scanned keys (content and identifier attributes,
with their caps) that the bundled catalog's generated package registers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

from codex_otel.runtime import _catalogs
from codex_otel.runtime._contract import register_catalog

from . import credentials as cred

#: The bundled catalog's scanned keys (`content` and `identifier` attributes -> max_length).
BUNDLED_SCANNED: dict[str, int | None] = {
    "prompt": 16384,
    "output": 16384,
    "arguments": 16384,
    "call_id": None,
    "conversation.id": None,
}


def planted_output(seed: int = 26) -> tuple[str, list[str]]:
    """Tool output holding one credential of each kind, and the credentials."""
    rng = random.Random(seed)
    secrets: list[str] = []

    def keep(value: str) -> str:
        secrets.append(value)
        return value

    lines = ["$ env | sort", "HOME=/home/dev", "LANG=C.UTF-8"]
    for kind, make in sorted(cred.MAKERS.items()):
        if kind in ("private-key", "azure-storage-key", "slack-webhook-url"):
            continue
        lines.append(f"{kind.upper().replace('-', '_')}={keep(make(rng))}")
    lines.append("PATH=/usr/local/bin:/usr/bin:/bin")
    lines.append(
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=stdev01;"
        f"AccountKey={keep(cred.azure_storage_key(rng))};EndpointSuffix=core.windows.net"
    )
    lines.append(f"$ curl -s https://{keep(cred.slack_webhook_url(rng))} -d @msg.json")
    password = keep(cred.password(rng))
    lines.append(f"DATABASE_URL=postgres://app:{password}@db.internal:5432/app")
    lines.append("$ cat ~/.ssh/id_rsa")
    lines.append(keep(cred.private_key(rng)))
    lines.append("$ echo done")
    lines.append("done")
    return "\n".join(lines) + "\n", secrets


@contextmanager
def registered(scanned: dict[str, int | None] | None = None) -> Iterator[None]:
    """The bundled catalog registered with its scanned keys, for the block; the registry is
    put back after it (the process's registry is global)."""
    import codex_otel.generated  # noqa: F401 (registers the bundled catalog first)

    registry = _catalogs._REGISTRY
    with registry.lock:
        entries, merged = list(registry.entries), registry.merged
    register_catalog(
        toggles={"log_user_prompt": False, "log_tool_details": True},
        service_name="codex-cli",
        scope_name="codex_otel",
        scanned=BUNDLED_SCANNED if scanned is None else scanned,
    )
    try:
        yield
    finally:
        with registry.lock:
            registry.entries[:] = entries
            registry.merged = merged
