"""Reading fakesmsc's log: whole messages only, parts joined, and read as it grows."""

from urllib.parse import quote

from services.notification.fakesmsc import ReceivedLog, read_received


def _ucs2(text: str) -> str:
    return quote(text.encode("utf-16-be"), safe="")


def _line(n: int, body: str) -> str:
    return f"2026-12-03 13:47:50 [1] [0] DEBUG: Got message {n}: <MOTCUA 84912345678 {body}>\n"


def _part(ref: int, total: int, seq: int, text: str) -> str:
    return f"udh %05%00%03%{ref:02X}%{total:02X}%{seq:02X} data {_ucs2(text)}"


def test_a_growing_log_is_read_once_each_line_with_parts_joined(tmp_path):
    path = tmp_path / "fakesmsc.log"
    log = ReceivedLog(str(path))
    assert log.new() == []  # no log yet
    first = _line(1, "text Xin%20chao")
    path.write_text(first + _line(2, _part(7, 2, 1, "Hồ sơ "))[:-20], encoding="utf-8")
    got = log.new()
    assert [(m.coding, m.text) for m in got] == [("text", "Xin chao")]
    assert log.new() == []  # the half-written line waits
    with path.open("a", encoding="utf-8") as f:
        f.write(_line(2, _part(7, 2, 1, "Hồ sơ "))[-20:])
        f.write(_line(3, _part(7, 2, 2, "đã nhận")))
        f.write(_line(4, f"ucs-2 {_ucs2('Trả kết quả')}"))
    got = log.new()
    assert [(m.coding, m.text, m.parts) for m in got] == [
        ("concatenated", "Hồ sơ đã nhận", 2),
        ("ucs-2", "Trả kết quả", 1),
    ]
    assert log.new() == []
    assert [m.text for m in read_received(str(path))] == [
        "Xin chao",
        "Hồ sơ đã nhận",
        "Trả kết quả",
    ]


def test_a_log_started_again_is_read_from_its_beginning(tmp_path):
    path = tmp_path / "fakesmsc.log"
    path.write_text(_line(1, "text one") + _line(2, "text two"), encoding="utf-8")
    log = ReceivedLog(str(path))
    assert len(log.new()) == 2
    path.write_text(_line(1, "text three"), encoding="utf-8")
    assert [m.text for m in log.new()] == ["three"]
