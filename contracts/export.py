"""Every message and body of the system as JSON Schema files under contracts/schemas/ (`make
contracts`, or `python -m contracts.export`): the envelope, each event payload and liaison
transfer by message type, the commands (an officer's action and the officer identity passed
over RPC), and each HTTP request and response body of the gateway's API, of the carrier's, of
the payment platform's and of the national public-service portal's.

The schemas are converted from the marshmallow schemas by apispec's MarshmallowPlugin (JSON
Schema as OpenAPI 3.1 has it: a nullable field is `"type": [..., "null"]`), nested schemas
inlined, keys sorted. Each file records `schema_version` (contracts/envelope.py).

contracts/schemas/v<N>/ is the baseline of schema version N: written once, when no baseline of
the current version exists yet, and compared with the live schemas by
tests/unit/contracts/test_schema_compat.py (contracts/compat.py says what breaks a consumer).
"""

import argparse
import inspect
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from contracts import api, carrier, feedback, payment_platform, portal
from contracts import documents as documents_contract
from contracts.envelope import SCHEMA_VERSION, EnvelopeSchema
from contracts.events import (
    INTAKE_EVENTS,
    PAYMENT_EVENTS,
    POSTAL_EVENTS,
    ROUTING_EVENTS,
    TRANSFERS,
)

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASELINE_DIR = re.compile(r"^v[0-9]+$")

# exchange -> {message type: payload schema}
EVENTS: dict[str, Mapping[str, Schema]] = {
    "intake.events": INTAKE_EVENTS,
    "routing.events": ROUTING_EVENTS,
    "postal.events": POSTAL_EVENTS,
    "payment.events": PAYMENT_EVENTS,
    "documents.events": documents_contract.DOCUMENT_EVENTS,
    "feedback.events": feedback.FEEDBACK_EVENTS,
    "liaison": TRANSFERS,
}
COMMANDS: tuple[type[Schema], ...] = (api.ActionRequestSchema, api.OfficerSchema)
# The bodies (and query strings) the gateway reads, and every answer it gives.
API_BODIES: tuple[type[Schema], ...] = (
    api.ReceiveRequestSchema,
    api.WorklistQuerySchema,
    api.BookQuerySchema,
    api.ErrorSchema,
    api.ReceiveResponseSchema,
    api.ReceiptResponseSchema,
    api.DossierSummarySchema,
    api.DossierSchema,
    api.WorklistSchema,
    api.BookSchema,
    api.StatsSchema,
    api.MeSchema,
    api.ProceduresSchema,
    api.OfficesSchema,
    api.OkSchema,
    api.CallbackAppliedSchema,
    api.TrackSchema,
    api.CounterPaymentSchema,
    api.PaymentsQuerySchema,
    api.PaymentSchema,
    api.PaymentsSchema,
    api.ScorecardQuerySchema,
    api.ScorecardSchema,
    api.VerificationRequestSchema,
    api.VerificationCodeSchema,
    api.VerificationSchema,
    api.VerifiedSchema,
    documents_contract.OnlineSubmissionSchema,
    documents_contract.ReuseRequestSchema,
    documents_contract.FileRefSchema,
    # the citizens' voice (contracts/feedback.py)
    feedback.EvaluationSchema,
    feedback.TrackEvaluationSchema,
    feedback.EvaluationViewSchema,
    feedback.FeedbackSubmissionSchema,
    feedback.AssignSchema,
    feedback.AnswerSchema,
    feedback.CitizenFeedbackSchema,
    feedback.OfficerFeedbackSchema,
    feedback.OfficeFeedbackSchema,
    feedback.InboundAnswerSchema,
    feedback.SatisfactionSchema,
)
# The carrier's API: what postal sends, what the carrier answers, its signed status callbacks.
CARRIER_BODIES: tuple[type[Schema], ...] = (
    carrier.ShipmentRequestSchema,
    carrier.ShipmentSchema,
    carrier.StatusCallbackSchema,
    carrier.ErrorSchema,
)
# The payment platform's API: what a payer system sends, what the platform answers, its signed
# status callbacks.
PAYMENT_PLATFORM_BODIES: tuple[type[Schema], ...] = (
    payment_platform.PaymentRequestSchema,
    payment_platform.RefundRequestSchema,
    payment_platform.PaymentListQuerySchema,
    payment_platform.PaymentSchema,
    payment_platform.PaymentListSchema,
    payment_platform.StatusCallbackSchema,
    payment_platform.ErrorSchema,
)
# The national public-service portal's API: the dossier records a province pushes, what the
# portal answers, and the simulator's admin API (its faults and counts).
PORTAL_BODIES: tuple[type[Schema], ...] = (
    portal.DossierRecordSchema,
    portal.PutAnswerSchema,
    portal.DossierVersionsSchema,
    portal.DossierListQuerySchema,
    portal.DossierListSchema,
    portal.OutageRequestSchema,
    portal.FaultsRequestSchema,
    portal.FaultsSchema,
    portal.AdminStatsSchema,
    portal.ErrorSchema,
)


def body_name(schema: type[Schema]) -> str:
    """ReceiveRequestSchema -> receive_request."""
    stem = schema.__name__.removesuffix("Schema")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower()


def _converter() -> Any:
    # A resolver answering None inlines nested schemas, each file stands alone (apispec
    # documents None as an answer, its annotation does not).
    inline = cast(Callable[[type[Schema]], str], lambda schema: None)
    plugin = MarshmallowPlugin(schema_name_resolver=inline)
    APISpec(title="lienthong contracts", version="1", openapi_version="3.1.0", plugins=[plugin])
    return plugin.converter


def _document(converter: Any, schema: Schema, title: str, **about: str) -> dict[str, Any]:
    cls = type(schema)
    doc: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": title,
        "schema_version": SCHEMA_VERSION,
        "x-source": f"{cls.__module__}.{cls.__qualname__}",
        **{f"x-{key}": value for key, value in about.items()},
    }
    if cls.__doc__:  # the class's own docstring, not an inherited one
        doc["description"] = inspect.cleandoc(cls.__doc__)
    doc.update(_ecma_patterns(converter.schema2jsonschema(schema)))
    return doc


def _ecma_patterns(node: Any) -> Any:
    """Python's end-of-string anchor `\\Z` (contracts/api.py) as JSON Schema's regex dialect
    (ECMA-262) writes it: `$`, which matches at the very end there too."""
    if isinstance(node, dict):
        return {
            key: value.removesuffix("\\Z") + "$"
            if key == "pattern" and isinstance(value, str) and value.endswith("\\Z")
            else _ecma_patterns(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_ecma_patterns(value) for value in node]
    return node


def documents() -> dict[str, dict[str, Any]]:
    """Every contract as {path relative to contracts/schemas/: JSON Schema document}."""
    converter = _converter()
    docs = {"envelope.json": _document(converter, EnvelopeSchema(), "envelope", kind="envelope")}
    for exchange, schemas in EVENTS.items():
        group = exchange.removesuffix(".events")
        for message_type, schema in schemas.items():
            docs[f"events/{group}/{message_type}.json"] = _document(
                converter, schema, message_type, kind="event", exchange=exchange
            )
    for cls in COMMANDS:
        name = body_name(cls)
        docs[f"commands/{name}.json"] = _document(converter, cls(), name, kind="command")
    for api_name, bodies in (
        ("api", API_BODIES),
        ("carrier", CARRIER_BODIES),
        ("payment_platform", PAYMENT_PLATFORM_BODIES),
        ("portal", PORTAL_BODIES),
    ):
        for cls in bodies:
            name = body_name(cls)
            docs[f"http/{api_name}/{name}.json"] = _document(
                converter, cls(), name, kind="http", api=api_name
            )
    return docs


def render(doc: dict[str, Any]) -> str:
    """The file's text: stable key order, UTF-8 as is, one trailing newline."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_tree(root: Path, baseline: bool = False) -> dict[str, str]:
    """The JSON files under `root` ({relative path: text}); baselines (v<N>/) left out."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.json")):
        relative = path.relative_to(root)
        if not baseline and BASELINE_DIR.match(relative.parts[0]):
            continue
        found[relative.as_posix()] = path.read_text(encoding="utf-8")
    return found


def baseline_dir(root: Path = SCHEMAS_DIR, version: int | None = None) -> Path:
    """Where the baseline of a schema version (the current one by default) lives."""
    return root / f"v{SCHEMA_VERSION if version is None else version}"


def _write(root: Path, texts: dict[str, str]) -> None:
    for relative, text in texts.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _remove_stale(root: Path, keep: Iterable[str]) -> list[str]:
    stale = sorted(set(read_tree(root)) - set(keep))
    for relative in stale:
        (root / relative).unlink()
    for directory in sorted(root.rglob("*"), reverse=True):  # now-empty folders, deepest first
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    return stale


def export(root: Path = SCHEMAS_DIR) -> list[str]:
    """Write the live schemas under `root` (files no longer generated are removed) and, if
    there is none yet, the baseline of the current schema version. Returns what it did."""
    texts = {relative: render(doc) for relative, doc in documents().items()}
    before = read_tree(root) if root.exists() else {}
    done = [f"removed {relative}" for relative in _remove_stale(root, texts)]
    changed = [relative for relative, text in texts.items() if before.get(relative) != text]
    _write(root, {relative: texts[relative] for relative in changed})
    done += [f"wrote {relative}" for relative in changed]
    baseline = baseline_dir(root)
    if not baseline.exists():
        _write(baseline, texts)
        done.append(f"wrote the baseline of schema version {SCHEMA_VERSION}: {baseline}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts.export", description=__doc__)
    parser.add_argument("--dir", type=Path, default=SCHEMAS_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)
    for line in export(args.dir):
        print(line)
    print(f"{len(read_tree(args.dir))} schemas, schema_version {SCHEMA_VERSION}: {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
