# Sourced by scripts/build-image.sh and scripts/build-stack-images.sh: podman (no Docker engine and
# no registry here) with the engine settings that work on this machine, and the Debian bookworm
# base image, debootstrapped once into $CACHE and imported as $BASE.
# Expects: CACHE (a folder), BASE (the base image's name), DEBIAN_MIRROR, log().

# Tools: Debian's podman with runc (crun fails on this machine's hybrid cgroups), debootstrap.
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  log "installing podman, runc, debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
fi
# Engine settings that work here: runc, cgroupfs, file events, ulimits within the hard limits
# (no CAP_SYS_RESOURCE). Written only when absent, so an admin's own file is kept.
if [ ! -e /etc/containers/containers.conf ]; then
  log "writing /etc/containers/containers.conf"
  mkdir -p /etc/containers
  cat >/etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi

# The base image: Debian bookworm minbase, debootstrapped once and imported.
if ! podman image exists "$BASE"; then
  tarball="$CACHE/debian-bookworm-minbase.tar"
  if [ ! -e "$tarball" ]; then
    log "debootstrap bookworm (minbase) from $DEBIAN_MIRROR"
    rootfs="$(mktemp -d)"
    debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$CACHE/debootstrap.log" 2>&1
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  log "importing the base image"
  podman import "$tarball" "$BASE" >/dev/null
fi

