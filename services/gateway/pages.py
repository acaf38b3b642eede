"""The gateway's HTML pages — the officer console (/console) and the citizen page (/track) —
served as static files with a strict Content-Security-Policy: scripts and styles from this
origin only, no inline code, no framing. Images may also be blob: URLs: the console fetches the
scorecard's chart (an SVG the gateway draws) with the officer's token and shows it as a blob, an
<img> being unable to send the token; a blob is made by this origin's own script only."""

from functools import cache
from importlib import resources

from werkzeug.wrappers import Response

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
PAGES = {"console": "console.html", "track": "track.html"}  # and voice.py's: kiosk, feedback


@cache
def static_files() -> frozenset[str]:
    """The names a client may ask for: exactly the files in static/, nothing else."""
    folder = resources.files("services.gateway") / "static"
    return frozenset(f.name for f in folder.iterdir() if f.name[f.name.rfind(".") :] in TYPES)


def static_response(name: str) -> Response | None:
    """The file `name` from static/ with its security headers, or None if there is none."""
    if name not in static_files():
        return None
    body = (resources.files("services.gateway") / "static" / name).read_bytes()
    return Response(
        body,
        headers={
            "Content-Type": TYPES[name[name.rfind(".") :]],
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-cache",
        },
    )
