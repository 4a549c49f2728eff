"""A stand-in for the Nova control plane (nova-api + nova-conductor) built from the REAL nova and
oslo.messaging packages, used to drive the dpm-operator Nova bridge in tests.

* nova-api side: commands read as JSON lines on stdin are sent as real compute RPC through
  ``nova.compute.rpcapi.ComputeAPI()`` (casts and calls, exactly as nova-api/conductor send them);
  the instance's task_state is set first, as nova-api does before it casts.
* nova-conductor side: an ``oslo_messaging`` RPC server on topic ``conductor`` (version 3.0, with
  nova's ``NovaObjectSerializer``) that answers ``object_action``/``object_class_action_versions``
  from an in-memory database, enforcing ``expected_task_state`` like the real ``Instance.save``.
  Every call is recorded to a JSON lines file (``--record``).

Output on stdout: one JSON line per command ``{"id", "ok", "result"|"error"}``; ``{"ready": true}``
once the conductor server runs. Logs go to stderr. No nova.cmd.* and no eventlet monkey patching.
"""

import argparse
import datetime
import itertools
import json
import sys
import tempfile
import threading
import traceback
import uuid as uuidlib

import oslo_messaging as messaging
from oslo_config import cfg

import nova.conf
import nova.config
import nova.context
import nova.rpc
from nova import exception
from nova import objects
from nova.compute import rpcapi as compute_rpcapi
from nova.network import model as network_model
from nova.objects import base as objects_base

CONF = nova.conf.CONF
LOCK = threading.Lock()


def jsonable(value):
    if isinstance(value, (set, frozenset, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, objects_base.NovaObject):
        return value.obj_to_primitive()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class Recorder:
    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")

    def write(self, entry):
        entry = dict(entry, at=datetime.datetime.utcnow().isoformat())
        with LOCK:
            self._file.write(json.dumps(jsonable(entry)) + "\n")
            self._file.flush()


class Database:
    """What the conductor would read from and write to the cell database."""

    def __init__(self):
        self.instances = {}  # uuid -> dict of simple fields
        self.services = {}  # (host, binary) -> dict
        self.compute_nodes = {}  # (host, nodename) -> dict
        self.faults = []
        self._ids = itertools.count(1)

    def next_id(self):
        return next(self._ids)


INSTANCE_STATE_FIELDS = ("vm_state", "task_state", "power_state", "host", "node", "launched_on")


class ConductorEndpoint:
    target = messaging.Target(version="3.0")

    def __init__(self, db, recorder):
        self.db = db
        self.rec = recorder

    # -- object_class_action_versions -------------------------------------------------------------
    def object_class_action_versions(self, context, objname, objmethod, object_versions, args, kwargs):
        entry = {"method": "object_class_action_versions", "objname": objname, "objmethod": objmethod,
                 "object_versions": object_versions, "args": args, "kwargs": kwargs}
        try:
            result = self._class_action(context, objname, objmethod, list(args), dict(kwargs))
            if isinstance(result, objects_base.NovaObject):
                result = result.obj_to_primitive(target_version=object_versions[objname],
                                                 version_manifest=object_versions)
            entry["result"] = result
            return result
        except Exception as e:
            entry["error"] = type(e).__name__
            raise
        finally:
            self.rec.write(entry)

    def _class_action(self, context, objname, objmethod, args, kwargs):
        if objname == "Service" and objmethod == "get_by_host_and_binary":
            host, binary = (args + [kwargs.get("host"), kwargs.get("binary")])[:2]
            row = self.db.services.get((host, binary))
            # Service() refuses a version kwarg (it sets its own, as when nova loads it from the DB).
            return objects.Service(context, **{k: v for k, v in row.items() if k != "version"}) if row else None
        if objname == "ComputeNode" and objmethod == "get_by_host_and_nodename":
            host, nodename = (args + [kwargs.get("host"), kwargs.get("nodename")])[:2]
            row = self.db.compute_nodes.get((host, nodename))
            if not row:
                raise exception.ComputeHostNotFound(host=nodename)
            return objects.ComputeNode(context, **row)
        if objname == "InstanceList" and objmethod == "get_by_host":
            host = (args + [kwargs.get("host")])[0]
            found = [objects.Instance(context, uuid=uuid, deleted=False,
                                      **{f: row[f] for f in INSTANCE_STATE_FIELDS if f in row})
                     for uuid, row in self.db.instances.items()
                     if row.get("host") == host and not row.get("deleted")]
            return objects.InstanceList(context, objects=found)
        raise NotImplementedError("%s.%s" % (objname, objmethod))

    # -- object_action ----------------------------------------------------------------------------
    def object_action(self, context, objinst, objmethod, args, kwargs):
        name = objinst.obj_name()
        changes = sorted(objinst.obj_what_changed())
        entry = {"method": "object_action", "objname": name, "objmethod": objmethod,
                 "version": objinst.VERSION, "args": args, "kwargs": kwargs,
                 "changes": {f: getattr(objinst, f) for f in changes if f not in ("flavor", "info_cache")}}
        if "uuid" in objinst.fields and objinst.obj_attr_is_set("uuid"):
            entry["uuid"] = objinst.uuid
        oldobj = objinst.obj_clone()
        try:
            result = self._action(objinst, objmethod, list(args), dict(kwargs), changes)
            objinst.obj_reset_changes()
        except Exception as e:
            entry["error"] = type(e).__name__
            entry["message"] = str(e)
            self.rec.write(entry)
            raise
        updates = {}
        for fname, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(fname):
                continue
            if not oldobj.obj_attr_is_set(fname) or getattr(oldobj, fname) != getattr(objinst, fname):
                updates[fname] = field.to_primitive(objinst, fname, getattr(objinst, fname))
        updates["obj_what_changed"] = objinst.obj_what_changed()
        entry["updates"] = updates
        self.rec.write(entry)
        return updates, result

    def _action(self, obj, method, args, kwargs, changes):
        name = obj.obj_name()
        if name == "Instance" and method == "save":
            row = self.db.instances.get(obj.uuid)
            if row is None:
                raise exception.InstanceNotFound(instance_id=obj.uuid)
            if "expected_task_state" in kwargs:
                expected = kwargs["expected_task_state"]
                expected = expected if isinstance(expected, (list, tuple)) else [expected]
                if row["task_state"] not in expected:
                    raise exception.UnexpectedTaskStateError(
                        instance_uuid=obj.uuid, expected=expected, actual=row["task_state"])
            for f in changes:
                if f in INSTANCE_STATE_FIELDS:
                    row[f] = getattr(obj, f)
            obj.updated_at = datetime.datetime.now(datetime.timezone.utc)
            return None
        if name == "Instance" and method == "destroy":
            row = self.db.instances.get(obj.uuid)
            if row is None or row.get("deleted"):
                raise exception.InstanceNotFound(instance_id=obj.uuid)
            row["deleted"] = True
            obj.deleted = True
            obj.deleted_at = datetime.datetime.now(datetime.timezone.utc)
            return None
        if name == "InstanceFault" and method == "create":
            self.db.faults.append({f: getattr(obj, f) for f in changes})
            obj.id = self.db.next_id()
            return None
        if name == "Service" and method in ("create", "save"):
            key = (obj.host, obj.binary)
            if method == "create":
                if key in self.db.services:
                    raise exception.ServiceBinaryExists(host=obj.host, binary=obj.binary)
                obj.id = self.db.next_id()
                self.db.services[key] = {"id": obj.id}
            row = self.db.services[key]
            for f in changes + ["id", "host", "binary"]:
                if obj.obj_attr_is_set(f) and f in ("id", "host", "binary", "topic", "report_count",
                                                     "disabled", "forced_down", "version", "uuid"):
                    row[f] = getattr(obj, f)
            return None
        if name == "ComputeNode" and method in ("create", "save"):
            key = (obj.host, obj.hypervisor_hostname)
            if method == "create":
                obj.id = self.db.next_id()
                self.db.compute_nodes[key] = {}
            row = self.db.compute_nodes[key]
            for f in changes + ["id"]:
                if obj.obj_attr_is_set(f):
                    row[f] = getattr(obj, f)
            return None
        raise NotImplementedError("%s.%s" % (name, method))

    def object_backport_versions(self, context, objinst, object_versions):
        self.rec.write({"method": "object_backport_versions", "objname": objinst.obj_name()})
        return objinst.obj_to_primitive(target_version=object_versions[objinst.obj_name()],
                                        version_manifest=object_versions)


# -- nova-api side ------------------------------------------------------------------------------
class Api:
    def __init__(self, db, host):
        self.db = db
        self.host = host
        self.compute = compute_rpcapi.ComputeAPI()
        self.instances = {}  # uuid -> (Instance, bdms)

    def ctxt(self):
        return nova.context.RequestContext(user_id="demo-user", project_id="demo-project",
                                           is_admin=True, roles=["admin"])

    def _set_task(self, uuid, task_state):
        inst, _ = self.instances[uuid]
        self.db.instances[uuid]["task_state"] = task_state
        inst.task_state = task_state
        inst.obj_reset_changes()
        return inst

    def build(self, c):
        ctxt = self.ctxt()
        uuid = c["uuid"]
        vifs = [network_model.VIF(id=v["id"], address=v["mac"], type=v.get("type", "dpm_vswitch"),
                                  details={"object_id": v["object_id"]},
                                  network=network_model.Network(id=str(uuidlib.uuid4()), label="provider",
                                                                bridge=None, subnets=[]))
                for v in c["vifs"]]
        flavor = objects.Flavor(id=1, flavorid="dpm.small", name=c.get("flavor", "dpm.small"),
                                vcpus=c["vcpus"], memory_mb=c["memory_mb"], root_gb=0, ephemeral_gb=0,
                                swap=0, extra_specs={})
        inst = objects.Instance(
            context=ctxt, id=len(self.instances) + 1, uuid=uuid, display_name=c.get("name", "vm-" + uuid[:8]),
            hostname=c.get("name", "vm-" + uuid[:8]), host=c.get("host", self.host), node=c.get("host", self.host),
            vm_state="building", task_state="scheduling", power_state=0, image_ref="", launched_on=None,
            project_id="demo-project", user_id="demo-user", system_metadata={}, metadata={},
            flavor=flavor, instance_type_id=1, vcpus=c["vcpus"], memory_mb=c["memory_mb"],
            info_cache=objects.InstanceInfoCache(instance_uuid=uuid,
                                                 network_info=network_model.NetworkInfo(vifs)))
        inst.obj_reset_changes(recursive=True)
        bdm = c.get("bdm")
        bdms = objects.BlockDeviceMappingList(objects=[])
        if bdm is not None:
            data = {"target_lun": bdm["target_lun"], "volume_id": bdm.get("volume_id", str(uuidlib.uuid4()))}
            for k in ("target_wwn", "initiator_target_map"):
                if k in bdm:
                    data[k] = bdm[k]
            bdms = objects.BlockDeviceMappingList(objects=[objects.BlockDeviceMapping(
                id=1, instance_uuid=uuid, source_type="volume", destination_type="volume",
                boot_index=0, device_name="/dev/sda", volume_id=data["volume_id"], delete_on_termination=False,
                connection_info=json.dumps({"driver_volume_type": bdm.get("driver_volume_type", "fibre_channel"),
                                            "data": data}))])
        self.instances[uuid] = (inst, bdms)
        self.db.instances.setdefault(uuid, {f: getattr(inst, f) for f in INSTANCE_STATE_FIELDS})
        self.db.instances[uuid]["task_state"] = "scheduling"
        for _ in range(int(c.get("times", 1))):
            self.compute.build_and_run_instance(
                ctxt, inst, inst.host, image={}, request_spec=None, filter_properties={},
                admin_password=None, injected_files=[], requested_networks=None,
                security_groups=None, block_device_mapping=bdms, node=inst.node, limits={},
                host_list=[], accel_uuids=[])
        return None

    def stop(self, c):
        inst = self._set_task(c["uuid"], "powering-off")
        self.compute.stop_instance(self.ctxt(), inst, do_cast=True, clean_shutdown=True)

    def start(self, c):
        inst = self._set_task(c["uuid"], "powering-on")
        self.compute.start_instance(self.ctxt(), inst)

    def reboot(self, c):
        hard = c.get("reboot_type", "HARD") == "HARD"
        inst = self._set_task(c["uuid"], "rebooting_hard" if hard else "rebooting")  # as nova-api leaves it
        self.compute.reboot_instance(self.ctxt(), inst, block_device_info=None,
                                     reboot_type="HARD" if hard else "SOFT")

    def terminate(self, c):
        inst = self._set_task(c["uuid"], "deleting")
        _, bdms = self.instances[c["uuid"]]
        self.compute.terminate_instance(self.ctxt(), inst, bdms)

    def console(self, c):
        inst, _ = self.instances[c["uuid"]]
        return self.compute.get_console_output(self.ctxt(), inst, c.get("tail_length", 50))

    def raw_call(self, c):
        """A call of any method name at any version, e.g. one the compute service does not have."""
        inst, _ = self.instances[c["uuid"]]
        # nova's own RPC client, without the [upgrade_levels] cap, so any version goes on the wire.
        client = nova.rpc.get_client(messaging.Target(topic="compute", version="6.0"), version_cap=None,
                                     serializer=objects_base.NovaObjectSerializer())
        cctxt = client.prepare(server=inst.host, version=c.get("version", "6.0"), timeout=c.get("timeout", 30))
        return cctxt.call(self.ctxt(), c["method"], instance=inst, **c.get("kwargs", {}))

    def instance(self, c):
        return self.db.instances.get(c["uuid"])

    def services(self, c):
        return [dict(v, key=list(k)) for k, v in self.db.services.items()]

    def compute_nodes(self, c):
        return [dict(v, key=list(k)) for k, v in self.db.compute_nodes.items()]


def emit(obj):
    with LOCK:
        sys.stdout.write(json.dumps(jsonable(obj)) + "\n")
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--transport-url", required=True)
    p.add_argument("--host", required=True, help="compute host (the CPC subset name)")
    p.add_argument("--record", required=True, help="JSON lines file of conductor calls")
    p.add_argument("--compute-version", default="6.0", help="[upgrade_levels] compute")
    p.add_argument("--amqp-durable-queues", action="store_true")
    args = p.parse_args()

    # The options of the rabbit driver are registered lazily: give them through a config file.
    conf_file = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf_file.write("[DEFAULT]\ntransport_url = %s\nhost = nova-peer-conductor\n"
                    "[upgrade_levels]\ncompute = %s\n[oslo_messaging_rabbit]\namqp_durable_queues = %s\n"
                    % (args.transport_url, args.compute_version, args.amqp_durable_queues))
    conf_file.close()
    nova.config.parse_args(["nova-peer", "--config-file", conf_file.name], configure_db=False, init_rpc=False)
    nova.rpc.init(CONF)
    objects.register_all()

    db = Database()
    recorder = Recorder(args.record)
    serializer = nova.rpc.RequestContextSerializer(objects_base.NovaObjectSerializer())
    server = messaging.get_rpc_server(
        nova.rpc.TRANSPORT, messaging.Target(topic="conductor", server=CONF.host),
        [ConductorEndpoint(db, recorder)], executor="threading", serializer=serializer)
    server.start()
    api = Api(db, args.host)
    emit({"ready": True})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        try:
            result = getattr(api, cmd["op"])(cmd)
            emit({"id": cmd.get("id"), "ok": True, "result": result})
        except Exception as e:  # report to the test, keep serving
            err = {"type": type(e).__name__, "message": str(e)}
            if isinstance(e, messaging.RemoteError):
                err["exc_type"] = e.exc_type
            traceback.print_exc(file=sys.stderr)
            emit({"id": cmd.get("id"), "ok": False, "error": err})
    server.stop()
    server.wait()


if __name__ == "__main__":
    main()
