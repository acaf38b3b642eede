"""The national portal's JSON HTTP API (contracts/portal.py) as a client: push a dossier's
record at its version, read what the portal has."""

import requests

from contracts.portal import AUTH_HEADER, AUTH_SCHEME, RETRY_AFTER_HEADER, DossierRecordSchema

# built once per process: building a schema costs more than a load or dump with it
_RECORD = DossierRecordSchema()


class PortalAnswer:
    """How a push went: `stored` (the portal has this version or a later one: `version`), or
    not, with the reason and how long the portal asked us to wait."""

    def __init__(self, stored: bool, version: int = 0, reason: str = "", retry_after: float = 0):
        self.stored, self.version, self.reason, self.retry_after = (
            stored,
            version,
            reason,
            retry_after,
        )


class PortalClient:
    def __init__(self, base_url: str, api_key: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers[AUTH_HEADER] = f"{AUTH_SCHEME} {api_key}"

    def push(self, body: dict) -> PortalAnswer:
        """PUT the record; never raises for the portal's answers or its absence."""
        code, version = body["code"], body["version"]
        try:
            response = self.session.put(
                f"{self.base_url}/dossiers/{code}",
                data=_RECORD.dumps(body),
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            return PortalAnswer(False, reason=f"portal unreachable: {type(exc).__name__}")
        if response.status_code in (200, 201):
            return PortalAnswer(True, version)
        try:
            error = response.json().get("error", {})
        except ValueError:
            error = {}
        if response.status_code == 409 and error.get("code") == "stale_version":
            return PortalAnswer(True, int(error.get("stored_version") or version))
        retry_after = float(response.headers.get(RETRY_AFTER_HEADER) or 0)
        reason = f"portal answered {response.status_code} {error.get('code', '')}".strip()
        return PortalAnswer(False, reason=reason, retry_after=retry_after)

    def get(self, code: str) -> dict | None:
        response = self.session.get(f"{self.base_url}/dossiers/{code}", timeout=self.timeout)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        answer: dict = response.json()
        return answer
