"""The postal nameko service. This first slice only serves its shipment log and health; creating
shipments with the carrier is issue 6."""

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from nameko.web.handlers import http

from services.common.web import health_response
from services.postal.store import PostalStore


class PostalService:
    name = "postal"

    store = PostalStore()
    config = Config()

    @rpc
    def shipments(self, code: str) -> list[dict]:
        return self.store.for_dossier(code)

    @http("GET", "/healthz")
    def healthz(self, request):
        return health_response(self.config["AMQP_URI"], self.store)
