"""`python -m codex_otel.cli` runs the `codex-otel` command."""

import sys

from .main import main

sys.exit(main())
