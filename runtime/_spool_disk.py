"""The spool's access to the disk: its folder as a checked descriptor, its files opened
without following a link or waiting on a FIFO.

Every write and every read of the spool (`_spool.py`) starts with `open_folder`: the
root is opened and checked (a folder owned by this user or by root, and not writable by
others unless sticky), then the destination folder is opened *relative to the root's
descriptor* with `O_NOFOLLOW` and checked (a plain folder owned by this user, narrowed to
0700). Every file operation that follows (create, rename, unlink, list, stat) goes through
that descriptor (`dir_fd=`), never through the path again: a neighbour who swaps a folder
for a symlink after the check swaps a name the spool no longer uses. Someone who could
still swap our folder under a sticky root would have to own the root, which is refused.

`read_plain` reads a spool file only when it is what the spool writes: a regular file
(not a FIFO, which would block the reader for ever; not a symlink) of at most the spool's
cap (a sparse 1 GiB file is refused by its size, never read into memory).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC
#: A spool file: never through a symlink, never blocking (a FIFO opens at once).
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
#: Read in pieces of this size: a file that grows while read is cut at the cap.
_CHUNK = 1 << 16


class UnsafeFolder(Exception):
    """A spool folder the spool must not use: another user's, or others could swap it."""


class NotSpoolData(Exception):
    """A file in the spool's folder that is not a file the spool could have written: not
    a regular file, or larger than the cap. The message says which."""


def open_folder(root: Path, destination: str, *, create: bool) -> int | None:
    """A descriptor of `<root>/<destination>`, checked (see the module doc); the caller
    closes it. With `create`, missing folders are made (0700); without, a missing one is
    None. Raises `UnsafeFolder` for a folder the spool must not use, `OSError` else."""
    created = False
    if create:
        try:
            root.mkdir(mode=0o700, parents=True)
            created = True
        except FileExistsError:
            pass
    try:
        root_fd = os.open(root, _FOLDER)
    except FileNotFoundError:
        if create:
            raise
        return None
    try:
        info = os.fstat(root_fd)
        _check_root(root, info)
        if created:
            # mkdir's mode is cut by the umask; ours, so made private whatever the umask.
            # Only a root the spool made: a configured one such as /tmp keeps its mode.
            os.fchmod(root_fd, 0o700)
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(destination, 0o700, dir_fd=root_fd)
        folder = root / destination
        try:
            fd = os.open(destination, _FOLDER | os.O_NOFOLLOW, dir_fd=root_fd)
        except FileNotFoundError:
            if create:
                raise
            return None
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                raise UnsafeFolder(f"{folder} is not a plain folder (a symlink?)") from None
            raise
        try:
            _check_destination(folder, fd)
        except BaseException:
            os.close(fd)
            raise
        return fd
    finally:
        os.close(root_fd)


def open_root(root: Path, *, create: bool) -> int:
    """A descriptor of the state folder `root` itself, checked as `open_folder` checks it
    (made 0700 with `create` when missing); the caller closes it. Raises `UnsafeFolder`,
    `OSError` (`FileNotFoundError` when missing without `create`)."""
    created = False
    if create:
        try:
            root.mkdir(mode=0o700, parents=True)
            created = True
        except FileExistsError:
            pass
    fd = os.open(root, _FOLDER)
    try:
        _check_root(root, os.fstat(fd))
        if created:
            os.fchmod(fd, 0o700)  # mkdir's mode is cut by the umask
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_root(root: Path, info: os.stat_result) -> None:
    if info.st_uid not in (os.geteuid(), 0):
        # Its owner may rename anything in it, sticky bit or not: our folder included.
        raise UnsafeFolder(
            f"{root} belongs to another user (uid {info.st_uid}), who could replace the "
            "spool's folder; use a folder of your own or root's"
        )
    mode = info.st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
        raise UnsafeFolder(
            f"{root} is writable by others and has no sticky bit (mode "
            f"{stat.S_IMODE(mode):04o}): they could replace the spool's folder"
        )


def _check_destination(folder: Path, fd: int) -> None:
    info = os.fstat(fd)
    if info.st_uid != os.geteuid():
        raise UnsafeFolder(
            f"{folder} belongs to another user (uid {info.st_uid}, not {os.geteuid()})"
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        # The spool's own folder (its name is the destination's hash), made by hand or
        # under another umask: narrowed.
        os.fchmod(fd, 0o700)


def read_plain(name: str, folder: int, limit: int, *, first_line: bool = False) -> bytes:
    """The bytes of the spool file `name` in `folder` (a descriptor), or with `first_line`
    only up to its first newline. Raises `NotSpoolData` for a file the spool never
    writes (not regular, more than `limit` bytes), `OSError` (a symlink is `ELOOP`)."""
    fd = os.open(name, _FILE, dir_fd=folder)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotSpoolData("not a regular file (a FIFO, a device or a folder)")
        if info.st_size > limit:
            raise NotSpoolData(f"{info.st_size} bytes, more than the spool's cap ({limit})")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            if first_line and b"\n" in chunk:
                chunks.append(chunk[: chunk.index(b"\n") + 1])
                break
            size += len(chunk)
            if size > limit:
                raise NotSpoolData(f"more than the spool's cap ({limit} bytes)")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def entry_size(name: str, folder: int) -> int | None:
    """The size of `name` in `folder` when it is a regular file, else None (a link, a
    FIFO, gone)."""
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None
