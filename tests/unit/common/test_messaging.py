"""A broker that goes away while a handled message is acked or requeued must not stop the
service: the error stays in the queue consumer, the message is left to the broker."""

from types import SimpleNamespace

import pytest
from amqp.exceptions import ChannelError

from services.common.messaging import ParkingQueueConsumer


def message_failing_with(exc: Exception):
    def fail(*_args, **_kwargs):
        raise exc

    return SimpleNamespace(channel=SimpleNamespace(connection=object()), ack=fail, requeue=fail)


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionResetError(104, "Connection reset by peer"),
        BrokenPipeError(32, "Broken pipe"),
        ChannelError("channel closed by the broker"),
    ],
)
@pytest.mark.parametrize("method", ["ack_message", "requeue_message"])
def test_a_dropped_connection_is_logged_not_raised(method, exc, caplog):
    getattr(ParkingQueueConsumer(), method)(message_failing_with(exc))
    assert "the broker will deliver it again" in caplog.text


def test_a_bug_in_the_message_still_raises():
    with pytest.raises(ValueError):
        ParkingQueueConsumer().ack_message(message_failing_with(ValueError("not a broker error")))
