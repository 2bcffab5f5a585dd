"""Failures of the machine rather than of the data, said in one sentence: a full disk, a home folder the
pipeline cannot write, a home path blocked by a file.

The command line prints these instead of a traceback, and the nightly tasks fail with them, so the task's
error in the steward report and in the e-mail says what to do. `explain` looks through the chain of
causes, since DuckDB, SQLite (through SQLAlchemy) and dbt wrap the operating system's error in their own.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)
# what the libraries that wrap the operating system's error say instead
DISK_FULL_TEXTS = ("no space left on device", "database or disk is full", "disk quota exceeded")
NOT_WRITABLE_TEXTS = ("permission denied", "readonly database", "read-only file system", "unable to open database file")


@dataclass(frozen=True)
class Problem:
    """What went wrong and what to do about it; as text, one sentence joining the two."""

    what: str
    todo: str

    def __str__(self) -> str:
        return f"{self.what}: {self.todo}"


def user_name() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def disk_full(folder: Path) -> Problem:
    return Problem(f"the disk holding {folder} is full", "free space on it and run again")


def not_writable(home: Path, path: Path | None = None) -> Problem:
    user = user_name()
    if path is not None and path != home and home not in path.parents:
        return Problem(f"{path} cannot be used by user {user} (permission denied)", f"give {user} access to it")
    # without the path (SQLite, DuckDB and dbt do not always give it), the folder at fault may be one inside
    folder = f"the home folder {home}"
    if path is None:
        folder += ", or a folder or file in it,"
    where = f" ({path} cannot be written)" if path is not None and path != home else ""
    return Problem(
        f"{folder} is not writable by user {user}{where}",
        f"give {user} write access to it (chown or chmod), or choose another home folder with --home",
    )


def explain(error: BaseException, home: Path) -> Problem | None:
    """The sentence for a full disk or an unwritable home somewhere in `error`'s causes; None for anything else."""
    for cause in _chain(error):
        if isinstance(cause, OSError) and cause.errno is not None:
            path = Path(cause.filename) if cause.filename else None
            if cause.errno in DISK_FULL:
                return disk_full(path.parent if path is not None else home)
            if cause.errno in NOT_WRITABLE:
                return not_writable(home, path)
            if cause.errno in (errno.ENOTDIR, errno.EEXIST) and path is not None and not path.is_dir():
                blocker = next((parent for parent in (path, *path.parents) if parent.is_file()), path)
                return Problem(
                    f"{home} cannot be a home folder: {blocker} is a file, not a folder",
                    "choose another home folder with --home, or move the file away",
                )
    text = " ".join(str(cause) for cause in _chain(error)).lower()
    if any(marker in text for marker in DISK_FULL_TEXTS):
        return disk_full(home)
    if any(marker in text for marker in NOT_WRITABLE_TEXTS):
        return not_writable(home)
    return None
