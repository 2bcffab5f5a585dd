# The image every Airflow service of docker-compose.yml runs: the official Airflow image, with this
# project and its locked dependencies (uv.lock) in a virtual environment first on the PATH.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

ENV PV_WAREHOUSE_PROJECT_DIR=/opt/pv-warehouse \
    UV_PROJECT_ENVIRONMENT=/opt/pv-warehouse/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    PATH=/opt/pv-warehouse/.venv/bin:${PATH}

USER root
RUN mkdir -p /opt/pv-warehouse /var/lib/pv-warehouse \
    && chown -R airflow:0 /opt/pv-warehouse /var/lib/pv-warehouse
USER airflow
WORKDIR /opt/pv-warehouse

# dependencies first, from the lock alone, so a code change does not reinstall them
COPY --chown=airflow:0 pyproject.toml uv.lock README.md ./
RUN python -m pip install --no-cache-dir --user "uv>=0.13,<0.14" \
    && python -m uv sync --locked --no-dev --no-install-project --no-cache --compile-bytecode --python "$(command -v python)"

COPY --chown=airflow:0 . .
RUN python -m uv sync --locked --no-dev --no-cache --compile-bytecode --python "$(command -v python)"
