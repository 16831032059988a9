"""DjangoPBX's JavaScript client class and usage, as its API usage guide prints them, run
by Node.js against a live pbx with only the base URL and token changed."""

import shutil
import subprocess

import pytest

from extensions.models import Extension
from tests.factories import ExtensionFactory, ServerFactory
from tests.switch.control_servers import ami_server
from tests.switch.kamailio_rows import kamailio_registers

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed"),
]

SCRIPT = """class DjangoPBXAPI {
constructor(baseUrl, token) {
this.baseUrl = baseUrl.replace(/\\/$/, '');
this.headers = {
'Authorization': `Token ${token}`,
'Content-Type': 'application/json'
};
}
async getExtensions(domainId = null) {
const params = domainId ? `?domain_id=${domainId}` : '';
const response = await fetch(`${this.baseUrl}/api/extensions/${params}`, {
headers: this.headers
});
if (!response.ok) {
throw new Error(`HTTP error! status: ${response.status}`);
}
return await response.json();
}
async createExtension(data) {
const response = await fetch(`${this.baseUrl}/api/extensions/`, {
method: 'POST',
headers: this.headers,
body: JSON.stringify(data)
});
if (!response.ok) {
throw new Error(`HTTP error! status: ${response.status}`);
}
return await response.json();
}
async clickToDial(destination, host = null) {
const data = { dest: destination };
if (host) data.host = host;
const response = await fetch(`${this.baseUrl}/api/clickdial/`, {
method: 'POST',
headers: this.headers,
body: JSON.stringify(data)
});
if (!response.ok) {
throw new Error(`HTTP error! status: ${response.status}`);
}
return await response.json();
}
}
// Usage
const api = new DjangoPBXAPI('https://your-pbx-domain.com', 'your-auth-token');
// Get extensions
api.getExtensions()
.then(data => console.log(data))
.catch(error => console.error('Error:', error));
// Create extension
api.createExtension({
domain_id: '660e8400-e29b-41d4-a716-446655440000',
extension: '1099',
password: 'secure-pass-123',
enabled: true
})
.then(data => console.log('Created:', data))
.catch(error => console.error('Error:', error));
// Click to dial
api.clickToDial('1002')
.then(data => console.log('Dialing:', data))
.catch(error => console.error('Error:', error));
"""


def test_the_guides_usage_lists_creates_and_dials(
    live_server, acme_key, acme_admin, domain, tmp_path, settings
):
    settings.PBX_ORIGINATE_TIMEOUT = 1
    fake = ami_server()
    try:
        domain.server = ServerFactory(kind="asterisk", control_url=f"ami://pbx:s3cret@127.0.0.1:{fake.port}")
        domain.save()
        ExtensionFactory(tenant=domain, number="100", user=acme_admin)  # the caller's own phone rings first
        kamailio_registers("100", domain.sip_domain)
        script = SCRIPT.replace("https://your-pbx-domain.com", live_server.url).replace(
            "your-auth-token", acme_key.key
        )
        (tmp_path / "client.mjs").write_text(script)
        done = subprocess.run(
            ["node", "client.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    finally:
        fake.close()
    assert "Error:" not in done.stderr, done.stderr
    assert "Created:" in done.stdout and "Dialing:" in done.stdout, done.stdout
    assert Extension.objects.filter(tenant=domain, number="1099").exists()
