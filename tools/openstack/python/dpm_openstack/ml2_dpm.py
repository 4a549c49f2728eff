"""A neutron ML2 mechanism driver for DPM partitions (what networking-dpm did, without its agent).

Binds a port on a ``flat`` segment whose physical network is mapped to an HMC virtual switch:
``binding:vif_type`` = ``dpm_vswitch`` and ``binding:vif_details`` = ``{"object_id": <vswitch
object-id>}``, which the dpm-operator Nova bridge carries into a PartitionNic. The mapping is
``[ml2_dpm] physical_network_vswitch_mappings = <physnet>:<vswitch object-id>,...``. VLAN segments
are not bound (a DPM NIC on a vswitch is flat, as in nova-dpm).
"""
from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api
from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

VIF_TYPE_DPM_VSWITCH = "dpm_vswitch"

cfg.CONF.register_opts(
    [
        cfg.ListOpt(
            "physical_network_vswitch_mappings",
            default=[],
            help="<physical network>:<HMC virtual switch object-id> pairs",
        )
    ],
    "ml2_dpm",
)


def parse_mappings(entries):
    mappings = {}
    for entry in entries:
        physnet, sep, vswitch = entry.partition(":")
        if not sep or not physnet or not vswitch:
            raise ValueError(f"[ml2_dpm] physical_network_vswitch_mappings: bad entry {entry!r}")
        mappings[physnet.strip()] = vswitch.strip()
    return mappings


class DpmMechanismDriver(api.MechanismDriver):
    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def initialize(self):
        self.vswitches = parse_mappings(cfg.CONF.ml2_dpm.physical_network_vswitch_mappings)
        LOG.info("DPM mechanism driver: vswitches %s", self.vswitches)

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            if segment[api.NETWORK_TYPE] != constants.TYPE_FLAT:
                continue
            vswitch = self.vswitches.get(segment[api.PHYSICAL_NETWORK])
            if vswitch is None:
                continue
            context.set_binding(
                segment[api.ID],
                VIF_TYPE_DPM_VSWITCH,
                {"object_id": vswitch},
                status=constants.PORT_STATUS_ACTIVE,
            )
            LOG.info("bound port %s to vswitch %s", context.current["id"], vswitch)
            return
