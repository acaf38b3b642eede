"""Static pages: only the files in static/, each with the strict security headers."""

from services.gateway.pages import CSP, PAGES, static_response


def test_pages_carry_the_policy():
    for name in PAGES.values():
        response = static_response(name)
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "text/html"
        assert b'lang="vi"' in response.get_data()
    assert "'unsafe-inline'" not in CSP and "frame-ancestors 'none'" in CSP


def test_nothing_outside_static_is_served():
    for name in ("../service.py", "service.py", "..", "", "console", "style.css.bak"):
        assert static_response(name) is None
    assert static_response("console.js").mimetype == "text/javascript"


def test_pages_load_no_inline_script():
    for name in PAGES.values():
        html = static_response(name).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html and "style=" not in html
