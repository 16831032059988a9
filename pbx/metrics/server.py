"""The workers' own metrics port: `--metrics-port N [--metrics-address ADDRESS]`.

`run_webhooks` and `run_cronjobs` are processes of their own, outside gunicorn: each
serves its metrics over HTTP with prometheus-client's server, in a thread, on
127.0.0.1 unless told otherwise (the port has no access control of its own: bind it
where only Prometheus reaches). Off unless asked for.
"""

from django.core.management.base import CommandError
from prometheus_client import start_http_server


def add_arguments(parser):
    """The two options, for a command's add_arguments()."""
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="N",
        help="serve Prometheus metrics on this port at /metrics (0: any free port; off by default)",
    )
    parser.add_argument(
        "--metrics-address",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="the address the metrics port listens on (127.0.0.1)",
    )


def serve(command, options):
    """Start the metrics server if --metrics-port was given; returns it (to shut down), or None."""
    port = options.get("metrics_port")
    if port is None:
        return None
    address = options.get("metrics_address") or "127.0.0.1"
    if not 0 <= port <= 65535:
        raise CommandError(f"--metrics-port takes a port number from 0 to 65535, not {port}.")
    try:
        server, _thread = start_http_server(port, addr=address)
    except OSError as error:
        raise CommandError(
            f"Cannot serve metrics on {address} port {port}: {error.strerror or error}."
        ) from None
    host = f"[{address}]" if ":" in address else address
    command.stdout.write(f"Serving metrics at http://{host}:{server.server_port}/metrics")
    command.stdout.flush()
    return server


def stop(server):
    if server is not None:
        server.shutdown()
        server.server_close()
