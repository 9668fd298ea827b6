#!/usr/bin/env bash
# Makes the image's base, a Debian 12 minbase like debian:bookworm-slim, from Debian's apt mirror
# with debootstrap, for machines that reach no container registry. Does nothing when it exists.
set -euo pipefail

engine=${1:?usage: base-image.sh ENGINE [IMAGE]}
image=${2:-localhost/kvactor-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

if "$engine" image inspect "$image" >/dev/null 2>&1; then exit 0; fi

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
work=$(mktemp -d)
trap '$sudo rm -rf "$work"' EXIT
root=$work/rootfs
log=$work/debootstrap.log

echo "making $image with debootstrap from $mirror (once; later builds reuse it)"
$sudo debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1 || {
  tail -20 "$log" >&2
  exit 1
}

# What the slim image sets: packages installed later leave out documentation and translations,
# and apt fetches no translated descriptions. Security updates come with the release.
$sudo tee "$root/etc/dpkg/dpkg.cfg.d/slim" >/dev/null <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CONF
echo 'Acquire::Languages "none";' | $sudo tee "$root/etc/apt/apt.conf.d/no-languages" >/dev/null
$sudo tee "$root/etc/apt/sources.list" >/dev/null <<LIST
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security_mirror bookworm-security main
LIST
# The same exclusions for what debootstrap already installed, and no caches in the layer.
$sudo find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
$sudo rm -rf "$root"/usr/share/{man,info,locale,lintian}/* \
  "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/*.log

$sudo tar -C "$root" --numeric-owner -c . | $sudo "$engine" import - "$image" >/dev/null
echo "made $image"
