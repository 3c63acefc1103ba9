#!/usr/bin/env bash
# Installs a CPU Vulkan driver (Mesa's lavapipe) so Dawn (npm `webgpu`) finds a WebGPU adapter on
# a machine without a GPU. Dawn needs Mesa 25, which Debian bookworm has in bookworm-backports:
# this adds that suite with the same URIs as the machine's Debian source, then installs
# mesa-vulkan-drivers from it. Safe to run again. Needs root (or sudo).
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! command -v apt-get >/dev/null; then
  echo "setup-webgpu: not a Debian/Ubuntu machine; install a Vulkan driver (Mesa >= 25 lavapipe or a GPU driver) yourself" >&2
  exit 1
fi

src=/etc/apt/sources.list.d/debian.sources
backports=/etc/apt/sources.list.d/kiln-bookworm-backports.sources
if [ ! -f "$backports" ]; then
  uris=$(awk '/^URIs:/ && !/security/ {print $2; exit}' "$src" 2>/dev/null || true)
  [ -n "${uris:-}" ] || uris=$(awk '/^deb / && !/security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "${uris:-}" ] || uris="http://deb.debian.org/debian"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uris" | $SUDO tee "$backports" >/dev/null
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers >/dev/null
echo "setup-webgpu: $(dpkg-query -W -f='${Package} ${Version}' mesa-vulkan-drivers) installed; set XDG_RUNTIME_DIR (e.g. /tmp) to quiet Mesa"
