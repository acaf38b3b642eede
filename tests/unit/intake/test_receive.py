"""What happens at the counter (services/intake/domain.py): who may receive, what a receive request
must hold to be accepted, and the receipt and dossier_received message built from it. Real
catalogs and calendar, no I/O beyond reading them."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.calendar import WorkingCalendar
from contracts.envelope import load_message
from contracts.errors import DomainError, Forbidden, InvalidInput
from contracts.events import INTAKE_EVENTS
from contracts.lifecycle import PERMISSIONS, RECEIVE, ROLES
from contracts.offices import load_offices
from contracts.procedures import load_procedures
from contracts.route import schedule
from services.intake.domain import build_receipt, check_request

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICES = load_offices()
PROCEDURES = load_procedures()
CAL = WorkingCalendar()
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
APPLICANT = {"name": "Nguyễn Thị Lan", "phone": "0912345678"}
ADDRESS = {"line": "12 Lê Lợi", "commune_id": "X28720"}
HANDOVER = {"postal_worker": "Phạm Văn Bưu"}
T82_COMMUNES = ["X28720", "X28702", "X28726"]  # Tiền Giang (2018): district H824
RECEIVER = "Trần Thị Bình"


def documents(code):
    """Every document the procedure requires, in the required count."""
    return [{"id": d.id, "count": d.count} for d in PROCEDURES.get(code).documents]


def body(code="HT-01", **extra):
    return {"procedure_code": code, "applicant": APPLICANT, "documents": documents(code), **extra}


def officer(office_id="X28720", role="receiver"):
    return {"name": RECEIVER, "role": role, "office_id": office_id}


def check(request, office_id="X28720", role="receiver"):
    return check_request(request, officer(office_id, role), OFFICES, PROCEDURES)


def refused(request, office_id="X28720", role="receiver") -> DomainError:
    with pytest.raises(DomainError) as exc:
        check(request, office_id, role)
    return exc.value


def receipt(request, office_id="X28720", now=NOW, number=1):
    checked = check(request, office_id)
    return build_receipt(*checked, number, now, CAL, officer(office_id))


def instant(text):
    return datetime.fromisoformat(text)


# ---------------------------------------------------------------- who may receive


def test_receivers_are_the_permission_table():
    assert PERMISSIONS[RECEIVE][0] == {"receiver", "leader"}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_receive(role):
    if role in PERMISSIONS[RECEIVE][0]:
        request, procedure, office, steps = check(body(), role=role)
        assert (procedure.code, office.id) == ("HT-01", "X28720")
    else:
        error = refused(body(), role=role)
        assert isinstance(error, Forbidden)
        assert error.code == "role_cannot_receive"


def test_role_is_checked_before_the_body():
    error = refused({"procedure_code": ""}, role="handler")
    assert (type(error), error.code) == (Forbidden, "role_cannot_receive")


# ---------------------------------------------------------------- the request itself


@pytest.mark.parametrize(
    "request_body, path",
    [
        ({"applicant": APPLICANT}, ["procedure_code"]),
        ({"procedure_code": "HT-01"}, ["applicant"]),
        (body(applicant={"name": "An", "phone": "1"}), ["applicant", "phone"]),
        (body(applicant={"phone": "0912345678"}), ["applicant", "name"]),
        (body(applicant={**APPLICANT, "id_number": "12ab"}), ["applicant", "id_number"]),
        (body(channel="fax"), ["channel"]),
        (body(documents=[{"id": "giay_chung_sinh", "count": 0}]), ["documents"]),
        (body(documents=[{"count": 1}]), ["documents"]),
        (body(return_method="drone"), ["return_method"]),
        (body(return_method="post", postal_address={"line": "12 Lê Lợi"}), ["postal_address"]),
        (body(postal_address={"line": "x", "commune_id": "x28720"}), ["postal_address"]),
        (body(channel="post", postal_handover={"tracking_number": "EL1"}), ["postal_handover"]),
        (body(not_accepted_reason=""), ["not_accepted_reason"]),
        (body(deciding_office_id="x02269"), ["deciding_office_id"]),
        (body(colour="blue"), ["colour"]),
    ],
)
def test_invalid_body(request_body, path):
    error = refused(request_body)
    assert (type(error), error.code) == (InvalidInput, "invalid_input")
    messages = error.details["fields"]
    for key in path:
        assert key in messages, messages
        messages = messages[key]


def test_a_body_that_is_not_an_object():
    error = refused(["HT-01"])
    assert (error.code, list(error.details["fields"])) == ("invalid_input", ["_schema"])


def test_unknown_procedure():
    error = refused(body() | {"procedure_code": "ZZ-99"})
    assert (type(error), error.code) == (InvalidInput, "unknown_procedure")


def test_unknown_office():
    error = refused(body(), office_id="X99999")
    assert (type(error), error.code) == (InvalidInput, "unknown_office")


# ---------------------------------------------------------------- which counter receives what


@pytest.mark.parametrize(
    "code, office_id, may_receive_at",
    [
        ("XD-01", "T82", ["H824", *T82_COMMUNES]),  # a district's procedure, at the province
        ("HT-01", "H824", T82_COMMUNES),  # a commune's procedure, at the district
        ("HT-01", "T82", T82_COMMUNES),
        ("DD-02", "T82", ["H824", *T82_COMMUNES]),
    ],
)
def test_office_cannot_receive_names_the_counters_that_may(code, office_id, may_receive_at):
    error = refused(body(code), office_id)
    assert (type(error), error.code) == (InvalidInput, "office_cannot_receive")
    assert error.details["may_receive_at"] == may_receive_at


@pytest.mark.parametrize(
    "deciding_office_id, code",
    [
        (None, "deciding_office_required"),
        ("X28720", "unknown_deciding_office"),  # a commune of Tiền Giang, not of Tuyên Quang
        ("H824", "unknown_deciding_office"),
        ("T08", "unknown_deciding_office"),
        ("X99999", "unknown_deciding_office"),
    ],
)
def test_two_level_centre_needs_a_commune_of_its_own(deciding_office_id, code):
    error = refused(body("HT-03", deciding_office_id=deciding_office_id), "T08")
    assert (type(error), error.code) == (InvalidInput, code)


@pytest.mark.parametrize("commune", ["X02269", "X02380"])
def test_two_level_centre_sends_down_to_the_named_commune(commune):
    _, _, office, steps = check(body("HT-03", deciding_office_id=commune), "T08")
    assert office.id == "T08"
    assert [(s.index, s.level, s.office_id, s.duration.amount) for s in steps] == [
        (0, "province", "T08", 0),
        (1, "commune", commune, 5),
    ]


def test_deciding_office_on_a_route_of_its_own():
    error = refused(body("HT-03", deciding_office_id="X28702"), "X28720")
    assert (type(error), error.code) == (InvalidInput, "deciding_office_unexpected")


# ---------------------------------------------------------------- channel and postal hand-over


@pytest.mark.parametrize(
    "channel, handover, code",
    [
        ("post", None, "postal_handover_required"),
        ("post", HANDOVER, None),
        ("counter", HANDOVER, "postal_handover_unexpected"),
        ("online", HANDOVER, "postal_handover_unexpected"),
        ("counter", None, None),
        ("online", None, None),
    ],
)
def test_postal_handover_goes_with_channel_post(channel, handover, code):
    request_body = body(channel=channel, postal_handover=handover)
    if code is None:
        request, *_ = check(request_body)
        assert request["channel"] == channel
    else:
        error = refused(request_body)
        assert (type(error), error.code) == (InvalidInput, code)


# ---------------------------------------------------------------- required documents


def missing_of(code):
    return [
        {"id": d.id, "name": d.name, "form": d.form, "count": d.count}
        for d in PROCEDURES.get(code).documents
    ]


@pytest.mark.parametrize("code", [p.code for p in PROCEDURES.all()])
def test_every_required_document_counts(code):
    check(body(code))  # all of them: accepted
    error = refused(body(code, documents=[]))
    assert (type(error), error.code) == (InvalidInput, "missing_documents")
    assert error.details["missing"] == missing_of(code)


@pytest.mark.parametrize(
    "provided, missing",
    [
        (
            [{"id": "don_xin_phep_xd"}, {"id": "giay_to_dat"}, {"id": "ban_ve_thiet_ke"}],
            [
                {
                    "id": "ban_ve_thiet_ke",
                    "name": "Bản vẽ thiết kế xây dựng",
                    "form": "original",
                    "count": 2,
                }
            ],
        ),
        (
            [{"id": "ban_ve_thiet_ke", "count": 2}, {"id": "la_thu"}],
            [
                {
                    "id": "don_xin_phep_xd",
                    "name": "Đơn đề nghị cấp giấy phép xây dựng",
                    "form": "original",
                    "count": 1,
                },
                {
                    "id": "giay_to_dat",
                    "name": "Giấy tờ về quyền sử dụng đất",
                    "form": "certified_copy",
                    "count": 1,
                },
            ],
        ),
        (
            [
                {"id": "don_xin_phep_xd"},
                {"id": "giay_to_dat", "count": 3},
                {"id": "ban_ve_thiet_ke", "count": 5},
                {"id": "la_thu"},
            ],
            [],
        ),
    ],
)
def test_missing_documents(provided, missing):
    request_body = body("XD-01", documents=provided)
    if not missing:
        check(request_body)
        return
    error = refused(request_body)
    assert (error.code, error.details["missing"]) == ("missing_documents", missing)


def test_the_order_of_document_lines_does_not_change_the_verdict():
    lines = [{"id": "ban_ve_thiet_ke", "count": 1}, {"id": "ban_ve_thiet_ke", "count": 2}]
    others = [{"id": "don_xin_phep_xd"}, {"id": "giay_to_dat"}]
    check(body("XD-01", documents=[*others, *lines]))  # 2 copies on the last line: accepted
    check(body("XD-01", documents=[*others, *reversed(lines)]))  # 1 on the last line: refused


@pytest.mark.parametrize("provided", [[], [{"id": "la_thu"}]])
def test_a_dossier_not_accepted_skips_the_document_check(provided):
    request, procedure, _, steps = check(
        body("XD-01", documents=provided, not_accepted_reason="thiếu bản vẽ")
    )
    assert request["not_accepted_reason"] == "thiếu bản vẽ"
    assert (procedure.code, [s.office_id for s in steps]) == ("XD-01", ["X28720", "H824"])


# ---------------------------------------------------------------- return by post


@pytest.mark.parametrize(
    "code, address, error_code",
    [
        ("HT-03", ADDRESS, "postal_return_not_allowed"),  # both spouses sign the register
        ("CT-01", ADDRESS, "postal_return_not_allowed"),
        ("HT-01", None, "postal_address_required"),
        ("HT-01", {**ADDRESS, "commune_id": "H824"}, "unknown_commune"),  # a district
        ("HT-01", {**ADDRESS, "commune_id": "T82"}, "unknown_commune"),  # a province
        ("HT-01", {**ADDRESS, "commune_id": "X99999"}, "unknown_commune"),  # no such office
        ("HT-01", ADDRESS, None),
        ("HT-01", {**ADDRESS, "commune_id": "X02269"}, None),  # a commune of another province
        ("XD-01", {**ADDRESS, "receiver_name": "Nguyễn Văn Nam"}, None),
    ],
)
def test_return_by_post(code, address, error_code):
    request_body = body(code, return_method="post", postal_address=address)
    if error_code is None:
        request, *_ = check(request_body)
        assert request["postal_address"]["commune_id"] == address["commune_id"]
    else:
        error = refused(request_body)
        assert (type(error), error.code) == (InvalidInput, error_code)


def test_return_at_the_counter_needs_no_address():
    request, *_ = check(body("HT-03", return_method="counter"))
    assert request["postal_address"] is None


# ---------------------------------------------------------------- the receipt


@pytest.mark.parametrize(
    "now, number, code",
    [
        (datetime(2026, 11, 16, 23, 30, tzinfo=UTC), 7, "X28720-261117-0007"),  # 06:30 the 17th
        (datetime(2026, 11, 16, 16, 59, 59, tzinfo=UTC), 1, "X28720-261116-0001"),  # 23:59:59
        (datetime(2026, 11, 16, 17, 0, tzinfo=UTC), 9999, "X28720-261117-9999"),  # midnight
        (datetime(2026, 12, 31, 9, 0, tzinfo=VN), 42, "X28720-261231-0042"),
        (datetime(2026, 12, 31, 18, 0, tzinfo=UTC), 3, "X28720-270101-0003"),  # new year's day
    ],
)
def test_code_is_office_local_date_and_number(now, number, code):
    dossier, envelope = receipt(body(), now=now, number=number)
    assert dossier["_id"] == dossier["code"] == envelope["dossier_code"] == code


@pytest.mark.parametrize(
    "code, office_id, deciding, route",
    [
        ("HT-01", "X28720", None, [("commune", "X28720", 0)]),
        ("XD-01", "X28720", None, [("commune", "X28720", 0), ("district", "H824", 15)]),
        ("XD-01", "H824", None, [("district", "H824", 15)]),
        (
            "NCC-01",
            "X28720",
            None,
            [("commune", "X28720", 5), ("district", "H824", 5), ("province", "T82", 12)],
        ),
        ("NCC-01", "T82", None, [("province", "T82", 22)]),
        ("HT-03", "T08", "X02269", [("province", "T08", 0), ("commune", "X02269", 5)]),
        ("CT-03", "H824", None, [("district", "H824", 2)]),
    ],
)
@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 11, 16, 8, 30, tzinfo=UTC),  # Monday 15:30: after the same-day cut-off
        datetime(2026, 11, 20, 23, 30, tzinfo=UTC),  # Saturday 06:30
    ],
)
def test_route_dues_follow_the_schedule(code, office_id, deciding, route, now):
    checked = check(body(code, deciding_office_id=deciding), office_id)
    steps = checked[3]
    dossier, _ = build_receipt(*checked, 1, now, CAL, officer(office_id))
    dues = schedule(steps, now, CAL)
    assert [
        (s["index"], s["level"], s["office_id"], s["duration_amount"], s["duration_unit"])
        for s in dossier["route"]
    ] == [(i, level, office, days, "days") for i, (level, office, days) in enumerate(route)]
    assert [instant(s["due_at"]) for s in dossier["route"]] == dues
    assert instant(dossier["appointment_at"]) == dues[-1]
    assert instant(dossier["received_at"]) == now


def test_documents_get_their_catalog_form():
    provided = [
        {"id": "don_xin_phep_xd"},
        {"id": "giay_to_dat"},
        {"id": "ban_ve_thiet_ke", "count": 2},
        {"id": "anh_hien_trang", "count": 3},  # not in the catalog: a copy
    ]
    dossier, _ = receipt(body("XD-01", documents=provided))
    assert dossier["documents"] == [
        {"id": "don_xin_phep_xd", "form": "original", "count": 1},
        {"id": "giay_to_dat", "form": "certified_copy", "count": 1},
        {"id": "ban_ve_thiet_ke", "form": "original", "count": 2},
        {"id": "anh_hien_trang", "form": "copy", "count": 3},
    ]


@pytest.mark.parametrize(
    "channel, reason, status, national_status, national_channel",
    [
        ("counter", None, "received", 2, 1),
        ("online", None, "received", 2, 2),
        ("post", None, "received", 2, 3),
        ("counter", "thiếu giấy chứng sinh", "not_accepted", 3, 1),
        ("online", "thiếu giấy chứng sinh", "not_accepted", 3, 2),
        ("post", "thiếu giấy chứng sinh", "not_accepted", 3, 3),
    ],
)
def test_status_and_national_codes(channel, reason, status, national_status, national_channel):
    handover = HANDOVER if channel == "post" else None
    request_body = body(channel=channel, postal_handover=handover, not_accepted_reason=reason)
    dossier, envelope = receipt(request_body)
    for record in (dossier, envelope["payload"]):
        assert record["status"] == status
        assert record["not_accepted_reason"] == reason
        assert record["national_status"] == national_status
        assert record["national_channel"] == national_channel
        assert record["channel"] == channel


@pytest.mark.parametrize("code", ["HT-01", "HT-04", "XD-01", "GT-01", "CT-01"])
def test_the_receipt_has_the_procedure_fee(code):
    dossier, envelope = receipt(body(code))
    procedure = PROCEDURES.get(code)
    assert dossier["fee_vnd"] == procedure.fee_vnd
    assert (dossier["procedure_code"], dossier["procedure_name"]) == (code, procedure.name)
    assert "fee_vnd" not in envelope["payload"]


def test_the_envelope_is_dossier_received_sequence_one():
    dossier, envelope = receipt(body("XD-01"), number=12)
    assert envelope["type"] == "dossier_received"
    assert envelope["sequence"] == 1
    assert envelope["dossier_code"] == "X28720-261116-0012"
    assert instant(envelope["occurred_at"]) == NOW
    assert envelope["payload"] == {k: v for k, v in dossier.items() if k not in ("_id", "fee_vnd")}
    loaded, payload = load_message(envelope, INTAKE_EVENTS)  # a consumer takes it as it is
    assert (loaded["type"], payload["code"]) == ("dossier_received", dossier["code"])


def test_the_applicant_and_the_receiving_officer():
    dossier, _ = receipt(body(applicant={**APPLICANT, "id_number": "079123456789"}))
    assert dossier["applicant"] == {**APPLICANT, "id_number": "079123456789", "address": None}
    assert (dossier["office_id"], dossier["received_by"]) == ("X28720", RECEIVER)


@pytest.mark.parametrize(
    "handover, at",
    [
        (HANDOVER, NOW),  # `at` defaults to now
        ({**HANDOVER, "at": None}, NOW),
        ({**HANDOVER, "at": "2026-11-16T08:15:00+07:00"}, NOW - timedelta(minutes=45)),
        ({**HANDOVER, "officer": "Người khác", "tracking_number": "EL123456789VN"}, NOW),
    ],
)
def test_postal_handover_is_signed_by_the_receiving_officer(handover, at):
    dossier, envelope = receipt(body(channel="post", postal_handover=handover))
    for record in (dossier, envelope["payload"]):
        signed = record["postal_handover"]
        assert signed["officer"] == RECEIVER
        assert signed["postal_worker"] == HANDOVER["postal_worker"]
        assert signed["tracking_number"] == handover.get("tracking_number")
        assert instant(signed["at"]) == at


def test_no_postal_handover_off_the_post():
    dossier, _ = receipt(body())
    assert dossier["postal_handover"] is None


def test_return_by_post_keeps_the_address():
    dossier, _ = receipt(body(return_method="post", postal_address=ADDRESS))
    assert dossier["return_method"] == "post"
    assert dossier["postal_address"] == {**ADDRESS, "receiver_name": None}


# ---------------------------------------------------------------- the fee (contracts/money.py)


@pytest.mark.parametrize(
    "extra, method, status, collector",
    [
        ({}, "cash", "received", RECEIVER),  # the counter's default
        ({"fee_method": "transfer"}, "transfer", "received", RECEIVER),
        ({"fee_method": "online"}, "online", "awaiting_fee", None),
        ({"channel": "post", "postal_handover": HANDOVER}, "post", "received", "Phạm Văn Bưu"),
    ],
)
def test_the_fee_is_paid_at_receipt_or_awaited_online(extra, method, status, collector):
    dossier, envelope = receipt(body("HT-04", **extra))  # 15.000 ₫
    fee = dossier["fee"]
    assert (fee["amount_vnd"], fee["method"], fee["collected_by"]) == (15000, method, collector)
    paid = method != "online"
    expected = f"BL-{dossier['code']}-F" if paid else None
    assert fee["receipt_number"] == expected and dossier["fee_vnd"] == 15000
    assert dossier["status"] == envelope["payload"]["status"] == status
    assert envelope["payload"]["national_status"] == (2 if paid else 1)


@pytest.mark.parametrize(
    "request_body",
    [body("HT-01"), body("HT-04", not_accepted_reason="Thiếu giấy tờ", documents=[])],
)
def test_no_fee_is_asked_without_one_or_of_a_dossier_refused_at_the_counter(request_body):
    dossier, _ = receipt(request_body)
    assert dossier["fee"] is None


def test_only_a_dossier_that_came_by_post_is_paid_to_the_post():
    assert refused(body("HT-04", fee_method="post")).code == "fee_method_not_allowed"
    assert refused(body("HT-04", fee_method="card")).code == "invalid_input"
