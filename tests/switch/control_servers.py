"""Tiny Asterisk AMI and FreeSWITCH event socket servers on real sockets, speaking the
exchanges their documentation gives, so that the tests see the exact lines pbx sends.

Each accepts connections in a thread, greets, and answers each message (lines up to an
empty line) with `reply(message)`; `messages` keeps every message received, as text."""

import contextlib
import functools
import http.server
import json
import socket
import threading
import time


class ControlServer:
    def __init__(self, greeting, reply, newline):
        self.greeting, self.reply, self.newline = greeting, reply, newline
        self.messages = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            # pbx may hang up without reading the last answer: that is its right.
            with conn, contextlib.suppress(OSError):
                self._talk(conn)

    def _talk(self, conn):
        conn.settimeout(5)
        conn.sendall(self.greeting.encode())
        buffer = b""
        end = (self.newline * 2).encode()
        while True:
            while end not in buffer:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
            text, buffer = buffer.split(end, 1)
            message = text.decode()
            self.messages.append(message)
            answer = self.reply(self._headers(message), message)
            if answer is None:
                return  # hang up
            conn.sendall(answer.encode())

    def _headers(self, message):
        headers = {}
        for line in message.split(self.newline):
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        return headers

    def received(self, count, seconds=5):
        """The messages, once `count` have arrived: pbx may hang up before this thread
        has read its last one."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.messages

    @property
    def control_url(self):
        return f"ami://pbx:s3cret@127.0.0.1:{self.port}"

    def close(self):
        self.listener.close()


def ami_server(secret="s3cret", originate_error=None):
    """Asterisk's AMI: `Login` with `secret`, `Originate` answered Success (or Error with
    `originate_error`), `Logoff` answered Goodbye."""

    def reply(headers, _message):
        action, action_id = headers.get("Action"), headers.get("ActionID", "")
        if action == "Login":
            if headers.get("Secret") != secret:
                return f"Response: Error\r\nActionID: {action_id}\r\nMessage: Authentication failed\r\n\r\n"
            return (
                f"Response: Success\r\nActionID: {action_id}\r\nMessage: Authentication accepted\r\n\r\n"
                "Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"
            )
        if action == "Originate":
            if originate_error:
                return f"Response: Error\r\nActionID: {action_id}\r\nMessage: {originate_error}\r\n\r\n"
            return f"Response: Success\r\nActionID: {action_id}\r\nMessage: Originate successfully queued\r\n\r\n"
        if action == "Logoff":
            return "Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n"
        return f"Response: Error\r\nActionID: {action_id}\r\nMessage: Invalid/unknown command\r\n\r\n"

    return ControlServer("Asterisk Call Manager/5.0.1\r\n", reply, "\r\n")


@contextlib.contextmanager
def nothing_listening():
    """A loopback port that refuses connections: bound, never listening, so no other
    test's server can take it meanwhile."""
    bound = socket.socket()
    bound.bind(("127.0.0.1", 0))
    try:
        yield bound.getsockname()[1]
    finally:
        bound.close()


@functools.cache
def shared_ami_server():
    """One AMI server for the process, for tests that need a call to succeed and do not
    read what it received (the generated matrices)."""
    return ami_server()


JOB_UUID = "7f4db78a-17d7-11dd-b7a0-db4edd065621"


def esl_server(password="ClueCon", originate_error=None):
    """FreeSWITCH's event socket: `auth/request`, `auth <password>`, `bgapi originate`
    answered `+OK Job-UUID` (or `-ERR` with `originate_error`), `exit`."""

    def reply(_headers, message):
        if message.startswith("auth "):
            if message != f"auth {password}":
                return "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n"
            return "Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
        if message.startswith("bgapi "):
            if originate_error:
                return f"Content-Type: command/reply\nReply-Text: -ERR {originate_error}\n\n"
            return (
                f"Content-Type: command/reply\nReply-Text: +OK Job-UUID: {JOB_UUID}\nJob-UUID: {JOB_UUID}\n\n"
            )
        if message == "exit":
            return "Content-Type: command/reply\nReply-Text: +OK bye\n\n"
        return "Content-Type: command/reply\nReply-Text: -ERR command not found\n\n"

    return ControlServer("Content-Type: auth/request\n\n", reply, "\n")


class JsonRpcServer:
    """Kamailio's jsonrpcs over HTTP, as its documentation gives it: a POST of one JSON-RPC
    request, answered by `reply(request)` (a dict, sent as JSON) with `status`. `bodies`
    keeps every request body received, as bytes; `paths` the paths."""

    def __init__(self, reply, status=200):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.bodies.append(body)
                server.paths.append(self.path)
                answer = json.dumps(reply(json.loads(body))).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.bodies, self.paths = [], []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def bridge_accepted(request):
    """dlg.bridge_dlg's answer when Kamailio has sent the INVITE: an empty result."""
    return {"jsonrpc": "2.0", "result": {}, "id": request["id"]}


def bridge_failed(request):
    """Kamailio's JSON-RPC error for a bridge it could not start."""
    return {
        "jsonrpc": "2.0",
        "error": {"code": 500, "message": "Failed to create dialog"},
        "id": request["id"],
    }
