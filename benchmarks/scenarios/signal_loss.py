"""signal_loss_events: events lost to SIGTERM and Ctrl-C, of those whose emitter returned.

Fresh child interpreters (`tests/spool/steady_emitter.py`, through
`tests/spool/signal_trials.py`) emit at a steady rate to a collector that is down and are
killed by SIGTERM, then by SIGINT, at random moments (half during the emits, half during
the exit wait); then a real receiver comes up and one more run delivers the spool. The
value: the events each child printed as emitted that are neither in the spool after the
signals nor delivered afterwards (target 0). Details: the count per signal, the events
delivered twice, the trials whose run ended before its signal.
"""

from __future__ import annotations

import os
import random
import signal

import suite  # noqa: F401  (tests/ on the path, for `receivers` and `spool`)
from harness import Context, Metric, Target
from spool.signal_trials import (
    deliver,
    endpoint_at,
    kill_at_random,
    sigint_status_ok,
    spooled,
    telemetry_output,
)

from receivers import unused_port

NAME = "signal_loss_events"
UNIT = "events"
TARGET = Target("<=", 0)


def run(context: Context) -> Metric:
    moments = context.pick(full=20, quick=3)
    state = context.scratch / "signal-state"
    environment = context.child_environment(XDG_STATE_HOME=str(state))
    root = state / "codex-otel"
    port = unused_port()
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    emitted: dict[str, set[tuple[str, int]]] = {}
    problems: list[str] = []
    unsignalled = 0
    for signum in (signal.SIGTERM, signal.SIGINT):
        name = signal.Signals(signum).name
        emitted[name] = set()
        for moment in range(moments):
            tag = f"{name}-{moment}"
            trial = kill_at_random(endpoint_at(port), tag, signum, rng, environment)
            unsignalled += not trial.signalled
            if trial.signalled and not sigint_status_ok(trial.status, signum):
                problems.append(f"{tag}: exit status {trial.status}")
            if telemetry_output(trial.err, signum) is not None:
                problems.append(f"{tag}: telemetry wrote to stderr")
            emitted[name] |= {(tag, attempt) for attempt in trial.attempts}
    on_disk = set(spooled(root))
    delivered = deliver(port, root, environment)
    lost = {name: ids - on_disk - set(delivered) for name, ids in emitted.items()}
    duplicated = sum(1 for times in delivered.values() if times > 1)
    return Metric.of(
        NAME,
        sum(len(ids) for ids in lost.values()),
        UNIT,
        TARGET,
        details={
            **{f"lost_{name}": len(ids) for name, ids in lost.items()},
            **{f"emitted_{name}": len(ids) for name, ids in emitted.items()},
            "delivered_twice": duplicated,
            "ended_before_signal": unsignalled,
            "moments_per_signal": moments,
            "seed": seed,
        },
        problems=problems,
    )
