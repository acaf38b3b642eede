"""Operators' view of what the system could not do by itself: messages parked in the dead-letter
queue (with the reason and the queue they came from) and SMS that failed for good. `redrive`
sends parked messages back to their queue, all of them or one by message id.

    python -m services.ops.deadletters list
    python -m services.ops.deadletters redrive [--id MESSAGE_ID]
"""

import argparse
import json
import os
import sys

from kombu import Connection
from pymongo import MongoClient

from services.common.messaging import (
    ATTEMPTS_HEADER,
    DEAD_LETTER_QUEUE,
    ORIGIN_HEADER,
    REASON_HEADER,
)


def _summary(body, limit: int = 120) -> str:
    """What a parked message is about; any body at all (kombu gives text or bytes)."""
    try:
        envelope = json.loads(body)
    except ValueError:
        envelope = None
    if isinstance(envelope, dict):
        return f"{envelope.get('type')} {envelope.get('dossier_code')}"
    text = body[:limit]
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"(not an envelope) {text!r}"


def list_parked(conn: Connection, out=sys.stdout) -> int:
    channel = conn.channel()
    messages = []
    while (message := channel.basic_get(DEAD_LETTER_QUEUE, no_ack=False)) is not None:
        messages.append(message)
    for m in messages:
        headers = m.headers or {}
        out.write(
            f"{m.properties.get('message_id') or '-'}\t{headers.get(ORIGIN_HEADER, '?')}\t"
            f"attempts={headers.get(ATTEMPTS_HEADER, 0)}\t{headers.get(REASON_HEADER, '?')}\t"
            f"{_summary(m.body)}\n"
        )
    channel.close()  # nothing acked: every message stays parked
    return len(messages)


def redrive(conn: Connection, message_id: str | None = None, out=sys.stdout) -> int:
    """Publish parked messages back to the queue they came from, attempts reset; then ack."""
    channel = conn.channel()
    moved, keep = 0, []
    while (m := channel.basic_get(DEAD_LETTER_QUEUE, no_ack=False)) is not None:
        headers = dict(m.headers or {})
        if message_id and m.properties.get("message_id") != message_id:
            keep.append(m)
            continue
        origin = headers.get(ORIGIN_HEADER)
        if not origin:
            keep.append(m)
            out.write(f"skipped {m.properties.get('message_id')}: no origin queue recorded\n")
            continue
        for key in (ATTEMPTS_HEADER, REASON_HEADER):
            headers.pop(key, None)
        headers["x-lt-redriven"] = int(headers.get("x-lt-redriven", 0)) + 1
        channel.basic_publish(
            channel.prepare_message(
                m.body,
                content_type=m.content_type,
                content_encoding=m.content_encoding,
                headers=headers,
                properties={"delivery_mode": 2, "message_id": m.properties.get("message_id")},
            ),
            exchange="",
            routing_key=origin,
        )
        channel.basic_ack(m.delivery_tag)
        moved += 1
        out.write(f"redriven {m.properties.get('message_id')} → {origin}\n")
    channel.close()  # the messages kept are returned to the dead-letter queue
    return moved


def failed_sms(mongo_uri: str, prefix: str, out=sys.stdout) -> int:
    db = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)[f"{prefix}notification"]
    failed = list(db.messages.find({"status": "failed"}))
    for m in failed:
        last = (m.get("history") or [{}])[-1]
        out.write(f"{m['_id']}\t{m.get('dossier_code')}\tattempts={m.get('attempts')}\t")
        out.write(f"{last.get('detail', '')}\n")
    return len(failed)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="deadletters", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list parked messages and SMS failed for good")
    redrive_cmd = sub.add_parser("redrive", help="send parked messages back to their queue")
    redrive_cmd.add_argument("--id", help="only the message with this message id")
    args = parser.parse_args(argv)
    amqp = os.environ.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    with Connection(amqp) as conn:
        if args.command == "redrive":
            moved = redrive(conn, args.id)
            print(f"{moved} message(s) redriven")
            return 0 if moved or not args.id else 1
        print(f"# parked in {DEAD_LETTER_QUEUE}: id, from queue, attempts, reason, message")
        n = list_parked(conn)
    print(f"# {n} parked")
    print("# SMS failed for good: id, dossier, attempts, last error")
    m = failed_sms(
        os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/"),
        os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_"),
    )
    print(f"# {m} failed SMS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
