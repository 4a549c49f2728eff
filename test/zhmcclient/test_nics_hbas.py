"""NICs and HBAs created and deleted through the real zhmcclient."""

import re

import pytest
import zhmcclient


def test_nic_on_virtual_switch(cpc, new_partition):
    part = new_partition()
    vswitch = cpc.virtual_switches.find(name="OSA-01-P1")  # P0 carries LINUX-PROD-01's seeded NIC
    nic = part.nics.create({"name": "eth0", "virtual-switch-uri": vswitch.uri})
    nic.pull_full_properties()
    assert re.fullmatch(r"[0-9A-F]{4}", nic.get_property("device-number"))
    assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", nic.get_property("mac-address"))
    assert nic.get_property("type") == "osd"
    assert nic.get_property("virtual-switch-uri") == vswitch.uri
    part.pull_full_properties()
    assert part.get_property("nic-uris") == [nic.uri]
    assert [n.uri for n in vswitch.get_connected_nics()] == [nic.uri]

    nic2 = part.nics.create({"name": "eth1", "virtual-switch-uri": vswitch.uri, "device-number": "0a00"})
    nic2.pull_full_properties()
    assert nic2.get_property("device-number") == "0A00"
    assert nic2.get_property("device-number") != nic.get_property("device-number")
    part.pull_full_properties()  # nics.list() reads the partition's nic-uris
    assert sorted(n.name for n in part.nics.list()) == ["eth0", "eth1"]

    nic.update_properties({"description": "primary"})
    nic.pull_full_properties()
    assert nic.get_property("description") == "primary"

    nic.delete()
    nic2.delete()
    part.pull_full_properties()
    assert part.get_property("nic-uris") == []
    assert vswitch.get_connected_nics() == []


def test_hipersockets_nic_type_is_iqd(cpc, new_partition):
    part = new_partition()
    vswitch = cpc.virtual_switches.find(name="HSOCK-01-VS")
    nic = part.nics.create({"name": "hsi0", "virtual-switch-uri": vswitch.uri})
    nic.pull_full_properties()
    assert nic.get_property("type") == "iqd"


def test_nic_errors(cpc, new_partition):
    part = new_partition()
    vswitch = cpc.virtual_switches.find(name="OSA-01-P1")
    with pytest.raises(zhmcclient.HTTPError) as exc:
        part.nics.create({"name": "nobacking"})
    assert (exc.value.http_status, exc.value.reason) == (400, 5)
    part.nics.create({"name": "eth0", "virtual-switch-uri": vswitch.uri, "device-number": "1000"})
    with pytest.raises(zhmcclient.HTTPError) as exc:
        part.nics.create({"name": "eth1", "virtual-switch-uri": vswitch.uri, "device-number": "1000"})
    assert (exc.value.http_status, exc.value.reason) == (400, 8)
    with pytest.raises(zhmcclient.HTTPError) as exc:
        part.nics.create({"name": "eth0", "virtual-switch-uri": vswitch.uri})
    assert (exc.value.http_status, exc.value.reason) == (400, 8)


def test_hbas_get_unique_wwpns_and_device_numbers(z13_cpc, z13_session, z13_new_partition):
    cpc, session, new_partition = z13_cpc, z13_session, z13_new_partition
    part = new_partition()
    adapters = {a.name: a for a in cpc.adapters.list(filter_args={"adapter-family": "ficon"})}
    hbas = []
    for i, aname in enumerate(["FCP-01", "FCP-02"]):
        port = adapters[aname].ports.list()[0]
        assert port.uri == adapters[aname].uri + "/storage-ports/0"
        hbas.append(part.hbas.create({"name": "hba%d" % i, "adapter-port-uri": port.uri}))
    for h in hbas:
        h.pull_full_properties()
        assert re.fullmatch(r"[0-9a-f]{16}", h.get_property("wwpn"))
        assert re.fullmatch(r"[0-9A-F]{4}", h.get_property("device-number"))
    assert hbas[0].get_property("wwpn") != hbas[1].get_property("wwpn")
    assert hbas[0].get_property("device-number") != hbas[1].get_property("device-number")
    part.pull_full_properties()
    assert sorted(part.get_property("hba-uris")) == sorted(h.uri for h in hbas)

    hbas[0].delete()
    part.pull_full_properties()
    assert part.get_property("hba-uris") == [hbas[1].uri]
    with pytest.raises(zhmcclient.HTTPError) as exc:
        session.get(hbas[0].uri)
    assert (exc.value.http_status, exc.value.reason) == (404, 1)
    with pytest.raises(zhmcclient.CeasedExistence):
        hbas[0].pull_full_properties()


def test_partition_delete_takes_nics_and_hbas(z13_cpc, z13_session, z13_new_partition):
    cpc, session, new_partition = z13_cpc, z13_session, z13_new_partition
    part = new_partition()
    vswitch = cpc.virtual_switches.find(name="OSA-01-P0")
    nic = part.nics.create({"name": "eth0", "virtual-switch-uri": vswitch.uri})
    port = cpc.adapters.find(name="FCP-01").ports.list()[0]
    hba = part.hbas.create({"name": "hba0", "adapter-port-uri": port.uri})
    part.delete()
    for uri in (nic.uri, hba.uri):
        with pytest.raises(zhmcclient.HTTPError) as exc:
            session.get(uri)
        assert exc.value.http_status == 404
    assert nic.uri not in [n.uri for n in vswitch.get_connected_nics()]
