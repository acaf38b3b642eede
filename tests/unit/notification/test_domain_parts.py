"""How the receipts of a multipart SMS's parts decide the message's status."""

import pytest

from services.notification.domain import status_of_parts


@pytest.mark.parametrize(
    "receipts, expected",
    [
        ({"a": "delivered"}, "sent"),
        ({"a": "delivered", "b": "delivered"}, "delivered"),
        ({"a": "delivered", "b": "failed"}, "failed"),
        ({"a": "expired"}, "expired"),
        ({"a": "sent", "b": "delivered"}, "sent"),
    ],
)
def test_status_of_parts(receipts, expected):
    assert status_of_parts(receipts, ["a", "b"]) == expected
