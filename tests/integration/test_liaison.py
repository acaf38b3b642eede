"""Intake and routing in nameko containers on the real RabbitMQ and MongoDB-wire server."""

import threading
import time
import uuid
from datetime import datetime
from functools import partial

import pytest
from kombu import Connection, Exchange, Producer, Queue
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container
from pymongo import MongoClient

from services.common.repository import outbox_range
from services.common.store import Sequences
from services.intake.service import IntakeService
from services.intake.store import IntakeRecords
from services.routing.service import RoutingService

pytestmark = pytest.mark.integration

RECEIVER = {"name": "Trần Thị Lan", "role": "receiver", "office_id": "X28720"}
BODY = {
    "procedure_code": "XD-01",
    "applicant": {"name": "Nguyễn Văn An", "phone": "0912345678"},
    "documents": [
        {"id": "don_xin_phep_xd"},
        {"id": "giay_to_dat"},
        {"id": "ban_ve_thiet_ke", "count": 2},
    ],
}


def nothing_pending(journal, code: str) -> bool:
    return journal.count_documents({"_id": outbox_range(), "aggregate": code}) == 0


def eventually(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture
def db(service_config):
    client = MongoClient(service_config["MONGO_URI"], tz_aware=True)
    prefix = service_config["MONGO_DATABASE_PREFIX"]
    yield lambda name: client[prefix + name]
    for name in ("intake", "routing"):
        client.drop_database(prefix + name)
    client.close()


def test_received_dossier_reaches_the_district_worklist(runner_factory, service_config, db):
    runner = runner_factory(service_config, IntakeService, RoutingService)
    runner.start()
    intake = get_container(runner, IntakeService)
    with entrypoint_hook(intake, "receive") as receive:
        receipt = receive(BODY, RECEIVER)
    code = receipt["code"]
    assert receipt["route"][1]["office_id"] == "H824"

    dossier = eventually(
        lambda: db("routing").dossiers.find_one(
            {"_id": code, "at_office": True, "office_id": "H824"}
        )
    )
    assert dossier["state"] == "awaiting_acceptance"
    assert [h["type"] for h in dossier["history"]] == [
        "dossier_received",
        "dossier_forwarded",
        "dossier_arrived",
    ]
    assert dossier["handovers"][0]["from_office_id"] == "X28720"
    # Each change with messages to publish put them in its journal collection under `~outbox|`
    # (entries, journal_id, aggregate), in the insert of its journal claim, which names them
    # (outbox_id); once the broker has confirmed them all they are deleted
    # (services/common/repository.py JournalRepository).
    for service, aggregate in (("intake", "receipts"), ("routing", "dossiers")):
        journal = db(service)[f"{aggregate}_journal"]
        claims = {"aggregate": code, "outbox_id": {"$exists": True}}
        assert journal.count_documents(claims) >= 1, f"{service} published nothing for {code}"
        assert eventually(partial(nothing_pending, journal, code)), f"{service}: outbox not empty"


def test_the_same_event_twice_is_applied_once(runner_factory, service_config, db, servers):
    runner = runner_factory(service_config, IntakeService, RoutingService)
    runner.start()
    with entrypoint_hook(get_container(runner, IntakeService), "receive") as receive:
        code = receive(BODY, RECEIVER)["code"]
    eventually(lambda: db("routing").dossiers.find_one({"_id": code, "at_office": True}))
    # Re-publish the dossier_received this receipt produced, as a redelivery would.
    body = _received_envelope(code, db)
    with Connection(servers["amqp"]) as conn:
        producer = Producer(conn)
        for _ in range(2):
            producer.publish(
                body,
                exchange=Exchange("intake.events", type="topic", durable=True),
                routing_key="dossier_received",
                serializer="json",
            )
    time.sleep(2)  # give the consumer time to (not) apply the repeats
    dossier = db("routing").dossiers.find_one({"_id": code})
    assert [h["type"] for h in dossier["history"]].count("dossier_received") == 1
    assert [h["type"] for h in dossier["history"]].count("dossier_forwarded") == 1


def _received_envelope(code, db):
    """A dossier_received for `code` built from intake's receipt, which stores the payload."""
    from contracts.envelope import make_envelope
    from contracts.events import DossierReceivedSchema

    receipt = db("intake").receipts.find_one({"_id": code})
    payload = {k: receipt[k] for k in DossierReceivedSchema().fields}
    received_at = datetime.fromisoformat(receipt["received_at"])
    return make_envelope("dossier_received", code, 1, payload, received_at)


def test_dossier_numbers_are_unique_under_concurrency(service_config, db):
    numbers, errors = [], []

    def allocate():
        # each thread its own Sequences, as each intake process has: their in-memory hints differ
        records = IntakeRecords(db("intake"), None, Sequences(db("intake").counters))
        try:
            for _ in range(20):
                numbers.append(records.next_number("X28720", "261122"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == list(range(1, 161))


def test_an_invalid_message_is_parked_with_its_reason(runner_factory, service_config, servers):
    runner = runner_factory(service_config, RoutingService)
    runner.start()
    marker = str(uuid.uuid4())
    with Connection(servers["amqp"]) as conn:
        Producer(conn).publish(
            {"type": "dossier_received", "marker": marker},
            exchange=Exchange("intake.events", type="topic", durable=True),
            routing_key="dossier_received",
            serializer="json",
            message_id=marker,
        )

        def parked():
            # basic_get, not a consumer: nothing is decoded, so a parked body that is not JSON
            # (the poison-message tests park some) cannot break the search
            channel = conn.channel()
            dlq = Queue("lienthong.dlq", durable=True, queue_arguments={"x-queue-type": "quorum"})
            try:  # unacked others go back to the queue when the channel closes
                while (message := dlq(channel).get(no_ack=False)) is not None:
                    if message.properties.get("message_id") == marker:
                        message.ack()
                        return message.headers
                return None
            finally:
                channel.close()

        headers = eventually(parked)
    assert headers["x-lt-reason"].startswith("invalid: envelope")
    assert headers["x-lt-queue"] == "evt-intake-dossier_received--routing.on_dossier_received"


def test_a_province_with_its_own_broker_binds_only_its_transfers(runner_factory, service_config):
    runner = runner_factory({**service_config, "LIAISON_PROVINCE": "T82"}, RoutingService)
    runner.start()
    container = get_container(runner, RoutingService)
    keys = sorted(
        e.queue.routing_key
        for e in container.entrypoints
        if getattr(e, "queue", None) is not None and e.queue.name.startswith("liaison.")
    )
    assert keys == ["commune.T82.#", "district.T82.#", "province.T82.#"]
