#!/usr/bin/env bash
# One-off preparation of a deployment, run by the compose service airflow-init and by
# `make test-scheduler` with the same settings. Safe to run again: every step is idempotent.
set -euo pipefail

# refuse early, before touching the database, when the pseudonym key is missing or too short
pv-warehouse check-key

airflow db migrate

admin="${_AIRFLOW_WWW_USER_USERNAME:-admin}"
if airflow users list --output plain | awk 'NR > 1 {print $2}' | grep -qx "$admin"; then
    echo "Airflow user $admin already exists"
else
    airflow users create --role Admin --username "$admin" --password "$_AIRFLOW_WWW_USER_PASSWORD" \
        --firstname Pharmacovigilance --lastname Admin --email "${_AIRFLOW_WWW_USER_EMAIL:-admin@localhost}"
fi

# the one-slot DuckDB pool, the home's folders and the parsed dbt project the DAG renders from
pv-warehouse prepare
