"""Logon, version, CPC discovery, session expiry: the real zhmcclient against the simulator."""

import pytest
import zhmcclient

from conftest import CPC_NAME, PASSWORD, USERID, make_session


def test_logon_gives_session_id_credential_and_topics(session):
    assert session.session_id
    assert session.session_credential
    assert session.object_topic and session.job_topic
    assert session.object_topic != session.job_topic


def test_query_api_version(client):
    info = client.query_api_version()
    assert info["hmc-name"] == "HMCSIM1"
    assert info["hmc-version"] == "2.16.0"
    assert (info["api-major-version"], info["api-minor-version"]) == (4, 10)


def test_bad_password_is_server_auth_error_403_0(sim):
    s = zhmcclient.Session(sim.host, USERID, "wrong", port=sim.port, verify_cert=sim.ca_path)
    with pytest.raises(zhmcclient.ServerAuthError) as exc:
        s.logon()
    assert exc.value.details.http_status == 403
    assert exc.value.details.reason == 0


def test_tls_is_verified_against_the_simulator_ca(sim):
    s = zhmcclient.Session(sim.host, USERID, PASSWORD, port=sim.port, verify_cert=True)  # certifi only
    with pytest.raises(zhmcclient.ConnectionError):
        s.logon()


def test_cpc_discovery(client):
    cpcs = client.cpcs.list()
    assert [c.name for c in cpcs] == [CPC_NAME]
    cpc = client.cpcs.find(name=CPC_NAME)
    assert cpc.dpm_enabled is True
    cpc.pull_full_properties()
    assert cpc.get_property("object-id") == "a1b2c3d4-0000-4000-8000-000000000001"
    assert cpc.get_property("processor-count-ifl") == 64
    assert cpc.get_property("storage-customer") == 1048576
    assert cpc.get_property("maximum-partitions") == 85
    assert cpc.firmware_feature_enabled("dpm-storage-management") is True


def test_z13_seed_has_the_feature_off(z13_cpc):
    z13_cpc.pull_full_properties()
    assert z13_cpc.get_property("machine-type") == "2964"
    assert z13_cpc.firmware_feature_enabled("dpm-storage-management") is False


def test_cpc_list_filters_are_full_regex_matches(client):
    assert [c.name for c in client.cpcs.list(filter_args={"name": "CPCZ16.*"})] == [CPC_NAME]
    assert client.cpcs.list(filter_args={"name": "CPCZ16"}) == []
    assert [c.name for c in client.cpcs.list(filter_args={"name": ["nope", "CPC.*A"]})] == [CPC_NAME]


def test_cpc_get_with_properties_query(cpc):
    cpc.pull_properties(["se-version", "machine-type"])
    assert cpc.get_property("se-version") == "2.16.0"
    assert cpc.get_property("machine-type") == "3931"


def test_seeded_adapters_and_virtual_switches(cpc):
    fcp = {a.name: a for a in cpc.adapters.list(filter_args={"type": "fcp"})}
    assert sorted(fcp) == ["FCP-01", "FCP-02", "FCP-03", "FCP-04"]
    assert fcp["FCP-01"].get_property("object-id") == "a1b2c3d4-0000-4000-8000-0000000000f1"
    ports = fcp["FCP-01"].ports.list()
    assert [p.get_property("index") for p in ports] == [0]
    vswitches = {v.name: v for v in cpc.virtual_switches.list()}
    assert sorted(vswitches) == ["HSOCK-01-VS", "OSA-01-P0", "OSA-01-P1", "OSA-02-P0"]
    families = {a.get_property("adapter-family") for a in cpc.adapters.list()}
    assert families == {"ficon", "osa", "hipersockets", "roce", "crypto", "coupling", "ism", "zhyperlink"}
    assert vswitches["OSA-01-P1"].get_property("object-id") == "a1b2c3d4-0000-4000-8000-0000000000b2"


def test_seeded_foreign_partitions(cpc):
    parts = {p.name: p.get_property("status") for p in cpc.partitions.list()}
    assert parts["LINUX-PROD-01"] == "stopped"
    assert parts["zVM-LAB"] == "active"


def test_expired_session_is_renewed_transparently(sim, client, session):
    old = session.session_id
    client.cpcs.list()
    assert sim.admin("POST", "/_sim/sessions/expire", {"sessionId": old}) == {"expired": 1}
    cpcs = client.cpcs.list()  # 403.5 -> re-logon -> retry
    assert [c.name for c in cpcs] == [CPC_NAME]
    assert session.session_id != old


def test_logoff_ends_the_session(sim):
    s = make_session(sim)
    s.logon()
    sid = s.session_id
    s.logoff()
    assert sim.admin("POST", "/_sim/sessions/expire", {"sessionId": sid}) == {"expired": 0}
