#!/usr/bin/env bash
# The local stack without Docker: RabbitMQ, a MongoDB-wire server (mongod or FerretDB), Kannel with
# fakesmsc, the carrier, payment-platform and national-portal simulators, and the nine services as
# `nameko run` processes, each under supervise.sh, which starts it again when it exits by itself.
# Data, logs and pid files live under $LT_STACK_DIR; `down` stops exactly the processes whose pid
# files `up` wrote.
#
#   stack.sh install                 install what is missing (Debian packages, FerretDB, venv)
#   stack.sh venv                    the Python venv alone (what lint and unit tests need)
#   stack.sh lock                    resolve the Python dependencies anew into requirements.lock
#   stack.sh up                      infrastructure + services
#   stack.sh infra-up                infrastructure only
#   stack.sh services-up             the nine services (and anything extra named: routing:2 …)
#   stack.sh services-down           stop the services, leave the infrastructure running
#   stack.sh service-start NAME[:N]  start one service instance (N = instance number, default 1)
#   stack.sh service-stop NAME[:N]   stop it (TERM, then KILL after 10 s)
#   stack.sh kill NAME               kill -9 a process of the stack (for chaos tests)
#   stack.sh carrier-restart         restart the carrier simulator (it forgets its shipments)
#   stack.sh payment-platform-restart
#                                    restart the payment simulator (it forgets its payments)
#   stack.sh portal-restart          restart the national portal simulator (it forgets its records)
#   stack.sh sms-mo FROM TO TEXT     a citizen's SMS from FROM to the short number TO, sent by
#                                    fakesmsc as the SMS centre would (one word of TEXT)
#   stack.sh provider-stop ID        stop one SMS provider's SMS centre (provider-a or provider-b:
#                                    its fakesmsc disconnects; Kannel queues what is routed to it)
#   stack.sh provider-start ID       start it again (Kannel delivers what it queued for it)
#   stack.sh provider-outage ID S    stop it for S seconds, then start it again (chaos runs)
#   stack.sh rabbitmq-restart        stop and start RabbitMQ, every node (for chaos tests)
#   stack.sh rabbitmq-node-start I   start node I of the cluster again (after `kill rabbitmq-I`)
#   stack.sh mongo-restart           stop and start the MongoDB-wire server (for chaos tests)
#   stack.sh down | status | logs
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=env.sh
. "$HERE/env.sh"

SERVICES=(intake routing postal notification payment portal_sync documents feedback gateway)
PIDS=$LT_STACK_DIR/pids
LOGS=$LT_STACK_DIR/logs
RESTARTS=$LT_STACK_DIR/restarts

say() { printf '\033[1m[stack]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

service_port() { # name instance
  local base
  case $1 in
    gateway) base=$LT_GATEWAY_PORT ;;
    intake) base=$((LT_SERVICE_PORT_BASE + 1)) ;;
    routing) base=$((LT_SERVICE_PORT_BASE + 2)) ;;
    postal) base=$((LT_SERVICE_PORT_BASE + 3)) ;;
    notification) base=$((LT_SERVICE_PORT_BASE + 4)) ;;
    payment) base=$((LT_SERVICE_PORT_BASE + 5)) ;;
    portal_sync) base=$((LT_SERVICE_PORT_BASE + 6)) ;;
    documents) base=$((LT_SERVICE_PORT_BASE + 7)) ;;
    feedback) base=$((LT_SERVICE_PORT_BASE + 8)) ;;
    *) die "unknown service $1" ;;
  esac
  echo $((base + 10 * ($2 - 1)))
}

# --- install -------------------------------------------------------------------------------
apt_install() { # packages…
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

mongo_server() { # prints the command that serves the MongoDB wire protocol
  if command -v mongod >/dev/null 2>&1; then echo mongod; else echo "$FERRETDB_BIN"; fi
}

build_ferretdb() {
  [ -x "$FERRETDB_BIN" ] && return 0
  command -v go >/dev/null || die "Go is needed to build FerretDB and is not on PATH"
  say "building FerretDB $FERRETDB_VERSION (once, into $LT_CACHE_DIR)"
  # `go install …@v1.24.2` cannot be used as is: the module proxy refuses the version list it asks
  # for, and a module-cache build lacks build/version/version.txt, so the binary panics at start.
  # Build the same tagged module from a writable copy with that file written.
  local work; work=$(mktemp -d)
  (cd "$work" && go mod init lt-ferretdb-build >/dev/null 2>&1 &&
    go get "github.com/FerretDB/FerretDB/cmd/ferretdb@$FERRETDB_VERSION" >/dev/null 2>&1) ||
    die "go get FerretDB $FERRETDB_VERSION failed"
  local src; src=$(cd "$work" && go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)
  cp -r "$src" "$work/src" && chmod -R u+w "$work/src"
  echo "$FERRETDB_VERSION" >"$work/src/build/version/version.txt"
  # One fix to the tagged source, explained in the sed script: lookups by _id use the _id index.
  local meta="$work/src/internal/backends/sqlite/metadata/metadata.go"
  sed -i -f "$ROOT/deploy/ferretdb/id-index.sed" "$meta"
  grep -q "IDColumn = DefaultColumn + \"->'_id'\"" "$meta" || die "the FerretDB _id index patch no longer applies"
  # A second: _id string ranges ({"_id": {"$gte": a, "$lt": b}}) are read from that index, in _id
  # order (id-range.patch); routing's read views are keyed so that each query is one such range.
  (cd "$work/src" && patch -s -p1 <"$ROOT/deploy/ferretdb/id-range.patch") ||
    die "the FerretDB _id range patch no longer applies"
  # A third: collStats and dbStats run no ANALYZE, and a database's old statistics are emptied
  # when it is opened (no-analyze.patch). Statistics taken while a table was small made SQLite
  # scan the grown table for an _id IN list, holding the write lock for 10-20 s.
  (cd "$work/src" && patch -s -p1 <"$ROOT/deploy/ferretdb/no-analyze.patch") ||
    die "the FerretDB statistics patch no longer applies"
  # A fourth: the statements of an update command are serialized per collection, from reading the
  # documents a filter matches to writing them, and each statement's read is closed when it ends
  # (atomic-update.patch): an update filtered on a version is atomic as on MongoDB (the journal
  # adapter's projection writes rely on it), and a command of many statements no longer hangs
  # the database beside another write (services/common/writes.py sends such commands).
  (cd "$work/src" && patch -s -p1 <"$ROOT/deploy/ferretdb/atomic-update.patch") ||
    die "the FerretDB atomic update patch no longer applies"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  (cd "$work/src" && go build -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) || die "building FerretDB failed"
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$work"
}

install_kustomize() { # builds the manifests of deploy/k8s in tests/unit/test_k8s_manifests.py
  [ -x "$KUSTOMIZE_BIN" ] && return 0
  command -v go >/dev/null || die "Go is needed to build kustomize and is not on PATH"
  say "building kustomize $KUSTOMIZE_VERSION (once, into $LT_CACHE_DIR)"
  GOBIN=$(dirname "$KUSTOMIZE_BIN") go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" \
    >/dev/null 2>&1 || die "go install kustomize $KUSTOMIZE_VERSION failed"
}

# Every Python dependency, pinned (dev and bench extras included): `make lock` writes it.
LOCK=$ROOT/requirements.lock

install_venv() { # the locked dependencies, then the project itself (editable, nothing resolved)
  local stamp=$LT_VENV/.installed
  if [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/pyproject.toml" ] && [ "$stamp" -nt "$LOCK" ]; then
    return 0
  fi
  say "installing Python dependencies into $LT_VENV (from $(basename "$LOCK"))"
  [ -x "$LT_VENV/bin/python" ] || python3 -m venv "$LT_VENV"
  "$LT_VENV/bin/pip" install -q --upgrade pip >/dev/null
  "$LT_VENV/bin/pip" install -q -r "$LOCK" >/dev/null
  "$LT_VENV/bin/pip" install -q --no-deps -e "$ROOT" >/dev/null
  touch "$stamp"
}

cmd_lock() { # resolve pyproject.toml's dependencies anew in a fresh venv and pin them all
  local work; work=$(mktemp -d)
  say "resolving pyproject.toml's dependencies (dev and bench extras) in a fresh venv"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q --upgrade pip >/dev/null
  "$work/venv/bin/pip" install -q -e "$ROOT[dev,bench]" >/dev/null ||
    { rm -rf "$work"; die "pip could not install $ROOT[dev,bench]"; }
  {
    echo "# Every Python dependency of lienthong (pyproject.toml, dev and bench extras included), pinned."
    echo "# make venv / make deps install this file, then the project itself with --no-deps."
    echo "# Update: make lock (resolves pyproject.toml anew in a fresh venv); do not edit by hand."
    "$work/venv/bin/pip" freeze --exclude-editable
  } >"$LOCK.tmp"
  mv "$LOCK.tmp" "$LOCK"
  rm -rf "$work"
  say "wrote $LOCK: review its diff; make venv installs it"
}

cmd_install() {
  # chromium + chromium-driver: the browser tests (make test-browser) drive the console headless
  apt_install rabbitmq-server kannel kannel-extras curl chromium chromium-driver
  [ "$(mongo_server)" = mongod ] || build_ferretdb
  install_kustomize
  install_venv
}

# --- processes -----------------------------------------------------------------------------
running() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

start_bg() { # name logfile command… — start in its own session, remember its pid
  local name=$1 log=$2; shift 2
  if running "$name"; then say "$name already running (pid $(cat "$PIDS/$name.pid"))"; return 0; fi
  mkdir -p "$PIDS" "$(dirname "$log")"
  setsid "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

stop_pid() { # name [leader] — TERM, wait up to 10 s, then KILL; removes the pid file
  # TERM goes to the process group, or with `leader` to the leader alone: a service's
  # supervise.sh passes it on to its nameko, which would otherwise get it twice (and stop twice)
  local name=$1 f="$PIDS/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    if [ "${2:-}" = leader ]; then kill -TERM "$pid" 2>/dev/null || true
    else kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; fi
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

wait_port() { # name port [seconds]
  local deadline=$((SECONDS + ${3:-60}))
  until (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; do
    running "$1" || die "$1 exited; see $LOGS/$1.log"
    [ $SECONDS -lt $deadline ] || die "$1 did not listen on port $2; see $LOGS/$1.log"
    sleep 0.2
  done
}

wait_http() { # name url [seconds]
  local deadline=$((SECONDS + ${3:-60}))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    running "$1" || die "$1 exited; see $LOGS/$1.log"
    [ $SECONDS -lt $deadline ] || die "$1 not healthy at $2; see $LOGS/$1.log"
    sleep 0.3
  done
}

# --- RabbitMQ ------------------------------------------------------------------------------
# LT_RABBITMQ_NODES nodes clustered on 127.0.0.1 (env.sh): node 1 is $LT_RABBITMQ_NODENAME on the
# LT_* ports, node i is named <name>-i and listens on each port plus i-1. A stack grows by starting
# with more nodes (they join node 1, and every quorum queue gets a replica on each) and shrinks
# by starting with fewer (the nodes above leave: their replicas are removed first).
rabbit_node() { # i — the node's name
  if [ "$1" = 1 ]; then echo "$LT_RABBITMQ_NODENAME"
  else echo "${LT_RABBITMQ_NODENAME%@*}-$1@${LT_RABBITMQ_NODENAME#*@}"; fi
}
rabbit_id() { if [ "$1" = 1 ]; then echo rabbitmq; else echo "rabbitmq-$1"; fi; } # its pid file

rabbit_env() { # [i]
  local d=$LT_STACK_DIR/rabbitmq i=${1:-1} sfx=""
  [ "$i" = 1 ] || sfx=-$i
  export HOME=$d/home RABBITMQ_CONF_ENV_FILE=/dev/null RABBITMQ_CONFIG_FILE=$d/rabbitmq$sfx.conf
  export RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins RABBITMQ_MNESIA_BASE=$d/mnesia
  export RABBITMQ_LOG_BASE=$LOGS/rabbitmq RABBITMQ_NODENAME=$(rabbit_node "$i")
  export RABBITMQ_DIST_PORT=$((LT_RABBITMQ_DIST_PORT + i - 1)) ERL_EPMD_PORT=$LT_EPMD_PORT
  export ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_PID_FILE=$d/beam$sfx.pid
  export ERL_CRASH_DUMP=$LOGS/rabbitmq/erl_crash$sfx.dump # not in the working directory
}

rabbitmqctl() { rabbitmqctl_on 1 "$@"; }
rabbitmqctl_on() { # i args… — rabbitmqctl against node i
  local i=$1; shift
  (rabbit_env "$i" && "$RABBITMQ_BIN/rabbitmqctl" -n "$(rabbit_node "$i")" "$@")
}
rabbitmq_queues() { (rabbit_env 1 && "$RABBITMQ_BIN/rabbitmq-queues" -n "$LT_RABBITMQ_NODENAME" "$@"); }

rabbit_known() { # the highest node this stack has data for (1 at least)
  local i top=1
  for ((i = 2; i <= 9; i++)); do [ -d "$LT_STACK_DIR/rabbitmq/mnesia/$(rabbit_node "$i")" ] && top=$i; done
  echo $top
}

start_rabbit_node() { # i — start its process (it waits for its cluster peers by itself)
  local i=$1 d=$LT_STACK_DIR/rabbitmq
  cat >"$d/rabbitmq$([ "$i" = 1 ] || echo "-$i").conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$((LT_AMQP_PORT + i - 1))
management.tcp.ip = 127.0.0.1
management.tcp.port = $((LT_RABBITMQ_MGMT_PORT + i - 1))
loopback_users = none
default_user = $LT_RABBITMQ_USER
default_pass = $LT_RABBITMQ_PASSWORD
EOF
  (rabbit_env "$i" && start_bg "$(rabbit_id "$i")" "$LOGS/$(rabbit_id "$i").log" "$RABBITMQ_BIN/rabbitmq-server")
}

await_rabbit_node() { # i — a node that exits while it starts is started once more, as its
  # service manager would (systemd's Restart=on-failure, a StatefulSet), with the reason it gave
  local i=$1 id port=$((LT_AMQP_PORT + $1 - 1)); id=$(rabbit_id "$i")
  if ! (wait_port "$id" "$port" 180) 2>/dev/null; then
    say "rabbitmq node $i did not start; the end of its log:"
    tail -n 4 "$LOGS/$id.log" >&2 2>/dev/null || true
    sleep 2
    start_rabbit_node "$i"
    wait_port "$id" "$port" 180
  fi
  rabbitmqctl_on "$i" await_startup --timeout 180 >/dev/null
}

join_rabbit_node() { # i — node i into node 1's cluster, once
  local i=$1
  rabbitmqctl_on "$i" cluster_status 2>/dev/null | grep -q "$LT_RABBITMQ_NODENAME" && return 0
  say "rabbitmq node $i joins the cluster of $LT_RABBITMQ_NODENAME"
  rabbitmqctl_on "$i" stop_app >/dev/null
  rabbitmqctl_on "$i" reset >/dev/null
  rabbitmqctl_on "$i" join_cluster "$LT_RABBITMQ_NODENAME" >/dev/null
  rabbitmqctl_on "$i" start_app >/dev/null
}

leave_rabbit_node() { # i — node i out of the cluster, its quorum replicas first, then its data
  local i=$1
  say "rabbitmq node $i leaves the cluster"
  rabbitmq_queues shrink "$(rabbit_node "$i")" >/dev/null
  rabbitmqctl_on "$i" stop_app >/dev/null
  rabbitmqctl_on "$i" reset >/dev/null
  rabbitmqctl_on "$i" stop >/dev/null 2>&1 || true
  stop_pid "$(rabbit_id "$i")"
  rm -rf "$LT_STACK_DIR/rabbitmq/mnesia/$(rabbit_node "$i")"*
}

start_rabbitmq() {
  local d=$LT_STACK_DIR/rabbitmq n=$LT_RABBITMQ_NODES i top
  mkdir -p "$d/home" "$d/mnesia" "$LOGS/rabbitmq"
  top=$(rabbit_known); [ "$n" -gt "$top" ] && top=$n
  echo "[rabbitmq_management]." >"$d/enabled_plugins"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$LT_EPMD_PORT") 2>/dev/null; then # else one serves already
    start_bg epmd "$LOGS/epmd.log" epmd -port "$LT_EPMD_PORT" -address 127.0.0.1
    wait_port epmd "$LT_EPMD_PORT" 10
  fi
  # every node at once: a node that stopped before its peers waits for them to start
  for ((i = 1; i <= top; i++)); do start_rabbit_node "$i"; done
  for ((i = 1; i <= top; i++)); do await_rabbit_node "$i"; done
  for ((i = 2; i <= n; i++)); do join_rabbit_node "$i"; done
  for ((i = top; i > n; i--)); do leave_rabbit_node "$i"; done
  echo "$n" >"$d/nodes"
  # Queues an older version declared classic become quorum queues, messages kept (the services
  # are not started yet); then the definitions, re-applied on every start so that an existing
  # node picks up changes.
  "$LT_VENV/bin/python" -m services.ops.queues >&2 || die "some classic queues are still in use"
  rabbitmqctl import_definitions "$ROOT/deploy/rabbitmq/definitions.json" >/dev/null
  # a quorum queue declared before a node joined gets a replica there too
  for ((i = 2; i <= n; i++)); do rabbitmq_queues grow "$(rabbit_node "$i")" all >/dev/null; done
  say "rabbitmq: $n node(s) from 127.0.0.1:$LT_AMQP_PORT (management http://127.0.0.1:$LT_RABBITMQ_MGMT_PORT)"
}

stop_rabbitmq() {
  local i
  for ((i = $(rabbit_known); i >= 1; i--)); do
    if running "$(rabbit_id "$i")"; then rabbitmqctl_on "$i" stop >/dev/null 2>&1 || true; fi
    stop_pid "$(rabbit_id "$i")"
  done
  stop_pid epmd
}

# --- MongoDB wire protocol -----------------------------------------------------------------
start_mongo() {
  local d=$LT_STACK_DIR/mongo server; server=$(mongo_server)
  mkdir -p "$d"
  if [ "$server" = mongod ]; then
    start_bg mongo "$LOGS/mongo.log" mongod --bind_ip 127.0.0.1 --port "$LT_MONGO_PORT" --dbpath "$d"
  else
    [ -x "$server" ] || die "FerretDB is not built; run: make deps"
    # WAL with synchronous=NORMAL (LT_SQLITE_SYNCHRONOUS): a commit no longer waits for fsync; the
    # database stays consistent, and a power cut may lose the last commits (not a process crash).
    local url="file:$d/?_pragma=synchronous(${LT_SQLITE_SYNCHRONOUS:-normal})"
    # Go's collector at GOGC=400 (LT_FERRETDB_GOGC) instead of 100: a fifth less of FerretDB's CPU
    # for more memory (peak RSS 332 MB after the bench's million dossiers, 156 MB before; cut 23).
    GOGC=${LT_FERRETDB_GOGC:-400} start_bg mongo "$LOGS/mongo.log" "$server" --handler=sqlite \
      --sqlite-url="$url" --listen-addr="127.0.0.1:$LT_MONGO_PORT" --telemetry=disable --state-dir="$d" \
      --debug-addr=- --log-level=warn
  fi
  wait_port mongo "$LT_MONGO_PORT" 60
  say "$(basename "$server") on 127.0.0.1:$LT_MONGO_PORT"
}

# --- Kannel --------------------------------------------------------------------------------
start_kannel() {
  local d=$LT_STACK_DIR/kannel
  mkdir -p "$d/store"
  cat >"$d/kannel.conf" <<EOF
group = core
admin-port = $LT_KANNEL_ADMIN_PORT
admin-interface = 127.0.0.1
admin-password = lienthong-admin
status-password = lienthong-status
admin-allow-ip = "127.0.0.1"
smsbox-port = $LT_KANNEL_SMSBOX_PORT
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
# No phone number and no text in Kannel's logs (the services log numbers masked): the access
# log leaves out the sender, the receiver and the text, and INFO (level 1) would print them.
log-file = "$LOGS/kannel-core.log"
log-level = 2
access-log = "$LOGS/kannel-access.log"
access-log-format = "%l [SMSC:%i] [SVC:%n] [FID:%F] [flags:%m:%c:%M:%C:%d] [len:%L]"
dlr-storage = internal
store-type = file
store-location = "$d/store/messages"

# Two SMS providers, each an SMS centre of its own (a fakesmsc connects to each port). A message
# sent with smsc=<id> goes to that provider only (allowed-smsc-id), even when Kannel queues it
# while the provider is away; one sent without an id goes to provider-a (default-smsc below),
# as the single-provider setting (SMS_PROVIDERS empty) sends. README: SMS provider failover.
group = smsc
smsc = fake
smsc-id = provider-a
allowed-smsc-id = provider-a
port = $LT_KANNEL_SMSC_PORT
connect-allow-ip = 127.0.0.1

group = smsc
smsc = fake
smsc-id = provider-b
allowed-smsc-id = provider-b
port = $LT_KANNEL_SMSC_B_PORT
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $LT_KANNEL_SMSBOX_PORT
sendsms-port = $LT_KANNEL_SENDSMS_PORT
sendsms-interface = 127.0.0.1
log-file = "$LOGS/kannel-smsbox.log"
log-level = 2

group = sendsms-user
username = $LT_KANNEL_USERNAME
password = $LT_KANNEL_PASSWORD
default-smsc = provider-a
concatenation = true
max-messages = 10

# Mobile-originated messages are not used: answer nothing.
# Citizens' SMS (MO) go to the notification service's own port (GET /sms/inbound, with the
# shared secret): the answer goes back through sendsms like every SMS, so this service itself
# answers nothing.
group = sms-service
keyword = default
catch-all = true
max-messages = 0
omit-empty = true
get-url = "http://127.0.0.1:$((LT_SERVICE_PORT_BASE + 4))/sms/inbound?secret=$LT_SMS_INBOUND_SECRET&from=%p&to=%P&id=%I&text=%a"
EOF
  start_bearerbox
  say "kannel sendsms on 127.0.0.1:$LT_KANNEL_SENDSMS_PORT; the SMS centres' fakesmsc write to" \
    "$LT_FAKESMSC_LOG (provider-a) and $LT_FAKESMSC_B_LOG (provider-b)"
}

start_bearerbox() { # also brings the SMS gateway back after a fault test: smsbox exits with it
  local d=$LT_STACK_DIR/kannel
  start_bg bearerbox "$LOGS/bearerbox.log" /usr/sbin/bearerbox -v 2 "$d/kannel.conf"
  wait_port bearerbox "$LT_KANNEL_SMSC_PORT" 30
  # fakesmsc is the SMS centre: it connects to bearerbox and prints every message it receives.
  # -m 0: it sends no mobile-originated messages of its own.
  stop_pid fakesmsc
  stop_pid fakesmsc-b
  provider_start provider-a
  provider_start provider-b
  start_bg smsbox "$LOGS/smsbox.log" /usr/sbin/smsbox -v 2 "$LT_STACK_DIR/kannel/kannel.conf"
  wait_port smsbox "$LT_KANNEL_SENDSMS_PORT" 30
}

sms_mo() { # from to text — fakesmsc is the SMS centre's one client (bearerbox takes one at a
  # time): it is swapped for one that sends this message, then goes on printing what it receives
  local log=$LT_FAKESMSC_LOG
  stop_pid fakesmsc
  start_bg fakesmsc "$log" "$FAKESMSC_BIN" -H 127.0.0.1 -r "$LT_KANNEL_SMSC_PORT" -m 1 "$1 $2 text $3"
}

# Each provider's SMS centre is one fakesmsc process: provider-a's pid file and log are the ones
# a single provider had (fakesmsc, $LT_FAKESMSC_LOG), provider-b's fakesmsc-b, $LT_FAKESMSC_B_LOG.
provider_pid() { # provider id -> its fakesmsc's pid-file name
  case $1 in provider-a) echo fakesmsc ;; provider-b) echo fakesmsc-b ;; *) die "unknown SMS provider $1 (provider-a or provider-b)" ;; esac
}

provider_start() { # provider id — its fakesmsc connects to its smsc group and prints what it gets
  local name port log
  name=$(provider_pid "$1")
  if [ "$1" = provider-a ]; then port=$LT_KANNEL_SMSC_PORT log=$LT_FAKESMSC_LOG
  else port=$LT_KANNEL_SMSC_B_PORT log=$LT_FAKESMSC_B_LOG; fi
  # -m 0: it sends no mobile-originated messages of its own.
  start_bg "$name" "$log" "$FAKESMSC_BIN" -H 127.0.0.1 -r "$port" -m 0 "x x text x"
}

provider_stop() { stop_pid "$(provider_pid "$1")"; }

provider_outage() { # provider id, seconds — in the background, so the caller goes on
  provider_stop "$1"
  (sleep "$2"; provider_start "$1") >/dev/null 2>&1 </dev/null &
  disown
}

stop_kannel() { stop_pid smsbox; stop_pid fakesmsc; stop_pid fakesmsc-b; stop_pid bearerbox; }

# --- the postal carrier (a simulator standing in for the public post's API) ----------------
start_carrier() {
  start_bg carrier "$LOGS/carrier.log" "$LT_VENV/bin/python" -m services.carrier.simulator \
    --port "$LT_CARRIER_PORT" --callback-url "$LT_CARRIER_CALLBACK_URL" \
    --secret "$LT_CARRIER_SECRET" --pickup-delay "$LT_CARRIER_PICKUP_DELAY" \
    --delivery-delay "$LT_CARRIER_DELIVERY_DELAY" --fail-rate "$LT_CARRIER_FAIL_RATE"
  wait_http carrier "$LT_CARRIER_URL/health" 30
  say "carrier simulator on $LT_CARRIER_URL (callbacks to $LT_CARRIER_CALLBACK_URL)"
}

# --- the national payment platform (a simulator standing in for its API) ------------------
start_payment_platform() {
  start_bg payment-platform "$LOGS/payment-platform.log" "$LT_VENV/bin/python" \
    -m services.payment_platform.simulator \
    --port "$LT_PAYMENT_PLATFORM_PORT" --callback-url "$LT_PAYMENT_CALLBACK_URL" \
    --secret "$LT_PAYMENT_PLATFORM_SECRET" --pay-delay "$LT_PAYMENT_PLATFORM_PAY_DELAY" \
    --fail-rate "$LT_PAYMENT_PLATFORM_FAIL_RATE"
  wait_http payment-platform "$LT_PAYMENT_PLATFORM_URL/health" 30
  say "payment platform simulator on $LT_PAYMENT_PLATFORM_URL" \
    "(callbacks to $LT_PAYMENT_CALLBACK_URL)"
}

# --- the national public-service portal (a simulator standing in for its API) -------------
start_portal() {
  start_bg portal "$LOGS/portal.log" "$LT_VENV/bin/python" -m services.portal.simulator \
    --port "$LT_PORTAL_PORT" --api-key "$LT_PORTAL_API_KEY" --latency "$LT_PORTAL_LATENCY" \
    --fail-rate "$LT_PORTAL_FAIL_RATE" --rate-limit "$LT_PORTAL_RATE_LIMIT"
  wait_http portal "$LT_PORTAL_URL/health" 30
  say "national portal simulator on $LT_PORTAL_URL"
}

# --- services ------------------------------------------------------------------------------
service_start() { # name[:instance]
  local name=${1%%:*} n=1 port
  [[ $1 == *:* ]] && n=${1##*:}
  port=$(service_port "$name" "$n")
  local id=$name; [ "$n" != 1 ] && id=$name-$n
  mkdir -p "$RESTARTS"
  # under supervise.sh: a service that exits by itself is started again (see $RESTARTS/<id>)
  LT_HTTP_ADDRESS=127.0.0.1:$port LT_INSTANCE=$id start_bg "$id" "$LOGS/$id.log" \
    "$HERE/supervise.sh" "$RESTARTS/$id" \
    "$LT_VENV/bin/nameko" run --config "$ROOT/deploy/config.yml" "services.$name.service"
  wait_http "$id" "http://127.0.0.1:$port/healthz" 60
  say "$id on 127.0.0.1:$port"
}

cmd_services_up() {
  local extra=("$@")
  for s in "${SERVICES[@]}" "${extra[@]}"; do service_start "$s"; done
}

all_names() { # every pid file, services first, infrastructure last
  local f names=()
  for f in "$PIDS"/*.pid; do [ -e "$f" ] && names+=("$(basename "$f" .pid)"); done
  printf '%s\n' "${names[@]}" | grep -vxE 'rabbitmq(-[0-9]+)?|epmd|mongo|bearerbox|smsbox|fakesmsc|fakesmsc-b|carrier|payment-platform|portal' || true
}

cmd_down() {
  local n
  for n in $(all_names); do stop_pid "$n" leader; done
  stop_pid portal
  stop_pid payment-platform
  stop_pid carrier
  stop_kannel
  stop_pid mongo
  stop_rabbitmq
  say "stack stopped"
}

cmd_status() {
  local f n pid any=0
  for f in "$PIDS"/*.pid; do
    [ -e "$f" ] || continue
    any=1; n=$(basename "$f" .pid); pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      printf '  %-16s up    pid %s' "$n" "$pid"
      [ -s "$RESTARTS/$n" ] && printf '  (exited by itself %s times, last %s)' \
        "$(wc -l <"$RESTARTS/$n")" "$(tail -n1 "$RESTARTS/$n")"
      printf '\n'
    else printf '  %-16s DOWN  (pid %s gone; see %s)\n' "$n" "$pid" "$LOGS/$n.log"; fi
  done
  [ $any = 1 ] || echo "  nothing started (make stack-up)"
}

case ${1:-} in
  install) cmd_install ;;
  venv) install_venv ;;
  lock) cmd_lock ;;
  infra-up)
    cmd_install; start_rabbitmq; start_mongo; start_kannel; start_carrier; start_payment_platform
    start_portal ;;
  up)
    # services connected with another node list would not fail over to the new nodes
    if [ "$(cat "$LT_STACK_DIR/rabbitmq/nodes" 2>/dev/null || echo 1)" != "$LT_RABBITMQ_NODES" ]; then
      for n in $(all_names); do stop_pid "$n" leader; done
    fi
    cmd_install; start_rabbitmq; start_mongo; start_kannel; start_carrier; start_payment_platform
    start_portal
    cmd_services_up ;;
  services-up) shift; cmd_services_up "$@" ;;
  services-down) for n in $(all_names); do stop_pid "$n" leader; done ;;
  service-start) service_start "$2" ;;
  service-stop) stop_pid "${2/:/-}" leader ;;
  bearerbox-start) start_bearerbox ;;
  sms-mo) sms_mo "$2" "$3" "$4" ;;
  carrier-restart) stop_pid carrier; start_carrier ;;
  payment-platform-restart) stop_pid payment-platform; start_payment_platform ;;
  portal-restart) stop_pid portal; start_portal ;;
  bearerbox-stop) stop_pid bearerbox ;;
  provider-stop) provider_stop "$2" ;;
  provider-start) provider_start "$2" ;;
  provider-outage) provider_outage "$2" "$3" ;;
  rabbitmq-restart) stop_rabbitmq; start_rabbitmq ;;
  rabbitmq-node-start) start_rabbit_node "$2"; await_rabbit_node "$2" ;;
  mongo-restart) stop_pid mongo; start_mongo ;;
  kill) [ -f "$PIDS/$2.pid" ] && kill -KILL -- "-$(cat "$PIDS/$2.pid")" 2>/dev/null; rm -f "$PIDS/$2.pid" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) tail -n "${LINES:-40}" "$LOGS"/*.log ;;
  *) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
