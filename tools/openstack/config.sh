# Configuration of the project's OpenStack control plane (sourced by run.sh and db.sh).
# No keystone: nova, cinder and neutron run their keystone pipeline with dpm_openstack.noauth in
# place of authtoken (token `user:project`); placement uses its own noauth2; nova reaches placement,
# neutron and cinder with keystoneauth's admin_token plugin and sends a service token.
# Reads TRANSPORT_URL, OS_*_PORT, OS_RABBIT_QUORUM (default true), DPM_VSWITCH_MAPPINGS and the
# *_VENV variables.

# The token every client of this control plane uses (user admin, project admin).
OS_TOKEN="admin:admin"

# noauth_paste <source api-paste.ini> <target>: the service's own paste file, authtoken replaced.
noauth_paste() {
  sed 's#^paste.filter_factory *= *keystonemiddleware.auth_token:filter_factory#paste.filter_factory = dpm_openstack.noauth:filter_factory#' \
    "$1" >"$2"
  grep -q dpm_openstack.noauth "$2" || { echo "config.sh: no authtoken filter in $1" >&2; return 1; }
}

write_configs() { # <dir>
  local d="$1"
  # Quorum queues (durable, as kolla-ansible and openstack-helm deploy them today): the topic queues
  # and their bindings outlive a broker restart, so a cast published before its consumer has
  # reconnected waits in its queue instead of being routed nowhere (transient queues vanish with
  # the broker and oslo's casts are not mandatory). The Nova bridge must use the same (--quorum-queues).
  RABBIT_QUORUM="${OS_RABBIT_QUORUM:-true}"
  local pl="${OS_PLACEMENT_PORT:-1}" no="${OS_NOVA_PORT:-1}" ci="${OS_CINDER_PORT:-1}" ne="${OS_NEUTRON_PORT:-1}"
  mkdir -p "$d/etc/placement" "$d/etc/nova" "$d/etc/cinder" "$d/etc/neutron"

  cat >"$d/etc/placement/placement.conf" <<CONF
[DEFAULT]
debug = false
[api]
auth_strategy = noauth2
[placement_database]
connection = sqlite:///placement.sqlite?timeout=60
CONF

  noauth_paste "$NOVA_VENV/etc/nova/api-paste.ini" "$d/etc/nova/api-paste.ini"
  cat >"$d/etc/nova/nova.conf" <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
host = controller
my_ip = 127.0.0.1
state_path = $d/state/nova
debug = false
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $d/etc/nova/api-paste.ini
[api_database]
connection = sqlite:///nova_api.sqlite?timeout=60
[database]
connection = sqlite:///nova.sqlite?timeout=60
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 2
[placement]
auth_type = admin_token
endpoint = http://127.0.0.1:$pl
token = admin
[neutron]
auth_type = admin_token
endpoint = http://127.0.0.1:$ne
endpoint_override = http://127.0.0.1:$ne
token = $OS_TOKEN
[cinder]
endpoint_template = http://127.0.0.1:$ci/v3
[service_user]
send_service_user_token = true
auth_type = admin_token
endpoint = http://127.0.0.1:$no
token = nova:service
[upgrade_levels]
compute = auto
[oslo_concurrency]
lock_path = $d/state/lock
[oslo_messaging_notifications]
driver = noop
[oslo_messaging_rabbit]
rabbit_quorum_queue = $RABBIT_QUORUM
CONF

  if [ -n "${CINDER_VENV:-}" ]; then
    noauth_paste "$CINDER_VENV/etc/cinder/api-paste.ini" "$d/etc/cinder/api-paste.ini"
    cat >"$d/etc/cinder/cinder.conf" <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
host = controller
my_ip = 127.0.0.1
state_path = $d/state/cinder
debug = false
auth_strategy = keystone
api_paste_config = $d/etc/cinder/api-paste.ini
enabled_backends = dpmfc
osapi_volume_workers = 1
# cinder-volume re-publishes its pools this often: a scheduler that started after the first
# publication learns them within seconds (default 60 s: "No valid backend").
periodic_interval = 5
[database]
connection = sqlite:///cinder.sqlite?timeout=60
[dpmfc]
volume_driver = dpm_openstack.cinder_fc.DpmTestFCDriver
volume_backend_name = dpmfc
[coordination]
backend_url = file://$d/state/lock
[oslo_concurrency]
lock_path = $d/state/lock
[oslo_messaging_notifications]
driver = noop
[oslo_messaging_rabbit]
rabbit_quorum_queue = $RABBIT_QUORUM
CONF
  fi

  if [ -n "${NEUTRON_VENV:-}" ]; then
    noauth_paste "$NEUTRON_VENV/etc/neutron/api-paste.ini" "$d/etc/neutron/api-paste.ini"
    cat >"$d/etc/neutron/neutron.conf" <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
host = controller
state_path = $d/state/neutron
debug = false
auth_strategy = keystone
api_paste_config = $d/etc/neutron/api-paste.ini
core_plugin = ml2
service_plugins =
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
api_workers = 1
rpc_workers = 0
[database]
connection = sqlite:///neutron.sqlite?timeout=60
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers = dpm
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[ml2_dpm]
physical_network_vswitch_mappings = ${DPM_VSWITCH_MAPPINGS:-}
[oslo_concurrency]
lock_path = $d/state/lock
[oslo_messaging_notifications]
driver = noop
[oslo_messaging_rabbit]
rabbit_quorum_queue = $RABBIT_QUORUM
CONF
  fi
}

write_endpoints() { # <dir>
  cat <<ENV
OS_TOKEN=$OS_TOKEN
OS_PLACEMENT_URL=http://127.0.0.1:${OS_PLACEMENT_PORT:-}
OS_NOVA_URL=http://127.0.0.1:${OS_NOVA_PORT:-}/v2.1
OS_CINDER_URL=http://127.0.0.1:${OS_CINDER_PORT:-}/v3
OS_NEUTRON_URL=http://127.0.0.1:${OS_NEUTRON_PORT:-}
NOVA_VENV=$NOVA_VENV
OPENSTACKCLIENT_VENV=${OPENSTACKCLIENT_VENV:-}
OS_RABBIT_QUORUM=${OS_RABBIT_QUORUM:-true}
ENV
}

# python-openstackclient without keystone: keystoneauth's admin_token plugin sends the token, and every
# service has an endpoint override, so no catalog is needed. What still needs keystone is left out:
# commands that look up projects or users (`server list`, `flavor create`) ask for an identity v3
# client and fail ("Service requires API version '3'"); the test uses the REST API for those.
write_clouds_yaml() {
  cat <<YAML
clouds:
  dpm:
    auth_type: admin_token
    auth:
      endpoint: http://127.0.0.1:${OS_NOVA_PORT:-}/v2.1
      token: $OS_TOKEN
    compute_endpoint_override: http://127.0.0.1:${OS_NOVA_PORT:-}/v2.1
    volume_api_version: '3'
    volume_endpoint_override: http://127.0.0.1:${OS_CINDER_PORT:-}/v3
    network_endpoint_override: http://127.0.0.1:${OS_NEUTRON_PORT:-}
    placement_endpoint_override: http://127.0.0.1:${OS_PLACEMENT_PORT:-}
YAML
}
