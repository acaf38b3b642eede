"""Log lines: JSON, the message's ids on every line, phone and ID numbers masked."""

import io
import json
import logging
import re

import structlog
from hypothesis import given
from hypothesis import strategies as st

from services.common import logs

DIGITS = st.text(alphabet="0123456789", min_size=8, max_size=8)
MOBILE_PREFIX = st.sampled_from(["3", "5", "7", "8", "9"])
NATIONAL = st.builds(lambda p, d: p + d, MOBILE_PREFIX, DIGITS)
SEP = st.sampled_from(["", " ", ".", "-"])


def written(national: str, style: int, sep: str) -> str:
    """A mobile number as people write it: 0901234567, +84 90 123 4567, 84901234567…"""
    prefix = ("0", "+84", "84", "+84 ", "0084")[style]
    groups = [national[:2], national[2:5], national[5:]] if sep else [national]
    return prefix + sep.join(groups)


@given(NATIONAL, st.integers(0, 4), SEP, st.text(alphabet="abc xyz:,", max_size=10))
def test_a_mobile_number_never_survives_masking(national, style, sep, around):
    number = written(national, style, sep)
    masked = logs.mask_text(f"{around} gửi SMS tới {number} {around}")
    assert national not in re.sub(r"\D", "", masked)
    assert national[-3:] in masked  # the last three digits stay, for support calls


@given(st.sampled_from([9, 12]), st.data())
def test_identity_numbers_are_masked(length, data):
    number = data.draw(st.text(alphabet="0123456789", min_size=length, max_size=length))
    masked = logs.mask_text(f"CCCD/CMND: {number}.")
    assert number not in masked
    assert masked.endswith(number[-3:] + ".")


@given(st.uuids())
def test_ids_and_codes_are_left_alone(uid):
    text = f"message {uid} of dossier X28720-261203-0042 at 2026-12-03T13:42:38+00:00 port 8000"
    assert logs.mask_text(text) == text


def test_old_eleven_digit_numbers_and_numbers_in_nested_values():
    event = {"event": "to 01623456789", "extra": {"to": ["84912345678"]}, "cccd": 79123456789012}
    masked = logs.mask_personal_data(None, "info", event)
    assert "01623456789" not in json.dumps(masked)
    assert "84912345678" not in json.dumps(masked)
    assert "79123456789012" not in json.dumps(masked)  # an integer: leading 0 lost


def _capture():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("test.logs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def test_every_line_is_json_with_the_context_keys_and_masked():
    logger, stream = _capture()
    logs.clear()
    logger.info("no message being handled")
    logs.bind(dossier_code="X28720-261203-0001", message_id="m-1", correlation_id="c-1")
    try:
        logger.warning("sms to %s failed (citizen id %s)", "0912345678", "079123456789")
    finally:
        logs.clear()
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: first[k] for k in logs.CONTEXT_KEYS} == dict.fromkeys(logs.CONTEXT_KEYS)
    assert second["dossier_code"] == "X28720-261203-0001"
    assert (second["message_id"], second["correlation_id"]) == ("m-1", "c-1")
    assert second["level"] == "warning" and second["logger"] == "test.logs"
    assert "0912345678" not in second["event"] and "079123456789" not in second["event"]
    assert second["event"].endswith("(citizen id *********789)")


def test_structlog_loggers_render_through_the_same_formatter():
    logger, stream = _capture()
    logs.configure_structlog()
    structlog.get_logger("test.logs").info("sent", to="+84 912 345 678")
    line = json.loads(stream.getvalue())
    assert line["to"] == "********678" and line["event"] == "sent"
