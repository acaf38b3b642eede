"""The OpenAPI document covers every /api route of the gateway, each with an example."""

import re

from services.gateway.openapi import all_operations, openapi_spec
from services.gateway.service import GatewayService


def gateway_routes() -> set[tuple[str, str]]:
    routes = set()
    for name in dir(GatewayService):  # its own routes and its mixins' (online.py, voice.py)
        attr = getattr(GatewayService, name)
        for entrypoint in getattr(attr, "nameko_entrypoints", ()):
            url = getattr(entrypoint, "url", "")
            if url.startswith("/api/"):  # operator endpoints (/healthz, /metrics) stay out
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", url)
                for method in entrypoint.method.split(","):
                    routes.add((path, method.lower()))
    return routes


def test_every_api_route_is_documented_and_nothing_else():
    documented = {(path, method) for path, method, _ in all_operations()}
    assert gateway_routes() == documented


def test_every_operation_has_an_example():
    spec = openapi_spec()
    assert spec["openapi"].startswith("3.")
    for path, method, _ in all_operations():
        operation = spec["paths"][path][method]
        ok = next(v for k, v in operation["responses"].items() if k.startswith("2"))
        content = next(iter(ok["content"].values()))  # JSON, or the CSV or SVG of a download
        assert "example" in content or path == "/api/openapi.json", (path, method)
        body = operation.get("requestBody")
        if body:
            content = (
                body["content"].get("application/json")
                or body["content"][
                    "application/octet-stream"  # a file, sent as its bytes
                ]
            )
            assert "example" in content, (path, method)
        assert "default" in operation["responses"]


def test_schemas_come_from_the_contracts():
    schemas = openapi_spec()["components"]["schemas"]
    assert {"ReceiveRequest", "Dossier", "Track", "Error", "Stats"} <= set(schemas)
    assert "not_accepted_reason" in schemas["ReceiveRequest"]["properties"]


def test_the_idempotency_key_is_documented_where_the_gateway_reads_it():
    paths = openapi_spec()["paths"]
    for path in ("/api/dossiers", "/api/dossiers/{code}/actions"):
        names = [p["name"] for p in paths[path]["post"]["parameters"]]
        assert "Idempotency-Key" in names, path
