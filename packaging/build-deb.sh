#!/usr/bin/env bash
# Build beacon_<version>_<arch>.deb from the one-folder bundle (packaging/build-bundle.sh).
#
#   packaging/build-deb.sh [BUNDLE_DIR [OUT_DIR]]    defaults: dist/beacon, dist
#   DEB_COMPRESSION=none packaging/build-deb.sh ...  much faster, larger (default: xz;
#                                                    gzip and zstd work too)
#
# Layout (FHS): the bundle in /usr/lib/beacon, /usr/bin/beacon a link to it, the desktop
# entry, the metainfo and the hicolor icons under /usr/share. No maintainer scripts: the
# icon cache, the desktop database and AppStream's cache are refreshed by the dpkg
# triggers of the packages that own them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$(realpath -m "${1:-$root/dist/beacon}")"
out="$(realpath -m "${2:-$root/dist}")"
[ -x "$bundle/beacon" ] || { echo "build-deb: no bundle at $bundle (run packaging/build-bundle.sh)" >&2; exit 2; }

version=$("$bundle/beacon" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
metainfo=$(cd "$root/resources" && ls ./*.metainfo.xml)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg="$stage/beacon"

install -d "$pkg/DEBIAN" "$pkg/usr/lib" "$pkg/usr/bin" "$pkg/usr/share/applications" \
    "$pkg/usr/share/metainfo" "$pkg/usr/share/doc/beacon" \
    "$pkg/usr/share/icons/hicolor/scalable/apps"
cp -a "$bundle" "$pkg/usr/lib/beacon"
ln -s ../lib/beacon/beacon "$pkg/usr/bin/beacon"

icons="$root/resources/icons"
install -m 644 "$root/resources/beacon.desktop" "$pkg/usr/share/applications/beacon.desktop"
install -m 644 "$root/resources/$metainfo" "$pkg/usr/share/metainfo/$metainfo"
install -m 644 "$icons/beacon.svg" "$pkg/usr/share/icons/hicolor/scalable/apps/beacon.svg"
for png in "$icons"/hicolor/*/apps/beacon.png; do
    size=$(basename "$(dirname "$(dirname "$png")")")
    install -D -m 644 "$png" "$pkg/usr/share/icons/hicolor/$size/apps/beacon.png"
done
# The tray states as themed status icons, in the sizes hicolor's index.theme lists: a
# panel or theme can then find them by name (beacon-connected, beacon-failed, ...).
for size in 16 22 24 32 48 64; do
    for png in "$icons/tray/colour/${size}x${size}"/*.png; do
        install -D -m 644 "$png" "$pkg/usr/share/icons/hicolor/${size}x${size}/status/$(basename "$png")"
    done
done
cat > "$pkg/usr/share/doc/beacon/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: beacon-desktop
License: MIT

Files: *
License: MIT
Comment: /usr/lib/beacon also carries Python, Qt (LGPL-3) and the Python packages Beacon
 depends on, each under its own license (see /usr/lib/beacon/_internal/*.dist-info).
COPYRIGHT

# The Qt libraries the bundle loads from the system (packaging/debian-runtime.txt), and a
# C library at least as new as the newest symbol version the bundle uses.
depends=$(grep -v -e '^#' -e '^$' "$root/packaging/debian-runtime.txt" | paste -sd, - | sed 's/,/, /g')
glibc=$(find "$pkg/usr/lib/beacon" -type f \( -name '*.so*' -o -name beacon \) \
    -exec objdump -T {} + 2>/dev/null | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' \
    | sed 's/GLIBC_//' | sort -uV | tail -1)
installed_size=$(du -sk --apparent-size "$pkg/usr" | cut -f1)

cat > "$pkg/DEBIAN/control" <<CONTROL
Package: beacon
Version: $version
Architecture: $arch
Maintainer: ${DEB_MAINTAINER:-Beacon developers <beacon@localhost>}
Installed-Size: $installed_size
Depends: libc6 (>= $glibc), $depends
Suggests: gnome-keyring
Section: net
Priority: optional
Homepage: https://beacon-desktop.example.org/
Description: tray client for Pusher Channels servers
 Beacon connects to any server that speaks the Pusher Channels protocol (Pusher,
 Soketi, Laravel Reverb, Sockudo) and turns the events of the channels you choose
 into a searchable activity stream, native notifications and a tray icon that
 shows the connection state and the unread count. Secrets stay in the system
 keyring.
CONTROL

mkdir -p "$out"
deb="$out/beacon_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$pkg" "$deb" >/dev/null
echo "build-deb: $deb ($(du -h "$deb" | cut -f1))"
