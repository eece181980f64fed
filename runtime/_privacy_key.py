"""The installation's key of the `hash` privacy mode: `<state folder>/privacy.key`.

32 random bytes, made on the first use of `hash` mode, readable by this user alone, never
exported; deleting the file rotates it (hashes made before no longer match new ones). The
folder is opened and checked as the spool opens its root (`_spool_disk.open_root`: this
user's or root's, not writable by others unless sticky), and the file is read and created
relative to that descriptor, never through the path again. A new key is written to a
temporary file created with `O_CREAT | O_EXCL` (0600), then linked to its name, which
fails when another process linked its key first: the loser reads the winner's, so two
processes starting together share one key and no reader ever sees a half-written file.

A file that is not what this module writes (not a regular file, not this user's, readable
by others, not 32 bytes) is refused with `KeyProblem`, whose message says what is wrong
and never shows a byte of the file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from ._spool_disk import open_root

#: The key file's name in the state folder.
KEY_FILE = "privacy.key"
#: The key's size in bytes (HMAC-SHA256's block is 64; its output, and this key, 32).
KEY_BYTES = 32

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC


class KeyProblem(Exception):
    """The key file cannot be used; the message names the file and what is wrong."""


def installation_key(root: Path) -> bytes:
    """The key in `root/privacy.key`, made now when there is none. Raises `KeyProblem`."""
    try:
        folder = open_root(root, create=True)
    except Exception as error:  # UnsafeFolder, OSError
        raise KeyProblem(f"{root}: cannot use the state folder for the hash key: {error}") from None
    try:
        try:
            return _read(folder, root)
        except FileNotFoundError:
            pass
        _create(folder, root)
        return _read(folder, root)
    except OSError as error:
        raise KeyProblem(f"{root / KEY_FILE}: {error.strerror or error}") from None
    finally:
        os.close(folder)


def _read(folder: int, root: Path) -> bytes:
    where = root / KEY_FILE
    fd = os.open(KEY_FILE, _READ, dir_fd=folder)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyProblem(f"{where} is not a regular file")
        if info.st_uid != os.geteuid():
            raise KeyProblem(f"{where} belongs to another user (uid {info.st_uid})")
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise KeyProblem(
                f"{where} is readable or writable by others (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); delete it to make a new key"
            )
        if info.st_size != KEY_BYTES:
            raise KeyProblem(
                f"{where} holds {info.st_size} bytes, not {KEY_BYTES}; delete it to make a new key"
            )
        key = os.read(fd, KEY_BYTES + 1)
        if len(key) != KEY_BYTES:
            raise KeyProblem(f"{where} changed while it was read")
        return key
    finally:
        os.close(fd)


def _create(folder: int, root: Path) -> None:
    """Write a new key under a temporary name, then link it to `privacy.key` unless
    another process was first (its key is then the one read)."""
    temporary = f".{KEY_FILE}.{os.getpid()}.{os.urandom(4).hex()}"
    fd = os.open(temporary, _CREATE, 0o600, dir_fd=folder)
    try:
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            written = os.write(fd, os.urandom(KEY_BYTES))
            if written != KEY_BYTES:
                raise KeyProblem(f"{root / KEY_FILE}: the new key could not be written whole")
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, KEY_FILE, src_dir_fd=folder, dst_dir_fd=folder)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
