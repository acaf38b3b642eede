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
    return str(ROOT / "docker-compose.yml")


@pytest.fixture(scope="session")
def servers(request):
    """AMQP and MongoDB URIs of real servers."""
    if docker_engine_answers():
        docker_services = request.getfixturevalue("docker_services")
        docker_services.wait_until_responsive(
            timeout=120,
            pause=1,
            check=lambda: (
                subprocess.run(
                    ["docker", "compose", "ps", "--status", "running"], capture_output=True
                ).returncode
                == 0
            ),
        )
        user = os.environ.get("RABBITMQ_USER", "lienthong")
        password = os.environ.get("RABBITMQ_PASSWORD", "")
        return {
            "amqp": f"amqp://{user}:{password}@127.0.0.1:5672/",
            "mongo": os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/"),
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
