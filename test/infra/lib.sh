# shellcheck shell=bash
# Shared helpers for the sealkit test harness (sourced by build.sh, up, down, sa-kubeconfig, ...).
# Everything here writes progress to stderr: stdout of `up` is reserved for `export ...` lines.

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$INFRA_DIR/versions.env"

TESTBIN_DIR="${SEALKIT_TESTBIN_DIR:-${HOME:-/root}/.cache/sealkit/testbin}"

log() { printf '[sealkit-infra %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'sealkit-infra: error: %s\n' "$*" >&2; exit 1; }

# Where each component's binaries live once built. The version is part of the path, so a
# version bump is a cache miss for that component only.
kube_bin_dir()    { echo "$TESTBIN_DIR/kubernetes/$KUBE_VERSION"; }
etcd_bin_dir()    { echo "$TESTBIN_DIR/etcd/$ETCD_VERSION"; }
vault_bin_dir()   { echo "$TESTBIN_DIR/vault/$VAULT_VERSION"; }
bitnami_bin_dir() { echo "$TESTBIN_DIR/sealed-secrets/$BITNAMI_VERSION"; }
toxiproxy_bin_dir() { echo "$TESTBIN_DIR/toxiproxy/$TOXIPROXY_VERSION"; }
# PostgreSQL is Debian's package (apt-get install postgresql), not built: its programs live in
# /usr/lib/postgresql/MAJOR/bin, off PATH. The newest major installed wins; SEALKIT_PG_BINDIR overrides.
pg_bin_dir() {
  if [ -n "${SEALKIT_PG_BINDIR:-}" ]; then echo "$SEALKIT_PG_BINDIR"; return 0; fi
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  [ -n "$d" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  d="$(pg_config --bindir 2>/dev/null || true)"
  [ -n "$d" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  return 1
}

# A component is built when its directory has the stamp written as the last step of its build.
is_built() { [ -f "$1/.complete" ]; }

# Go builds share the machine with TypeScript compiles: lower priority, bounded parallelism,
# never fetch another toolchain behind our back.
go_env_setup() {
  command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 || die "go not found on PATH (expected Go >= 1.26 at /usr/local/go)"
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  export CGO_ENABLED=0
  export GOFLAGS="-mod=mod -buildvcs=false -p=${SEALKIT_GO_PARALLEL:-2}"
}
gorun() { nice -n "${SEALKIT_GO_NICE:-10}" go "$@"; }

# ---- processes ---------------------------------------------------------------------------

# pid_alive PID: true when PID is a live process (not a zombie).
pid_alive() {
  local pid="$1" state
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [ "$state" != "Z" ]
}

# pid_matches PIDFILE: true when the pid recorded in PIDFILE is alive AND is still the process we
# started (same start time as recorded), so a recycled pid is never mistaken for ours.
pid_matches() {
  local f="$1" pid start now
  [ -f "$f" ] || return 1
  read -r pid start < "$f" || true
  pid_alive "$pid" || return 1
  now="$(proc_start_time "$pid")"
  [ -z "$start" ] || [ "$start" = "$now" ]
}

proc_start_time() {
  # field 22 of /proc/PID/stat (after the parenthesised comm, which may contain spaces)
  sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'
}

# start_component NAME LOGFILE CMD...: runs CMD in its own session (so `down` can signal the whole
# process group) and records "pid starttime" in $STATE/pids/NAME.pid.
start_component() {
  local name="$1" logf="$2"; shift 2
  mkdir -p "$STATE/pids" "$STATE/logs"
  # fds 8/9 hold our flock()s: a component must not inherit them, or it would keep the state dir
  # locked for as long as it runs.
  setsid "$@" </dev/null >>"$logf" 2>&1 8>&- 9>&- &
  local pid=$!
  # setsid(1) execs the command when it is not a group leader, so $! is the component's pid.
  local st=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do st="$(proc_start_time "$pid")"; [ -n "$st" ] && break; sleep 0.05; done
  echo "$pid $st" > "$STATE/pids/$name.pid"
  log "started $name (pid $pid, log $logf)"
}

# stop_component NAME [SIGNAL]: SIGNAL (default TERM) to the recorded process group, wait, then KILL.
# Never matches by name.
stop_component() {
  local name="$1" f="$STATE/pids/$1.pid" sig="${2:-TERM}" pid start
  [ -f "$f" ] || return 0
  read -r pid start < "$f" || true
  if pid_matches "$f"; then
    log "stopping $name (pid $pid)"
    kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then
      log "$name did not exit after 10s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  else
    log "$name: recorded pid $pid is not running (stale pid file removed)"
  fi
  rm -f "$f"
}

# ---- ports -------------------------------------------------------------------------------

port_in_use() {
  # ss is in iproute2; fall back to bash's /dev/tcp when missing.
  if command -v ss >/dev/null 2>&1; then
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# free_port: a currently free loopback TCP port, not yet handed out in this run (tracked in
# $STATE/ports.used). It is taken from outside the kernel's ephemeral range
# (net.ipv4.ip_local_port_range), where outgoing connections could grab it before the
# component binds it.
free_port() {
  local p i lo=32768 hi=60999 base span
  read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  if (( lo - 10000 >= 5000 )); then base=10000 span=$(( lo - 10000 ))
  elif (( 65000 - hi >= 2000 )); then base=$(( hi + 1 )) span=$(( 65000 - hi ))
  else base=20000 span=10000; fi
  for i in $(seq 1 200); do
    p=$(( base + (RANDOM * 32768 + RANDOM) % span ))
    grep -qx "$p" "$STATE/ports.used" 2>/dev/null && continue
    port_in_use "$p" && continue
    echo "$p" >> "$STATE/ports.used"
    echo "$p"; return 0
  done
  die "could not find a free port on 127.0.0.1"
}

# want_port VAR: the port from env SEALKIT_<VAR> when given (must be free), else a free one.
want_port() {
  local var="$1" envname="SEALKIT_$1" p
  p="${!envname:-}"
  if [ -n "$p" ]; then
    port_in_use "$p" && die "port $p (from \$$envname) is already in use on 127.0.0.1; free it or unset $envname to pick a free port"
    echo "$p" >> "$STATE/ports.used"
    echo "$p"
  else
    free_port
  fi
}

# wait_for DESC TIMEOUT_S PIDNAME CMD...: poll CMD until it succeeds; fail early if the component died.
wait_for() {
  local desc="$1" timeout="$2" name="$3"; shift 3
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if ! pid_matches "$STATE/pids/$name.pid"; then
      log "$name exited while waiting for $desc; last lines of its log:"
      tail -n 30 "$STATE/logs/$name.log" >&2 || true
      die "$name failed to start (full log: $STATE/logs/$name.log)"
    fi
    # A component that logs a fatal error but keeps running (e.g. a failed listener in a goroutine)
    if [ -n "${WAIT_FAIL_PATTERN:-}" ] && grep -qE "$WAIT_FAIL_PATTERN" "$STATE/logs/$name.log" 2>/dev/null; then
      grep -E "$WAIT_FAIL_PATTERN" "$STATE/logs/$name.log" | tail -n 3 >&2
      die "$name failed while waiting for $desc (log: $STATE/logs/$name.log)"
    fi
    if (( SECONDS - start > timeout )); then
      tail -n 30 "$STATE/logs/$name.log" >&2 || true
      die "timed out after ${timeout}s waiting for $desc (log: $STATE/logs/$name.log)"
    fi
    sleep 0.5
  done
  log "$desc ready after $(( SECONDS - start ))s"
}
