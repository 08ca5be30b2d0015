#!/usr/bin/env bash
# Build Beacon.app and a .dmg on macOS 11+ (Python 3.11+ from python.org or Homebrew):
#
#   packaging/macos/build.sh
#
# Output: dist/Beacon.app and dist/Beacon-<version>.dmg. Signing and notarizing, which
# need an Apple Developer ID, are described in packaging/README.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

python3 -m venv build/bundle-venv
build/bundle-venv/bin/python -m pip install -q --upgrade pip
build/bundle-venv/bin/python -m pip install -q '.[bundle]'

# The .icns from the PNGs packaging/make_icons.py rendered (iconutil's naming: a size
# and its @2x twin).
iconset=build/beacon.iconset
rm -rf "$iconset" && mkdir -p "$iconset"
for size in 16 32 128 256; do
    cp "resources/icons/hicolor/${size}x${size}/apps/beacon.png" "$iconset/icon_${size}x${size}.png"
    double=$((size * 2))
    cp "resources/icons/hicolor/${double}x${double}/apps/beacon.png" "$iconset/icon_${size}x${size}@2x.png"
done
cp resources/icons/hicolor/512x512/apps/beacon.png "$iconset/icon_512x512.png"
iconutil --convert icns --output build/beacon.icns "$iconset"

build/bundle-venv/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
    packaging/beacon.spec
version=$(dist/Beacon.app/Contents/MacOS/beacon --version | awk '{print $2}')

rm -f "dist/Beacon-$version.dmg"
hdiutil create -volname Beacon -srcfolder dist/Beacon.app -ov -format UDZO "dist/Beacon-$version.dmg"
echo "dist/Beacon-$version.dmg"
