"""Unit tests for the SMPP gateway.

The pure parts (encoding, parts, submit_sm fields, statuses, receipts) are tested as functions.
The session tests run the real smpplib client over a socket.socketpair() against a scripted
peer that answers with PDUs built by smpplib: they check our use of smpplib and the error
handling, not interoperability with any real SMSC."""

import contextlib
import socket

import pytest
import smpplib.client
import smpplib.consts as c
import smpplib.gsm
import smpplib.smpp
from hypothesis import given
from hypothesis import strategies as st

from services.notification import sms_text
from services.notification.kannel import GatewayError, GatewayRejected
from services.notification.smpp import (
    SmppGateway,
    encode_parts,
    parse_receipt,
    status_error,
    submit_params,
)
from services.notification.sms_text import GSM7_ALPHABET, GSM7_EXTENSION_CODES

_GSM7_DECODE = {
    **{bytes([i]): ch for i, ch in enumerate(GSM7_ALPHABET) if ch != "\x1b"},
    **{bytes([0x1B, code]): ch for ch, code in GSM7_EXTENSION_CODES.items()},
}


def decode(data_coding: int, parts: list[bytes]) -> str:
    payload = b"".join(p[6:] if len(parts) > 1 else p for p in parts)
    if data_coding == c.SMPP_ENCODING_ISO10646:
        return payload.decode("utf-16-be")
    out, i = [], 0
    while i < len(payload):
        width = 2 if payload[i] == 0x1B else 1
        out.append(_GSM7_DECODE[payload[i : i + width]])
        i += width
    return "".join(out)


# -- encoding and parts ---------------------------------------------------------------------


def test_gsm7_tables_match_sms_text():
    assert len(GSM7_ALPHABET) == 128
    assert set(GSM7_ALPHABET) - {"\x1b"} == sms_text.GSM7_BASIC
    assert set(GSM7_EXTENSION_CODES) == sms_text.GSM7_EXTENSION


def test_short_gsm7_is_one_unpacked_septet_per_octet_with_escapes():
    coding, esm_class, parts = encode_parts("Ab@€§", "GSM7")
    assert (coding, esm_class) == (0x00, 0x00)
    assert parts == [b"\x41\x62\x00\x1b\x65\x5f"]


def test_short_ucs2_is_utf16_big_endian():
    coding, esm_class, parts = encode_parts("Hồ sơ", "UCS2")
    assert (coding, esm_class) == (0x08, 0x00)
    assert parts == ["Hồ sơ".encode("utf-16-be")]


@pytest.mark.parametrize(
    ("text", "encoding", "sizes"),
    [
        ("a" * 160, "GSM7", [160]),
        ("a" * 161, "GSM7", [6 + 153, 6 + 8]),
        ("€" * 80, "GSM7", [160]),
        ("ệ" * 70, "UCS2", [140]),
        ("ệ" * 71, "UCS2", [6 + 134, 6 + 8]),
    ],
)
def test_limits_of_one_sms_and_of_each_part(text, encoding, sizes):
    assert [len(p) for p in encode_parts(text, encoding)[2]] == sizes


def test_parts_carry_a_concatenation_header_and_udhi():
    coding, esm_class, parts = encode_parts("x" * 400, "GSM7", reference=0xA7)
    assert esm_class == c.SMPP_GSMFEAT_UDHI
    assert [p[:6] for p in parts] == [bytes([5, 0, 3, 0xA7, 3, seq]) for seq in (1, 2, 3)]


def test_same_parts_as_smpplib_make_parts_for_plain_text():
    text = "Ho so 000.00.12.H29-240101-0001 da duoc tiep nhan, hen tra ngay 05/01. " * 4
    ours = encode_parts(text, "GSM7", reference=1)
    theirs, coding, esm_class = smpplib.gsm.make_parts(text, c.SMPP_ENCODING_DEFAULT)
    assert (ours[0], ours[1]) == (coding, esm_class)
    assert [p[:3] + p[4:] for p in ours[2]] == [p[:3] + p[4:] for p in theirs]


def test_an_escape_sequence_is_never_cut_where_smpplib_cuts_it():
    text = "a" * 152 + "€" + "b" * 20
    theirs = smpplib.gsm.make_parts(text)[0]
    assert theirs[0][-1] == 0x1B  # smpplib: the escape ends part 1, its code starts part 2
    parts = encode_parts(text, "GSM7")[2]
    assert parts[0][6:] == b"a" * 152
    assert parts[1][6:8] == b"\x1b\x65"


def test_a_surrogate_pair_is_never_cut():
    parts = encode_parts("ệ" * 66 + "😀" + "ệ" * 10, "UCS2")[2]
    assert len(parts[0]) == 6 + 132
    assert parts[1][6:].decode("utf-16-be") == "😀" + "ệ" * 10


def test_section_sign_stays_gsm7_where_smpplib_switches_to_ucs2():
    assert smpplib.gsm.make_parts("§")[1] == c.SMPP_ENCODING_ISO10646
    assert encode_parts("§", "GSM7")[:2] == (0x00, 0x00)


def test_character_outside_gsm7_is_rejected():
    with pytest.raises(GatewayRejected, match="GSM-7.*ệ"):
        encode_parts("Hệ", "GSM7")
    with pytest.raises(GatewayRejected, match="`"):
        encode_parts("a`b", "GSM7")  # smpplib would send it as "§"


def test_lone_surrogate_is_rejected():
    with pytest.raises(GatewayRejected, match="UCS-2"):
        encode_parts("a\ud800b", "UCS2")


def test_more_than_255_parts_is_rejected():
    encode_parts("a" * 153 * 255, "GSM7")
    with pytest.raises(GatewayRejected, match="256 parts"):
        encode_parts("a" * (153 * 255 + 1), "GSM7")


def test_unknown_encoding_is_a_value_error():
    with pytest.raises(ValueError, match="unknown encoding"):
        encode_parts("a", "UTF8")


_GSM7_CHARS = st.sampled_from(sorted(sms_text.GSM7_BASIC | sms_text.GSM7_EXTENSION))
_ANY_CHARS = st.one_of(
    _GSM7_CHARS, st.sampled_from("ệươĐđ😀🇻"), st.characters(exclude_categories=("Cs",))
)


@given(st.text(_GSM7_CHARS, max_size=700))
def test_gsm7_parts_round_trip_and_match_measure(text):
    coding, _, parts = encode_parts(text, "GSM7")
    assert decode(coding, parts) == text
    assert len(parts) == sms_text.measure(text, "GSM7").parts


@given(st.text(_ANY_CHARS, max_size=300))
def test_ucs2_parts_round_trip_and_match_measure(text):
    coding, _, parts = encode_parts(text, "UCS2")
    assert decode(coding, parts) == text
    assert len(parts) == sms_text.measure(text, "UCS2").parts


# -- submit_sm fields -----------------------------------------------------------------------


def test_submit_params_of_a_short_message():
    assert submit_params("84912345678", "Ho so da tiep nhan", "GSM7", "MOTCUA") == [
        {
            "source_addr_ton": 5,
            "source_addr_npi": 0,
            "source_addr": "MOTCUA",
            "dest_addr_ton": 1,
            "dest_addr_npi": 1,
            "destination_addr": "84912345678",
            "esm_class": 0,
            "data_coding": 0,
            "registered_delivery": 1,
            "short_message": b"Ho so da tiep nhan",
        }
    ]


def test_every_part_asks_for_a_receipt():
    params = submit_params("+84912345678", "Hồ sơ " * 30, "UCS2", "UBND HN")
    assert len(params) == 3
    assert {p["registered_delivery"] for p in params} == {1}
    assert {p["destination_addr"] for p in params} == {"84912345678"}
    assert {(p["data_coding"], p["esm_class"]) for p in params} == {(0x08, 0x40)}


@pytest.mark.parametrize("to", ["0912 345 678", "84-912", "", "8" * 21, "８４９"])
def test_destination_must_be_international_digits(to):
    with pytest.raises(GatewayRejected, match="destination"):
        submit_params(to, "x", "GSM7", "MOTCUA")


@pytest.mark.parametrize("sender", ["", "UBND Hà Nội", "UBNDTPHCM123"])
def test_sender_must_be_a_valid_brandname(sender):
    with pytest.raises(GatewayRejected, match="sender"):
        submit_params("84912345678", "x", "GSM7", sender)


# -- statuses -------------------------------------------------------------------------------


def test_ok_is_no_error():
    assert status_error(c.SMPP_ESME_ROK) is None


@pytest.mark.parametrize(
    "status",
    [
        c.SMPP_ESME_RINVDSTADR,
        c.SMPP_ESME_RINVSRCADR,
        c.SMPP_ESME_RINVMSGLEN,
        c.SMPP_ESME_RINVDSTTON,
        c.SMPP_ESME_RX_P_APPN,
        c.SMPP_ESME_RX_R_APPN,
        0x0401,  # vendor-specific, e.g. brandname not registered
    ],
)
def test_statuses_about_the_message_are_rejections(status):
    assert isinstance(status_error(status), GatewayRejected)


@pytest.mark.parametrize(
    "status",
    [
        c.SMPP_ESME_RTHROTTLED,
        c.SMPP_ESME_RMSGQFUL,
        c.SMPP_ESME_RSYSERR,
        c.SMPP_ESME_RX_T_APPN,
        c.SMPP_ESME_RINVBNDSTS,
        c.SMPP_ESME_RSUBMITFAIL,
    ],
)
def test_statuses_about_load_or_link_are_retried(status):
    assert type(status_error(status)) is GatewayError


def test_status_error_names_the_status():
    assert str(status_error(0x0B)) == (
        "smpp submit_sm status 0x0000000B ESME_RINVDSTADR: Invalid Destination Address"
    )
    assert "vendor-specific" in str(status_error(0x0401))


def test_bind_statuses():
    assert isinstance(status_error(c.SMPP_ESME_RINVPASWD, "bind_transceiver"), GatewayRejected)
    assert isinstance(status_error(c.SMPP_ESME_RINVSYSID, "bind_transceiver"), GatewayRejected)
    assert type(status_error(c.SMPP_ESME_RBINDFAIL, "bind_transceiver")) is GatewayError
    assert type(status_error(c.SMPP_ESME_RALYBND, "bind_transceiver")) is GatewayError


# -- receipts -------------------------------------------------------------------------------

RECEIPT = (
    "id:{id} sub:001 dlvrd:{d} submit date:2401011200 done date:2401011201 stat:{stat} err:000"
)


@pytest.mark.parametrize(
    ("stat", "status"),
    [
        ("DELIVRD", "delivered"),
        ("EXPIRED", "expired"),
        ("UNDELIV", "failed"),
        ("DELETED", "failed"),
        ("UNKNOWN", "failed"),
        ("REJECTD", "rejected"),
        ("ENROUTE", "sent"),
        ("ACCEPTD", "sent"),
    ],
)
def test_receipt_states(stat, status):
    text = RECEIPT.format(id="0A1B2C3D", d="001", stat=stat)
    assert parse_receipt(text.encode()) == ("0A1B2C3D", status)
    assert parse_receipt(text) == ("0A1B2C3D", status)


def test_receipt_with_text_field_and_odd_case():
    text = "Id:7731 sub:001 dlvrd:000 submit date:2401011200 done date:2401011300 Stat:undeliv "
    text += "err:012 Text:Ho so id:xyz stat:DELIVRD"
    assert parse_receipt(text) == ("7731", "failed")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Xin chao", "not a delivery receipt"),
        ("id:1 sub:001 dlvrd:001", "not a delivery receipt"),
        ("id:1 stat:WHATEVER err:000", "unknown receipt state"),
    ],
)
def test_not_a_receipt(text, message):
    with pytest.raises(ValueError, match=message):
        parse_receipt(text)


def test_bind_fields_smpplib_would_truncate_are_refused():
    with pytest.raises(ValueError, match="password"):
        SmppGateway("smsc", 2775, "lienthong", "ninechars")
    with pytest.raises(ValueError, match="system_id"):
        SmppGateway("smsc", 2775, "x" * 16, "secret")


# -- sessions over a socketpair ------------------------------------------------------------
# smpplib's sequence numbers on a new connection: bind 2, then 3, 4, ...


def pdu(command: str, sequence: int, status: int = 0, **fields) -> bytes:
    p = smpplib.smpp.make_pdu(
        command, client=smpplib.client.SimpleSequenceGenerator(), status=status, **fields
    )
    p.sequence = sequence
    return p.generate()


def bind_ok(sequence: int = 2) -> bytes:
    return pdu("bind_transceiver_resp", sequence, system_id="SMSC")


def submit_ok(sequence: int, message_id: str) -> bytes:
    return pdu("submit_sm_resp", sequence, message_id=message_id)


def receipt(sequence: int, ref: str, stat: str = "DELIVRD") -> bytes:
    return pdu(
        "deliver_sm",
        sequence,
        source_addr="84912345678",
        destination_addr="MOTCUA",
        esm_class=0x04,
        short_message=RECEIPT.format(id=ref, d="001", stat=stat).encode(),
    )


def received(peer: socket.socket) -> list:
    """The PDUs the gateway wrote, parsed by smpplib."""
    peer.settimeout(0.05)
    data = b""
    with contextlib.suppress(TimeoutError, BlockingIOError):
        while chunk := peer.recv(65536):
            data += chunk
    out = []
    while data:
        length = int.from_bytes(data[:4], "big")
        out.append(
            smpplib.smpp.parse_pdu(
                data[:length],
                client=smpplib.client.SimpleSequenceGenerator(),
                allow_unknown_opt_params=True,
            )
        )
        data = data[length:]
    return out


class ScriptedGateway(SmppGateway):
    """Each new connection is a socketpair whose far end already holds the next script's PDUs;
    a script ending in None then shuts the far end for writing (the SMSC hangs up)."""

    def __init__(self, *scripts, **kwargs):
        kwargs.setdefault("timeout", 1.0)
        super().__init__("smsc.test", 2775, "lienthong", "secret", "VMA", **kwargs)
        self.scripts, self.peers = list(scripts), []

    def _new_client(self):
        if not self.scripts:
            raise ConnectionRefusedError("no more scripted connections")
        ours, theirs = socket.socketpair()
        ours.settimeout(self.timeout)
        script = self.scripts.pop(0)
        for chunk in script:
            if chunk is not None:
                theirs.sendall(chunk)
        if script and script[-1] is None:
            theirs.shutdown(socket.SHUT_WR)
        self.peers.append(theirs)
        client = smpplib.client.Client(
            self.host,
            self.port,
            timeout=self.timeout,
            logger_name="smpplib.client",
            allow_unknown_opt_params=True,
        )
        client._socket, client.state = ours, c.SMPP_CLIENT_STATE_OPEN
        return client


@pytest.fixture
def gateways():
    made = []

    def make(*scripts, **kwargs):
        gateway = ScriptedGateway(*scripts, **kwargs)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        for peer in gateway.peers:
            peer.close()
        gateway.close()


def test_bind_then_submit_returns_the_message_id(gateways):
    gw = gateways([bind_ok(), submit_ok(3, "5F0A")])
    assert gw.send("84912345678", "Ho so da tiep nhan", "GSM7", "MOTCUA", "http://x") == "5F0A"
    bind, submit = received(gw.peers[0])
    assert bind.command == "bind_transceiver"
    assert (bind.system_id, bind.password, bind.system_type) == (b"lienthong", b"secret", b"VMA")
    assert bind.interface_version == 0x34
    assert submit.command == "submit_sm"
    assert (submit.source_addr_ton, submit.source_addr_npi, submit.source_addr) == (
        5,
        0,
        b"MOTCUA",
    )
    assert (submit.dest_addr_ton, submit.dest_addr_npi, submit.destination_addr) == (
        1,
        1,
        b"84912345678",
    )
    assert (submit.data_coding, submit.esm_class, submit.registered_delivery) == (0, 0, 1)
    assert submit.short_message == b"Ho so da tiep nhan"


def test_multipart_returns_every_part_id_and_reuses_the_bind(gateways):
    gw = gateways([bind_ok(), submit_ok(3, "a1"), submit_ok(4, "a2"), submit_ok(5, "b1")])
    text = "Hồ sơ của ông/bà đã được tiếp nhận. " * 3
    assert gw.send("84912345678", text, "UCS2", "MOTCUA", "") == "a1,a2"
    assert gw.send("84912345678", "x", "GSM7", "MOTCUA", "") == "b1"
    pdus = received(gw.peers[0])
    assert [p.command for p in pdus] == ["bind_transceiver"] + ["submit_sm"] * 3
    first, second = pdus[1], pdus[2]
    assert (first.data_coding, first.esm_class) == (0x08, 0x40)
    assert first.short_message[:3] + first.short_message[5:6] == b"\x05\x00\x03\x01"
    assert second.short_message[4:6] == b"\x02\x02"
    assert (first.short_message[6:] + second.short_message[6:]).decode("utf-16-be") == text
    assert len(gw.peers) == 1


def test_rejected_submit_raises_gateway_rejected_and_keeps_the_bind(gateways):
    gw = gateways([bind_ok(), pdu("submit_sm_resp", 3, status=0x0B), submit_ok(4, "ok")])
    with pytest.raises(GatewayRejected, match="ESME_RINVDSTADR"):
        gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    assert gw.send("84912345678", "x", "GSM7", "MOTCUA", "") == "ok"
    assert len(gw.peers) == 1


def test_throttled_submit_is_retryable(gateways):
    gw = gateways([bind_ok(), pdu("submit_sm_resp", 3, status=c.SMPP_ESME_RTHROTTLED)])
    with pytest.raises(GatewayError, match="ESME_RTHROTTLED") as caught:
        gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    assert type(caught.value) is GatewayError


def test_generic_nack_is_retryable_and_drops_the_bind(gateways):
    gw = gateways([bind_ok(), pdu("generic_nack", 3, status=c.SMPP_ESME_RINVCMDLEN)])
    with pytest.raises(GatewayError, match="generic_nack"):
        gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    assert gw._client is None


def test_receipt_while_waiting_is_answered_and_handed_over(gateways):
    seen = []
    gw = gateways(
        [bind_ok(), receipt(900, "77AA"), pdu("enquire_link", 901), submit_ok(3, "88BB")],
        on_receipt=lambda ref, status: seen.append((ref, status)),
    )
    assert gw.send("84912345678", "x", "GSM7", "MOTCUA", "") == "88BB"
    assert seen == [("77AA", "delivered")]
    answers = [(p.command, p.sequence, p.status) for p in received(gw.peers[0])[2:]]
    assert answers == [("deliver_sm_resp", 900, 0), ("enquire_link_resp", 901, 0)]


def test_failing_receipt_handler_asks_the_smsc_to_redeliver(gateways):
    def broken(ref, status):
        raise RuntimeError("store down")

    gw = gateways([bind_ok(), receipt(900, "77AA"), submit_ok(3, "88BB")], on_receipt=broken)
    gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    resp = received(gw.peers[0])[-1]
    assert (resp.command, resp.sequence, resp.status) == ("deliver_sm_resp", 900, 0x64)


def test_poll_answers_receipts_between_sends(gateways):
    seen = []
    gw = gateways([bind_ok(), submit_ok(3, "m1")], on_receipt=lambda *r: seen.append(r))
    gw.poll()  # not bound yet: nothing to do
    gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    received(gw.peers[0])
    gw.peers[0].sendall(receipt(901, "m1", "EXPIRED"))
    gw.poll()
    assert seen == [("m1", "expired")]
    (resp,) = received(gw.peers[0])
    assert (resp.command, resp.sequence, resp.status) == ("deliver_sm_resp", 901, 0)


def test_closed_link_is_retryable_and_the_next_send_binds_again(gateways):
    gw = gateways([bind_ok(), None], [bind_ok(), submit_ok(3, "again")])
    with pytest.raises(GatewayError, match="link error"):
        gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    assert gw.send("84912345678", "x", "GSM7", "MOTCUA", "") == "again"
    assert len(gw.peers) == 2


def test_no_answer_is_a_retryable_timeout(gateways):
    gw = gateways([bind_ok()], timeout=0.2)
    with pytest.raises(GatewayError, match="timeout"):
        gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    assert gw._client is None


def test_bind_with_bad_password_is_rejected(gateways):
    gw = gateways([pdu("bind_transceiver_resp", 2, status=c.SMPP_ESME_RINVPASWD)])
    with pytest.raises(GatewayRejected, match="ESME_RINVPASWD"):
        gw.send("84912345678", "x", "GSM7", "MOTCUA", "")


def test_bind_failure_is_retryable(gateways):
    gw = gateways([pdu("bind_transceiver_resp", 2, status=c.SMPP_ESME_RBINDFAIL)])
    with pytest.raises(GatewayError, match="ESME_RBINDFAIL"):
        gw.send("84912345678", "x", "GSM7", "MOTCUA", "")


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_idle_link_is_probed_and_replaced_when_dead(gateways):
    clock = FakeClock()
    gw = gateways(
        [bind_ok(), submit_ok(3, "m1")],
        [bind_ok(), submit_ok(3, "m2")],
        clock=clock,
        idle_check=30,
    )
    gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    gw.peers[0].close()  # the SMSC dropped the idle link
    clock.now += 31
    assert gw.send("84912345678", "x", "GSM7", "MOTCUA", "") == "m2"
    assert len(gw.peers) == 2


def test_idle_link_that_answers_the_probe_is_kept(gateways):
    clock = FakeClock()
    gw = gateways(
        [bind_ok(), submit_ok(3, "m1"), pdu("enquire_link_resp", 4), submit_ok(5, "m2")],
        clock=clock,
        idle_check=30,
    )
    gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    clock.now += 31
    assert gw.send("84912345678", "x", "GSM7", "MOTCUA", "") == "m2"
    assert [p.command for p in received(gw.peers[0])][-2:] == ["enquire_link", "submit_sm"]


def test_close_unbinds(gateways):
    gw = gateways([bind_ok(), submit_ok(3, "m1"), pdu("unbind_resp", 4)])
    gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    gw.close()
    assert received(gw.peers[0])[-1].command == "unbind"
    assert gw._client is None
    gw.close()  # closing twice is fine


def test_invalid_message_is_rejected_before_connecting(gateways):
    gw = gateways()
    with pytest.raises(GatewayRejected):
        gw.send("84912345678", "Hệ", "GSM7", "MOTCUA", "")
    assert gw.peers == []


def test_unreachable_smsc_is_retryable():
    # A loopback port that is bound but not listening refuses connections.
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        gw = SmppGateway("127.0.0.1", port, "lienthong", "secret", timeout=1.0)
        with pytest.raises(GatewayError, match="unreachable"):
            gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
