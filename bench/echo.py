"""Two nameko services with nothing in them, for the framework's ceiling: `POST /plain` answers
the body it got; `POST /echo` hands it over RPC to the second service and answers its reply. That
is the shape of `POST /api/dossiers` (gateway → intake → reply) with no validation, database or
event, built from the same entrypoints the services use (services.common httpserver and rpc)."""

import json

from werkzeug.wrappers import Response

from services.common.httpserver import http
from services.common.rpc import TimedRpcProxy, rpc


def _json(body, status=201) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class EchoEdge:
    name = "bench_echo_edge"

    desk = TimedRpcProxy("bench_echo_desk")

    @http("POST", "/plain")
    def plain(self, request):
        return _json(json.loads(request.get_data()))

    @http("POST", "/echo")
    def echo(self, request):
        return _json(self.desk.echo(json.loads(request.get_data())))


class EchoDesk:
    name = "bench_echo_desk"

    @rpc
    def echo(self, body: dict) -> dict:
        return body
