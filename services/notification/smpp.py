"""SMPP v3.4 gateway: submit_sm straight to the carrier's SMSC with smpplib, no Kannel in between.

`SmppGateway.send(to, text, encoding, sender, dlr_url)` has KannelGateway's interface and errors:
`GatewayError` (retry later) for connection trouble, timeouts and temporary statuses such as
ESME_RTHROTTLED; `GatewayRejected` (never retry) for statuses that refuse the message itself,
such as ESME_RINVDSTADR. It returns the SMSC's message_id; a message sent in several parts
returns the message_id of every part joined by ",", in part order. `dlr_url` is ignored: SMPP has
no callback URL.

Delivery receipts. Every part is submitted with registered_delivery=1, so the SMSC sends one
receipt per part, as a deliver_sm on the same transceiver bind. Its short_message is the SMPP
v3.4 Appendix B text ("id:... sub:... dlvrd:... submit date:... done date:... stat:DELIVRD
err:..."), which `parse_receipt(short_message) -> (message_ref, status)` turns into the SMSC's
message_id and one of our statuses (delivered, failed, expired, rejected; "sent" for the
intermediate ENROUTE/ACCEPTD); a receipted_message_id TLV, when sent, overrides the id. The
gateway reads deliver_sm only while it holds the link: while waiting for a submit_sm_resp and in
`poll()`, which should be called regularly (a timer) so that receipts are answered while no
message is being sent. Each receipt is handed to `on_receipt(message_ref, status)`; if that
raises, the deliver_sm is answered with ESME_RX_T_APPN so the SMSC delivers the receipt again
later. A multipart message is delivered when the receipts of all its parts say so.

Pure parts, testable without a network: `encode_parts` (encoding and concatenation),
`submit_params` (the submit_sm fields), `status_error` (command_status -> exception) and
`parse_receipt`.

Parts are split here rather than with smpplib.gsm.make_parts, which splits the encoded bytes every
153 (GSM-7) or 134 (UCS-2) octets and so can cut a GSM-7 escape sequence or a UTF-16 surrogate
pair in two; its GSM-7 table also has "`" at 0x5F where 3GPP TS 23.038 has "§" (so "`" arrives as
"§", and "§" or "\\f" silently switch the message to UCS-2). The parts, the UDH (8-bit reference,
IEI 0x00) and esm_class are otherwise what make_parts produces, and the part count always equals
sms_text.measure's.
"""

import contextlib
import logging
import random
import re
import struct
import threading
import time
from collections.abc import Callable

import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.smpp

from services.notification.kannel import GatewayError, GatewayRejected
from services.notification.sender import validate_brandname
from services.notification.sms_text import GSM7_ALPHABET, GSM7_EXTENSION_CODES

log = logging.getLogger(__name__)

_GSM7_BYTES = {
    **{ch: bytes([i]) for i, ch in enumerate(GSM7_ALPHABET) if ch != "\x1b"},
    **{ch: bytes([0x1B, code]) for ch, code in GSM7_EXTENSION_CODES.items()},
}

# (data_coding, whole message limit, limit per part) in octets of short_message. GSM-7 goes
# unpacked, one septet per octet, as smpplib does; the SMSC packs it.
_CODINGS = {
    "GSM7": (c.SMPP_ENCODING_DEFAULT, c.SEVENBIT_LENGTH, c.SEVENBIT_PART_SIZE),
    "UCS2": (c.SMPP_ENCODING_ISO10646, c.UCS2_LENGTH, c.UCS2_PART_SIZE),
}
MAX_PARTS = 255

SOURCE_TON, SOURCE_NPI = c.SMPP_TON_ALNUM, c.SMPP_NPI_UNK  # brandname, alphanumeric
DEST_TON, DEST_NPI = c.SMPP_TON_INTL, c.SMPP_NPI_ISDN  # 84xxxxxxxxx
_MSGTYPE_MASK, _MSGTYPE_RECEIPT = 0x3C, 0x04  # esm_class bits 2-5; 0x04 = SMSC delivery receipt

STATUS_NAMES = {
    value: name.removeprefix("SMPP_")
    for name, value in vars(c).items()
    if name.startswith("SMPP_ESME_") and isinstance(value, int)
}
# Statuses about the link or the SMSC's load, not about the message: retry later.
RETRYABLE_STATUSES = frozenset(
    {
        c.SMPP_ESME_RINVBNDSTS,
        c.SMPP_ESME_RALYBND,
        c.SMPP_ESME_RSYSERR,
        c.SMPP_ESME_RBINDFAIL,
        c.SMPP_ESME_RMSGQFUL,
        c.SMPP_ESME_RSUBMITFAIL,
        c.SMPP_ESME_RTHROTTLED,
        c.SMPP_ESME_RX_T_APPN,
        c.SMPP_ESME_RUNKNOWNERR,
    }
)
# After these the bind is not usable: drop the connection, bind again on the next send.
_RECONNECT_STATUSES = frozenset({c.SMPP_ESME_RINVBNDSTS, c.SMPP_ESME_RALYBND})

RECEIPT_STATUS = {
    "DELIVRD": "delivered",
    "DELIVERED": "delivered",
    "EXPIRED": "expired",
    "DELETED": "failed",
    "UNDELIV": "failed",
    "UNDELIVERABLE": "failed",
    "UNKNOWN": "failed",
    "REJECTD": "rejected",
    "REJECTED": "rejected",
    "ENROUTE": "sent",
    "ACCEPTD": "sent",
    "ACCEPTED": "sent",
}
_RECEIPT_ID = re.compile(r"(?:^|\s)id:(\S+)", re.IGNORECASE)
_RECEIPT_STAT = re.compile(r"(?:^|\s)stat:([A-Za-z]+)", re.IGNORECASE)

# smpplib cuts C-octet strings to max - 1 characters without a word; refuse longer ones instead.
_BIND_LIMITS = {"system_id": 15, "password": 8, "system_type": 12}
_NETWORK_ERRORS = (
    OSError,  # includes socket.timeout
    smpplib.exceptions.ConnectionError,
    smpplib.exceptions.PDUError,
    smpplib.exceptions.UnknownCommandError,
    struct.error,
)


def encode_parts(
    text: str, encoding: str, reference: int | None = None
) -> tuple[int, int, list[bytes]]:
    """(data_coding, esm_class, short_message of each part) for text in "GSM7" or "UCS2".

    A text longer than one SMS is cut between characters into parts that each start with a
    concatenation UDH (05 00 03 reference total seq) and esm_class has UDHI set; reference is
    random when not given. Raises GatewayRejected if a GSM7 text has a character outside GSM-7,
    a UCS2 text has a lone surrogate, or the text needs more than 255 parts."""
    if encoding not in _CODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; expected one of {tuple(_CODINGS)}")
    data_coding, single, per_part = _CODINGS[encoding]
    if encoding == "GSM7":
        bad = sorted({ch for ch in text if ch not in _GSM7_BYTES})
        if bad:
            raise GatewayRejected(f"not encodable in GSM-7: {''.join(bad)!r}")
        units = [_GSM7_BYTES[ch] for ch in text]
    else:
        try:
            units = [ch.encode("utf-16-be") for ch in text]
        except UnicodeEncodeError as exc:  # a lone surrogate
            raise GatewayRejected(f"not encodable in UCS-2: {exc.object[exc.start]!r}") from exc
    if sum(len(u) for u in units) <= single:
        return data_coding, c.SMPP_MSGTYPE_DEFAULT, [b"".join(units)]
    chunks: list[bytes] = []
    current = b""
    for unit in units:
        if len(current) + len(unit) > per_part:
            chunks.append(current)
            current = b""
        current += unit
    chunks.append(current)
    if len(chunks) > MAX_PARTS:
        raise GatewayRejected(f"message needs {len(chunks)} parts, at most {MAX_PARTS}")
    ref = random.randint(0, 255) if reference is None else reference
    parts = [bytes([5, 0, 3, ref, len(chunks), seq]) + chunk for seq, chunk in enumerate(chunks, 1)]
    return data_coding, c.SMPP_GSMFEAT_UDHI, parts


def submit_params(
    to: str, text: str, encoding: str, sender: str, reference: int | None = None
) -> list[dict]:
    """The smpplib submit_sm keyword arguments of each part of one message."""
    try:
        validate_brandname(sender)
    except ValueError as exc:
        raise GatewayRejected(f"sender: {exc}") from exc
    destination = to.removeprefix("+")
    if not (destination.isascii() and destination.isdigit() and len(destination) <= 20):
        raise GatewayRejected(f"destination {to!r} is not an international number (digits)")
    data_coding, esm_class, parts = encode_parts(text, encoding, reference)
    return [
        {
            "source_addr_ton": SOURCE_TON,
            "source_addr_npi": SOURCE_NPI,
            "source_addr": sender,
            "dest_addr_ton": DEST_TON,
            "dest_addr_npi": DEST_NPI,
            "destination_addr": destination,
            "esm_class": esm_class,
            "data_coding": data_coding,
            "registered_delivery": c.SMPP_SMSC_DELIVERY_RECEIPT_BOTH,
            "short_message": part,
        }
        for part in parts
    ]


def status_name(status: int) -> str:
    return STATUS_NAMES.get(status, "vendor-specific" if 0x400 <= status <= 0x4FF else "unknown")


def status_error(status: int, command: str = "submit_sm") -> GatewayError | GatewayRejected | None:
    """None for ESME_ROK; GatewayError for a status worth retrying; GatewayRejected otherwise,
    including vendor-specific codes (carriers use them for unregistered brandnames/templates).
    On a bind, ESME_RINVPASWD/RINVSYSID/RINVSYSTYP are rejections, like Kannel's bad credentials;
    ESME_RBINDFAIL (often "too many binds") is retried."""
    if status == c.SMPP_ESME_ROK:
        return None
    text = f"smpp {command} status 0x{status:08X} {status_name(status)}"
    description = c.DESCRIPTIONS.get(status)
    if description:
        text += f": {description}"
    return GatewayError(text) if status in RETRYABLE_STATUSES else GatewayRejected(text)


def parse_receipt(short_message: bytes | str) -> tuple[str, str]:
    """(message_ref, status) of an SMSC delivery receipt text, status being delivered, failed,
    expired or rejected (or "sent" for a non-final ENROUTE/ACCEPTD). ValueError if the text is
    not a receipt. message_ref is the id as written; a few SMSCs write it in decimal when the
    submit_sm_resp gave it in hex."""
    text = short_message.decode("latin-1") if isinstance(short_message, bytes) else short_message
    ref, stat = _RECEIPT_ID.search(text), _RECEIPT_STAT.search(text)
    if ref is None or stat is None:
        raise ValueError(f"not a delivery receipt: {text[:80]!r}")
    status = RECEIPT_STATUS.get(stat.group(1).upper())
    if status is None:
        raise ValueError(f"unknown receipt state {stat.group(1)!r}")
    return ref.group(1), status


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _describe(exc: BaseException, accepted: int) -> str:
    kind = "timeout" if isinstance(exc, TimeoutError) else "link error"
    text = f"smpp {kind}: {_reason(exc)}"
    return f"{text} (after {accepted} parts were accepted)" if accepted else text


def _text(value) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")


class SmppGateway:
    """One transceiver bind, made on the first send and again after any failure. Sends are
    serialised by a lock (a green lock once eventlet has monkey-patched threading), one submit_sm
    outstanding at a time. Before using a link idle for `idle_check` seconds an enquire_link is
    sent, so a link the SMSC dropped is replaced without losing the message. on_receipt is called
    with the lock held and must not call send."""

    def __init__(
        self,
        host: str,
        port: int,
        system_id: str,
        password: str,
        system_type: str = "",
        timeout: float = 5.0,
        on_receipt: Callable[[str, str], None] | None = None,
        idle_check: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        for field, value in (
            ("system_id", system_id),
            ("password", password),
            ("system_type", system_type),
        ):
            if len(value) > _BIND_LIMITS[field] or not value.isascii():
                raise ValueError(f"SMPP {field} must be ASCII, at most {_BIND_LIMITS[field]} chars")
        self.host, self.port, self.timeout = host, int(port), float(timeout)
        self.system_id, self.password, self.system_type = system_id, password, system_type
        self.on_receipt, self.idle_check, self.clock = on_receipt, idle_check, clock
        self._client: smpplib.client.Client | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    # -- public ------------------------------------------------------------------------------

    def send(self, to: str, text: str, encoding: str, sender: str, dlr_url: str) -> str:
        parts = submit_params(to, text, encoding, sender)
        with self._lock:
            client = self._bound()
            refs: list[str] = []
            for params in parts:
                try:
                    resp = self._request(client, client.send_message(**params), "submit_sm_resp")
                except _NETWORK_ERRORS as exc:
                    self._drop()
                    raise GatewayError(_describe(exc, len(refs))) from exc
                error = status_error(resp.status, "submit_sm")
                if error is not None:
                    if resp.status in _RECONNECT_STATUSES:
                        self._drop()
                    if refs:
                        error = type(error)(f"{error} (after {len(refs)} parts were accepted)")
                    raise error
                refs.append(_text(resp.message_id))
            return ",".join(refs)

    @staticmethod
    def refs(answer: str) -> list[str]:
        """The message id of every part, which its delivery receipt names."""
        return answer.split(",")

    def poll(self) -> None:
        """Answer whatever the SMSC sent while no message was being sent (receipts,
        enquire_link) and keep an idle link alive with enquire_link; call it from a timer. Does
        nothing when not bound; GatewayError (and a fresh bind on the next send) if the link
        died."""
        with self._lock:
            if self._client is None or not self._alive_after_idle():
                return
            try:
                self._client.poll(auto_send_enquire_link=False)
            except _NETWORK_ERRORS as exc:
                self._drop()
                raise GatewayError(_describe(exc, 0)) from exc

    def close(self) -> None:
        """Unbind and disconnect, ignoring errors."""
        with self._lock:
            client, self._client = self._client, None
            if client is None:
                return
            with contextlib.suppress(_NETWORK_ERRORS):
                client.unbind()
            client.disconnect()

    # -- the link ----------------------------------------------------------------------------

    def _new_client(self) -> smpplib.client.Client:
        client = smpplib.client.Client(
            self.host,
            self.port,
            timeout=self.timeout,
            logger_name="smpplib.client",  # one logger, not one per connection
            allow_unknown_opt_params=True,
        )
        try:
            client.connect()
        except _NETWORK_ERRORS:
            client.disconnect()
            raise
        return client

    def _alive_after_idle(self) -> bool:
        """False (and the link dropped) if the link was idle and does not answer enquire_link."""
        if self.clock() - self._last_used < self.idle_check:
            return True
        try:
            probe = smpplib.smpp.make_pdu("enquire_link", client=self._client)
            self._client.send_pdu(probe)
            self._request(self._client, probe, "enquire_link_resp")
        except _NETWORK_ERRORS as exc:
            log.info("smpp link idle and dead (%s)", _reason(exc))
            self._drop()
            return False
        self._last_used = self.clock()
        return True

    def _bound(self) -> smpplib.client.Client:
        if self._client is not None:
            self._alive_after_idle()
        if self._client is None:
            try:
                client = self._new_client()
            except _NETWORK_ERRORS as exc:
                raise GatewayError(
                    f"smpp {self.host}:{self.port} unreachable: {_reason(exc)}"
                ) from exc
            client.set_message_received_handler(self._on_deliver)
            try:
                client.bind_transceiver(
                    system_id=self.system_id,
                    password=self.password,
                    system_type=self.system_type,
                )
            except smpplib.exceptions.PDUError as exc:
                client.disconnect()
                if len(exc.args) > 1:
                    raise status_error(exc.args[1], "bind_transceiver") from exc
                raise GatewayError(f"smpp bind failed: {_reason(exc)}") from exc
            except _NETWORK_ERRORS as exc:
                client.disconnect()
                raise GatewayError(f"smpp bind failed: {_reason(exc)}") from exc
            self._client = client
        self._last_used = self.clock()
        return self._client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(OSError):
                client.disconnect()

    def _request(self, client, request, response_command: str):
        """Read PDUs until the response to request arrives, answering what the SMSC sends
        meanwhile. TimeoutError if none comes within self.timeout."""
        deadline = self.clock() + self.timeout
        while True:
            if self.clock() > deadline:
                raise TimeoutError(f"no {response_command} within {self.timeout} s")
            pdu = client.read_pdu()
            if pdu.command == response_command and pdu.sequence == request.sequence:
                return pdu
            if pdu.command == "generic_nack" and pdu.sequence in (request.sequence, 0):
                raise smpplib.exceptions.PDUError(
                    f"generic_nack {status_name(pdu.status)} for {request.command}"
                )
            self._answer(client, pdu)

    def _answer(self, client, pdu) -> None:
        if pdu.command == "deliver_sm":
            status = self._on_deliver(pdu)
            resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=client, status=status)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
        elif pdu.command == "enquire_link":
            resp = smpplib.smpp.make_pdu("enquire_link_resp", client=client)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
        elif pdu.command == "unbind":
            resp = smpplib.smpp.make_pdu("unbind_resp", client=client)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
            raise smpplib.exceptions.ConnectionError("the SMSC unbound")
        else:
            log.debug("smpp: ignoring %s (sequence %s)", pdu.command, pdu.sequence)

    def _on_deliver(self, pdu, **_) -> int:
        """The deliver_sm_resp status: ESME_RX_T_APPN asks the SMSC to deliver it again later."""
        if (pdu.esm_class or 0) & _MSGTYPE_MASK != _MSGTYPE_RECEIPT:
            log.info("smpp: ignoring a mobile-originated message from %s", _text(pdu.source_addr))
            return c.SMPP_ESME_ROK
        try:
            ref, status = parse_receipt(
                pdu.short_message or getattr(pdu, "message_payload", None) or b""
            )
        except ValueError as exc:
            log.warning("smpp: unreadable delivery receipt: %s", exc)
            return c.SMPP_ESME_ROK
        if getattr(pdu, "receipted_message_id", None):
            ref = _text(pdu.receipted_message_id)
        if self.on_receipt is None:
            log.warning("smpp: receipt %s %s dropped: no on_receipt handler", ref, status)
            return c.SMPP_ESME_ROK
        try:
            self.on_receipt(ref, status)
        except Exception:  # noqa: BLE001 — the SMSC will deliver the receipt again
            log.exception("smpp: handling receipt %s %s failed", ref, status)
            return c.SMPP_ESME_RX_T_APPN
        return c.SMPP_ESME_ROK
