"""Run a documentation's curl example against the live test server, as its reader would.

The example is taken as printed (line continuations and all); only the host and the
credentials are replaced, by the caller's `{printed: ours}` pairs. It runs through the
real curl with `--silent --show-error --write-out` added, so that the test sees the
status; a trailing `| jq` pipes the answer through the real jq, as the example does.
Nothing goes through a shell: an unquoted `?nojson&noxml` stays in the URL, as its
author meant.
"""

import json
import shlex
import subprocess
from dataclasses import dataclass

STATUS_MARK = "\n--pbx-status:"


@dataclass
class CurlAnswer:
    status: int
    text: str

    def json(self):
        return json.loads(self.text)


def run_curl(example, replacements, cwd):
    """The status and body curl gets for `example` with `replacements` applied."""
    command = example.replace("\\\n", " ")
    for printed, ours in replacements.items():
        command = command.replace(printed, ours)
    command, _, pipe = command.partition(" | ")
    argv = shlex.split(command)
    assert argv[0] == "curl", example
    argv[1:1] = ["--silent", "--show-error", "--write-out", STATUS_MARK + "%{http_code}"]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, check=True)
    text, _, status = done.stdout.rpartition(STATUS_MARK)
    if pipe.strip():
        piped = subprocess.run(
            shlex.split(pipe), input=text, cwd=cwd, capture_output=True, text=True, timeout=60, check=True
        )
        text = piped.stdout
    return CurlAnswer(status=int(status), text=text)
