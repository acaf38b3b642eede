"""The carrier's JSON HTTP API (contracts/carrier.py) as a client: create, get, cancel."""

import requests

from contracts.carrier import ShipmentSchema


class CarrierError(Exception):
    """The carrier could not be reached or answered with an error; try again later."""


class CarrierClient:
    def __init__(self, base_url: str, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            response = self.session.request(
                method, self.base_url + path, json=body, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise CarrierError(f"carrier unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise CarrierError(f"carrier answered {response.status_code}: {response.text[:300]}")
        try:
            return ShipmentSchema().load(response.json())
        except ValueError as exc:  # not JSON, or not a shipment (ValidationError is a ValueError)
            raise CarrierError(f"carrier answered an unreadable shipment: {exc}") from exc

    def create(self, request: dict) -> dict:
        """A shipment for this request; the same reference always gets the same shipment."""
        return self._call("POST", "/shipments", request)

    def get(self, tracking_number: str) -> dict:
        return self._call("GET", f"/shipments/{tracking_number}")

    def cancel(self, tracking_number: str) -> dict:
        return self._call("POST", f"/shipments/{tracking_number}/cancel")
