"""Child process of the import scenario: time one import in a fresh interpreter.

`python import_probe.py codex`: import the generated module and start the runtime with
`exporter = "none"`. `python import_probe.py otel`: `import opentelemetry._logs`, the
least an application using the OpenTelemetry logs API imports. Only the statements are
timed, inside the interpreter, so start-up (the same for both) is left out. Prints one
JSON object: the nanoseconds, and the names of every module loaded by the end.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    mode = sys.argv[1]
    start = time.perf_counter_ns()
    if mode == "codex":
        import codex_otel.generated.events  # noqa: F401
        from codex_otel.runtime import Telemetry, load_config

        Telemetry(load_config(text='[otel]\nexporter = "none"\n'), service_version="x")
    elif mode == "otel":
        import opentelemetry._logs  # noqa: F401
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    elapsed = time.perf_counter_ns() - start
    modules = sorted(sys.modules)  # before json adds itself

    import json

    print(json.dumps({"ns": elapsed, "modules": modules}))


if __name__ == "__main__":
    main()
