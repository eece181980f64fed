"""Build the wheel and use the package from it, so a packaging slip cannot hide behind
the editable install the rest of the suite runs on."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from support.generation import REPO

pytestmark = pytest.mark.slow

CHECK = r"""
import importlib, importlib.resources as resources, json, sys
from pathlib import Path
target = Path(sys.argv[1])
for name in ["schema", "generator", "livecheck", "generated", "generated.events", "runtime", "instrument", "cli.main"]:
    module = importlib.import_module("codex_otel." + name)
    assert Path(module.__file__).is_relative_to(target), (name, module.__file__)
for package, resource in [
    ("codex_otel.schema", "catalog.yaml"), ("codex_otel.schema", "catalog.schema.json"),
    ("codex_otel.generator", "templates/events.py.jinja"), ("codex_otel.generated", "EVENTS.md"),
    ("codex_otel.generated", "schemas/codex.tool_result.json"), ("codex_otel.runtime", "py.typed"),
    ("codex_otel.generated", "py.typed"),
]:
    assert resources.files(package).joinpath(resource).is_file(), (package, resource)
from codex_otel.cli.main import main
assert main(["generate", "--check", "--out", str(target / "codex_otel" / "generated")]) == 0
assert main(["docs", "--out", str(target / "docs-site")]) == 0  # the site's templates shipped
assert (target / "docs-site" / "events" / "codex.tool_result.html").is_file()
from codex_otel.generated import events
from codex_otel.runtime import Telemetry
telemetry = Telemetry(service_version="wheel")
conversation = telemetry.conversation(events.Metadata(
    conversation_id="c", app_version="1", terminal_type="t", model="m", slug="s"))
with telemetry.capture() as captured:
    events.tool_decision(conversation, tool_name="shell", call_id="1", decision="approved", source="user")
assert captured[0].attributes["decision"] == "approved"
print("wheel ok")
"""


def test_the_wheel_holds_a_working_package(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = dist.glob("codex_otel-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not any(n.startswith(("tests/", "benchmarks/", "codex_otel/tests")) for n in names)
    # The package holds only its own `__init__` (for `__version__`); the rest are the folders,
    # and no folder of a stage lands inside another (runtime/_package_root is the package).
    assert {"codex_otel/__init__.py", "codex_otel/py.typed"} <= set(names)
    assert not any("_package_root" in n for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "codex-otel = codex_otel.cli.main:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )

    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # -S skips .pth files, so the editable install cannot shadow the wheel; the
    # dependencies come from this environment's site-packages, after the wheel.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]]),
    }
    result = subprocess.run(
        [sys.executable, "-S", "-c", CHECK, str(target)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("wheel ok")
