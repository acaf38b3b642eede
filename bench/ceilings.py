"""This machine's ceilings, measured on the same servers the system uses: RabbitMQ persistent
publish with confirms and consume of 1 KiB messages, and the database's single-document update
rate by _id."""

import time
import uuid

from kombu import Connection, Consumer, Exchange, Queue
from pymongo import MongoClient

from bench import stack


def rabbitmq(messages: int) -> dict:
    """Publish `messages` persistent 1 KiB messages with publisher confirms (one at a time, as
    the outbox does), then consume them all with acks."""
    body = b"x" * 1024
    name = f"bench.ceiling.{uuid.uuid4().hex[:8]}"
    with Connection(stack.amqp_uri(), transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue = Queue(name, Exchange(""), routing_key=name, durable=True)
        queue(channel).declare()
        producer = conn.Producer(channel)
        started = time.perf_counter()
        for _ in range(messages):
            producer.publish(body, routing_key=name, delivery_mode=2, retry=False)
        publish = messages / (time.perf_counter() - started)
        received = 0

        def on_message(body, message):
            nonlocal received
            received += 1
            message.ack()

        with Consumer(channel, [queue], callbacks=[on_message], prefetch_count=100):
            started = time.perf_counter()
            while received < messages:
                conn.drain_events(timeout=10)
            consume = messages / (time.perf_counter() - started)
        queue(channel).delete()
    return {"publish_confirmed_per_s": publish, "consume_per_s": consume, "messages": messages}


def database(updates: int) -> dict:
    """update_one({"_id": …}, {"$set": …}) one after another on one document of a scratch
    collection, and find_one by _id."""
    client = MongoClient(stack.mongo_uri())
    db = client[stack.database("bench")]
    db.ceiling.drop()
    db.ceiling.insert_many([{"_id": f"doc-{i}", "n": 0, "pad": "y" * 512} for i in range(100)])
    started = time.perf_counter()
    for i in range(updates):
        db.ceiling.update_one({"_id": f"doc-{i % 100}"}, {"$set": {"n": i}})
    update = updates / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(updates):
        db.ceiling.find_one({"_id": f"doc-{i % 100}"})
    read = updates / (time.perf_counter() - started)
    client.drop_database(stack.database("bench"))
    return {"update_by_id_per_s": update, "find_by_id_per_s": read, "operations": updates}
