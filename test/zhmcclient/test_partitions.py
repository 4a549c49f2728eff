"""Partition CRUD, start/stop through jobs and HMC reason codes, driven by the real zhmcclient."""

import uuid

import pytest
import zhmcclient


def test_part_crud_echoes_properties(cpc, session, new_partition):
    name = "zhmc-crud-" + uuid.uuid4().hex[:8]
    props = {
        "name": name,
        "description": "zhmcclient crud test",
        "initial-memory": 1024,
        "maximum-memory": 2048,
        "processor-mode": "shared",
        "type": "linux",
        "ifl-processors": 2,
    }
    part = new_partition(**props)
    assert part.name == name
    part.pull_full_properties()
    for key, value in props.items():
        assert part.get_property(key) == value, key
    assert part.get_property("status") == "stopped"
    assert part.get_property("boot-device") == "none"  # HMC default
    assert part.get_property("nic-uris") == []
    assert part.uri == "/api/partitions/" + part.get_property("object-id")

    found = cpc.partitions.find(name=name)
    assert found.uri == part.uri

    new_name = name + "-renamed"
    part.update_properties({"name": new_name, "description": "updated"})
    part.pull_full_properties()
    assert part.get_property("name") == new_name
    assert part.get_property("description") == "updated"
    assert [p.uri for p in cpc.partitions.list(filter_args={"name": new_name})] == [part.uri]
    assert cpc.partitions.list(filter_args={"name": name}) == []

    part.delete()
    with pytest.raises(zhmcclient.HTTPError) as exc:
        session.get(part.uri)
    assert (exc.value.http_status, exc.value.reason) == (404, 1)
    with pytest.raises(zhmcclient.NotFound):
        cpc.partitions.find(name=new_name)


def test_duplicate_name_is_400_8(cpc, new_partition):
    part = new_partition()
    with pytest.raises(zhmcclient.HTTPError) as exc:
        cpc.partitions.create({"name": part.name, "initial-memory": 1024, "maximum-memory": 1024,
                               "ifl-processors": 1})
    assert (exc.value.http_status, exc.value.reason) == (400, 8)


def test_read_only_property_on_create_is_400_6(cpc):
    with pytest.raises(zhmcclient.HTTPError) as exc:
        cpc.partitions.create({"name": "zhmc-ro-" + uuid.uuid4().hex[:8], "initial-memory": 1024,
                               "maximum-memory": 1024, "ifl-processors": 1, "status": "active"})
    assert (exc.value.http_status, exc.value.reason) == (400, 6)


def test_create_only_type_on_update_is_400_6(new_partition):
    part = new_partition()
    with pytest.raises(zhmcclient.HTTPError) as exc:
        part.update_properties({"type": "ssc"})
    assert (exc.value.http_status, exc.value.reason) == (400, 6)


def test_missing_processors_is_400_5_and_bad_type_400_7(cpc):
    base = {"name": "zhmc-bad-" + uuid.uuid4().hex[:8], "initial-memory": 1024, "maximum-memory": 1024}
    with pytest.raises(zhmcclient.HTTPError) as exc:
        cpc.partitions.create(dict(base))
    assert (exc.value.http_status, exc.value.reason) == (400, 5)
    with pytest.raises(zhmcclient.HTTPError) as exc:
        cpc.partitions.create(dict(base, **{"ifl-processors": "two"}))
    assert (exc.value.http_status, exc.value.reason) == (400, 7)


def test_start_and_stop_through_jobs(new_partition):
    part = new_partition(**{"boot-device": "storage-adapter"})
    result = part.start(wait_for_completion=True, operation_timeout=30, status_timeout=30)
    assert result is None  # job-status-code 204
    part.pull_full_properties()
    assert part.get_property("status") == "active"
    assert len(part.get_property("partition-id")) == 2

    with pytest.raises(zhmcclient.HTTPError) as exc:  # already active
        part.start(wait_for_completion=True)
    assert (exc.value.http_status, exc.value.reason) == (409, 1)
    with pytest.raises(zhmcclient.HTTPError) as exc:  # delete needs stopped
        part.delete()
    assert (exc.value.http_status, exc.value.reason) == (409, 1)
    with pytest.raises(zhmcclient.HTTPError) as exc:  # stopped-only field while active
        part.update_properties({"maximum-memory": 4096})
    assert (exc.value.http_status, exc.value.reason) == (409, 1)
    part.update_properties({"description": "changed while active"})  # allowed

    part.stop(wait_for_completion=True, operation_timeout=30, status_timeout=30)
    part.pull_full_properties()
    assert part.get_property("status") == "stopped"
    with pytest.raises(zhmcclient.HTTPError) as exc:  # already stopped
        part.stop(wait_for_completion=True)
    assert (exc.value.http_status, exc.value.reason) == (409, 1)


def test_start_without_boot_device_ends_paused(new_partition):
    part = new_partition()  # boot-device none
    with pytest.raises(zhmcclient.StatusTimeout):
        part.start(wait_for_completion=True, status_timeout=2)
    part.pull_full_properties()
    assert part.get_property("status") == "paused"


def test_job_object_when_not_waiting(session, new_partition):
    part = new_partition(**{"boot-device": "storage-adapter"})
    job = part.start(wait_for_completion=False)
    assert isinstance(job, zhmcclient.Job)
    assert job.uri.startswith("/api/jobs/")
    assert job.wait_for_completion(operation_timeout=30) is None
    with pytest.raises(zhmcclient.HTTPError) as exc:  # zhmcclient deleted the completed job
        session.get(job.uri)
    assert (exc.value.http_status, exc.value.reason) == (404, 1)


def test_job_failure_fault_surfaces_as_http_error(sim, new_partition):
    part = new_partition(**{"boot-device": "storage-adapter"})
    sim.admin("PUT", "/_sim/faults", {"rules": [{
        "kind": "job-failure", "operation": "start", "httpStatus": 409, "reason": 131,
        "message": "The operating system in the partition failed to load. The partition is stopped.",
        "count": 1}]})
    try:
        with pytest.raises(zhmcclient.HTTPError) as exc:
            part.start(wait_for_completion=True)
        assert (exc.value.http_status, exc.value.reason) == (409, 131)
        part.pull_full_properties()
        assert part.get_property("status") == "stopped"
    finally:
        sim.admin("DELETE", "/_sim/faults")
