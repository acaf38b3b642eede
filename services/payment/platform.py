"""The payment platform's JSON HTTP API (contracts/payment_platform.py) as a client: create a
payment (a pay link), read one, refund one, list a day's payments."""

import requests

from contracts.payment_platform import PaymentSchema


class PlatformError(Exception):
    """The platform could not be reached or answered with an error; try again later."""


class PlatformClient:
    def __init__(self, base_url: str, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def _call(self, method: str, path: str, body: dict | None = None, params=None):
        try:
            response = self.session.request(
                method, self.base_url + path, json=body, params=params, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise PlatformError(f"payment platform unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise PlatformError(f"platform answered {response.status_code}: {response.text[:300]}")
        try:
            return response.json()
        except ValueError as exc:
            raise PlatformError(f"platform answered no JSON: {exc}") from exc

    def _payment(self, answer) -> dict:
        try:
            return PaymentSchema().load(answer)
        except ValueError as exc:  # ValidationError is a ValueError
            raise PlatformError(f"platform answered an unreadable payment: {exc}") from exc

    def create(self, request: dict) -> dict:
        """A payment for this request; the same reference always gets the same payment."""
        return self._payment(self._call("POST", "/payments", request))

    def get(self, payment_ref: str) -> dict:
        return self._payment(self._call("GET", f"/payments/{payment_ref}"))

    def refund(self, payment_ref: str, request: dict) -> dict:
        return self._payment(self._call("POST", f"/payments/{payment_ref}/refunds", request))

    def paid_on(self, day: str) -> list[dict]:
        """The platform's payments paid or refunded on a UTC day (YYYY-MM-DD)."""
        answer = self._call("GET", "/payments", params={"date": day})
        return [self._payment(p) for p in answer["payments"]]
