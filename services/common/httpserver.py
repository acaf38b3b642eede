"""nameko's HTTP entrypoint on a web server that one bad connection cannot stop.

nameko 2.14 serves each connection in a managed thread of the container and lets any error
there, but one eventlet message, reach the container, which then kills the whole service; its
accept loop dies the same way on an error such as too many open files. Here the error of one
connection is logged and that connection dropped, and the accept loop waits and goes on.
"""

import contextlib
import logging
from functools import partial

import eventlet
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer

log = logging.getLogger(__name__)

ACCEPT_BACKOFF_SECONDS = 0.1


class SafeWebServer(WebServer):
    def run(self):
        while self._is_accepting:
            try:
                sock, addr = self._sock.accept()
            except OSError as exc:
                if not self._is_accepting:
                    return
                log.warning("could not accept a connection: %r", exc)
                eventlet.sleep(ACCEPT_BACKOFF_SECONDS)
                continue
            sock.settimeout(self._serv.socket_timeout)
            self.container.spawn_managed_thread(partial(self.process_request, sock, addr))

    def process_request(self, sock, address):
        try:
            super().process_request(sock, address)
        except Exception as exc:  # noqa: BLE001 — one connection's failure, not the service's
            log.warning("dropped a connection from %s: %r", address[0], exc)
            with contextlib.suppress(OSError):
                sock.close()


class SafeHttpRequestHandler(HttpRequestHandler):
    server = SafeWebServer()


http = SafeHttpRequestHandler.decorator
