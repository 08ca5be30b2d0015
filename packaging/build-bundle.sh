#!/usr/bin/env bash
# Build the one-folder bundle, dist/beacon/, with PyInstaller (packaging/beacon.spec).
#
#   packaging/build-bundle.sh [DIST_DIR]      default: dist
#
# PyInstaller and Beacon go into their own venv (build/bundle-venv), installed from this
# checkout as a user would install them, so the bundle holds exactly what a wheel does.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dist="$(realpath -m "${1:-$root/dist}")"
venv="$root/build/bundle-venv"
cd "$root"

stamp=$(cat pyproject.toml packaging/beacon.spec | sha256sum | cut -c1-16)
if [ ! -x "$venv/bin/pyinstaller" ] || [ "$(cat "$venv/.beacon-stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "build-bundle: installing Beacon and PyInstaller into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q '.[bundle]'
    echo "$stamp" > "$venv/.beacon-stamp"
else
    # The code may have changed since: reinstall Beacon alone (seconds, no dependencies).
    "$venv/bin/python" -m pip install -q --no-deps --force-reinstall .
fi

"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$dist" --workpath "$root/build/pyinstaller" packaging/beacon.spec
"$dist/beacon/beacon" --version >/dev/null
echo "build-bundle: $dist/beacon ($(du -sh "$dist/beacon" | cut -f1))"
