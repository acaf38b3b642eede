"""`make compact`'s command line: it refuses an age that would compact what a service may still
be deciding on."""

import pytest

from services.ops import compact


@pytest.mark.parametrize("days", ["0", "0.0005"])  # 0 s, 43 s
def test_an_age_under_a_minute_is_refused_before_anything_is_touched(days, capsys, monkeypatch):
    monkeypatch.delenv("LT_MONGO_URI", raising=False)  # it must stop before connecting
    with pytest.raises(SystemExit) as stopped:
        compact.main(["--days", days])
    assert stopped.value.code == 2
    assert "at least 60 seconds" in capsys.readouterr().err
