"""Which SMS answers a citizen's message (services/notification/inbound.py)."""

from contracts.offices import load_offices
from services.notification import inbound

URL = "http://127.0.0.1:8000"
INVITED = {"dossier_code": "X28720-261205-0001", "office_id": "X28720"}


def test_a_message_with_no_invitation_gets_a_polite_answer():
    sms = inbound.reply(None, 2, None, URL, load_offices())
    assert sms.template_id == "reply_unmatched"
    assert sms.text.startswith("Cảm ơn ông/bà đã nhắn tin.") and sms.text.endswith(f"{URL}/track")


def test_a_recorded_evaluation_is_thanked_with_its_level():
    sms = inbound.reply(INVITED, 1, "recorded", URL, load_offices())
    assert (
        sms.text
        == "UBND Vàm Láng cảm ơn ông/bà đã đánh giá hồ sơ X28720-261205-0001: Rất hài lòng."
    )


def test_a_second_evaluation_is_refused_politely():
    sms = inbound.reply(INVITED, 3, "already_evaluated", URL, load_offices())
    assert sms.template_id == "evaluation_refused" and "một lần" in sms.text


def test_a_reply_without_a_level_repeats_the_levels():
    sms = inbound.reply(INVITED, None, None, URL, load_offices())
    assert sms.template_id == "reply_not_understood"
    assert "1 Rat hai long, 2 Hai long, 3 Khong hai long" in sms.text and sms.parts == 1
