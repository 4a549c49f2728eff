"""A cinder volume driver for tests: volumes exist only in cinder's database, and an attachment
returns Fibre Channel connection info for the connector's WWPNs, as a zoning-aware FC array would.

``[backend] dpm_fc_target_wwpns`` are the storage array's target ports; the LUN of a volume is
derived from its id (stable across attachments). No I/O is done.
"""
import zlib

from oslo_config import cfg
from oslo_log import log as logging

from cinder import exception
from cinder.volume import configuration
from cinder.volume import driver

LOG = logging.getLogger(__name__)

fc_opts = [
    cfg.ListOpt(
        "dpm_fc_target_wwpns",
        default=["500507680b21ac38", "500507680b22ac38"],
        help="target WWPNs of the pretended storage array",
    ),
]
cfg.CONF.register_opts(fc_opts, group=configuration.SHARED_CONF_GROUP)


def lun_of(volume_id):
    """A stable LUN number 1..4095 for a volume."""
    return zlib.crc32(volume_id.encode()) % 4095 + 1


class DpmTestFCDriver(driver.VolumeDriver):
    VERSION = "1.0.0"
    CI_WIKI_NAME = "dpm-operator"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(fc_opts)
        self.protocol = "FC"

    def do_setup(self, context):
        pass

    def check_for_setup_error(self):
        pass

    def create_volume(self, volume):
        LOG.info("create_volume %s (%s GiB)", volume.id, volume.size)
        return {"provider_location": f"lun:{lun_of(volume.id)}"}

    def delete_volume(self, volume):
        LOG.info("delete_volume %s", volume.id)

    def create_export(self, context, volume, connector):
        return None

    def ensure_export(self, context, volume):
        return None

    def remove_export(self, context, volume):
        return None

    def initialize_connection(self, volume, connector):
        initiators = [w.lower().removeprefix("0x") for w in (connector or {}).get("wwpns") or []]
        if not initiators:
            raise exception.InvalidConnectorException(missing="wwpns")
        targets = [w.lower() for w in self.configuration.dpm_fc_target_wwpns]
        LOG.info("initialize_connection %s for %s", volume.id, initiators)
        return {
            "driver_volume_type": "fibre_channel",
            "data": {
                "target_discovered": False,
                "target_lun": lun_of(volume.id),
                "target_wwn": targets,
                "initiator_target_map": {i: list(targets) for i in initiators},
                "volume_id": volume.id,
                "access_mode": "rw",
            },
        }

    def terminate_connection(self, volume, connector, **kwargs):
        LOG.info("terminate_connection %s", volume.id)
        return {"driver_volume_type": "fibre_channel", "data": {}}

    def _update_volume_stats(self):
        self._stats = {
            "volume_backend_name": self.configuration.safe_get("volume_backend_name") or "dpm-fc",
            "vendor_name": "dpm-operator",
            "driver_version": self.VERSION,
            "storage_protocol": "FC",
            "total_capacity_gb": 10000,
            "free_capacity_gb": 10000,
            "reserved_percentage": 0,
            "thin_provisioning_support": True,
            "multiattach": False,
        }

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats
