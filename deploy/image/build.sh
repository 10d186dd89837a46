#!/usr/bin/env bash
# Builds the sealkit controller image without a Docker daemon and without pulling a base image,
# as an OCI image layout directory: a distroless-style root (deploy/image/rootfs.sh) in one layer,
# reproducible (the same commit and SOURCE_DATE_EPOCH give the same digest).
#
#   deploy/image/build.sh [--out DIR] [--tag TAG]      (default: deploy/image/out, the package version)
#
# Then, for example:
#   skopeo copy oci:deploy/image/out:0.1.0 docker://REGISTRY/sealkit/controller:0.1.0
#   skopeo copy oci:deploy/image/out:0.1.0 docker-daemon:sealkit/controller:0.1.0
#
# Needs: Node 24 from the workspace (npx pnpm install), apt-get and dpkg-deb (Debian/Ubuntu; run
# apt-get update first), tar and gzip. Environment: SOURCE_DATE_EPOCH (default: the time of the
# last commit) sets every file time and the image's creation time.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$repo/deploy/image"
out="$here/out"
tag=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

log() { printf '[image %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }
t0=$SECONDS

node="$repo/node_modules/node/bin/node"
[ -x "$node" ] || die "no Node binary at $node: run 'npx -y pnpm@10.34.8 install' first"
node_version="$("$node" --version)"
case "$node_version" in v24.*) ;; *) die "expected Node 24 in node_modules/node, found $node_version" ;; esac
pnpm=(npx -y pnpm@10.34.8)
version="$("$node" -p "require('$repo/packages/controller/package.json').version")"
tag="${tag:-$version}"
revision="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}"
created="$("$node" -p "new Date($epoch * 1000).toISOString().replace(/\\.000Z\$/, 'Z')")"
case "$(dpkg --print-architecture)" in
  amd64) arch=amd64 ;; arm64) arch=arm64 ;; *) die "unsupported architecture $(dpkg --print-architecture)" ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/sealkit-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "compiling the controller and collecting its production dependencies (pnpm deploy --prod)"
( cd "$repo" && "${pnpm[@]}" exec tsc -b packages/controller >&2 )
( cd "$repo" && "${pnpm[@]}" --filter @sealkit/controller deploy --prod --legacy "$work/app" >&2 )
# pnpm's own bookkeeping (it records when it ran): not needed to run, and not reproducible.
rm -f "$work/app/node_modules/.modules.yaml" "$work/app/node_modules/.pnpm/lock.yaml"

log "downloading Debian packages: $(grep -v '^#' "$here/packages.txt" | tr '\n' ' ')"
mkdir -p "$work/debs"
chmod 0755 "$work" "$work/debs" # apt-get hands the download to its unprivileged _apt user
download() {
  # shellcheck disable=SC2046 # one package name per word
  ( cd "$work/debs" && apt-get download -q $(grep -v '^#' "$here/packages.txt") >&2 )
}
if ! download; then
  # A fresh machine has no package lists yet; as root, fetch them once and try again.
  [ "$(id -u)" = 0 ] || die "apt-get download failed: run apt-get update first"
  log "apt-get download failed; running apt-get update"
  apt-get update -q >&2 || die "apt-get update failed"
  download || die "apt-get download failed"
fi

log "assembling the root filesystem"
"$here/rootfs.sh" "$work/rootfs" "$work/debs" "$node" "$work/app"

log "writing the layer (sorted, owner 0:0, times = SOURCE_DATE_EPOCH $epoch)"
( cd "$work/rootfs" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort > "$work/files" )
tar -C "$work/rootfs" --no-recursion --format=gnu --owner=0 --group=0 --numeric-owner \
  --mtime="@$epoch" -cf "$work/layer.tar" -T "$work/files"
diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
gzip -n -6 -c "$work/layer.tar" > "$work/layer.tar.gz"

# The Dockerfile sets the same (test/e2e/install/image.test.ts compares them).
TAG="$tag" VERSION="$version" REVISION="$revision" CREATED="$created" "$node" -e '
  const e = process.env;
  process.stdout.write(JSON.stringify({
    User: "65532:65532",
    ExposedPorts: { "8080/tcp": {} },
    Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production"],
    Entrypoint: ["/usr/local/bin/node", "--max-semi-space-size=2", "--optimize-for-size", "/app/bin/sealkit-controller.js"],
    Cmd: ["--listen=0.0.0.0:8080"],
    WorkingDir: "/app",
    Labels: {
      "org.opencontainers.image.title": "sealkit-controller",
      "org.opencontainers.image.description": "sealkit controller: SealedSecrets and RemoteSecrets to Kubernetes Secrets",
      "org.opencontainers.image.source": "https://github.com/sealkit/sealkit",
      "org.opencontainers.image.url": "https://github.com/sealkit/sealkit",
      "org.opencontainers.image.licenses": "Apache-2.0",
      "org.opencontainers.image.version": e.VERSION,
      "org.opencontainers.image.revision": e.REVISION,
      "org.opencontainers.image.created": e.CREATED,
    },
  }));
' > "$work/config.json"

rm -rf "$out.tmp"
digest="$("$node" "$here/oci-layout.mjs" --layout "$out.tmp" --layer "$work/layer.tar.gz" --diff-id "$diff_id" \
  --tag "$tag" --arch "$arch" --created "$created" --config "$work/config.json")"
rm -rf "$out"
mv "$out.tmp" "$out"

compressed=$(stat -c %s "$work/layer.tar.gz")
uncompressed=$(stat -c %s "$work/layer.tar")
log "built oci:$out:$tag ($arch) digest $digest in $(( SECONDS - t0 ))s"
log "size: $(( compressed / 1048576 )) MiB compressed, $(( uncompressed / 1048576 )) MiB unpacked, $(wc -l < "$work/files") files"
printf '%s\n' "$digest"
