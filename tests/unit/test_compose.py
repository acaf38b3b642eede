"""The operator's docker-compose.yml keeps the rules of the deployment (README "Running it").

No Docker engine here, so these read the file itself: healthchecks everywhere, start order by
health, host ports only for the gateway and the broker UI on 127.0.0.1, secrets only from .env.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SIMULATORS = {"carrier", "payment-platform", "portal"}
APP_ROLES = {
    "intake",
    "routing",
    "postal",
    "notification",
    "payment",
    "portal_sync",
    "documents",
    "feedback",
    "gateway",
}
APP_ROLES |= SIMULATORS
SECRET_KEY = re.compile(r"PASS(WORD)?$|SECRET$|API_KEY$", re.IGNORECASE)
REQUIRED_VAR = re.compile(r"^\$\{[A-Z0-9_]+:\?[^}]*\}$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def one_shots(services: dict) -> set[str]:
    """Services others wait for to *finish* (rabbitmq-init): no healthcheck, no restart."""
    return {
        dep
        for svc in services.values()
        for dep, cond in (svc.get("depends_on") or {}).items()
        if cond["condition"] == "service_completed_successfully"
    }


def env_of(svc: dict) -> dict:
    env = svc.get("environment") or {}
    assert isinstance(env, dict), "environment as a mapping, so that it can be checked"
    return env


def test_every_long_running_service_has_a_healthcheck_and_restarts(services):
    shots = one_shots(services)
    assert shots == {"rabbitmq-init"}
    for name, svc in services.items():
        if name in shots:
            assert svc["restart"] == "no", name
            continue
        test = svc.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no healthcheck"
        assert svc["restart"] == "unless-stopped", name


def test_app_services_probe_their_healthz(services):
    for name in APP_ROLES - SIMULATORS:
        test = " ".join(services[name]["healthcheck"]["test"])
        assert "http://127.0.0.1:8000/healthz" in test, name
        assert services[name]["environment"]["LT_HTTP_ADDRESS"] == "0.0.0.0:8000"


def test_depends_on_waits_for_health(services):
    shots = one_shots(services)
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        assert isinstance(deps, dict), f"{name}: depends_on needs conditions, not a list"
        for dep, cond in deps.items():
            assert dep in services, f"{name} depends on unknown {dep}"
            expected = "service_completed_successfully" if dep in shots else "service_healthy"
            assert cond == {"condition": expected}, f"{name} -> {dep}"


def test_start_order_of_the_application(services):
    infra = {"rabbitmq", "rabbitmq-init", "mongo"}
    for name in APP_ROLES - SIMULATORS:
        assert infra <= set(services[name]["depends_on"]), name
    assert "kannel" in services["notification"]["depends_on"]
    # payment and gateway reach the platform: its simulator in the simulator profile, in the
    # shared env block (a real platform's address in production)
    for name in ("payment", "gateway"):
        env = services[name]["environment"]
        assert env["LT_PAYMENT_PLATFORM_URL"] == "http://payment-platform:8091", name
        assert env["LT_PAYMENT_PLATFORM_SECRET"].startswith("${LT_PAYMENT_PLATFORM_SECRET:?"), name
    assert "payment-platform" not in services["payment"]["depends_on"]  # it polls, retries
    for name in SIMULATORS:  # external parties: they stand alone, only in the simulator profile
        assert services[name]["profiles"] == ["simulator"], name
        assert "depends_on" not in services[name], name
    assert services["rabbitmq-init"]["depends_on"] == {"rabbitmq": {"condition": "service_healthy"}}


def test_only_gateway_and_broker_ui_publish_ports_on_loopback(services):
    published = {name: svc["ports"] for name, svc in services.items() if svc.get("ports")}
    assert published == {
        "gateway": ["127.0.0.1:${GATEWAY_PORT:-8000}:8000"],
        "rabbitmq": ["127.0.0.1:15672:15672"],
    }
    assert not any(svc.get("network_mode") == "host" for svc in services.values())


def test_no_literal_secrets(services):
    """Every password/secret is a required ${VAR:?} (no default), or built from them in a URI."""
    for name, svc in services.items():
        for key, value in env_of(svc).items():
            if SECRET_KEY.search(key):
                assert REQUIRED_VAR.match(str(value)), f"{name}.{key} = {value!r}"
            if key.endswith("_URI"):
                creds = re.match(r"^\w+://([^@/]*)@", str(value))
                assert creds, f"{name}.{key} has no credentials"
                user, password = re.findall(r"\$\{[^}]*\}", creds.group(1))
                assert creds.group(1) == f"{user}:{password}", f"{name}.{key}"
                assert REQUIRED_VAR.match(user) and REQUIRED_VAR.match(password), f"{name}.{key}"
    # Entrypoint/command lines reach for the container's env, never a literal password.
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"pass(word)?[=:]\s*[\\'\"]*(?!\$)\w", text, re.IGNORECASE)


def test_env_example_lists_every_variable_with_placeholder_secrets():
    text = re.sub(r"(^|\s)#.*", "", (ROOT / "docker-compose.yml").read_text())
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert used - {"LIENTHONG_TAG", "KANNEL_SENDSMS_ALLOW_IP"} <= set(example)
    for key, value in example.items():
        if SECRET_KEY.search(key):
            assert value == "change-me", key


def test_images_and_build_sources(services):
    assert services["rabbitmq"]["image"].startswith("rabbitmq:3.13-management")
    assert services["rabbitmq-init"]["image"] == services["rabbitmq"]["image"]
    assert services["mongo"]["image"] == "mongo:7"
    assert services["kannel"]["build"]["context"] == "deploy/kannel"
    images = set()
    for role in APP_ROLES:
        svc = services[role]
        assert svc["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}, role
        assert svc["command"] == [role], role
        images.add(svc["image"])
    assert len(images) == 1, "one image for every role"
    for path in (
        "deploy/Dockerfile",
        "deploy/docker-entrypoint.sh",
        "deploy/kannel/Dockerfile",
        "deploy/kannel/kannel.conf",
        "deploy/kannel/entrypoint.sh",
        "deploy/rabbitmq/definitions.json",
    ):
        assert (ROOT / path).is_file(), path


def test_entrypoint_knows_every_role():
    script = (ROOT / "deploy/docker-entrypoint.sh").read_text()
    case_line = re.search(r"^\s*(intake\|[\w|]+)\)", script, re.MULTILINE)
    assert case_line and set(case_line.group(1).split("|")) == APP_ROLES - SIMULATORS
    for name in SIMULATORS:
        assert re.search(rf"^\s*{name}\)", script, re.MULTILINE), name


def test_kannel_template_takes_credentials_from_env():
    conf = (ROOT / "deploy/kannel/kannel.conf").read_text()
    assert "username = ${KANNEL_USERNAME}" in conf
    assert "password = ${KANNEL_PASSWORD}" in conf
    assert "sendsms-port = 13013" in conf
    assert not re.search(r"^sendsms-interface", conf, re.MULTILINE), (
        "must listen beyond loopback for other containers"
    )
    entry = (ROOT / "deploy/kannel/entrypoint.sh").read_text()
    for var in re.findall(r"\$\{(\w+)\}", conf):
        assert f"${{{var}}}" in entry, f"entrypoint.sh does not substitute {var}"


def test_volumes_are_named(compose, services):
    assert {"rabbitmq-data", "mongo-data", "kannel-logs"} <= set(compose["volumes"])
    assert "kannel-logs:/var/log/kannel" in services["kannel"]["volumes"]


def test_the_tests_override_publishes_broker_and_database_on_loopback_only(services):
    """tests/conftest.py adds tests/docker-compose.ports.yml when a Docker engine answers: the
    in-process services of the integration tests need AMQP and MongoDB from the host."""
    override = yaml.safe_load((ROOT / "tests/docker-compose.ports.yml").read_text())["services"]
    assert {name: svc["ports"] for name, svc in override.items()} == {
        "rabbitmq": ["127.0.0.1::5672"],
        "mongo": ["127.0.0.1::27017"],
    }
    assert set(override) <= set(services)
