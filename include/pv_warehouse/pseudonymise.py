"""Pseudonymisation: the patient key analysts see is an HMAC-SHA256 of the hospital identifier.

The secret comes from `PV_WAREHOUSE_PSEUDONYM_KEY`. The dbt-duckdb plugin `pv_warehouse.dbt_plugin`
registers the hash as the DuckDB functions `pv_patient_key(varchar)` and `pv_record_key(kind, varchar)`,
so dbt models compute keys without the secret appearing in SQL, compiled code, logs or dbt artifacts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

ENV_KEY = "PV_WAREHOUSE_PSEUDONYM_KEY"


class MissingPseudonymKey(RuntimeError):
    """No secret to compute patient keys with."""


def normalise_identifier(identifier: str) -> str:
    """The hospital identifier as the key is computed on it: trimmed, leading zeros kept, upper case."""
    return identifier.strip().upper()


def patient_key(identifier: str | None, secret: bytes) -> str | None:
    if identifier is None or not identifier.strip():
        return None
    digest = hmac.new(secret, normalise_identifier(identifier).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()


def record_key(kind: str, identifier: str | None, secret: bytes) -> str | None:
    """A keyed hash for any other source record (an event, a course) so its source id stays private."""
    if identifier is None or not identifier.strip():
        return None
    return hmac.new(secret, f"{kind}:{identifier.strip()}".encode(), hashlib.sha256).hexdigest()


def secret_from_env() -> bytes:
    value = os.environ.get(ENV_KEY, "")
    if not value:
        raise MissingPseudonymKey(
            f"{ENV_KEY} is not set: patient keys cannot be computed. Set it to a long random secret kept "
            "outside the repository (for example `export PV_WAREHOUSE_PSEUDONYM_KEY=$(openssl rand -hex 32)`)."
        )
    return value.encode("utf-8")


def ensure_local_key(key_file: Path) -> tuple[bytes, bool]:
    """The secret kept in `key_file` (mode 0600), created when missing; True when it was just created."""
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip().encode("utf-8"), False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.parent.chmod(0o700)
    value = secrets.token_hex(32)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value.encode("utf-8"), True
