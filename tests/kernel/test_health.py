"""GET /health/ tells a load balancer whether this process can serve."""

import json
import os
import subprocess
import sys

HEALTH_IN_A_FRESH_PROCESS = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/health/")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def test_it_answers_ok_when_the_database_answers(client, db):
    response = client.get("/health/")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


def test_it_answers_503_naming_the_database_when_it_is_unreachable(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbx.settings",
        "PBX_VAR_DIR": str(tmp_path),
        # Nothing listens on port 1: a real, refused connection.
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/pbx",
    }
    result = subprocess.run(
        [sys.executable, "-c", HEALTH_IN_A_FRESH_PROCESS], capture_output=True, text=True, env=env, check=True
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["status"] == "error"
    assert answer["body"]["database"].startswith("error: OperationalError")
