"""Failpoints: named places where a refresh can be made to die on purpose, to prove a crash there is harmless.

With `PV_WAREHOUSE_FAILPOINT=<name>` set, the process that reaches the named place kills itself with
SIGKILL: no exception handler, `finally` block or Airflow callback runs, as after a power cut or the
kernel's out-of-memory killer. Unset (always, in production), reaching a failpoint does nothing.
The fault-injection tests use them; so can an operator rehearsing a recovery.

With `PV_WAREHOUSE_DISK_FULL_AT=<name>` set instead, the named place raises the operating system's "no space
left on device" error, as a full disk would there: the tests of the command line's messages use it.
"""

from __future__ import annotations

import errno
import os
import signal

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


def reach(name: str) -> None:
    """Die here, or fail as on a full disk, when this is the failpoint named in the environment."""
    if os.environ.get(ENV_FAILPOINT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(ENV_DISK_FULL) == name:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
