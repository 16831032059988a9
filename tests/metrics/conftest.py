"""Reading /metrics the way Prometheus does: its text, parsed by prometheus-client's parser.

The metrics of the test process are shared by every test it runs, so a test reads them
before and after what it does and compares (`Scrape.delta`)."""

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.webhooks.conftest import make_receiver, receiver  # noqa: F401  (real HTTP receivers)


class Scrape:
    """One scrape of /metrics: every sample, by name and labels."""

    def __init__(self, text):
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}
        self.samples = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in self.families.values()
            for sample in family.samples
        }

    def value(self, name, **labels):
        """The sample's value; 0 when the series has not appeared yet (a counter not yet counted)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def label_values(self, name, label):
        return {dict(labels)[label] for sample_name, labels in self.samples if sample_name == name}


def scrape_text(client=None, **extra):
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    return response.content.decode()


@pytest.fixture
def scrape():
    """scrape() -> Scrape of /metrics, read from 127.0.0.1 (allowed by default)."""
    return lambda: Scrape(scrape_text())


def delta(before, after, name, **labels):
    return after.value(name, **labels) - before.value(name, **labels)
