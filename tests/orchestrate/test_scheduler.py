"""The nightly DAG under a real scheduler: docker-compose.yml's services run as processes on PostgreSQL.

`make test-scheduler` runs this module (and `make test` with everything else). It proves what
`dag.test()` cannot: the services start and report healthy, the schedule creates runs by itself, the
REST API triggers one, the LocalExecutor runs each task in its own process while the one-slot pool keeps
DuckDB to one writer, and a refused snapshot fails the run without a retry and without touching the
published file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pytest

from helpers import PROJECT_DIR
from local_deployment import LocalDeployment, airflow_services, load_compose
from pv_warehouse.orchestrate.nightly import DAG_ID

RUN_TIMEOUT_S = 1800


class Api:
    """Airflow's REST API as the admin user airflow-init created."""

    def __init__(self, deployment: LocalDeployment, password: str) -> None:
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{deployment.api_port}", timeout=30)
        self.password = password
        self._token: str | None = None

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            response = self.client.post("/auth/token", json={"username": "admin", "password": self.password})
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path, headers=self._headers())

    def post(self, path: str, body: dict) -> httpx.Response:
        return self.client.post(path, json=body, headers=self._headers())


def wait_for(check: Callable[[], object], what: str, deployment: LocalDeployment, timeout: float) -> object:
    """Poll `check` until it returns something truthy; fail with the services' logs when it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deployment.check_alive()
        with_result = check()
        if with_result:
            return with_result
        time.sleep(2)
    logs = "\n".join(f"--- {name}\n{deployment.log_tail(name)}" for name in deployment.processes)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDeployment]:
    from cryptography.fernet import Fernet

    from pv_warehouse.demo.extracts import write_demo_landing

    root = tmp_path_factory.mktemp("deployment")
    run = LocalDeployment(
        root,
        {
            "PV_WAREHOUSE_PSEUDONYM_KEY": secrets.token_hex(32),
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "_AIRFLOW_WWW_USER_PASSWORD": secrets.token_urlsafe(16),
        },
    )
    write_demo_landing(run.landing)
    try:
        run.start()
        (root / "settings-used.json").write_text(json.dumps(run.settings_used(), indent=2))
        yield run
    finally:
        run.stop()


@pytest.fixture(scope="module")
def api(deployment: LocalDeployment) -> Api:
    client = Api(deployment, deployment.secrets["_AIRFLOW_WWW_USER_PASSWORD"])

    def ready() -> bool:
        try:
            return client.client.get("/api/v2/version").status_code == 200
        except httpx.TransportError:
            return False

    wait_for(ready, "the API server", deployment, 180)
    wait_for(lambda: client.get(f"/api/v2/dags/{DAG_ID}").status_code == 200, "the DAG to be parsed", deployment, 300)
    return client


def trigger(api: Api) -> str:
    # the scheduled run may already have published these extracts: rebuild, as an operator would to re-run
    body = {"logical_date": None, "note": "make test-scheduler", "conf": {"rebuild": True}}
    response = api.post(f"/api/v2/dags/{DAG_ID}/dagRuns", body)
    assert response.status_code == 200, response.text
    return response.json()["dag_run_id"]


def wait_for_end(api: Api, deployment: LocalDeployment, run_id: str) -> str:
    def ended() -> str | None:
        state = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}").json()["state"]
        return state if state in ("success", "failed") else None

    return wait_for(ended, f"run {run_id} to end", deployment, RUN_TIMEOUT_S)


def task_instances(api: Api, run_id: str) -> dict[str, dict]:
    response = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances?limit=100")
    return {ti["task_id"]: ti for ti in response.json()["task_instances"]}


def test_every_service_reports_healthy(deployment: LocalDeployment, api: Api) -> None:
    assert api.client.get("/api/v2/version").json()["version"].startswith("3.3")
    health = httpx.get(f"http://127.0.0.1:{deployment.health_port}/health", timeout=10)
    assert health.status_code == 200
    for job in ("DagProcessorJob", "TriggererJob"):
        check = subprocess.run(
            ["airflow", "jobs", "check", "--job-type", job],
            env=deployment.process_env("airflow-scheduler"),
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert "Found one alive job." in check.stdout


def test_the_schedule_runs_the_dag_by_itself_unpaused_at_creation(deployment: LocalDeployment, api: Api) -> None:
    dag = api.get(f"/api/v2/dags/{DAG_ID}").json()
    assert dag["is_paused"] is False
    assert dag["timetable_summary"] == "0 2 * * *"

    def scheduled() -> list[dict]:
        runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns").json()["dag_runs"]
        return [run for run in runs if run["run_type"] == "scheduled"]

    (run,) = wait_for(scheduled, "the scheduler to create the nightly run", deployment, 300)
    run_after = datetime.fromisoformat(run["run_after"]).astimezone(ZoneInfo("Europe/Paris"))
    assert run_after.strftime("%H:%M") == "02:00"


def test_a_run_triggered_through_the_api_publishes_the_warehouse(deployment: LocalDeployment, api: Api) -> None:
    run_id = trigger(api)
    assert wait_for_end(api, deployment, run_id) == "success"
    with duckdb.connect(str(deployment.home / "analytics.duckdb"), read_only=True) as con:
        figures = dict(con.execute("select metric, numerator from marts.study_summary").fetchall())
    assert figures["patients_included"] == 13
    assert figures["pv_cases_withdrawn"] == 26
    assert (deployment.home / "reports" / "steward.html").is_file()
    assert (deployment.home / "reports" / "dbt_docs" / "index.html").is_file()
    # the tasks took the home's lock in their own processes, and let it go: nobody holds it now
    assert (deployment.home / "refresh.lock").read_text() == ""

    # each task ran in a process of its own, and no two tasks of the DuckDB pool ever overlapped
    tasks = task_instances(api, run_id)
    assert {ti["state"] for name, ti in tasks.items() if name != "end_run"} == {"success"}
    assert len({ti["pid"] for ti in tasks.values() if ti["pid"]}) >= len(tasks) - 1
    pooled = sorted((ti["start_date"], ti["end_date"]) for ti in tasks.values() if ti["pool"] == "pv_warehouse_duckdb")
    assert len(pooled) == len(tasks) - 1
    for (_, previous_end), (next_start, _) in itertools.pairwise(pooled):
        assert datetime.fromisoformat(next_start) >= datetime.fromisoformat(previous_end)


def test_a_broken_snapshot_fails_the_run_once_and_keeps_the_published_file(
    deployment: LocalDeployment, api: Api
) -> None:
    published = deployment.home / "analytics.duckdb"
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    broken = deployment.landing / "hospital" / "2016-06-01"
    shutil.copytree(deployment.landing / "hospital" / "2016-05-15", broken)
    (broken / "treatments.csv").unlink()
    try:
        run_id = trigger(api)
        assert wait_for_end(api, deployment, run_id) == "failed"
    finally:
        shutil.rmtree(broken)
    tasks = task_instances(api, run_id)
    # a refused landing is not retried: running it again unchanged would fail the same way
    assert (tasks["load_raw"]["state"], tasks["load_raw"]["try_number"]) == ("failed", 1)
    assert tasks["publish"]["state"] == "upstream_failed"
    assert (tasks["report"]["state"], tasks["end_run"]["state"]) == ("success", "failed")
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest
    run_folder = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)
    failures = json.loads((deployment.home / "runs" / run_folder / "failures.json").read_text())
    assert "hospital/2016-06-01/: incomplete snapshot, treatments.csv is missing" in failures[0]["error"]


def test_the_compose_file_holds_the_services_and_settings_the_scheduler_test_used(deployment: LocalDeployment) -> None:
    used = json.loads((deployment.root / "settings-used.json").read_text())
    compose = load_compose()
    assert used["services"] == list(compose["services"])
    assert used["services"] == [
        "postgres",
        "airflow-init",
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    ]
    for name, service in airflow_services(compose).items():
        assert used["variables"][name] == sorted(service["environment"]), name
        assert service["healthcheck" if name != "airflow-init" else "command"], name
    assert used["commands"] == {
        "airflow-api-server": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
    }
    common = compose["x-airflow-common"]["environment"]
    assert common["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in common


def test_env_example_lists_every_setting_the_compose_file_reads() -> None:
    text = (PROJECT_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    # `$${NAME}` is the container's own variable, not a setting
    read = set(re.findall(r"(?<!\$)\$\{(\w+)", text))
    example = (PROJECT_DIR / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    assert read == listed
    assert ".env" in (PROJECT_DIR / ".gitignore").read_text().splitlines()
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert "uv sync --locked --no-dev" in dockerfile
