#!/usr/bin/env bash
# Installs what the tests and the example app need on a fresh Debian 12
# machine: the GTK/WebKit libraries Tauri builds against, Xvfb and the
# WebKit WebDriver for the end-to-end tests, and Node.js if it is missing.
# Safe to run again: it only installs what is not there.
set -euo pipefail

packages=(
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  build-essential pkg-config xvfb xauth webkit2gtk-driver dbus-x11
  imagemagick curl ca-certificates
)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: a Rust toolchain (cargo) is required" >&2; exit 1; }
