"""One refresh at a time per home: an OS file lock on `<home>/refresh.lock`.

`pv-warehouse refresh` holds the lock from before it touches the home until it exits; under a scheduler,
every task of the nightly DAG that writes the home holds it for the task's duration. The lock is the
kernel's (`flock`, through filelock): it goes with the process that holds it, so a killed refresh never
leaves a stale lock behind. The lock file also tells who holds it (pid, start time, what runs), for the
message a second refresh prints.

Within one process the lock is reentrant: the tasks `refresh` runs in its own process find the lock held
by that process and go on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK_NAME = "refresh.lock"
ENV_LOCK_TIMEOUT = "PV_WAREHOUSE_LOCK_TIMEOUT"
# how long a scheduled task waits for a refresh started by hand on the same home before it fails
DEFAULT_TASK_TIMEOUT_S = 3600.0
POLL_S = 0.5

# one lock object per lock file and process: filelock's reentrancy counts acquisitions on one object
_locks: dict[str, Any] = {}
# what the next acquisition of each lock file is for, written into the file by `_record_holder`
_pending: dict[str, dict[str, object]] = {}


@dataclass(frozen=True)
class Holder:
    """Who holds a home's lock, as written in the lock file."""

    pid: int
    started_at: dt.datetime
    what: str

    def describe(self) -> str:
        """The holder as messages name it: pid and start time, after the task's name when a task holds the lock."""
        parts = [] if self.what == "refresh" else [self.what]
        parts += [f"pid {self.pid}", f"started {self.started_at:%Y-%m-%d %H:%M} UTC"]
        return ", ".join(parts)


def held_by(holder: Holder | None) -> str:
    """The sentence naming a held home, with its holder when the lock file names one."""
    who = f" ({holder.describe()})" if holder else ""
    return f"another refresh is running on this home{who}"


class HomeLocked(RuntimeError):
    """Another process holds the home's lock (a task is retried when it gave up waiting)."""

    def __init__(self, home: Path, holder: Holder | None, waited_s: float | None = None) -> None:
        self.home = home
        self.holder = holder
        self.waited_s = waited_s
        if waited_s is None:
            message = f"{held_by(holder)}: wait for it, or run with --wait"
        else:
            message = (
                f"{held_by(holder)} and still held it after {waited_s:.0f} s of "
                f"waiting ({ENV_LOCK_TIMEOUT}); this task gave up: it is retried, or trigger the run again "
                "once that refresh has finished"
            )
        super().__init__(message)


def lock_file(home: Path) -> Path:
    return home / LOCK_NAME


def task_timeout() -> float:
    """Seconds a task waits for the lock (PV_WAREHOUSE_LOCK_TIMEOUT, default an hour)."""
    return float(os.environ.get(ENV_LOCK_TIMEOUT, DEFAULT_TASK_TIMEOUT_S))


def _lock(path: Path) -> Any:
    from filelock import FileLock

    key = str(path)
    if key not in _locks:
        # thread_local=False: a task run in another thread of the holding process re-enters the lock too
        _locks[key] = FileLock(
            key,
            thread_local=False,
            poll_interval=POLL_S,
            fallback_to_soft=False,
            preserve_lock_file=True,
            on_acquired=lambda fd: _record_holder(key, fd),
        )
    return _locks[key]


def _record_holder(key: str, fd: int) -> None:
    data = json.dumps(_pending.get(key, {})).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def read_holder(home: Path, attempts: int = 10) -> Holder | None:
    """The holder written in the lock file; None when it cannot be read (written a moment after the lock)."""
    for attempt in range(attempts):
        try:
            data = json.loads(lock_file(home).read_text(encoding="utf-8"))
            return Holder(int(data["pid"]), dt.datetime.fromisoformat(data["started_at"]), str(data["what"]))
        except (OSError, ValueError, KeyError, TypeError):
            if attempt + 1 < attempts:
                time.sleep(0.05)
    return None


@contextmanager
def holding(
    home: Path, what: str, *, timeout: float = 0, on_wait: Callable[[Holder | None], None] | None = None
) -> Iterator[None]:
    """Hold the home's lock for the block: one try when `timeout` is 0, no limit when it is negative.

    Raises HomeLocked when another process holds it; `on_wait(holder)` is called once before waiting.
    """
    from filelock import Timeout

    home.mkdir(parents=True, exist_ok=True)
    path = lock_file(home)
    lock = _lock(path)
    if not lock.is_locked:
        _pending[str(path)] = {
            "pid": os.getpid(),
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "what": what,
        }
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if timeout == 0:
            raise HomeLocked(home, read_holder(home)) from None
        if on_wait is not None:
            on_wait(read_holder(home))
        started = time.monotonic()
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise HomeLocked(home, read_holder(home), time.monotonic() - started) from None
    try:
        yield
    finally:
        if lock.lock_counter == 1:
            # the last release: leave no holder behind for a reader to mistake for a live one
            with path.open("r+b") as handle:
                handle.truncate()
        lock.release()
