"""What the queue migration (services/ops/queues.py) decides to do with a broker's queues."""

from services.ops.queues import plan


def q(name, type_="classic", durable=True, exclusive=False, consumers=0):
    return {
        "name": name, "type": type_, "durable": durable, "exclusive": exclusive,
        "consumers": consumers,
    }  # fmt: skip


def test_classic_durable_queues_are_moved_and_the_rest_left():
    move, finish, replies, busy = plan(
        [
            q("evt-intake-dossier_received--routing.on_received"),
            q("rpc-intake"),
            q("lienthong.dlq", "quorum"),
            q("amq.gen-abc"),
            q("a-tap", durable=False),
            q("another-tap", exclusive=True),
            q("stream-x", "stream"),
        ]
    )
    assert move == ["evt-intake-dossier_received--routing.on_received", "rpc-intake"]
    assert finish == replies == busy == []


def test_a_reply_queue_of_a_process_gone_is_deleted_and_a_queue_in_use_left_alone():
    move, _, replies, busy = plan(
        [
            q("rpc.reply-gateway-1234"),
            q("rpc.reply-gateway-5678", consumers=1),
            q("rpc-routing", consumers=2),
        ]
    )
    assert move == [] and replies == ["rpc.reply-gateway-1234"]
    assert busy == ["rpc.reply-gateway-5678", "rpc-routing"]


def test_a_migration_stopped_half_way_is_finished_not_started_again():
    # stopped before the classic queue was deleted, and stopped after it was declared again
    move, finish, _, _ = plan(
        [
            q("rpc-intake"),
            q("rpc-intake.migrating", "quorum"),
            q("rpc-routing", "quorum"),
            q("rpc-routing.migrating", "quorum"),
        ]
    )
    assert move == [] and sorted(finish) == ["rpc-intake", "rpc-routing"]
