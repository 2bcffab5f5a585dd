"""Failpoints: named places where a refresh can be made to die on purpose, to prove a crash there is harmless.

With `PV_WAREHOUSE_FAILPOINT=<name>` set, the process that reaches the named place kills itself with
SIGKILL: no exception handler, `finally` block or Airflow callback runs, as after a power cut or the
kernel's out-of-memory killer. Unset (always, in production), reaching a failpoint does nothing.
The fault-injection tests use them; so can an operator rehearsing a recovery.

With `PV_WAREHOUSE_DISK_FULL_AT=<name>` set instead, the named place raises the operating system's "no space
left on device" error, as a full disk would there: the tests of the command line's messages use it.

`POINTS` is the one list of the places: either variable naming anything else (a misspelt name would never
fire, and the rehearsal would prove nothing) is refused by `check_environment`, which a refresh calls before
it starts, and by every place that reaches a failpoint, dbt's connections included.
"""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Mapping

ENV_FAILPOINT = "PV_WAREHOUSE_FAILPOINT"
ENV_DISK_FULL = "PV_WAREHOUSE_DISK_FULL_AT"

POINTS = {
    "load:file-loaded": "a new file is archived and its rows inserted, the load's transaction not committed",
    "task-start:<task id>": "a task of the nightly DAG is about to run",
    "dbt-model:<model>": "dbt built the model, its transaction not committed; the models after it are not built",
    "validate:suite-checked": "the first expectation suite ran; Data Docs and results are half written",
    "publish:staged": "the new published file is written, not yet renamed onto analytics.duckdb",
    "publish:swapped": "analytics.duckdb was replaced; the Parquet copies are not yet",
}


class UnknownFailpoint(ValueError):
    """A failpoint variable names a place that is not in `POINTS`."""


def is_point(name: str) -> bool:
    """Whether `name` is one of `POINTS`, where a `<...>` part stands for any name (a task id, a model)."""
    for point in POINTS:
        prefix, placeholder, _ = point.partition("<")
        if name == point or (placeholder and name.startswith(prefix) and len(name) > len(prefix)):
            return True
    return False


def check_environment(environ: Mapping[str, str] = os.environ) -> None:
    """Raise `UnknownFailpoint`, in one sentence listing the valid names, when a failpoint variable is set to
    a name that is not in `POINTS`; an empty variable counts as unset."""
    for variable in (ENV_FAILPOINT, ENV_DISK_FULL):
        name = environ.get(variable, "")
        if name and not is_point(name):
            raise UnknownFailpoint(
                f"{variable} is set to {name!r}, which is no failpoint: set it to one of {', '.join(POINTS)}, "
                "or unset it"
            )


def reach(name: str) -> None:
    """Die here, or fail as on a full disk, when this is the failpoint named in the environment; refuse a
    variable that names no failpoint."""
    check_environment()
    if os.environ.get(ENV_FAILPOINT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(ENV_DISK_FULL) == name:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
