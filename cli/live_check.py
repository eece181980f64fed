"""`codex-otel live-check`: hold OTLP traffic against the catalog, report findings and coverage.

Sources: OTLP/JSON (`--input`, repeatable, `-` for standard input; each line an export
request of logs, metrics or traces, or whole JSON documents) and receivers (`--otlp-grpc
PORT`, `--otlp-http PORT`; logs, metrics and traces). Stops at `--max-records` (log
records, metric data points and spans), after `--duration`, at the end of the input when
no receiver runs, or on Ctrl-C (SIGINT) or SIGTERM; then prints the report. Exit 1 when a
finding is at or above `--fail-on`, 0 otherwise, 2 on bad input (a bad catalog, an
unreadable file, a port in use, a missing extra).

This module parses the arguments, checks them and prints; the run is `livecheck.run`.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path

from codex_otel.generator import CatalogError, load_catalog
from codex_otel.livecheck import FAIL_ON_CHOICES, render
from codex_otel.livecheck.inputs import unreadable
from codex_otel.livecheck.receivers import receivers_available
from codex_otel.livecheck.run import Options, restore_stop_signals, run

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def _error(message: str) -> int:
    print(f"codex-otel live-check: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _announce(line: str) -> None:
    print(f"codex-otel live-check: {line}", file=sys.stderr, flush=True)


def run_live_check(args: argparse.Namespace) -> int:
    from .main import default_catalog

    schema = Path(args.schema) if args.schema else default_catalog()
    try:
        catalog = load_catalog(schema)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    inputs: list[str] = args.input or []
    if not inputs and args.otlp_grpc is None and args.otlp_http is None:
        return _error("nothing to check: give --input FILE, --otlp-grpc PORT or --otlp-http PORT")
    if inputs.count("-") > 1:
        return _error("--input - (standard input) can be given once")
    problem = unreadable(inputs)
    if problem:
        return _error(problem)
    if args.otlp_grpc is not None or args.otlp_http is not None:
        missing = receivers_available()
        if missing:
            return _error(
                f"the OTLP receivers need the otel extra ({missing}): "
                "pip install 'codex-otel[otel]'; --input of OTLP/JSON files works without it"
            )
    options = Options(
        inputs=inputs,
        grpc_port=args.otlp_grpc,
        http_port=args.otlp_http,
        host=args.host,
        max_records=args.max_records,
        duration=args.duration,
        fail_on=args.fail_on,
        allow_empty=args.allow_empty,
        require_redaction=args.require_redaction,
        span_attributes=tuple(args.span_attribute or ()),
    )
    outcome, previous_handlers = run(catalog, options, announce=_announce)
    try:
        if outcome.report is None:
            return _error(outcome.error or "the run failed")
        if isinstance(sys.stdout, io.TextIOWrapper):
            # Traffic can carry lone surrogates (OTLP/JSON allows them): shown escaped.
            sys.stdout.reconfigure(errors="backslashreplace")
        sys.stdout.write(render(outcome.report, args.format))
        sys.stdout.flush()
    finally:
        restore_stop_signals(previous_handlers)
    return EXIT_OK if outcome.report.ok else EXIT_FINDINGS


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0: any free port), not {port}")
    return port


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    return parse


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "live-check",
        help="check OTLP log, metric and trace traffic (files, gRPC, HTTP) against the catalog",
        description="Hold OTLP log, metric and trace traffic against the catalog; report "
        "findings and coverage.",
        epilog="Exit status: 1 when a finding is at or above --fail-on, 0 otherwise, "
        "2 on bad input (catalog, file, port in use, no otel extra for a receiver).",
    )
    parser.add_argument(
        "--schema",
        metavar="FILE",
        help="catalog YAML (default: ./schema/catalog.yaml if it exists, else the bundled one)",
    )
    parser.add_argument(
        "--input",
        metavar="FILE",
        action="append",
        help="OTLP/JSON: one logs, metrics or traces export request per line, or whole JSON "
        "documents when the first line is not JSON on its own (repeatable; - is standard input)",
    )
    parser.add_argument("--otlp-grpc", metavar="PORT", type=_port, help="receive OTLP/gRPC here")
    parser.add_argument(
        "--otlp-http",
        metavar="PORT",
        type=_port,
        help="receive OTLP/HTTP (POST /v1/logs, /v1/metrics and /v1/traces) here",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address the receivers listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--max-records",
        metavar="N",
        type=_positive(int),
        help="stop after N log records, metric data points and spans",
    )
    parser.add_argument(
        "--duration", metavar="SECONDS", type=_positive(float), help="stop receiving after this"
    )
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="report format"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default="error",
        help="exit 1 when a finding is at least this severe (default: error)",
    )
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="nothing checked at all (no record, point or span) is not a finding (by "
        "default it is: no_records, an error)",
    )
    parser.add_argument(
        "--require-redaction",
        action="store_true",
        help="the senders' privacy toggles are meant to be off: content in an attribute "
        "with a redaction policy is an error (by default: unredacted, info)",
    )
    parser.add_argument(
        "--span-attribute",
        metavar="KEY",
        action="append",
        help="a key the senders' span_attributes setting puts on every span: accepted on "
        "any catalog span as a string (repeatable)",
    )
    parser.set_defaults(handler=run_live_check)
