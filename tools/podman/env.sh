#!/usr/bin/env bash
# Source me: points podman at the project-local configuration (tools/podman/containers.conf, with the
# machine's hard ulimits filled in) kept under ~/.cache/dpm-operator/podman. Never touches /etc.
_dpm_podman_dir=${DPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dpm-operator}/podman
mkdir -p "$_dpm_podman_dir"
# The hard limits, capped: nproc above 32768 fails in runc with EPERM on this kind of machine (measured:
# 32768 works, 65536 does not, with a hard limit of 96362).
_dpm_cap() { local h; h=$(ulimit -H "$1"); [ "$h" = unlimited ] && h=$2; [ "$h" -gt "$2" ] && h=$2; echo "$h"; }
sed -e "s/@NOFILE@/$(_dpm_cap -n 1048576)/g" -e "s/@NPROC@/$(_dpm_cap -u 32768)/g" \
  "$(dirname "${BASH_SOURCE[0]}")/containers.conf" >"$_dpm_podman_dir/containers.conf.new"
mv "$_dpm_podman_dir/containers.conf.new" "$_dpm_podman_dir/containers.conf"
export CONTAINERS_CONF=$_dpm_podman_dir/containers.conf
unset -f _dpm_cap
