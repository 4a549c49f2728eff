"""Storage groups with the real zhmcclient on the default (z16, dpm-storage-management on) seed:
create with volumes, attach (VSRs with unique WWPNs and device numbers), fulfil, boot from a
volume, detach, delete."""

import re
import uuid

import pytest
import zhmcclient


@pytest.fixture
def new_group(client, cpc):
    made = []

    def create(**extra):
        props = {
            "name": "zhmc-sg-" + uuid.uuid4().hex[:8],
            "cpc-uri": cpc.uri,
            "type": "fcp",
            "shared": False,
            "max-partitions": 1,
            "connectivity": 2,
            "storage-volumes": [{"operation": "create", "name": "boot", "size": 32, "usage": "boot"}],
        }
        props.update(extra)
        sg = client.consoles.console.storage_groups.create(props)
        made.append(sg)
        return sg

    yield create
    for sg in made:
        try:
            for p in sg.list_attached_partitions():
                p.detach_storage_group(sg)
            sg.delete()
        except zhmcclient.HTTPError:
            pass


def test_feature_on_hides_hbas(cpc, new_partition):
    assert cpc.firmware_feature_enabled("dpm-storage-management") is True
    part = new_partition()
    port = cpc.adapters.find(name="FCP-01").ports.list()[0]
    with pytest.raises(zhmcclient.HTTPError) as exc:
        part.hbas.create({"name": "hba0", "adapter-port-uri": port.uri})
    assert exc.value.http_status == 409


def test_attach_creates_vsrs_with_unique_wwpns(client, cpc, new_partition, new_group):
    sg = new_group()
    sg.pull_full_properties()
    assert sg.get_property("fulfillment-state") == "pending"
    assert [v.name for v in sg.storage_volumes.list()] == ["boot"]
    part = new_partition()
    part.attach_storage_group(sg)
    assert [g.uri for g in part.list_attached_storage_groups()] == [sg.uri]
    assert [p.uri for p in sg.list_attached_partitions()] == [part.uri]
    vsrs = sg.virtual_storage_resources.list(full_properties=True)
    assert len(vsrs) == 2  # connectivity 2
    wwpns = [v.get_property("world-wide-port-name") for v in vsrs]
    devnos = [v.get_property("device-number") for v in vsrs]
    assert all(re.fullmatch(r"[0-9a-f]{16}", w) for w in wwpns)
    assert len(set(wwpns)) == 2 and len(set(devnos)) == 2
    assert {v.get_property("partition-uri") for v in vsrs} == {part.uri}
    # A second partition cannot take a non-shared group.
    other = new_partition()
    with pytest.raises(zhmcclient.HTTPError) as exc:
        other.attach_storage_group(sg)
    assert exc.value.http_status == 409
    # A group attached to a partition cannot be deleted; detach removes the VSRs.
    with pytest.raises(zhmcclient.HTTPError) as exc:
        sg.delete()
    assert exc.value.http_status == 409
    part.detach_storage_group(sg)
    assert sg.virtual_storage_resources.list() == []
    sg.delete()
    with pytest.raises(zhmcclient.NotFound):
        client.consoles.console.storage_groups.find(name=sg.name)


def test_boot_from_volume_waits_for_fulfillment(cpc, new_partition, new_group):
    sg = new_group()
    vol = sg.storage_volumes.find(name="boot")
    part = new_partition()
    part.attach_storage_group(sg)
    part.update_properties({"boot-device": "storage-volume", "boot-storage-volume": vol.uri})
    with pytest.raises(zhmcclient.HTTPError) as exc:
        part.start(wait_for_completion=True)
    assert (exc.value.http_status, exc.value.reason) == (409, 122)
    part.pull_full_properties()
    assert part.get_property("status") == "stopped"

    port = cpc.adapters.find(name="FCP-01").ports.list()[0]
    vol.indicate_fulfillment_fcp("500507680B21AC8C", "4000400000000000", port)
    vol.pull_full_properties()
    assert vol.get_property("fulfillment-state") == "complete"
    assert vol.get_property("uuid")
    sg.pull_full_properties()
    assert sg.get_property("fulfillment-state") == "complete"
    part.start(wait_for_completion=True)
    part.pull_full_properties()
    assert part.get_property("status") == "active"


def test_volumes_created_modified_deleted_through_the_group(new_group):
    sg = new_group()
    data = sg.storage_volumes.create({"name": "data", "size": 10, "usage": "data"})
    data.update_properties({"size": 20, "description": "grown"})
    data.pull_full_properties()
    assert (data.get_property("size"), data.get_property("description")) == (20, "grown")
    with pytest.raises(zhmcclient.HTTPError) as exc:
        data.update_properties({"size": 5})
    assert (exc.value.http_status, exc.value.reason) == (400, 7)
    data.delete()
    assert [v.name for v in sg.storage_volumes.list()] == ["boot"]
