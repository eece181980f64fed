"""The installation's hash key (`runtime/_privacy_key.py`): made once, shared by processes
that start together, refused (never shown) when the file is not what it writes."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from codex_otel.runtime._privacy_key import KEY_BYTES, KeyProblem, installation_key

RACE = """
import sys, time
from pathlib import Path
from codex_otel.runtime._privacy_key import installation_key
start = float(sys.argv[2])
while time.time() < start:
    pass
print(installation_key(Path(sys.argv[1])).hex())
"""


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    import time

    root = tmp_path / "state"
    start = str(time.time() + 1.0)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(root), start], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    keys = {child.communicate(timeout=60)[0].strip() for child in children}
    assert len(keys) == 1 and len(next(iter(keys))) == 2 * KEY_BYTES
    # Only the key is left: no temporary file of a process that lost the race.
    assert sorted(path.name for path in root.iterdir()) == ["privacy.key"]
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert installation_key(root).hex() in keys


def test_a_folder_others_may_write_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    root.chmod(0o777)
    with pytest.raises(KeyProblem, match="writable by others"):
        installation_key(root)
    assert not (root / "privacy.key").exists()


def test_a_key_file_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "privacy.key").mkdir(mode=0o700)
    with pytest.raises(KeyProblem, match="not a regular file"):
        installation_key(tmp_path)
