"""The OpenTelemetry resource of the runtime's events, and installed distributions'
versions: shared by the pipeline (with the SDK) and the spool (before the SDK is loaded).

No OpenTelemetry import at import time (`sdk_resource` imports the SDK when called);
importlib.metadata is imported on first use (~10 ms).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._wire_strings import plain_string
from .config import OtelConfig

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource


def resource_attributes(
    config: OtelConfig,
    service_version: str,
    *,
    sdk_version: str | None,
    detected: Mapping[str, str],
) -> dict[str, str]:
    """The resource's attributes, lowest precedence first; the runtime's own keys win.

    `detected`: what the SDK's detectors add (`service.instance.id`). Never read from the
    process environment here: OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME come through
    the config, with its precedence.

    Every key and value is made valid UTF-8 (`plain_string`): the environment hands over
    bytes that are not UTF-8 as lone surrogates (`team=caf\\udce9`), and a host may pass
    any `str` as `service_version`. Unclean, one such value cost every OTLP/JSON batch and
    the resource over protobuf.
    """
    attributes: dict[str, str] = {
        "telemetry.sdk.language": "python",
        "telemetry.sdk.name": "opentelemetry",
    }
    if sdk_version is not None:
        attributes["telemetry.sdk.version"] = sdk_version
    attributes.update(detected)
    attributes.update(config.resource_attributes)
    attributes["service.name"] = config.service_name
    attributes["service.version"] = service_version
    attributes["env"] = config.environment
    return {plain_string(key): plain_string(value) for key, value in attributes.items()}


def sdk_resource(config: OtelConfig, service_version: str) -> Resource:
    """The pipeline's resource (imports the SDK: only the running pipeline calls this)."""
    from opentelemetry.sdk import resources
    from opentelemetry.sdk.version import __version__ as sdk_version

    # `Resource.create` would add service.instance.id, but it also reads
    # OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME from the process environment, which
    # would bypass the config's precedence. The SDK replaces this id in a forked child.
    detected: dict[str, str] = {}
    detector = getattr(resources, "ServiceInstanceIdResourceDetector", None)
    if detector is not None:
        for key, value in detector().detect().attributes.items():
            detected[key] = str(value)
    return resources.Resource(
        resource_attributes(
            config, service_version, sdk_version=str(sdk_version), detected=detected
        )
    )


def distribution_version(name: str) -> str | None:
    """The installed version of distribution `name`, or None when it is not installed."""
    # Imported here, not with the module: importlib.metadata costs ~10 ms, and only the
    # pipeline's start (on its background thread) and `__version__` need it.
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None
