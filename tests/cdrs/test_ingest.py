"""Storing call records: resolved to the tenant's objects, each call once, bad ones reported."""

import datetime as dt
import importlib

import pytest

from cdrs.formats import SwitchRecord
from cdrs.ingest import TenantDirectory, resolve, store
from cdrs.models import CallRecord
from tests.factories import CallRecordFactory, DIDFactory, ExtensionFactory, TrunkFactory

START = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)


def switch_record(call_id="call-1", caller="1001", called="1002", **fields):
    return SwitchRecord(
        call_id=call_id, start=START, caller_number=caller, destination_number=called, **fields
    )


@pytest.fixture
def directory():
    return TenantDirectory()


def test_a_call_between_two_extensions_is_internal(acme, directory):
    alice = ExtensionFactory(tenant=acme, number="1001")
    ExtensionFactory(tenant=acme, number="1002")
    call = resolve(switch_record(), acme, directory)
    assert (call.direction, call.extension_id) == ("internal", alice.pk)


def test_a_call_from_an_extension_to_the_outside_is_outbound(acme, directory):
    alice = ExtensionFactory(tenant=acme, number="1001")
    call = resolve(switch_record(called="+390212345678"), acme, directory)
    assert (call.direction, call.extension_id) == ("outbound", alice.pk)


def test_a_call_from_outside_to_a_did_is_inbound_and_names_the_did(acme, directory):
    did = DIDFactory(tenant=acme, number="+390212345678")
    call = resolve(switch_record(caller="+441234567890", called="0039 02 1234 5678"), acme, directory)
    assert (call.direction, call.did_id) == ("inbound", did.pk)


def test_the_trunk_is_found_by_its_name_in_the_channel(acme, directory):
    trunk = TrunkFactory(name="carrier")
    trunk.tenants.add(acme)
    record = switch_record(caller="+441234567890", channels=("PJSIP/carrier-0000002a", ""))
    assert resolve(record, acme, directory).trunk_id == trunk.pk


def test_another_tenant_trunk_is_not_named(acme, globex, directory):
    trunk = TrunkFactory(name="carrier")
    trunk.tenants.add(globex)
    record = switch_record(caller="+441234567890", channels=("PJSIP/carrier-0000002a", ""))
    assert resolve(record, acme, directory).trunk_id is None


def test_the_tenant_is_found_by_the_sip_domain_the_switch_gives(acme, directory):
    assert directory.tenant_for(switch_record(domain=acme.sip_domain)) == acme


def test_a_tenant_out_of_the_caller_reach_is_not_found(acme, globex):
    directory = TenantDirectory(tenants=[globex])
    assert directory.tenant_for(switch_record(domain=acme.sip_domain)) is None


def test_a_call_stored_twice_is_stored_once(acme, directory):
    assert store([resolve(switch_record(), acme, directory)]) == 1
    assert store([resolve(switch_record(), acme, directory)]) == 0
    assert CallRecord.objects.count() == 1


def test_a_call_repeated_in_one_batch_is_stored_once(acme, directory):
    calls = [resolve(switch_record(), acme, directory) for _ in range(3)]
    assert store(calls) == 1


def test_the_same_call_id_in_two_tenants_is_two_calls(acme, globex, directory):
    assert (
        store([resolve(switch_record(), acme, directory), resolve(switch_record(), globex, directory)]) == 2
    )


def test_stored_calls_keep_times_and_the_raw_payload(acme, directory):
    record = switch_record(answer=START + dt.timedelta(seconds=5), billsec=60, duration=65, raw={"x": [1]})
    store([resolve(record, acme, directory)])
    call = CallRecord.objects.get()
    assert (call.start, call.answer, call.raw, call.ring_seconds) == (
        START,
        START + dt.timedelta(seconds=5),
        {"x": [1]},
        5,
    )


def test_calls_stored_without_durations_before_they_were_computed_get_them(acme):
    from django.apps import apps

    fill_durations = importlib.import_module(
        "cdrs.migrations.0003_durations_of_records_stored_without_them"
    ).fill_durations
    start = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
    answered = CallRecordFactory(
        tenant=acme, start=start, answer=start + dt.timedelta(seconds=5),
        end=start + dt.timedelta(seconds=65, microseconds=900_000), duration=0, billsec=0,
    )  # fmt: skip
    unanswered = CallRecordFactory(
        tenant=acme, start=start, answer=None, end=start + dt.timedelta(seconds=20), duration=0, billsec=0
    )
    counted = CallRecordFactory(
        tenant=acme, start=start, answer=start, end=start + dt.timedelta(seconds=30), duration=31, billsec=29
    )
    fill_durations(apps, None)
    durations = {call.pk: (call.duration, call.billsec) for call in CallRecord.objects.all()}
    assert durations == {answered.pk: (65, 60), unanswered.pk: (20, 0), counted.pk: (31, 29)}
