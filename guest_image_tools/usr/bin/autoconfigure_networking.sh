#!/bin/bash
#
# autoconfigure_networking.sh - bring up the qeth NICs listed on the kernel command line.
#
# For every valid <devno>,<port>[,<mac>]; entry in /proc/cmdline (see dpm_guest_image_tools_common)
# the OSA or HiperSockets device 0.<ssid>.<devno> is enabled in layer 2 mode on the given port:
#   chzdev -e -a -y qeth <read>:<write>:<data> layer2=1 portno=<port>     (s390-tools >= 1.33)
#   znetconf -a <bus-id> -o portno=<port> -o layer2=1                       (fallback)
# Devices that are already online are left alone. Afterwards the MACs from the entries are set
# (the same thing setmac.sh does from udev), so that they are in place before cloud-init runs.
# No IP configuration: cloud-init does that.
#
# Idempotent: a second run changes nothing. A failing entry makes the script exit 1 but does not
# stop the others. Run by autoconfigure_networking.service; manual use:
#   /usr/bin/autoconfigure_networking.sh

# shellcheck source-path=SCRIPTDIR
# shellcheck source=dpm_guest_image_tools_common
. "${BASH_SOURCE[0]%/*}/dpm_guest_image_tools_common"
dpm_enable_err_trap

# dpm_configure_device DEVNO PORT: enables the qeth device unless it is online already.
dpm_configure_device() {
	local devno=$1 port=$2 busid existing="" online="" current_port ids
	if existing=$(dpm_find_bus_id "$DPM_CCWGROUP_DIR" "$devno"); then
		online=1
		if [[ -r $DPM_CCWGROUP_DIR/$existing/online ]]; then
			online=$(<"$DPM_CCWGROUP_DIR/$existing/online")
		fi
		if [[ $online == 1 ]]; then
			if [[ -r $DPM_CCWGROUP_DIR/$existing/portno ]]; then
				current_port=$(<"$DPM_CCWGROUP_DIR/$existing/portno")
				if [[ $current_port != "$port" ]]; then
					dpm_warn "device $existing is online on port $current_port, not $port; leaving it unchanged"
				fi
			fi
			dpm_info "device $existing is already online, skipping"
			return 0
		fi
		busid=$existing
	elif ! busid=$(dpm_find_bus_id "$DPM_CCW_DIR" "$devno"); then
		busid="0.0.$devno"
	fi

	if command -v chzdev >/dev/null 2>&1; then
		ids=$(dpm_group_ids "$busid") || return 1
		dpm_run chzdev -e -a -y qeth "$ids" layer2=1 "portno=$port" || return 1
	elif [[ -n $existing ]]; then
		# Grouped but offline, and no chzdev: znetconf only adds ungrouped devices.
		dpm_write_attr "$existing" layer2 1 || return 1
		dpm_write_attr "$existing" portno "$port" || return 1
		dpm_write_attr "$existing" online 1 || return 1
	elif command -v znetconf >/dev/null 2>&1; then
		dpm_run znetconf -a "$busid" -o "portno=$port" -o layer2=1 || return 1
	else
		dpm_err "device $busid: neither chzdev nor znetconf is installed (package s390-tools / s390utils)"
		return 1
	fi
	dpm_info "device $busid: enabled in layer 2 mode on port $port"
}

dpm_write_attr() {
	local busid=$1 attr=$2 value=$3 file
	file="$DPM_CCWGROUP_DIR/$busid/$attr"
	if ! { printf '%s\n' "$value" >"$file"; } 2>/dev/null; then
		dpm_err "device $busid: could not write $value to $file"
		return 1
	fi
}

main() {
	local rc=0 devno busid ifname
	local -a configured=()

	dpm_parse_cmdline "" || rc=1
	if ((${#DPM_DEVNOS[@]} == 0)); then
		dpm_info "no usable NIC entries on the kernel command line"
		return "$rc"
	fi

	dpm_udev_settle
	if [[ ! -d $DPM_QETH_DRIVER_DIR ]]; then
		dpm_run modprobe qeth || rc=1
	fi

	for devno in "${DPM_DEVNOS[@]}"; do
		if dpm_configure_device "$devno" "${DPM_PORT[$devno]}"; then
			configured+=("$devno")
		else
			dpm_err "device $devno: configuration failed"
			rc=1
		fi
	done

	# setmac.sh runs from udev for new interfaces; wait for it, then make sure every MAC is set
	# before this service (ordered before cloud-init) finishes.
	dpm_udev_settle
	for devno in "${configured[@]}"; do
		[[ -n ${DPM_MAC[$devno]} ]] || continue
		if ! busid=$(dpm_find_bus_id "$DPM_CCWGROUP_DIR" "$devno") || ! ifname=$(dpm_ifname_of "$busid"); then
			dpm_err "device $devno: no network interface found, MAC ${DPM_MAC[$devno]} not set"
			rc=1
			continue
		fi
		dpm_set_mac "$ifname" "${DPM_MAC[$devno]}" || rc=1
	done
	return "$rc"
}

rc=0
main "$@" || rc=$?
if ((rc != 0)); then
	dpm_err "finished with errors"
fi
exit "$rc"
