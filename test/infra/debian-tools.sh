#!/usr/bin/env bash
# Installs the Debian packages the end-to-end suites run for real, when they are missing: the
# program shellcheck (actionlint checks workflow scripts with it), runc, umoci and skopeo (the controller
# image, run as a pod), zsh and fish (`sealkit completion` is loaded into the real shells), iproute2
# (`ip netns`: test/infra/netns-endpoint, for the CLI suites that reach the controller through the API
# server's service proxy), and PostgreSQL (the server `test/infra/up --with postgres` starts for Vault's
# database engine; its programs live off PATH, in /usr/lib/postgresql/MAJOR/bin).
# Called by `pnpm test` and .ci/run, so the README's test command brings them on a fresh machine.
# A no-op when everything is there; without root or sudo it says what to install and fails.
set -euo pipefail
missing=()
for cmd_pkg in shellcheck:shellcheck runc:runc umoci:umoci skopeo:skopeo zsh:zsh fish:fish ip:iproute2; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "${cmd_pkg%%:*}" >/dev/null 2>&1 || missing+=("${cmd_pkg#*:}")
done
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "test/infra: installing Debian packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "test/infra: error: missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  sudo=sudo
fi
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
