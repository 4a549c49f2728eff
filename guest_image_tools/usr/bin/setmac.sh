#!/bin/bash
#
# setmac.sh - set the MAC of a new qeth interface from the kernel command line.
#
# Called by udev (80-setmac.rules) with the interface's device path, for example
#   /devices/qeth/0.0.f5f0/net/encf5f0
#   /devices/css0/0.0.0010/0.0.f5f0/0.0.f5f0/net/encf5f0
# (with or without a leading /sys), or manually with a device bus ID:
#   /usr/bin/setmac.sh 0.0.f5f0
# The device number of the qeth group device (the last 0.<ssid>.<devno> path component before
# /net/) is looked up among the <devno>,<port>[,<mac>]; entries of /proc/cmdline (any case, any
# subchannel set) and the MAC is set with `ip link set dev <if> address <mac>`. A MAC that is
# already set is not set again; no entry, or an entry without a MAC, changes nothing.
# Exit status: 0 done or nothing to do, 1 error (logged), 2 usage error.

# shellcheck source-path=SCRIPTDIR
# shellcheck source=dpm_guest_image_tools_common
. "${BASH_SOURCE[0]%/*}/dpm_guest_image_tools_common"
dpm_enable_err_trap

DPM_BUSID=""
DPM_IFNAME=""

# dpm_parse_devpath ARG: sets DPM_BUSID and DPM_IFNAME from a device path or a bus ID.
dpm_parse_devpath() {
	local arg="${1%/}" i n
	local -a parts=()
	local busid_re='^0\.[0-3]\.[0-9A-Fa-f]{4}$'
	if [[ $arg =~ $busid_re ]]; then
		DPM_BUSID="${arg,,}"
		DPM_IFNAME=$(dpm_ifname_of "$DPM_BUSID") || {
			dpm_err "device $DPM_BUSID has no network interface"
			return 1
		}
		return 0
	fi
	IFS=/ read -r -a parts <<<"$arg"
	n=${#parts[@]}
	# .../<bus id>/net/<ifname>
	if ((n < 3)) || [[ ${parts[n - 2]} != net ]]; then
		return 1
	fi
	DPM_IFNAME="${parts[n - 1]}"
	for ((i = n - 3; i >= 0; i--)); do
		if [[ ${parts[i]} =~ $busid_re ]]; then
			DPM_BUSID="${parts[i],,}"
			return 0
		fi
	done
	return 1
}

main() {
	local devno mac
	if (($# != 1)) || [[ -z $1 ]]; then
		dpm_err "usage: setmac.sh <device path>|<device bus id>"
		return 2
	fi
	if ! dpm_parse_devpath "$1"; then
		dpm_err "cannot derive a qeth device bus ID and interface from $(dpm_shorten "$1")"
		return 1
	fi
	if ! dpm_valid_ifname "$DPM_IFNAME"; then
		dpm_err "invalid interface name $(dpm_shorten "$DPM_IFNAME") in $(dpm_shorten "$1")"
		return 1
	fi
	devno="${DPM_BUSID##*.}"

	if ! dpm_parse_cmdline "$devno"; then
		dpm_err "interface $DPM_IFNAME (device $DPM_BUSID): MAC not set"
		return 1
	fi
	if [[ -z ${DPM_PORT[$devno]:-} ]]; then
		dpm_info "interface $DPM_IFNAME (device $DPM_BUSID): no entry on the kernel command line, MAC unchanged"
		return 0
	fi
	mac="${DPM_MAC[$devno]}"
	if [[ -z $mac ]]; then
		dpm_info "interface $DPM_IFNAME (device $DPM_BUSID): entry has no MAC, MAC unchanged"
		return 0
	fi
	dpm_set_mac "$DPM_IFNAME" "$mac"
}

rc=0
main "$@" || rc=$?
exit "$rc"
