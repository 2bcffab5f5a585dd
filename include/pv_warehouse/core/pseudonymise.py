"""Pseudonymisation: the patient key analysts see is an HMAC-SHA256 of the hospital identifier.

The secret comes from `PV_WAREHOUSE_PSEUDONYM_KEY`, else from the password of the Airflow connection
`pv_warehouse_pseudonym`; on demo extracts only, `refresh` creates a local key file under the home.
The dbt-duckdb plugin `pv_warehouse.transform.dbt_plugin` registers the hash as the DuckDB functions
`pv_patient_key(varchar)` and `pv_record_key(kind, varchar)`, so dbt models compute keys without the
secret appearing in SQL, compiled code or dbt artifacts. They are SQL over DuckDB's `sha256`, HMAC as
RFC 2104 defines it with the padded keys `hmac_pads` gives, not a Python call per row: a national-scale
build keys hundreds of thousands of rows. `patient_key` and `record_key` here compute the same keys for
the identifiers the landing contract allows (digits, letters). Once resolved, the secret is registered
with Airflow's log masker and handed to dbt as `DBT_ENV_SECRET_PV_PSEUDONYM_KEY`, a variable dbt scrubs
from everything it logs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

ENV_KEY = "PV_WAREHOUSE_PSEUDONYM_KEY"
DBT_SECRET_ENV = "DBT_ENV_SECRET_PV_PSEUDONYM_KEY"
CONNECTION_ID = "pv_warehouse_pseudonym"
MIN_KEY_CHARS = 32

HOW_TO_SET = (
    f"Set {ENV_KEY} to a long random secret kept outside the repository and the home folder "
    f"(for example `export {ENV_KEY}=$(openssl rand -hex 32)`), or store it as the password of the Airflow "
    f"connection `{CONNECTION_ID}`. Keep it: patient keys are only stable for the same secret."
)


NO_KEY = f"no pseudonym key is set: patient keys cannot be computed. {HOW_TO_SET}"


class MissingPseudonymKey(RuntimeError):
    """No usable secret to compute patient keys with."""


SHA256_BLOCK_BYTES = 64


def normalise_identifier(identifier: str) -> str:
    """The hospital identifier as the key is computed on it: spaces trimmed (as DuckDB's `trim`), leading
    zeros kept, upper case."""
    return identifier.strip(" ").upper()


def patient_key(identifier: str | None, secret: bytes) -> str | None:
    if identifier is None or not identifier.strip(" "):
        return None
    digest = hmac.new(secret, normalise_identifier(identifier).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()


def record_key(kind: str, identifier: str | None, secret: bytes) -> str | None:
    """A keyed hash for any other source record (an event, a course) so its source id stays private."""
    if identifier is None or not identifier.strip(" "):
        return None
    return hmac.new(secret, f"{kind}:{identifier.strip(' ')}".encode(), hashlib.sha256).hexdigest()


def hmac_pads(secret: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256: HMAC(message) = sha256(outer || sha256(inner || message))."""
    key = hashlib.sha256(secret).digest() if len(secret) > SHA256_BLOCK_BYTES else secret
    key = key.ljust(SHA256_BLOCK_BYTES, b"\0")
    return bytes(byte ^ 0x36 for byte in key), bytes(byte ^ 0x5C for byte in key)


def configured_secret() -> tuple[str, str] | None:
    """The configured secret and where it came from, or None: the environment first, then Airflow."""
    if value := os.environ.get(ENV_KEY, "").strip():
        return value, ENV_KEY
    if password := _connection_password():
        return password, f"Airflow connection {CONNECTION_ID}"
    return None


def require_secret() -> bytes:
    """The secret for this process, or a refusal saying how to set one; protects it from logs."""
    found = configured_secret()
    if found is None:
        raise MissingPseudonymKey(NO_KEY)
    value, source = found
    if len(value) < MIN_KEY_CHARS:
        raise MissingPseudonymKey(
            f"the pseudonym key from {source} has {len(value)} characters; at least {MIN_KEY_CHARS} are needed "
            f"so patient keys cannot be guessed. {HOW_TO_SET}"
        )
    protect(value)
    return value.encode("utf-8")


def secret_from_env() -> bytes:
    """The secret as the dbt plugin needs it: the environment or the Airflow connection, any length."""
    found = configured_secret()
    if found is None:
        raise MissingPseudonymKey(NO_KEY)
    return found[0].encode("utf-8")


def protect(value: str) -> None:
    """Mask the secret in Airflow's logs and let dbt scrub it from its own."""
    os.environ[DBT_SECRET_ENV] = value
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # outside Airflow there is no task log to mask
        return
    mask_secret(value, CONNECTION_ID)


def _connection_password() -> str | None:
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None
    try:
        return (BaseHook.get_connection(CONNECTION_ID).password or "").strip() or None
    except AirflowNotFoundException:
        return None


def ensure_local_key(key_file: Path) -> tuple[str, bool]:
    """The secret kept in `key_file` (mode 0600), created when missing; True when it was just created."""
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip(), False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.parent.chmod(0o700)
    value = secrets.token_hex(32)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value, True


def use_local_key(key_file: Path) -> bool:
    """Make the secret kept in `key_file` (created when missing) this process's key, as if it were set in
    `PV_WAREHOUSE_PSEUDONYM_KEY`, so the run's tasks and dbt find it; True when it was just created."""
    secret, created = ensure_local_key(key_file)
    os.environ[ENV_KEY] = secret
    return created
