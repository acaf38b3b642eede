"""A postal carrier simulator: its own process serving the carrier's JSON HTTP API
(contracts/carrier.py) and sending signed status callbacks.

    python -m services.carrier.simulator --port 8090 \\
        --callback-url http://127.0.0.1:8000/api/callbacks/postal --secret S \\
        --pickup-delay 1 --delivery-delay 2 --fail-rate 0.0 --max-attempts 3 --seed 1

A background thread advances each shipment: requested → picked_up (after the pick-up delay, by
a postal worker) → in_transit → delivered after the delivery delay, or failed_attempt when a
random draw is below the fail rate; a failed attempt is retried after the delivery delay, up to
max-attempts (or the request's own max_attempts), then the shipment is returned to the sender
office. A request repeating an earlier reference gets the earlier shipment back. A receiver
name containing ``[fail:N]`` makes the first N attempts of that shipment fail, whatever the fail
rate, so tests can script outcomes. A shipment can be cancelled only while it is still requested.

Every status change is POSTed to the callback URL (StatusCallbackSchema body, signed in the
X-Carrier-Signature header by services.common.signing), in order, by one sender thread; a
callback that fails is retried a few times and then dropped: the receiver is expected to poll
GET /shipments/{tracking_number}.

State is kept in memory only, on purpose: this process IS the external carrier, and a restart
loses its shipments, which a real carrier would not.
"""

import argparse
import logging
import queue
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from contracts.carrier import (
    FINAL_STATUSES,
    SIGNATURE_HEADER,
    ShipmentRequestSchema,
    ShipmentSchema,
    StatusCallbackSchema,
)
from services.common.simulation import (
    Invalid,
    error,
    json_response,
    load_body,
    match,
    post_signed,
    serve,
)

log = logging.getLogger("carrier.simulator")

POSTAL_WORKERS = (
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Vũ Thị Hoa",
)
FAIL_TAG = re.compile(r"\[fail:(\d+)\]")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Shipment:
    tracking_number: str
    request: dict
    fail_first: int | None
    worker: str
    status: str = "requested"
    attempts: int = 0
    events: list = field(default_factory=list)
    due: float = 0.0  # time.monotonic() of the next transition

    @property
    def receiver_name(self) -> str:
        return FAIL_TAG.sub("", self.request["receiver_name"]).strip()


@dataclass
class Config:
    callback_url: str | None
    secret: str
    pickup_delay: float = 1.0
    delivery_delay: float = 2.0
    fail_rate: float = 0.0
    max_attempts: int = 3
    seed: int | None = None


class Carrier:
    def __init__(self, config: Config):
        self.config = config
        self.rng = random.Random(config.seed)
        self.lock = threading.Lock()
        self.shipments: dict[str, Shipment] = {}
        self.outbox: queue.Queue = queue.Queue()
        self.stopping = threading.Event()

    # -- API operations ------------------------------------------------------------------

    def create(self, request: dict) -> tuple[dict, bool]:
        """(shipment, created): a repeated reference gets the shipment it already has."""
        match = FAIL_TAG.search(request["receiver_name"])
        with self.lock:
            for existing in self.shipments.values():
                if existing.request["reference"] == request["reference"]:
                    return self._dump(existing), False
            tracking = self._new_tracking_number()
            shipment = Shipment(
                tracking_number=tracking,
                request=request,
                fail_first=int(match.group(1)) if match else None,
                worker=self.rng.choice(POSTAL_WORKERS),
                due=time.monotonic() + self.config.pickup_delay,
            )
            self.shipments[tracking] = shipment
            self._record(shipment, "requested", "shipment requested by the sender office", None)
            return self._dump(shipment), True

    def get(self, tracking: str) -> dict | None:
        with self.lock:
            shipment = self.shipments.get(tracking)
            return self._dump(shipment) if shipment else None

    def cancel(self, tracking: str) -> tuple[dict | None, bool]:
        """Return (shipment, cancelled); (None, False) when unknown."""
        with self.lock:
            shipment = self.shipments.get(tracking)
            if shipment is None:
                return None, False
            if shipment.status != "requested":
                return self._dump(shipment), False
            self._record(shipment, "cancelled", "cancelled by the sender before pick-up", None)
            return self._dump(shipment), True

    # -- lifecycle -----------------------------------------------------------------------

    def tick(self) -> None:
        now = time.monotonic()
        with self.lock:
            for shipment in self.shipments.values():
                if shipment.status not in FINAL_STATUSES and shipment.due <= now:
                    self._advance(shipment, now)

    def _advance(self, shipment: Shipment, now: float) -> None:
        worker = shipment.worker
        if shipment.status == "requested":
            office = shipment.request["sender_office_id"]
            self._record(shipment, "picked_up", f"picked up at office {office}", worker)
            shipment.due = now
        elif shipment.status == "picked_up":
            self._record(shipment, "in_transit", "in transit to the receiver", worker)
            shipment.due = now + self.config.delivery_delay
        elif shipment.status in ("in_transit", "failed_attempt"):
            max_attempts = shipment.request.get("max_attempts") or self.config.max_attempts
            if shipment.status == "failed_attempt" and shipment.attempts >= max_attempts:
                self._record(shipment, "returned", "returned to the sender office", worker)
                return
            shipment.attempts += 1
            if self._attempt_fails(shipment):
                detail = f"delivery attempt {shipment.attempts} failed: receiver not at home"
                self._record(shipment, "failed_attempt", detail, worker)
                shipment.due = now + self.config.delivery_delay
            else:
                detail = f"delivered to {shipment.receiver_name}"
                self._record(shipment, "delivered", detail, worker)

    def _attempt_fails(self, shipment: Shipment) -> bool:
        if shipment.fail_first is not None:
            return shipment.attempts <= shipment.fail_first
        return self.rng.random() < self.config.fail_rate

    def _record(self, shipment: Shipment, status: str, detail: str, by: str | None) -> None:
        at, event_id = _now(), uuid.uuid4().hex
        shipment.status = status
        receiver = shipment.receiver_name if status == "delivered" else None
        shipment.events.append(
            {
                "event_id": event_id,
                "at": at,
                "status": status,
                "detail": detail,
                "by": by,
                "attempt": shipment.attempts,
                "receiver_name": receiver,
            }
        )
        callback = {
            "tracking_number": shipment.tracking_number,
            "reference": shipment.request["reference"],
            "status": status,
            "at": at,
            "attempt": shipment.attempts,
            "detail": detail,
            "receiver_name": receiver,
            "event_id": event_id,
            "by": by,
        }
        self.outbox.put(StatusCallbackSchema().dump(callback))

    def _new_tracking_number(self) -> str:
        while True:
            tracking = f"EL{random.randrange(10**9):09d}VN"
            if tracking not in self.shipments:
                return tracking

    def _dump(self, shipment: Shipment) -> dict:
        return ShipmentSchema().dump(
            {
                "tracking_number": shipment.tracking_number,
                "reference": shipment.request["reference"],
                "status": shipment.status,
                "attempts": shipment.attempts,
                "events": shipment.events,
            }
        )

    # -- threads -------------------------------------------------------------------------

    def run_clock(self, interval: float = 0.02) -> None:
        while not self.stopping.wait(interval):
            try:
                self.tick()
            except Exception:  # keep the simulator alive
                log.exception("tick failed")

    def run_sender(self) -> None:
        while not self.stopping.is_set():
            try:
                payload = self.outbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if self.config.callback_url:
                self.deliver(payload)

    def deliver(self, payload: dict) -> bool:
        return post_signed(
            self.config.callback_url, payload, self.config.secret, SIGNATURE_HEADER, self.stopping
        )


# -- HTTP ------------------------------------------------------------------------------------

URLS = Map(
    [
        Rule("/shipments", endpoint="create", methods=["POST"]),
        Rule("/shipments/<tracking>", endpoint="get", methods=["GET"]),
        Rule("/shipments/<tracking>/cancel", endpoint="cancel", methods=["POST"]),
        Rule("/health", endpoint="health", methods=["GET"]),
    ]
)


def make_app(carrier: Carrier):
    def handle(request: Request) -> Response:
        matched = match(URLS, request)
        if isinstance(matched, Response):
            return matched
        endpoint, args = matched
        if endpoint == "health":
            return json_response({"status": "ok"}, 200)
        if endpoint == "create":
            try:
                shipment_request = load_body(request, ShipmentRequestSchema())
            except Invalid as exc:
                return error(422, "invalid_request", exc.message)
            shipment, created = carrier.create(shipment_request)
            return json_response(shipment, 201 if created else 200)
        tracking = args["tracking"]
        if endpoint == "get":
            shipment = carrier.get(tracking)
            if shipment is None:
                return error(404, "not_found", f"unknown tracking number {tracking}")
            return json_response(shipment, 200)
        shipment, cancelled = carrier.cancel(tracking)
        if shipment is None:
            return error(404, "not_found", f"unknown tracking number {tracking}")
        if not cancelled:
            return error(409, "conflict", f"shipment is {shipment['status']}, cannot cancel")
        return json_response(shipment, 200)

    @Request.application
    def app(request: Request) -> Response:
        return handle(request)

    return app


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="postal carrier simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--callback-url", default=None)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--pickup-delay", type=float, default=1.0)
    parser.add_argument("--delivery-delay", type=float, default=2.0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    if not 0.0 <= args.fail_rate <= 1.0:
        parser.error("--fail-rate must be between 0 and 1")
    if args.max_attempts < 1:
        parser.error("--max-attempts must be at least 1")
    if args.pickup_delay < 0 or args.delivery_delay < 0:
        parser.error("delays must not be negative")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    carrier = Carrier(
        Config(
            callback_url=args.callback_url,
            secret=args.secret,
            pickup_delay=args.pickup_delay,
            delivery_delay=args.delivery_delay,
            fail_rate=args.fail_rate,
            max_attempts=args.max_attempts,
            seed=args.seed,
        )
    )
    threading.Thread(target=carrier.run_clock, name="clock", daemon=True).start()
    threading.Thread(target=carrier.run_sender, name="callbacks", daemon=True).start()
    serve(make_app(carrier), args.host, args.port, "carrier simulator", carrier.stopping.set)


if __name__ == "__main__":
    main()
