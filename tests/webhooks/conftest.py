"""Real HTTP receivers on loopback for the webhook tests (no mocked HTTP)."""

import http.server
import socket
import threading
import time

import pytest


class Receiver:
    """A threaded HTTP server on 127.0.0.1 that keeps what it is sent.

    `statuses`: the answers to give, in turn (the last one repeats); `delay`: seconds to
    wait before answering. `stop()` then `start()` brings it down and up on the same port."""

    def __init__(self, statuses=(200,), delay=0.0):
        self.statuses, self.delay = list(statuses), delay
        self.received = []  # (headers dict, body bytes)
        self.lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self):
        return [headers["x-pbx-event"] for headers, _ in self.received]


@pytest.fixture
def receiver():
    """A receiver answering 200, up for the test."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def make_receiver():
    """make_receiver(statuses=..., delay=..., up=True): more receivers, stopped at the end."""
    made = []

    def make(statuses=(200,), delay=0.0, up=True):
        server = Receiver(statuses, delay)
        made.append(server)
        return server.start() if up else server

    yield make
    for server in made:
        server.stop()
