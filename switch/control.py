"""The control interfaces pbx places click-to-dial calls through: Asterisk's AMI and
FreeSWITCH's event socket (ESL), each over one short TCP connection, and Kamailio's
JSON-RPC over HTTP.

AMI and ESL speak lines of `Name: value` ended by an empty line. A driver returns the id the
switch gave the request, or raises `ControlError` with a one-line reason: not reached
(`unreachable`) or reached and refused (`refused`)."""

import json
import socket
import urllib.error
import urllib.request
import uuid
from urllib.parse import unquote, urlsplit

from django.conf import settings


class ControlError(Exception):
    """The switch was not reached (`unreachable` True) or refused the request."""

    def __init__(self, message, *, unreachable):
        super().__init__(message)
        self.unreachable = unreachable


class _Connection:
    """A TCP connection read one message (a block of lines ended by an empty line) at a time."""

    def __init__(self, host, port, name):
        self.name = name
        try:
            self.sock = socket.create_connection((host, port), timeout=settings.PBX_ORIGINATE_TIMEOUT)
        except OSError as error:
            raise ControlError(
                f"{name} at {host}:{port} not reached: {_reason(error)}", unreachable=True
            ) from None
        self.buffer = b""

    def send(self, text):
        try:
            self.sock.sendall(text.encode())
        except OSError as error:
            raise ControlError(f"{self.name} connection lost: {_reason(error)}", unreachable=True) from None

    def line(self):
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(4096)
            except OSError as error:
                raise ControlError(
                    f"{self.name} did not answer: {_reason(error)}", unreachable=True
                ) from None
            if not chunk:
                raise ControlError(f"{self.name} closed the connection.", unreachable=True)
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")

    def message(self):
        """The next message's headers; the lines before a first header (AMI's greeting) are skipped."""
        headers = {}
        while True:
            line = self.line()
            if not line:
                if headers:
                    return headers
                continue
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip()] = value.strip()

    def close(self):
        self.sock.close()


def _reason(error):
    return "timed out" if isinstance(error, TimeoutError) else (error.strerror or str(error))


def _target(control_url):
    parts = urlsplit(control_url)
    return parts.hostname, parts.port, unquote(parts.username or ""), unquote(parts.password or "")


def ami_originate(control_url, *, endpoint, to, context, caller_id_name, caller_id_number):
    """Asterisk: `Login`, then `Originate` of PJSIP/<endpoint> to <to> in <context>,
    queued (`Async: true`); answers the ActionID."""
    host, port, username, secret = _target(control_url)
    conn = _Connection(host, port, "Asterisk AMI")
    try:
        login_id, originate_id = f"pbx-login-{uuid.uuid4().hex}", f"pbx-{uuid.uuid4().hex}"
        conn.send(
            f"Action: Login\r\nUsername: {username}\r\nSecret: {secret}\r\nActionID: {login_id}\r\n\r\n"
        )
        reply = _ami_response(conn, login_id)
        if reply.get("Response") != "Success":
            raise ControlError(
                f"Asterisk AMI refused the login: {reply.get('Message', '')}", unreachable=True
            )
        caller_id = f'"{caller_id_name}" <{caller_id_number}>' if caller_id_name else caller_id_number
        conn.send(
            "Action: Originate\r\n"
            f"Channel: PJSIP/{endpoint}\r\n"
            f"Exten: {to}\r\n"
            f"Context: {context}\r\n"
            "Priority: 1\r\n"
            f"CallerID: {caller_id}\r\n"
            "Async: true\r\n"
            f"ActionID: {originate_id}\r\n\r\n"
        )
        reply = _ami_response(conn, originate_id)
        if reply.get("Response") != "Success":
            raise ControlError(f"Asterisk refused the call: {reply.get('Message', '')}", unreachable=False)
        conn.send("Action: Logoff\r\n\r\n")
        return originate_id
    finally:
        conn.close()


def _ami_response(conn, action_id):
    """The response to `action_id`; events arriving meanwhile (FullyBooted) are skipped."""
    while True:
        message = conn.message()
        if "Response" in message and message.get("ActionID", action_id) == action_id:
            return message


def esl_originate(control_url, *, user, domain, to, context, caller_id_name, caller_id_number):
    """FreeSWITCH: `auth`, then `bgapi originate` of user/<user>@<domain> to <to> in the
    XML dialplan's <context>; answers the Job-UUID."""
    host, port, _username, password = _target(control_url)
    conn = _Connection(host, port, "FreeSWITCH event socket")
    try:
        if conn.message().get("Content-Type") != "auth/request":
            raise ControlError("FreeSWITCH event socket did not ask to authenticate.", unreachable=True)
        conn.send(f"auth {password}\n\n")
        reply = conn.message().get("Reply-Text", "")
        if not reply.startswith("+OK"):
            raise ControlError(f"FreeSWITCH refused the password: {reply}", unreachable=True)
        variables = (
            f"origination_caller_id_name='{caller_id_name}',origination_caller_id_number={caller_id_number}"
        )
        conn.send(f"bgapi originate {{{variables}}}user/{user}@{domain} {to} XML {context}\n\n")
        reply = conn.message()
        text = reply.get("Reply-Text", "")
        if not text.startswith("+OK"):
            raise ControlError(f"FreeSWITCH refused the call: {text}", unreachable=False)
        conn.send("exit\n\n")
        return reply.get("Job-UUID") or text.removeprefix("+OK Job-UUID:").strip()
    finally:
        conn.close()


def kamailio_bridge(control_url, *, caller, callee, proxy):
    """Kamailio: the dialog module's `dlg.bridge_dlg` over JSON-RPC (jsonrpcs on HTTP):
    Kamailio calls `caller` through `proxy` and, once answered, REFERs it to `callee`;
    answers the request id."""
    request_id = f"pbx-{uuid.uuid4().hex}"
    body = json.dumps(
        {"jsonrpc": "2.0", "method": "dlg.bridge_dlg", "params": [caller, callee, proxy], "id": request_id}
    ).encode()
    request = urllib.request.Request(
        control_url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.PBX_ORIGINATE_TIMEOUT) as response:
            text = response.read()
    except urllib.error.HTTPError as error:
        text = error.read()
        if not text.strip().startswith(b"{"):
            raise ControlError(f"Kamailio JSON-RPC answered HTTP {error.code}.", unreachable=True) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        reason = _reason(reason) if isinstance(reason, OSError) else str(reason)
        raise ControlError(
            f"Kamailio JSON-RPC at {control_url} not reached: {reason}", unreachable=True
        ) from None
    try:
        reply = json.loads(text)
    except ValueError:
        raise ControlError(
            "Kamailio JSON-RPC answered something that is not JSON.", unreachable=True
        ) from None
    if not isinstance(reply, dict) or "error" in reply or "result" not in reply:
        error = reply.get("error") if isinstance(reply, dict) else None
        message = error.get("message", "") if isinstance(error, dict) else str(error or "")
        raise ControlError(f"Kamailio refused the call: {message}", unreachable=False)
    return request_id
