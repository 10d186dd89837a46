#!/usr/bin/env bash
# Assembles the controller image's root filesystem, distroless style: glibc, libgcc, libstdc++
# and CA certificates unpacked from Debian packages, the Node.js binary, the app. No shell, no
# package manager, no npm. Used by deploy/image/build.sh (no Docker) and deploy/Dockerfile alike,
# so both images have the same files.
#
#   deploy/image/rootfs.sh DEST DEBS_DIR NODE_BINARY APP_DIR
#
# DEBS_DIR holds the .deb files of deploy/image/packages.txt (apt-get download); APP_DIR is the
# output of `pnpm --filter @sealkit/controller deploy --prod`.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 DEST DEBS_DIR NODE_BINARY APP_DIR" >&2; exit 2; }
dest="$1" debs="$2" node="$3" app="$4"
[ ! -e "$dest" ] || { echo "rootfs.sh: $dest already exists" >&2; exit 1; }
mkdir -p "$dest"

shopt -s nullglob
found=0
for deb in "$debs"/*.deb; do
  dpkg-deb -x "$deb" "$dest"
  found=$((found + 1))
done
[ "$found" -gt 0 ] || { echo "rootfs.sh: no .deb files in $debs" >&2; exit 1; }

# Documentation, manuals, translations and dpkg/lintian metadata are of no use at run time; the
# copyright files stay (license terms of what the image ships).
rm -rf "$dest"/usr/share/man "$dest"/usr/share/info "$dest"/usr/share/lintian "$dest"/usr/share/locale \
  "$dest"/usr/share/bug "$dest"/usr/share/pixmaps "$dest"/usr/sbin "$dest"/etc/ca-certificates.conf.d
find "$dest/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
find "$dest/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true

# What update-ca-certificates would write (no maintainer scripts run here): one bundle, in a
# stable order.
mkdir -p "$dest/etc/ssl/certs"
find "$dest/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | xargs cat > "$dest/etc/ssl/certs/ca-certificates.crt"
[ -s "$dest/etc/ssl/certs/ca-certificates.crt" ] || { echo "rootfs.sh: no CA certificates found" >&2; exit 1; }

# The users distroless images have (root, and nonroot 65532 that the Deployment runs as), and
# name resolution as glibc expects it.
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$dest/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' > "$dest/etc/group"
printf '%s\n' 'hosts: files dns' > "$dest/etc/nsswitch.conf"
mkdir -p "$dest/tmp" "$dest/home/nonroot" "$dest/root" "$dest/var/run/secrets/kubernetes.io/serviceaccount"
chmod 1777 "$dest/tmp"
chmod 0700 "$dest/root"

install -D -m 0755 "$node" "$dest/usr/local/bin/node"
mkdir -p "$dest/app"
cp -a "$app/." "$dest/app/"
# Never used at run time: the dependencies' command shims (shell scripts that name the build
# directory; the image has no shell), type declarations, source maps (their sources are not
# shipped) and documents, of the app and its dependencies. LICENSE files stay.
find "$dest/app" -type d -name .bin -prune -exec rm -rf {} +
find "$dest/app" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -iname '*.md' \) -delete

# Owner root and no group/other write anywhere (except /tmp), whatever the build machine's umask.
chmod -R go-w "$dest"
chmod 1777 "$dest/tmp"
