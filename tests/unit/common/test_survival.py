"""What stops a nameko service is an error in one of its container's managed threads. The queue
consumers and web servers of every service are ours, which keep a dropped broker connection or a
bad HTTP connection to themselves."""

import errno
import importlib
from types import SimpleNamespace

import pytest
from nameko.containers import ServiceContainer
from nameko.messaging import QueueConsumer
from nameko.web.server import WebServer

from services.common.httpserver import SafeWebServer
from services.common.messaging import ParkingQueueConsumer

SERVICES = [
    "gateway",
    "intake",
    "routing",
    "notification",
    "postal",
    "payment",
    "portal_sync",
    "feedback",
]
CONFIG = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:1/", "MONGO_URI": "mongodb://127.0.0.1:1/"}


def service_class(name: str):
    module = importlib.import_module(f"services.{name}.service")
    return next(
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and getattr(obj, "name", None) == name
    )


@pytest.mark.parametrize("name", SERVICES)
def test_every_queue_consumer_and_web_server_is_the_surviving_kind(name):
    extensions = ServiceContainer(service_class(name), CONFIG).extensions
    consumers = [e for e in extensions if isinstance(e, QueueConsumer)]
    servers = [e for e in extensions if isinstance(e, WebServer)]
    assert servers, "every service serves /healthz"
    assert all(isinstance(e, ParkingQueueConsumer) for e in consumers), consumers
    assert all(type(e) is SafeWebServer for e in servers), servers


def test_the_gateway_acks_rpc_replies_with_the_surviving_consumer():
    extensions = ServiceContainer(service_class("gateway"), CONFIG).extensions
    listeners = [e for e in extensions if type(e).__name__.endswith("ReplyListener")]
    assert listeners
    assert all(type(e.queue_consumer) is ParkingQueueConsumer for e in listeners)


def test_an_error_in_one_connection_is_logged_and_the_connection_closed(caplog):
    server = SafeWebServer()
    closed = []

    def fail(_conn_state):
        raise OSError(errno.ETIMEDOUT, "timed out while writing")

    server._serv = SimpleNamespace(process_request=fail)
    sock = SimpleNamespace(close=lambda: closed.append(True))
    server.process_request(sock, ("127.0.0.1", 40000))
    assert closed == [True]
    assert "dropped a connection from 127.0.0.1" in caplog.text


def test_a_failed_accept_is_logged_and_the_server_accepts_again(caplog, monkeypatch):
    monkeypatch.setattr("services.common.httpserver.eventlet.sleep", lambda _s: None)
    server = SafeWebServer()
    server._is_accepting = True
    server._serv = SimpleNamespace(socket_timeout=None)
    spawned = []
    server.container = SimpleNamespace(spawn_managed_thread=spawned.append)
    conn = SimpleNamespace(settimeout=lambda _t: None)
    outcomes = [OSError(errno.EMFILE, "Too many open files"), (conn, ("127.0.0.1", 1))]

    def accept():
        if not outcomes:
            server._is_accepting = False
            raise OSError(errno.EBADF, "closed by stop()")
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    server._sock = SimpleNamespace(accept=accept)
    server.run()
    assert len(spawned) == 1
    assert "Too many open files" in caplog.text
    assert "EBADF" not in caplog.text and "closed by stop" not in caplog.text
