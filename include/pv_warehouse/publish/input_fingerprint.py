"""Whether a night has anything to rebuild: the inputs of the published warehouse against tonight's.

A published warehouse is a function of the snapshots in raw, the project's rules and code (dbt project,
expectation suites, the package) and the pseudonym key. Publishing records a fingerprint of those; a
night whose fingerprint is the same (no new delivery, no changed rule, same key) would publish the same
marts again, so it republishes the published file as it is and stops after the load. Anything else, or a
rollback, or `PV_WAREHOUSE_REBUILD=1`, or a run triggered with `{"rebuild": true}`, rebuilds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pv_warehouse.core.build_db import connect_build
from pv_warehouse.core.settings import Settings
from pv_warehouse.ingest.load import RAW_SCHEMA

ENV_REBUILD = "PV_WAREHOUSE_REBUILD"
# the folders whose files decide what the marts hold and how they are checked and published
RULE_FOLDERS = ("dbt_project", "expectations", "include/pv_warehouse")
SKIPPED_FOLDERS = {"target", "logs", "dbt_packages", "__pycache__"}


@dataclass(frozen=True)
class Unchanged:
    """The published run whose inputs tonight's equal."""

    run_id: str
    published_at: str


def inputs_fingerprint(settings: Settings, secret: bytes) -> str:
    """sha256 of the loaded snapshots, the project's rule and code files, and a tag of the pseudonym key."""

    digest = hashlib.sha256()
    con = connect_build(settings, read_only=True)
    try:
        snapshots = con.execute(
            f"select source, snapshot_date::varchar, raw_table, sha256 from {RAW_SCHEMA}.snapshot_manifest order by all"
        ).fetchall()
    finally:
        con.close()
    for row in snapshots:
        digest.update("\t".join(row).encode() + b"\n")
    for path in _rule_files(settings.project_dir):
        digest.update(path.relative_to(settings.project_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    # a new key gives every patient a new key: the key's tag, never the key, takes part
    digest.update(hmac.new(secret, b"pv-warehouse inputs", hashlib.sha256).digest())
    return digest.hexdigest()


def _rule_files(project_dir: Path) -> list[Path]:
    files = []
    for folder in RULE_FOLDERS:
        for path in (project_dir / folder).rglob("*"):
            if path.is_file() and not SKIPPED_FOLDERS.intersection(path.relative_to(project_dir).parts):
                files.append(path)
    return sorted(files)


def unchanged_since_publish(settings: Settings, fingerprint: str, rebuild: bool = False) -> Unchanged | None:
    """The published run built from exactly these inputs, or None when tonight must rebuild."""
    record = settings.published_inputs
    if rebuild or os.environ.get(ENV_REBUILD) == "1" or not record.exists() or not settings.published_db.exists():
        return None
    published = json.loads(record.read_text(encoding="utf-8"))
    if published.get("fingerprint") != fingerprint:
        return None
    return Unchanged(published["run_id"], published["published_at"])


def record_published_inputs(settings: Settings, run_id: str, fingerprint: str) -> None:
    """After a publish: the inputs the published file was built from."""
    record = settings.published_inputs
    record.parent.mkdir(parents=True, exist_ok=True)
    staged = record.with_name(record.name + ".new")
    staged.write_text(
        json.dumps(
            {
                "run_id": run_id,
                "fingerprint": fingerprint,
                "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
        ),
        encoding="utf-8",
    )
    staged.replace(record)


def forget_published_inputs(settings: Settings) -> None:
    """The published file no longer comes from the recorded inputs (a rollback): the next night rebuilds."""
    settings.published_inputs.unlink(missing_ok=True)
