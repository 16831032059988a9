"""DjangoPBX's "Bash/cURL Example Script", as printed, with only API_URL and API_TOKEN
set to this server and key: each of its calls succeeds."""

import re
import subprocess

import pytest

from extensions.models import Extension

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = r"""#!/bin/bash
# Configuration
API_URL="https://your-pbx-domain.com/api"
API_TOKEN="your-auth-token"
# Function to make API calls
api_call() {
local method=$1
local endpoint=$2
local data=$3
if [ -z "$data" ]; then
curl -X $method "${API_URL}${endpoint}" \
-H "Authorization: Token ${API_TOKEN}" \
-H "Content-Type: application/json"
else
curl -X $method "${API_URL}${endpoint}" \
-H "Authorization: Token ${API_TOKEN}" \
-H "Content-Type: application/json" \
-d "$data"
fi
}
# Get all extensions
echo "Getting extensions..."
api_call GET "/extensions/"
# Create new extension
echo -e "\n\nCreating new extension..."
api_call POST "/extensions/" '{
"domain_id": "660e8400-e29b-41d4-a716-446655440000",
"extension": "1099",
"password": "secure-pass-123",
"enabled": true
}'
# Get CDRs for today
echo -e "\n\nGetting today's CDRs..."
TODAY=$(date -u +%Y-%m-%dT00:00:00Z)
TOMORROW=$(date -u -d tomorrow +%Y-%m-%dT00:00:00Z)
api_call GET "/xmlcdrs/?start_stamp__gte=${TODAY}&start_stamp__lt=${TOMORROW}"
"""


def test_the_script_lists_creates_and_reads_todays_calls(live_server, acme_key, domain, tmp_path):
    script = SCRIPT.replace("https://your-pbx-domain.com", live_server.url).replace(
        "your-auth-token", acme_key.key
    )
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert Extension.objects.filter(tenant=domain, number="1099").exists()
    assert '"error"' not in done.stdout, done.stdout
    assert len(re.findall(r'"results":', done.stdout)) == 2  # the two lists answered
