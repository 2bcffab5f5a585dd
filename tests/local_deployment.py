"""The docker-compose deployment, run as plain processes on this machine for `make test-scheduler`.

Docker cannot run on the test machines, so this reads docker-compose.yml and starts the same services
with the same settings: a private PostgreSQL cluster on loopback for the `postgres` service, the
`airflow-init` command once, then every other Airflow service as a process. What differs is only
what a container hides: a container path becomes the host folder mounted there, a service's host name
becomes 127.0.0.1 with a free port. `settings_used()` records it all so a test can compare it with the
compose file.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
COMPOSE_FILE = PROJECT_DIR / "docker-compose.yml"
# where the Dockerfile puts the project in the image
IMAGE_PROJECT_DIR = "/opt/pv-warehouse"
VENV_BIN = Path(sys.executable).parent


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def airflow_services(compose: dict) -> dict[str, dict]:
    """Services running the project's image (the x-airflow-common anchor), in file order."""
    image = compose["x-airflow-common"]["image"]
    return {name: service for name, service in compose["services"].items() if service.get("image") == image}


_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's variable substitution: `${X}`, `${X:-default}`, `${X:?error}` and `$$`."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        value = values.get(name, "")
        if value:
            return value
        if op == ":?":
            raise KeyError(f"{name} must be set: {arg}")
        return (arg or "") if op == ":-" else ""

    return _VARIABLE.sub(substitute, text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")


@dataclass
class PostgresCluster:
    """A throw-away PostgreSQL cluster from Debian's packages, on loopback, owned by this test run.

    Its folder is a new one under the system's temporary folder, which the `postgres` account can reach.
    """

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pv-warehouse-postgres-")))
    port: int = field(default_factory=free_port)
    user: str = "airflow"
    password: str = "airflow-test-only"
    database: str = "airflow"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @staticmethod
    def bin_dir() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            raise RuntimeError(
                "PostgreSQL's server programs are not installed (no /usr/lib/postgresql/*/bin/initdb). "
                "`make test-scheduler` installs Debian's postgresql package first; run it that way."
            )
        return found[-1].parent

    def _as_owner(self, *command: str) -> list[str]:
        # PostgreSQL refuses to run as root: run as the postgres account the Debian package creates
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)

    def start(self) -> None:
        bin_dir = self.bin_dir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        _run(self._as_owner(str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust"))
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
        log = str(self.root / "server.log")
        _run(self._as_owner(str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", log, "-o", options, "-w", "start"))
        psql = [
            str(bin_dir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
        ]
        _run([*psql, "-c", f"create user {self.user} password '{self.password}'"])
        _run([*psql, "-c", f"create database {self.database} owner {self.user}"])

    def stop(self) -> None:
        if self.data_dir.exists():
            subprocess.run(
                self._as_owner(str(self.bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"),
                check=False,
                capture_output=True,
            )
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class LocalDeployment:
    """docker-compose.yml's services as processes: settings from the compose file, folders under `root`."""

    root: Path
    secrets: dict[str, str]
    api_port: int = field(default_factory=free_port)
    health_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.compose = load_compose()
        self.postgres = PostgresCluster()
        self.landing = self.root / "landing"
        self.home = self.root / "home"
        self.logs = self.root / "logs"

    # -- settings -------------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """What .env would hold on a server, for this run."""
        return {
            **self.secrets,
            "POSTGRES_USER": self.postgres.user,
            "POSTGRES_PASSWORD": self.postgres.password,
            "POSTGRES_DB": self.postgres.database,
            "PV_WAREHOUSE_LANDING_DIR": str(self.landing),
            "PV_WAREHOUSE_HOME_DIR": str(self.home),
        }

    def host_translations(self) -> list[tuple[str, str]]:
        """(container text, host text): mounted folders, the image's project folder, service addresses."""
        common = self.compose["x-airflow-common"]
        mounts = []
        for volume in common["volumes"]:
            host, container = interpolate(volume, self.values()).split(":")[:2]
            mounts.append((container, host))
        return [
            *mounts,
            (IMAGE_PROJECT_DIR, str(PROJECT_DIR)),
            ("postgres:5432", f"127.0.0.1:{self.postgres.port}"),
            ("airflow-api-server:8080", f"127.0.0.1:{self.api_port}"),
        ]

    def environment(self, service: str) -> dict[str, str]:
        """The service's environment from the compose file, translated to this machine."""
        declared = (
            self.compose["services"][service].get("environment") or self.compose["x-airflow-common"]["environment"]
        )
        env = {}
        for name, raw in declared.items():
            value = interpolate(str(raw), self.values())
            for container, host in self.host_translations():
                value = value.replace(container, host)
            env[name] = value
        env["AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT"] = str(self.health_port)
        return env

    def process_env(self, service: str) -> dict[str, str]:
        base = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "PV_WAREHOUSE"))}
        base["PATH"] = f"{VENV_BIN}{os.pathsep}{base.get('PATH', '')}"
        base["AIRFLOW_HOME"] = str(self.home / "airflow")
        return {**base, **self.environment(service)}

    def settings_used(self) -> dict[str, object]:
        """What the run used, for comparison with the compose file."""
        services = airflow_services(self.compose)
        return {
            "services": ["postgres", *services],
            "variables": {name: sorted(self.environment(name)) for name in services},
            "init_command": services["airflow-init"]["command"],
            "commands": {name: service["command"] for name, service in services.items() if name != "airflow-init"},
        }

    # -- processes ------------------------------------------------------------------------------------
    def start(self) -> None:
        for folder in (self.landing, self.home, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        services = airflow_services(self.compose)
        init = services["airflow-init"]["command"]
        command = [part.replace(IMAGE_PROJECT_DIR, str(PROJECT_DIR)) for part in init]
        with (self.logs / "airflow-init.log").open("w") as log:
            result = subprocess.run(
                ["bash", *command],
                env=self.process_env("airflow-init"),
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            raise RuntimeError(f"airflow-init failed:\n{self.log_tail('airflow-init')}")
        for name, service in services.items():
            if name == "airflow-init":
                continue
            argv = ["airflow", *service["command"].split()]
            if service["command"] == "api-server":
                argv += ["--host", "127.0.0.1", "--port", str(self.api_port)]
            log = (self.logs / f"{name}.log").open("w")
            self.processes[name] = subprocess.Popen(
                argv, env=self.process_env(name), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log_tail(self, service: str, lines: int = 60) -> str:
        path = self.logs / f"{service}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        """Stop every process this deployment started: Airflow's services, then PostgreSQL."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.postgres.stop()

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
