"""A national public-service portal simulator: its own process serving the portal's JSON HTTP
API (contracts/portal.py), to which a province pushes the record of each of its dossiers.

    python -m services.portal.simulator --port 8092 --api-key K \\
        --latency 0 --fail-rate 0 --rate-limit 0 --seed 1

It keeps, for each dossier, the record of the highest version pushed and the list of versions
it accepted, so that a test can tell whether pushes arrived in order and whether an older
version ever overwrote a newer one (``GET /dossiers/{code}``; the ``out_of_order`` count of
``GET /admin/stats``).

Faults, from the command line and live through the admin API (``POST /admin/faults``):
``--latency S`` adds S seconds to every answer; ``--fail-rate F`` answers that share of PUTs
500 without storing anything (drawn from a generator seeded by ``--seed``); ``--rate-limit R``
allows R requests per second (a token bucket, bursts of R) to ``/dossiers…`` and answers the
rest 429 with Retry-After. ``POST /admin/outage {"seconds": N}`` makes every request but
``/health`` and ``/admin/*`` answer 503 for N seconds. ``/health`` and ``/admin/*`` are never
delayed nor down; ``/admin/*`` needs the API key like the API. ``GET /`` is a read-only page
(Vietnamese, no key) of the last dossiers received.

State is kept in memory only, on purpose: this process IS the external portal, and a restart
loses its records, which the real portal would not.
"""

import argparse
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from contracts.portal import (
    AUTH_HEADER,
    AUTH_SCHEME,
    RETRY_AFTER_HEADER,
    AdminStatsSchema,
    DossierListQuerySchema,
    DossierListSchema,
    DossierRecordSchema,
    DossierVersionsSchema,
    FaultsRequestSchema,
    FaultsSchema,
    OutageRequestSchema,
    PutAnswerSchema,
)
from services.common.simulation import Invalid, error, json_response, load_body, match, serve
from services.portal import pages
from services.portal.rules import (
    TokenBucket,
    Verdict,
    authorised,
    outage_left,
    retry_after,
    verdict,
)

log = logging.getLogger("portal.simulator")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Stored:
    """What the portal holds of one dossier."""

    record: dict[str, Any]  # the last accepted record, as loaded
    versions: list[int] = field(default_factory=list)  # accepted, in the order they came
    received_at: list[datetime] = field(default_factory=list)

    @property
    def updated_at(self) -> datetime:
        return self.received_at[-1]


@dataclass
class Config:
    api_key: str
    latency: float = 0.0
    fail_rate: float = 0.0
    rate_limit: float = 0.0
    seed: int | None = None


class Portal:
    """The portal's state and faults; every method is safe to call from any thread."""

    def __init__(self, config: Config):
        self.api_key = config.api_key
        self.latency = config.latency
        self.fail_rate = config.fail_rate
        self.rng = random.Random(config.seed)
        self.lock = threading.Lock()
        self.bucket = TokenBucket(config.rate_limit, time.monotonic())
        self.outage_until = 0.0  # time.monotonic()
        self.dossiers: dict[str, Stored] = {}
        self.answers: Counter[int] = Counter()
        self.out_of_order = 0
        self.version_conflicts = 0

    # -- the API -------------------------------------------------------------------------

    def put(self, record: dict[str, Any]) -> tuple[Verdict, int]:
        """(verdict, the version stored after it)."""
        with self.lock:
            stored = self.dossiers.get(record["code"])
            found = verdict(
                stored.versions[-1] if stored else None, stored.record if stored else None, record
            )
            if found in (Verdict.CREATED, Verdict.ACCEPTED):
                stored = stored or Stored(record)
                stored.record = record
                stored.versions.append(record["version"])
                stored.received_at.append(_now())
                self.dossiers[record["code"]] = stored
            elif found is Verdict.STALE:
                self.out_of_order += 1
            elif found is Verdict.CONFLICT:
                self.version_conflicts += 1
            assert stored is not None
            return found, stored.versions[-1]

    def get(self, code: str) -> dict[str, Any] | None:
        with self.lock:
            stored = self.dossiers.get(code)
            if stored is None:
                return None
            return _dump(
                DossierVersionsSchema(),
                {
                    "record": stored.record,
                    "versions": list(stored.versions),
                    "received_at": list(stored.received_at),
                },
            )

    def listing(self, province: str | None, updated_since: datetime | None) -> dict[str, Any]:
        with self.lock:
            found = [
                {
                    "code": code,
                    "version": stored.versions[-1],
                    "status": stored.record["status"],
                    "updated_at": stored.updated_at,
                }
                for code, stored in sorted(self.dossiers.items())
                if (province is None or stored.record["province_id"] == province)
                and (updated_since is None or stored.updated_at >= updated_since)
            ]
        return _dump(DossierListSchema(), {"dossiers": found})

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The last `limit` dossiers to get a new version, newest first."""
        with self.lock:
            latest = sorted(self.dossiers.values(), key=lambda s: s.updated_at, reverse=True)
            return [
                {
                    "code": stored.record["code"],
                    "version": stored.versions[-1],
                    "status": stored.record["status"],
                    "procedure_name": stored.record["procedure_name"],
                    "updated_at": stored.updated_at,
                }
                for stored in latest[:limit]
            ]

    # -- faults --------------------------------------------------------------------------

    def fails(self) -> bool:
        """Does this PUT fail (500)? A draw below the fail rate."""
        with self.lock:
            return self.fail_rate > 0 and self.rng.random() < self.fail_rate

    def wait_for_token(self) -> float:
        """0.0 when the request is within the rate limit, else seconds until it would be."""
        with self.lock:
            return self.bucket.take(time.monotonic())

    def outage_seconds_left(self) -> float:
        return outage_left(self.outage_until, time.monotonic())

    def start_outage(self, seconds: float) -> None:
        with self.lock:
            self.outage_until = time.monotonic() + seconds

    def set_faults(self, changes: dict[str, float]) -> None:
        with self.lock:
            self.latency = changes.get("latency", self.latency)
            self.fail_rate = changes.get("fail_rate", self.fail_rate)
            if "rate_limit" in changes:
                self.bucket.set_rate(changes["rate_limit"], time.monotonic())

    def faults(self) -> dict[str, Any]:
        return _dump(
            FaultsSchema(),
            {
                "latency": self.latency,
                "fail_rate": self.fail_rate,
                "rate_limit": self.bucket.rate,
                "outage_seconds_left": round(self.outage_seconds_left(), 3),
            },
        )

    def count(self, status: int) -> None:
        with self.lock:
            self.answers[status] += 1

    def stats(self) -> dict[str, Any]:
        with self.lock:
            requests = {str(status): n for status, n in sorted(self.answers.items())}
            counts = (self.out_of_order, self.version_conflicts, len(self.dossiers))
        return _dump(
            AdminStatsSchema(),
            {
                "requests": requests,
                "out_of_order": counts[0],
                "version_conflicts": counts[1],
                "dossiers": counts[2],
                "faults": self.faults(),
            },
        )


def _dump(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = schema.dump(data)
    return dumped


# -- HTTP ------------------------------------------------------------------------------------

URLS = Map(
    [
        Rule("/dossiers", endpoint="list", methods=["GET"]),
        Rule("/dossiers/<code>", endpoint="put", methods=["PUT"]),
        Rule("/dossiers/<code>", endpoint="get", methods=["GET"]),
        Rule("/admin/outage", endpoint="outage", methods=["POST"]),
        Rule("/admin/faults", endpoint="faults", methods=["POST"]),
        Rule("/admin/stats", endpoint="stats", methods=["GET"]),
        Rule("/health", endpoint="health", methods=["GET"]),
        Rule("/", endpoint="page", methods=["GET"]),
    ]
)
API = frozenset({"list", "put", "get"})  # the portal's own API: counted, rate-limited
ADMIN = frozenset({"outage", "faults", "stats"})


def _put(portal: Portal, request: Request, code: str) -> Response:
    record = load_body(request, DossierRecordSchema())
    if record["code"] != code:
        raise Invalid({"code": [f"{record['code']} is not the dossier of the URL, {code}"]})
    if portal.fails():
        return error(500, "internal_error", "simulated failure: nothing was stored")
    found, stored_version = portal.put(record)
    if found is Verdict.STALE:
        message = f"version {record['version']} is older than the stored {stored_version}"
        return error(409, "stale_version", message, stored_version=stored_version)
    if found is Verdict.CONFLICT:
        message = f"version {stored_version} is stored with another record"
        return error(409, "version_conflict", message, stored_version=stored_version)
    answer = {
        "code": code,
        "version": record["version"],
        "accepted": found is not Verdict.UNCHANGED,
        "unchanged": found is Verdict.UNCHANGED,
    }
    return json_response(_dump(PutAnswerSchema(), answer), 201 if found is Verdict.CREATED else 200)


def _list(portal: Portal, request: Request) -> Response:
    try:
        query = DossierListQuerySchema().load(dict(request.args))
    except ValidationError as exc:
        raise Invalid(exc.messages) from exc
    return json_response(portal.listing(query["province"], query["updated_since"]), 200)


def _admin(portal: Portal, request: Request, endpoint: str) -> Response:
    if endpoint == "outage":
        portal.start_outage(load_body(request, OutageRequestSchema())["seconds"])
    elif endpoint == "faults":
        portal.set_faults(load_body(request, FaultsRequestSchema()))
    else:
        return json_response(portal.stats(), 200)
    return json_response(portal.faults(), 200)


def _unauthorised() -> Response:
    response = error(401, "unauthorized", "a valid Authorization: Bearer <API key> is required")
    response.headers["WWW-Authenticate"] = AUTH_SCHEME
    return response


def _route(portal: Portal, request: Request, endpoint: str, args: Mapping[str, Any]) -> Response:
    """The answer once the request is past the faults that come before it."""
    if endpoint == "page":
        html = pages.recent_page(portal.recent(pages.RECENT))
        return Response(html, status=200, mimetype="text/html")
    if not authorised(request.headers.get(AUTH_HEADER), portal.api_key):
        return _unauthorised()
    if endpoint in ADMIN:
        return _admin(portal, request, endpoint)
    wait = portal.wait_for_token()
    if wait:
        response = error(429, "rate_limited", f"more than {portal.bucket.rate:g} requests/s")
        response.headers[RETRY_AFTER_HEADER] = retry_after(wait)
        return response
    if endpoint == "list":
        return _list(portal, request)
    if endpoint == "put":
        return _put(portal, request, args["code"])
    dossier = portal.get(args["code"])
    if dossier is None:
        return error(404, "not_found", f"unknown dossier {args['code']}")
    return json_response(dossier, 200)


def _handle(portal: Portal, request: Request) -> Response:
    matched = match(URLS, request)
    if isinstance(matched, Response):
        return matched
    endpoint, args = matched
    if endpoint == "health":
        return json_response({"status": "ok"}, 200)
    if endpoint not in ADMIN:
        if portal.latency:
            time.sleep(portal.latency)
        left = portal.outage_seconds_left()
        if left:
            response = error(503, "unavailable", "the portal is down (simulated outage)")
            response.headers[RETRY_AFTER_HEADER] = retry_after(left)
            return response
    try:
        return _route(portal, request, endpoint, args)
    except Invalid as exc:
        return error(422, "invalid_request", exc.message)


def make_app(portal: Portal) -> Any:
    @Request.application
    def app(request: Request) -> Response:
        response = _handle(portal, request)
        if request.path.startswith("/dossiers"):
            portal.count(response.status_code)
        return response

    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="national public-service portal simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--api-key", required=True, help="the province's API key (bearer token)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per answer")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of PUTs failing 500")
    parser.add_argument(
        "--rate-limit", type=float, default=0.0, help="requests per second (0: no limit)"
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    if not 0.0 <= args.fail_rate <= 1.0:
        parser.error("--fail-rate must be between 0 and 1")
    if args.latency < 0 or args.rate_limit < 0:
        parser.error("--latency and --rate-limit must not be negative")
    if not args.api_key:
        parser.error("--api-key must not be empty")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    portal = Portal(
        Config(
            api_key=args.api_key,
            latency=args.latency,
            fail_rate=args.fail_rate,
            rate_limit=args.rate_limit,
            seed=args.seed,
        )
    )
    serve(make_app(portal), args.host, args.port, "portal simulator")


if __name__ == "__main__":
    main()
