"""The postal nameko service: results returned home through the public postal service
(Decision 45/2016). It keeps where each result goes, asks the carrier for a shipment when the
counter sends a result by post, applies the carrier's status callbacks (via the gateway) and
polls the carrier when they stop. Entrypoints are thin; decisions come from domain.py."""

import logging
import time
from datetime import timedelta

from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from contracts.carrier import StatusCallbackSchema
from contracts.envelope import load_message, make_envelope
from contracts.errors import InvalidInput, NotFoundError
from contracts.events import INTAKE_EVENTS, ROUTING_EVENTS, ShipmentEventSchema
from services.common import observability
from services.common.clock import Clock
from services.common.messaging import OutboxPublisher, event_entry, event_handler
from services.common.repository import Change, NotFound
from services.common.rpc import rpc
from services.postal import domain
from services.postal.carrier import CarrierClient, CarrierError
from services.postal.store import PostalStore

log = logging.getLogger(__name__)


class Carrier(DependencyProvider):
    """The carrier's API client, and when each shipment was last polled by this process."""

    def setup(self):
        config = self.container.config
        self.client = CarrierClient(config["CARRIER_URL"], float(config.get("CARRIER_TIMEOUT", 5)))
        self.polled: dict[str, float] = {}

    def get_dependency(self, worker_ctx):
        return self


class PostalService(observability.Observed):
    name = "postal"

    store = PostalStore()
    outbox = OutboxPublisher()
    carrier = Carrier()
    clock = Clock()
    config = Config()

    @event_handler("intake", "dossier_received")
    def on_dossier_received(self, body):
        _, received = load_message(body, INTAKE_EVENTS)
        recipient = domain.recipient_from(received)
        if recipient:
            self.store.save_recipient(recipient)

    @event_handler("routing", "result_sent_by_post")
    def on_result_sent_by_post(self, body):
        envelope, sent = load_message(body, ROUTING_EVENTS)
        recipient = self.store.recipient(envelope["dossier_code"])  # NotFound: retried, parked
        shipment = domain.new_shipment(envelope, sent, recipient, self.config, self.clock.now())
        self.store.shipments.create(shipment, [], envelope["message_id"])
        self._request(shipment["_id"])

    def _request(self, shipment_id: str) -> None:
        """Ask the carrier for the shipment (safe to repeat: the reference is the shipment id)."""
        shipment = self.store.shipments.get(shipment_id)
        if shipment["status"] != domain.TO_REQUEST:
            return
        recipient = self.store.recipient(shipment["dossier_code"])
        try:
            answer = self.carrier.client.create(domain.carrier_request(shipment, recipient))
        except CarrierError as exc:
            log.warning("shipment %s not requested yet: %s", shipment_id, exc)
            return
        for event in domain.carrier_events(answer):
            self._apply(shipment_id, event)

    def _apply(self, shipment_id: str, event: dict) -> str:
        """Apply one carrier event once: "applied", or "duplicate" if its id was seen before."""

        def change(shipment: dict) -> Change:
            now = self.clock.now()
            changes, record, events = domain.apply_event(shipment, event, now)

            def messages(sequence: int) -> list[dict]:
                return [
                    event_entry(
                        "postal",
                        make_envelope(
                            type_,
                            shipment["dossier_code"],
                            sequence,
                            ShipmentEventSchema().dump(payload),
                            now,
                            shipment.get("correlation_id"),
                        ),
                    )
                    for type_, payload in events
                ]

            return Change(changes, {"events": [record]}, messages)

        committed = self.store.shipments.change(shipment_id, change, event["event_id"], self.outbox)
        return "duplicate" if committed.duplicate else "applied"

    @rpc
    def carrier_callback(self, body: dict) -> str:
        """A status callback whose signature the gateway checked: "applied" or "duplicate"."""
        try:
            event = StatusCallbackSchema().load(body)
        except ValidationError as exc:
            raise InvalidInput(
                "invalid_callback", "not a status callback", {"fields": exc.messages}
            ) from None
        try:
            shipment = self.store.shipments.get(event["reference"])
        except NotFound:
            raise NotFoundError("unknown_shipment", "no shipment with that reference") from None
        if shipment["tracking_number"] not in (None, event["tracking_number"]):
            raise NotFoundError("unknown_shipment", "the tracking number is not this shipment's")
        return self._apply(shipment["_id"], event)

    @rpc
    def shipments(self, code: str) -> list[dict]:
        """The shipments of a dossier with their carrier events (for the officers' timeline)."""
        return [
            {k: v for k, v in s.items() if k != "correlation_id"}
            for s in self.store.for_dossier(code)
        ]

    @timer(interval=5)
    def request_pending(self):
        """Shipments whose request the carrier never confirmed (down, or a crash midway)."""
        for shipment_id in self.store.to_request():
            self._request(shipment_id)

    @timer(interval=5)
    def poll(self):
        """No callback for CARRIER_POLL_AFTER seconds: ask the carrier, at most that often."""
        quiet = float(self.config.get("CARRIER_POLL_AFTER", 60))
        now, clock = self.clock.now(), time.monotonic()
        last = self.carrier.polled
        quiet_ones = self.store.unheard_since(now - timedelta(seconds=quiet))
        self.carrier.polled = {s["_id"]: last[s["_id"]] for s in quiet_ones if s["_id"] in last}
        for shipment in quiet_ones:
            if clock - self.carrier.polled.get(shipment["_id"], clock - quiet) < quiet:
                continue
            self.carrier.polled[shipment["_id"]] = clock
            try:
                answer = self.carrier.client.get(shipment["tracking_number"])
            except CarrierError as exc:
                log.warning("polling %s: %s", shipment["tracking_number"], exc)
                continue
            for event in domain.carrier_events(answer):
                self._apply(shipment["_id"], event)

    @timer(interval=5)
    def sweep(self):
        self.store.shipments.sweep(self.outbox)
