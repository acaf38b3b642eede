"""Where the real servers are: docker compose through pytest-docker when a Docker engine answers,
the local stack (deploy/local/stack.sh) otherwise. The same tests run either way."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def docker_engine_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def docker_compose_file():
    # docker-compose.yml publishes neither the broker nor the database: the tests' override does
    return [str(ROOT / "docker-compose.yml"), str(ROOT / "tests" / "docker-compose.ports.yml")]


def compose_settings() -> dict[str, str]:
    """The variables docker compose substitutes: .env (which it reads), the environment over it."""
    settings = {}
    env_file = ROOT / ".env"
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.lstrip().startswith("#"):
                settings[name.strip()] = value.strip()
    return {**settings, **os.environ}


@pytest.fixture(scope="session")
def servers(request):
    """AMQP and MongoDB URIs of real servers."""
    if docker_engine_answers():
        # pytest-docker runs `up --build --wait`: every healthcheck passed when this returns
        docker_services = request.getfixturevalue("docker_services")
        amqp_port = docker_services.port_for("rabbitmq", 5672)
        mongo_port = docker_services.port_for("mongo", 27017)
        env = compose_settings()
        return {
            "amqp": f"amqp://{env['RABBITMQ_USER']}:{env['RABBITMQ_PASSWORD']}"
            f"@127.0.0.1:{amqp_port}/",
            "mongo": f"mongodb://{env['MONGO_USER']}:{env['MONGO_PASSWORD']}"
            f"@127.0.0.1:{mongo_port}/?authSource=admin",
        }
    return {
        "amqp": os.environ.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
        "mongo": os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/"),
    }


@pytest.fixture
def service_config(servers, tmp_path):
    """nameko config for in-process service containers, with a database prefix of its own."""
    return {
        "AMQP_URI": servers["amqp"],
        "MONGO_URI": servers["mongo"],
        "MONGO_DATABASE_PREFIX": f"t{uuid.uuid4().hex[:8]}_",
        "WEB_SERVER_ADDRESS": "127.0.0.1:0",
        "CLOCK_OFFSET_FILE": str(tmp_path / "clock_offset"),
        "PUBLIC_URL": os.environ.get("LT_PUBLIC_URL", "http://127.0.0.1:8000"),
        "KANNEL_SENDSMS_URL": os.environ.get(
            "LT_KANNEL_SENDSMS_URL", "http://127.0.0.1:13013/cgi-bin/sendsms"
        ),
        "KANNEL_USERNAME": os.environ.get("LT_KANNEL_USERNAME", "lienthong"),
        "KANNEL_PASSWORD": os.environ.get("LT_KANNEL_PASSWORD", "lienthong-dev"),
        "SMS_SENDER": "MOTCUA",
        "CARRIER_URL": os.environ.get("LT_CARRIER_URL", "http://127.0.0.1:8090"),
        "CARRIER_SECRET": os.environ.get("LT_CARRIER_SECRET", "lienthong-dev-carrier"),
        "serializer": "json",
    }
