#!/usr/bin/env bash
# Builds the real components the tests run against, from Go modules, and caches them by version
# under $SEALKIT_TESTBIN_DIR (default ~/.cache/sealkit/testbin).
#
#   test/infra/build.sh [etcd|kube|vault|bitnami|toxiproxy|lua|helm|actionlint|all ...]  (default: all)
#   test/infra/build.sh --print-paths                            (where the binaries are / will be)
#   test/infra/build.sh --path lua|helm|actionlint               (one tool's binary, for tests)
#
# A component already in the cache is skipped, so this is cheap to call before every `up`.
# Download sites for release binaries are unreachable from our machines; only the Go module proxy
# is, which is why everything is compiled here. See docs/test-infra.md for the why of each step.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Run one component build under a lock (two `up`s at once must not build into the same dir) and
# time it. The build writes into a scratch dir and moves it into place at the end, so an
# interrupted build never leaves a half-filled cache entry.
with_build() {
  local name="$1" dest="$2" fn="$3"
  if is_built "$dest"; then log "$name: cached at $dest"; return 0; fi
  mkdir -p "$TESTBIN_DIR"
  exec 9>"$TESTBIN_DIR/.lock-$name"
  if ! flock -n 9; then
    log "$name: another build holds the lock; waiting"
    flock 9
  fi
  if is_built "$dest"; then log "$name: cached at $dest"; exec 9>&-; return 0; fi
  go_env_setup
  local work="$TESTBIN_DIR/.build/$name"
  rm -rf "$work" "$dest.tmp"
  mkdir -p "$work" "$dest.tmp"
  local t0=$SECONDS
  log "$name: building (first run on this machine; takes minutes; log lines follow)"
  # A heartbeat, so a long compile does not look like a hang in CI logs. It stops with us.
  ( while sleep "${SEALKIT_BUILD_HEARTBEAT:-60}" >/dev/null 2>&1 && kill -0 $$ 2>/dev/null; do log "$name: still building ($(( SECONDS - t0 ))s)"; done ) 9>&- &
  local hb=$!
  trap "kill $hb 2>/dev/null || true" EXIT
  ( cd "$work"; "$fn" "$dest.tmp" )
  kill "$hb" 2>/dev/null || true
  trap - EXIT
  printf '%s\n' "built $(date -u +%FT%TZ) in $(( SECONDS - t0 ))s with $(go version)" > "$dest.tmp/.complete"
  rm -rf "$dest"; mv "$dest.tmp" "$dest"
  rm -rf "$work"
  log "$name: built in $(( SECONDS - t0 ))s -> $dest"
  exec 9>&-
}

# Prints the value of a field of `go mod download -json` for one module@version.
mod_field() { gorun mod download -json "$1" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}$/\1/p"; }

# ---- etcd ----------------------------------------------------------------------------------
# go.etcd.io/etcd/server/v3 has replace directives in its own go.mod, so `go install` refuses it;
# as a dependency of a throwaway module those are ignored and its requirements (the other etcd
# modules at the same version) apply.
build_etcd() {
  local out="$1"
  cat > go.mod <<EOF
module sealkit.test/etcdbuild

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  # Our own two-line entry point: etcdmain.Main is what etcd's main package calls.
  cat > main.go <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  log "etcd: resolving go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  gorun mod tidy
  log "etcd: compiling"
  gorun build -trimpath -ldflags "-s -w" -o "$out/etcd" .
  cp go.mod "$out/go.mod.txt"
}

# ---- kube-apiserver + kube-controller-manager --------------------------------------------
# k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging paths.
# The throwaway module replaces each with the published k8s.io/<name> v0.<minor>.<patch>; the list
# is read from that release's go.mod, so it follows the release instead of being hard-coded.
build_kube() {
  local out="$1" v="$KUBE_VERSION"
  local major minor patch
  IFS=. read -r major minor patch <<<"${v#v}"
  local staging_v="v0.$minor.${patch%%-*}"
  log "kube: fetching k8s.io/kubernetes@$v go.mod"
  local gomod; gomod="$(mod_field "k8s.io/kubernetes@$v" GoMod)"
  [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@$v"
  local goline; goline="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")"
  local staging; staging="$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$gomod")"
  [ -n "$staging" ] || die "no './staging' replace lines found in $gomod"
  log "kube: $(wc -w <<<"$staging") staging modules -> $staging_v"
  {
    echo "module sealkit.test/kubebuild"
    echo
    echo "go ${goline:-1.26.0}"
    echo
    sed -n 's/^godebug .*/&/p' "$gomod"
    echo "require k8s.io/kubernetes $v"
    echo
    echo "tool ("
    echo "	k8s.io/kubernetes/cmd/kube-apiserver"
    echo "	k8s.io/kubernetes/cmd/kube-controller-manager"
    echo ")"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m $staging_v"; done
    echo ")"
  } > go.mod
  log "kube: resolving module graph (downloads ~1 GB of modules on a cold cache)"
  gorun mod tidy
  local commit=""  # not known from the module zip; the version string is what /version reports
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%FT%TZ)"
    # The module zip carries no commit; an empty gitCommit beats the "$Format:%H$" placeholder.
    ld+=" -X $pkg.gitCommit=$commit"
  done
  log "kube: compiling kube-apiserver and kube-controller-manager (10-20 min on 2 cores)"
  gorun build -trimpath -ldflags "$ld" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
  cp go.mod "$out/go.mod.txt"
}

# ---- Vault -------------------------------------------------------------------------------
# Vault's root go.mod replaces its in-repo modules (api, sdk, api/auth/*) with local paths, so
# `go install` refuses it, and a release builds against those modules *at the release commit*.
# The Go proxy reachable here serves the release (github.com/hashicorp/vault v1.21.4) and the
# in-repo modules' own tags, but no pseudo-version of any commit (403 "This module version is not
# available", for OpenBao's pinned commit and for Vault's), so the release commit's sdk cannot be
# had. We therefore build the release source against the sdk/api versions its go.mod requires
# (read from it), with a small adapter for the few call sites where the release branch's sdk
# differs from the tagged sdk (vault_adapt_sources). See docs/test-infra.md.
build_vault() {
  local out="$1" root="github.com/hashicorp/vault"
  log "vault: fetching $root@$VAULT_VERSION"
  local gomod dir
  gomod="$(mod_field "$root@$VAULT_VERSION" GoMod)"
  dir="$(mod_field "$root@$VAULT_VERSION" Dir)"
  [ -f "$gomod" ] && [ -d "$dir" ] || die "the Go proxy did not serve $root@$VAULT_VERSION"
  local goline; goline="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")"
  # in-repo modules: the left side of every `=> ./...` replace
  local locals; locals="$(sed -n 's#^[[:space:]]*\(replace \)\{0,1\}\(github.com/hashicorp/vault/[^ ]*\) => \./.*#\2#p' "$gomod" | sort -u)"
  [ -n "$locals" ] || die "no local replace directives found in $gomod"
  # A writable copy of the release source (the module cache is read-only), adapted below.
  cp -r "$dir" src
  chmod -R u+w src
  rm -rf src/website src/ui src/enos src/changelog
  vault_adapt_sources src
  {
    echo "module sealkit.test/vaultbuild"
    echo
    echo "go ${goline:-1.26.0}"
    echo
    echo "require $root $VAULT_VERSION"
    echo
    echo "tool $root"
    echo
    echo "replace ("
    echo "	$root => ./src"
    local m pv
    for m in $locals; do
      pv="$(awk -v m="$m" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$gomod")"
      [ -n "$pv" ] || die "$gomod replaces $m locally but requires no version of it"
      log "vault: pin $m => $pv"
      echo "	$m => $m $pv"
    done
    # Non-local replace directives of the release, verbatim (forks it depends on).
    awk '
      /^replace \($/ { inblk=1; next }
      inblk && /^\)$/ { inblk=0; next }
      inblk && /=>/ && !/=> \.\.?\// { print "\t" $0 }
      /^replace [^(]/ && !/=> \.\.?\// { sub(/^replace /, ""); print "\t" $0 }
    ' "$gomod"
    echo ")"
  } > go.mod
  log "vault: resolving module graph (several hundred modules on a cold cache)"
  gorun mod tidy
  log "vault: compiling (the server and its CLI are one binary; 15-30 min on 2 cores)"
  local ld="-s -w -X $root/version.GitCommit=$VAULT_VERSION-sealkit-testbuild -X $root/version.BuildDate=$(date -u +%FT%TZ)"
  gorun build -trimpath -ldflags "$ld" -o "$out/vault" "$root"
  cp go.mod "$out/go.mod.txt"
  printf '%s\n' "${VAULT_ADAPTED[@]}" > "$out/adapted-call-sites.txt"
}

# adapt FILE PERL_SUBSTITUTION DESCRIPTION: applies the edit, which must match exactly once.
VAULT_ADAPTED=()
adapt() {
  local f="$1" expr="$2" what="$3" n
  [ -f "$f" ] || die "vault adapter: $f not found (review vault_adapt_sources for $VAULT_VERSION)"
  n="$(perl -0ne "\$n = (${expr}g); print \$n+0" "$f")"
  [ "$n" = 1 ] || die "vault adapter '$what' matched $n times in $f (expected 1): review vault_adapt_sources for $VAULT_VERSION"
  perl -0pi -e "$expr" "$f"
  VAULT_ADAPTED+=("${f#*/}: $what")
  log "vault: adapted ${f#*/}: $what"
}

# The release branch's sdk differs from the tagged sdk its go.mod requires in two signatures.
# Each adapter keeps the release's behaviour: the extra argument is ignored / passed empty, and the
# restored transit key keeps the requested name (only used for an observation record).
vault_adapt_sources() {
  local s="$1"
  case "$VAULT_VERSION" in
    v1.21.4)
      adapt "$s/vault/identity_store.go" \
        's/ActivationFunc: iStore\.activateDeduplication,/ActivationFunc: func(ctx context.Context, req *logical.Request, _ string) error { return iStore.activateDeduplication(ctx, req) },/' \
        'framework.Backend.ActivationFunc takes a feature name in sdk v0.21.0'
      adapt "$s/vault/logical_system_activation_flags.go" \
        's/b\.idStoreBackend\.ActivationFunc\(ctx, nil\)/b.idStoreBackend.ActivationFunc(ctx, nil, "")/' \
        'call ActivationFunc with the extra (unused) feature-name argument'
      adapt "$s/builtin/logical/transit/path_restore.go" \
        's/restoredKeyName, err := b\.lm\.RestorePolicy\(ctx, req\.Storage, keyName, backupB64, force\)/restoredKeyName := keyName\n\terr := b.lm.RestorePolicy(ctx, req.Storage, keyName, backupB64, force)/' \
        'keysutil.LockManager.RestorePolicy returns only an error in sdk v0.21.0'
      ;;
  esac
}

# ---- Bitnami sealed-secrets --------------------------------------------------------------
# These modules have no local replace directives, so `go install` works directly.
build_bitnami() {
  local out="$1" m="github.com/bitnami-labs/sealed-secrets"
  log "bitnami: go install $m/cmd/{kubeseal,controller}@$BITNAMI_VERSION"
  GOBIN="$out" gorun install -trimpath -ldflags "-s -w -X main.VERSION=$BITNAMI_VERSION" \
    "$m/cmd/kubeseal@$BITNAMI_VERSION" "$m/cmd/controller@$BITNAMI_VERSION"
  # The controller's CRD ships inside the module; keep a copy next to the binaries.
  local dir; dir="$(gorun list -m -f '{{.Dir}}' "$m@$BITNAMI_VERSION" 2>/dev/null || true)"
  [ -n "$dir" ] || dir="$(mod_field "$m@$BITNAMI_VERSION" Dir)"
  if [ -d "$dir/helm/sealed-secrets/crds" ]; then
    cp "$dir"/helm/sealed-secrets/crds/*.yaml "$out/"
    chmod u+w "$out"/*.yaml
  else
    log "bitnami: warning: no CRD found under $dir/helm/sealed-secrets/crds"
  fi
}

# ---- Toxiproxy --------------------------------------------------------------------------
# No local replace directives: a plain `go install` of the server and its CLI. The binaries are
# renamed from the package names (server, cli) to what they are.
build_toxiproxy() {
  local out="$1" m="github.com/Shopify/toxiproxy/v2"
  log "toxiproxy: go install $m/cmd/{server,cli}@$TOXIPROXY_VERSION"
  GOBIN="$out" gorun install -trimpath -ldflags "-s -w -X $m.Version=$TOXIPROXY_VERSION" \
    "$m/cmd/server@$TOXIPROXY_VERSION" "$m/cmd/cli@$TOXIPROXY_VERSION"
  mv "$out/server" "$out/toxiproxy-server"
  mv "$out/cli" "$out/toxiproxy-cli"
}

# ---- Argo CD's Lua runtime: test/lua-harness ----------------------------------------------
# Runs deploy/argocd/*.lua as Argo CD does (see test/lua-harness/main.go). The harness source is
# part of the cache key, so editing it rebuilds it.
lua_harness_src() { echo "$INFRA_DIR/../lua-harness/main.go"; }
lua_bin_dir() {
  local h; h="$(sha256sum "$(lua_harness_src)" | cut -c1-12)"
  echo "$TESTBIN_DIR/argocd-lua/$GOPHER_LUA_VERSION-$h"
}
build_lua() {
  local out="$1"
  cp "$(lua_harness_src)" main.go
  cat > go.mod <<EOF
module sealkit.test/argocdlua

go 1.26.0

require (
	github.com/yuin/gopher-lua $GOPHER_LUA_VERSION
	layeh.com/gopher-json $GOPHER_JSON_VERSION
)
EOF
  log "lua: resolving github.com/yuin/gopher-lua@$GOPHER_LUA_VERSION"
  gorun mod tidy
  gorun build -trimpath -ldflags "-s -w" -o "$out/argocd-lua" .
  cp go.mod "$out/go.mod.txt"
}

# ---- actionlint: checks .github/workflows ---------------------------------------------------
actionlint_bin_dir() { echo "$TESTBIN_DIR/actionlint/$ACTIONLINT_VERSION"; }
build_actionlint() {
  local out="$1" m="github.com/rhysd/actionlint"
  log "actionlint: go install $m/cmd/actionlint@$ACTIONLINT_VERSION"
  GOBIN="$out" gorun install -trimpath -ldflags "-s -w -X $m.version=$ACTIONLINT_VERSION" "$m/cmd/actionlint@$ACTIONLINT_VERSION"
}

# ---- helm: lints and renders charts/sealkit ----------------------------------------------
# No local replace directives in helm's go.mod, so `go install` works directly.
helm_bin_dir() { echo "$TESTBIN_DIR/helm/$HELM_VERSION"; }
build_helm() {
  local out="$1" m="helm.sh/helm/v4"
  log "helm: go install $m/cmd/helm@$HELM_VERSION"
  GOBIN="$out" gorun install -trimpath -ldflags "-s -w -X $m/internal/version.version=$HELM_VERSION" "$m/cmd/helm@$HELM_VERSION"
}

# tool_path NAME: where a tool the install tests use lives once built (test/e2e/install).
tool_path() {
  case "$1" in
    lua) echo "$(lua_bin_dir)/argocd-lua" ;;
    helm) echo "$(helm_bin_dir)/helm" ;;
    actionlint) echo "$(actionlint_bin_dir)/actionlint" ;;
    *) die "no tool path for '$1' (expected lua, helm or actionlint)" ;;
  esac
}

print_paths() {
  cat <<EOF
etcd            $(etcd_bin_dir)/etcd
kube-apiserver  $(kube_bin_dir)/kube-apiserver
kube-ctrl-mgr   $(kube_bin_dir)/kube-controller-manager
vault           $(vault_bin_dir)/vault
kubeseal        $(bitnami_bin_dir)/kubeseal
bitnami ctrl    $(bitnami_bin_dir)/controller
toxiproxy       $(toxiproxy_bin_dir)/toxiproxy-server
argocd-lua      $(tool_path lua)
helm            $(tool_path helm)
actionlint      $(tool_path actionlint)
EOF
}

main() {
  [ $# -gt 0 ] || set -- all
  local c
  for c in "$@"; do
    case "$c" in
      --print-paths) print_paths; return 0 ;;
      --path) tool_path "${2:-}"; return 0 ;;
      all) set -- etcd kube bitnami vault toxiproxy lua helm actionlint; break ;;
    esac
  done
  for c in "$@"; do
    case "$c" in
      etcd)            with_build etcd "$(etcd_bin_dir)" build_etcd ;;
      kube|apiserver|gc) with_build kube "$(kube_bin_dir)" build_kube ;;
      vault)           with_build vault "$(vault_bin_dir)" build_vault ;;
      bitnami)         with_build bitnami "$(bitnami_bin_dir)" build_bitnami ;;
      toxiproxy)       with_build toxiproxy "$(toxiproxy_bin_dir)" build_toxiproxy ;;
      lua)             with_build lua "$(lua_bin_dir)" build_lua ;;
      helm)            with_build helm "$(helm_bin_dir)" build_helm ;;
      actionlint)      with_build actionlint "$(actionlint_bin_dir)" build_actionlint ;;
      *) die "unknown component '$c' (expected etcd, kube, vault, bitnami, toxiproxy, lua, helm, actionlint or all)" ;;
    esac
  done
}

main "$@"
