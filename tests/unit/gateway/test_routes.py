from services.gateway.service import allowed_methods


def test_a_known_path_lists_its_methods():
    assert allowed_methods("/api/dossiers/X28720-260101-0001") == ["GET", "HEAD"]
    assert allowed_methods("/api/dossiers") == ["POST"]
    assert "GET" in allowed_methods("/healthz")


def test_an_unknown_path_has_none():
    assert allowed_methods("/api/nothing-here") == []
    assert allowed_methods("/api/dossiers/X28720-260101-0001/actions/extra") == []
