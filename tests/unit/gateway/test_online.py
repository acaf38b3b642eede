"""The gateway's rules for files: whose phone a proof is, file names offered on download, who
scans and who issues a result, and form 03 after a refused check."""

import pytest

from contracts import lifecycle as lc
from services.common.web import ApiError
from services.gateway import online


def test_the_proved_phone_matches_the_receipt_in_either_form():
    assert online.same_phone("0912 345 678", "84912345678")
    assert online.same_phone("84912345678", "84912345678")
    assert not online.same_phone("0912345679", "84912345678")
    assert not online.same_phone("0912345678", None)


def test_a_file_name_keeps_its_letters_and_takes_the_checked_type():
    assert online.safe_filename("giấy chứng sinh.exe", "application/pdf") == "giấy chứng sinh.pdf"
    assert online.safe_filename('a"; x=<script>.png', "image/png") == "a xscript.png"
    assert online.safe_filename("../../etc/passwd", "image/jpeg") == "tai-lieu.jpg"
    assert online.safe_filename("..\\..\\boot.ini", "image/jpeg") == "boot.jpg"
    assert online.safe_filename(None, "image/png") == "tai-lieu.png"


DOSSIER = {
    "receiving_office_id": "X28720",
    "state": lc.IN_PROCESS,
    "route": [{"office_id": "X28720"}, {"office_id": "H824"}],
}


def officer(office: str, role: str) -> dict:
    return {"office_id": office, "role": role, "name": "Cán bộ"}


def test_only_the_receiving_counter_scans_parts_in():
    online.may_scan(officer("X28720", lc.RECEIVER), DOSSIER)
    online.may_scan(officer("X28720", lc.LEADER), DOSSIER)
    for who in (officer("X28720", lc.HANDLER), officer("H824", lc.RECEIVER)):
        with pytest.raises(ApiError) as err:
            online.may_scan(who, DOSSIER)
        assert err.value.status == 403


def test_only_the_deciding_office_issues_the_result_once_it_has_the_dossier():
    online.may_issue_result(officer("H824", lc.HANDLER), DOSSIER)
    with pytest.raises(ApiError) as err:
        online.may_issue_result(officer("X28720", lc.HANDLER), DOSSIER)
    assert err.value.status == 403
    with pytest.raises(ApiError) as err:
        online.may_issue_result(officer("H824", lc.HANDLER), {**DOSSIER, "state": "received"})
    assert err.value.status == 409


def test_a_dossier_refused_at_the_check_prints_as_form_03():
    receipt = {"status": lc.SUBMITTED_ONLINE, "not_accepted_reason": None}
    refused = {"state": lc.NOT_ACCEPTED, "not_accepted_reason": "Sai thẩm quyền"}
    shown = online.receipt_as_checked(receipt, refused)
    assert shown["status"] == lc.NOT_ACCEPTED and shown["not_accepted_reason"] == "Sai thẩm quyền"
    assert online.receipt_as_checked(receipt, {"state": lc.RECEIVED}) == receipt
