"""A create that loses a race for a number answers 409 number_in_use whichever check sees
the winner: here the winner commits between the loser's number check and its SIP
username check (the window that 20 concurrent creates hit now and then)."""

from pbx.models import DialplanNumber
from tests.factories import ExtensionFactory


def test_a_twin_committed_after_the_number_check_still_answers_409_number_in_use(
    api, acme_key, acme, monkeypatch
):
    ExtensionFactory(tenant=acme, number="702")
    real_holder_of = DialplanNumber.holder_of.__func__
    calls = []

    def holder_of(cls, tenant_id, number, exclude=None):
        calls.append(number)
        if len(calls) == 1:
            return None  # the first check ran before the twin committed
        return real_holder_of(cls, tenant_id, number, exclude)

    monkeypatch.setattr(DialplanNumber, "holder_of", classmethod(holder_of))
    response = api(acme_key).post("/api/extensions/", {"number": "702"}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "number_in_use"
