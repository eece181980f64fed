"""One module per metric; each has `NAME`, `UNIT`, `TARGET` and `run(context) -> Metric`."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from harness import Context, Metric, Target

from . import (
    dead_collector,
    diff,
    disabled,
    emit_overhead,
    exit_offline,
    export_throughput,
    generate,
    imports,
    live_check,
    live_check_ratio,
    live_check_secret_scan,
    metric_disabled,
    metric_exit_offline,
    metric_record,
    no_otel,
    scrub,
    signal_loss,
    span_disabled,
    span_overhead,
    startup,
    tool_result_scrub,
    write_ahead_throughput,
)

_MODULES: tuple[ModuleType, ...] = (
    emit_overhead,
    disabled,
    metric_record,
    metric_disabled,
    span_overhead,
    span_disabled,
    no_otel,
    imports,
    export_throughput,
    write_ahead_throughput,
    dead_collector,
    startup,
    exit_offline,
    metric_exit_offline,
    signal_loss,
    generate,
    live_check,
    live_check_ratio,
    live_check_secret_scan,
    diff,
    scrub,
    tool_result_scrub,
)


class Scenario:
    """A metric's name, unit and target, and the function that measures it."""

    def __init__(self, module: ModuleType) -> None:
        self.name: str = module.NAME
        self.unit: str = module.UNIT
        self.target: Target = module.TARGET
        self.run: Callable[[Context], Metric] = module.run


#: In table order.
SCENARIOS: dict[str, Scenario] = {module.NAME: Scenario(module) for module in _MODULES}
