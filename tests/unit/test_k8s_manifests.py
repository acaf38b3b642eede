"""deploy/k8s: each kustomization builds (kustomize, installed by `make deps`), every resource of a
built-in kind validates against the Kubernetes API schemas (kubernetes-validate, strict), and the
scaled deployment keeps its promises: replicas, probes, resource limits, quorum queues, a replica
set, references that resolve, autoscaling on queues that exist."""

import inspect
import json
import os
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from nameko.events import EventHandler
from nameko.rpc import Rpc

from services.common.messaging import DEAD_LETTER_QUEUE
from services.documents.service import DocumentsService
from services.feedback.service import FeedbackService
from services.gateway.service import GatewayService
from services.intake.service import IntakeService
from services.notification.service import NotificationService
from services.payment.service import PaymentService
from services.portal_sync.service import PortalSyncService
from services.postal.service import PostalService
from services.routing.service import LiaisonConsumer, RoutingService

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
KUSTOMIZATIONS = ["base", "overlays/province-82"]
SERVICES = {
    "gateway": GatewayService,
    "intake": IntakeService,
    "routing": RoutingService,
    "postal": PostalService,
    "notification": NotificationService,
    "payment": PaymentService,
    "portal-sync": PortalSyncService,
    "documents": DocumentsService,
    "feedback": FeedbackService,
}
CUSTOM_KINDS = {"ScaledObject"}  # KEDA's: checked here, not by the API schemas


def kustomize() -> str:
    xdg = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    cache = Path(os.environ.get("LT_CACHE_DIR", xdg / "lienthong"))  # as deploy/local/env.sh
    for candidate in (
        os.environ.get("LT_KUSTOMIZE"),
        str(cache / "kustomize-v5.5.0" / "kustomize"),
        shutil.which("kustomize"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    # `make test-unit` needs only the venv; `make deps` (and so `make test`) builds kustomize
    pytest.skip("kustomize is not installed: run make deps")


def build(path: str) -> list[dict]:
    out = subprocess.run(
        [kustomize(), "build", str(K8S / path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module", params=KUSTOMIZATIONS)
def built(request) -> list[dict]:
    return build(request.param)


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs):
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield d, d["spec"]["template"]["spec"]


def test_every_resource_validates_against_the_kubernetes_schemas(built):
    kinds = set()
    for doc in built:
        kinds.add(doc["kind"])
        if doc["kind"] in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message} at {exc.path}")
    assert {"Deployment", "StatefulSet", "Service", "ConfigMap", "Secret"} <= kinds


def test_the_validator_catches_a_broken_manifest():
    broken = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replicas": "three", "selector": {}, "template": {}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_each_service_is_a_deployment_with_replicas_probes_and_limits(built):
    deployments = of_kind(built, "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, d in deployments.items():
        assert d["spec"]["replicas"] >= 2, name
        (container,) = d["spec"]["template"]["spec"]["containers"]
        assert container["args"] == [name.replace("-", "_")]  # the entrypoint role
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
        annotations = d["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/path"] == "/metrics"


def test_every_container_has_requests_and_limits(built):
    for owner, spec in pod_specs(built):
        for c in spec.get("initContainers", []) + spec["containers"]:
            resources = c.get("resources", {})
            for key in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(key, {})), (
                    f"{owner['metadata']['name']}/{c['name']} lacks {key}"
                )


def test_rabbitmq_is_a_cluster_with_quorum_queues(built):
    rabbit = of_kind(built, "StatefulSet")["rabbitmq"]
    assert rabbit["spec"]["replicas"] >= 3
    configs = of_kind(built, "ConfigMap")
    definitions = json.loads(
        next(c for n, c in configs.items() if n.startswith("rabbitmq-definitions"))["data"][
            "definitions.json"
        ]
    )
    queues = {q["name"]: q for q in definitions["queues"]}
    for name in ("liaison.commune", "liaison.district", "liaison.province", DEAD_LETTER_QUEUE):
        assert queues[name]["arguments"]["x-queue-type"] == "quorum", name
    conf = next(c for n, c in configs.items() if n.startswith("rabbitmq-config"))["data"]
    assert "rabbit_peer_discovery_k8s" in conf["rabbitmq.conf"]
    assert "pause_minority" in conf["rabbitmq.conf"]


def test_the_cluster_definitions_are_the_local_stacks():
    local = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    base = json.loads((K8S / "base/rabbitmq/definitions.json").read_text())
    assert base == local
    province = json.loads((K8S / "overlays/province-82/rabbitmq/definitions.json").read_text())
    extra = [p for p in province["policies"] if p not in local["policies"]]
    assert {k: v for k, v in province.items() if k != "policies"} == {
        k: v for k, v in local.items() if k != "policies"
    }
    assert [p["definition"] for p in extra] == [{"federation-upstream-set": "all"}]


def test_mongodb_is_a_replica_set_the_services_connect_to(built):
    mongo = of_kind(built, "StatefulSet")["mongodb"]
    assert mongo["spec"]["replicas"] == 3
    args = mongo["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--replSet") + 1] == "rs0"
    for d in of_kind(built, "Deployment").values():
        env = {e["name"]: e for e in d["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert "replicaSet=rs0" in env["LT_MONGO_URI"]["value"]
        assert env["LT_AMQP_URI"]["value"].endswith("@rabbitmq:5672/")


def test_references_resolve(built):
    configs, secrets = of_kind(built, "ConfigMap"), of_kind(built, "Secret")
    services = of_kind(built, "Service")
    for owner, spec in pod_specs(built):
        where = owner["metadata"]["name"]
        for c in spec.get("initContainers", []) + spec["containers"]:
            for source in c.get("envFrom", []):
                assert source["configMapRef"]["name"] in configs, where
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], f"{where}: {ref}"
        for v in spec.get("volumes", []):
            if "configMap" in v:
                assert v["configMap"]["name"] in configs, where
        if owner["kind"] == "StatefulSet":
            assert owner["spec"]["serviceName"] in services, where
    pods = [
        d["spec"]["template"].get("metadata", {}).get("labels", {}) for d, _ in pod_specs(built)
    ]
    for name, s in services.items():
        selector = s["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pods), f"Service {name}"
    for hpa in of_kind(built, "HorizontalPodAutoscaler").values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in of_kind(built, "Deployment")


def test_the_payment_platform_is_configured_and_its_callbacks_checked(built):
    """payment reaches the platform at the configured address; the gateway checks the
    platform's signed callbacks with the secret the Secret holds (not config.yml's default)."""
    (config,) = (c for n, c in of_kind(built, "ConfigMap").items() if n == "lienthong-config")
    assert config["data"]["LT_PAYMENT_PLATFORM_URL"].startswith("https://")
    secrets = of_kind(built, "Secret")["lienthong-secrets"]["stringData"]
    assert secrets["PAYMENT_PLATFORM_SECRET"] == "change-me"  # a placeholder to replace
    gateway = of_kind(built, "Deployment")["gateway"]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in gateway["containers"][0]["env"]}
    ref = env["LT_PAYMENT_PLATFORM_SECRET"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "lienthong-secrets", "key": "PAYMENT_PLATFORM_SECRET"}


def consumed_queues() -> set[str]:
    """The queues the services consume, as nameko names them."""
    queues = set()
    for name, cls in SERVICES.items():
        for method, fn in inspect.getmembers(cls, callable):
            for ext in getattr(fn, "nameko_entrypoints", ()):
                if isinstance(ext, EventHandler):
                    queues.add(f"evt-{ext.source_service}-{ext.event_type}--{name}.{method}")
                elif isinstance(ext, LiaisonConsumer):
                    queues.add(f"liaison.{ext.level}")
                elif isinstance(ext, Rpc):
                    queues.add(f"rpc-{name}")
    return queues


def test_queue_depth_autoscaling_targets_queues_that_are_consumed():
    docs = build("overlays/province-82")
    scaled = of_kind(docs, "ScaledObject")
    deployments = of_kind(docs, "Deployment")
    queues = consumed_queues()
    assert {"routing", "notification"} <= set(scaled)
    for s in scaled.values():
        assert s["spec"]["scaleTargetRef"]["name"] in deployments
        assert s["spec"]["minReplicaCount"] <= s["spec"]["maxReplicaCount"]
        for trigger in s["spec"]["triggers"]:
            assert trigger["type"] == "rabbitmq"
            assert trigger["metadata"]["queueName"] in queues, trigger["metadata"]["queueName"]
            assert trigger["metadata"]["hostFromEnv"] == "LT_AMQP_URI"
    assert not set(scaled) & set(of_kind(docs, "HorizontalPodAutoscaler"))


def test_the_province_overlay_scopes_liaison_and_federates():
    docs = build("overlays/province-82")
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {
        "lienthong-p82"
    }
    (config,) = (c for n, c in of_kind(docs, "ConfigMap").items() if n == "lienthong-config")
    assert config["data"]["LT_LIAISON_PROVINCE"] == "T82"
    job = of_kind(docs, "Job")["rabbitmq-definitions"]
    script = job["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert "federation-upstream" in script and "import /definitions/definitions.json" in script
