# Settings of the local (no-Docker) stack: every port, URI and directory, each overridable
# from the environment. Sourced by stack.sh and by the Makefile's helper commands.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export LT_STACK_DIR=${LT_STACK_DIR:-$ROOT/.stack}
export LT_CACHE_DIR=${LT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lienthong}
export LT_VENV=${LT_VENV:-$ROOT/.venv}

# LT_PORT_OFFSET moves every default port at once, so two stacks (two clones) can run side by
# side on one machine: LT_PORT_OFFSET=100 gives AMQP 5772, gateway 8100, and so on.
export LT_PORT_OFFSET=${LT_PORT_OFFSET:-0}
_p() { echo $(($1 + LT_PORT_OFFSET)); }

export LT_AMQP_PORT=${LT_AMQP_PORT:-$(_p 5672)}
export LT_RABBITMQ_MGMT_PORT=${LT_RABBITMQ_MGMT_PORT:-$(_p 15672)}
export LT_RABBITMQ_DIST_PORT=${LT_RABBITMQ_DIST_PORT:-$(_p 25672)}
export LT_EPMD_PORT=${LT_EPMD_PORT:-$(_p 4369)}
export LT_RABBITMQ_NODENAME=${LT_RABBITMQ_NODENAME:-lienthong${LT_PORT_OFFSET#0}@localhost}
export LT_RABBITMQ_USER=${LT_RABBITMQ_USER:-guest}
export LT_RABBITMQ_PASSWORD=${LT_RABBITMQ_PASSWORD:-guest}
export LT_MONGO_PORT=${LT_MONGO_PORT:-$(_p 27017)}
export LT_KANNEL_ADMIN_PORT=${LT_KANNEL_ADMIN_PORT:-$(_p 13000)}
export LT_KANNEL_SMSBOX_PORT=${LT_KANNEL_SMSBOX_PORT:-$(_p 13001)}
export LT_KANNEL_SMSC_PORT=${LT_KANNEL_SMSC_PORT:-$(_p 13002)}
# the second SMS provider's SMS centre (provider-b; README: SMS provider failover)
export LT_KANNEL_SMSC_B_PORT=${LT_KANNEL_SMSC_B_PORT:-$(_p 13003)}
export LT_KANNEL_SENDSMS_PORT=${LT_KANNEL_SENDSMS_PORT:-$(_p 13013)}
export LT_KANNEL_USERNAME=${LT_KANNEL_USERNAME:-lienthong}
export LT_KANNEL_PASSWORD=${LT_KANNEL_PASSWORD:-lienthong-dev}
export LT_CARRIER_PORT=${LT_CARRIER_PORT:-$(_p 8090)}
export LT_PAYMENT_PLATFORM_PORT=${LT_PAYMENT_PLATFORM_PORT:-$(_p 8091)}
export LT_PORTAL_PORT=${LT_PORTAL_PORT:-$(_p 8092)}
export LT_GATEWAY_PORT=${LT_GATEWAY_PORT:-$(_p 8000)}
# Each service process serves /healthz and /metrics on its own port: base + offset.
export LT_SERVICE_PORT_BASE=${LT_SERVICE_PORT_BASE:-$(_p 8000)}

# RabbitMQ nodes, clustered (LT_RABBITMQ_NODES=3 make stack-up): node i listens on the ports above
# plus i-1. Unset, it is what the stack last ran with (1 for a new stack).
if [ -z "${LT_RABBITMQ_NODES:-}" ]; then
  LT_RABBITMQ_NODES=$(cat "$LT_STACK_DIR/rabbitmq/nodes" 2>/dev/null || echo 1)
fi
export LT_RABBITMQ_NODES
# Every node, in order: the services connect to the first that answers, and to the next when it
# is lost (kombu's failover list, `;`-separated).
if [ -z "${LT_AMQP_URI:-}" ]; then
  for ((_i = 0; _i < LT_RABBITMQ_NODES; _i++)); do
    LT_AMQP_URI+="${LT_AMQP_URI:+;}amqp://$LT_RABBITMQ_USER:$LT_RABBITMQ_PASSWORD@127.0.0.1:$((LT_AMQP_PORT + _i))/"
  done
fi
export LT_AMQP_URI
export LT_RABBITMQ_API=${LT_RABBITMQ_API:-http://127.0.0.1:$LT_RABBITMQ_MGMT_PORT/api}
export LT_MONGO_URI=${LT_MONGO_URI:-mongodb://127.0.0.1:$LT_MONGO_PORT/}
# a real mongod (when one is on PATH) gets the MongoDB repository adapter; FerretDB the journal one
if [ -z "${LT_STORE_ADAPTER:-}" ]; then
  if command -v mongod >/dev/null 2>&1; then LT_STORE_ADAPTER=document; else LT_STORE_ADAPTER=journal; fi
fi
export LT_STORE_ADAPTER
export LT_KANNEL_SENDSMS_URL=${LT_KANNEL_SENDSMS_URL:-http://127.0.0.1:$LT_KANNEL_SENDSMS_PORT/cgi-bin/sendsms}
export LT_CARRIER_URL=${LT_CARRIER_URL:-http://127.0.0.1:$LT_CARRIER_PORT}
export LT_CARRIER_SECRET=${LT_CARRIER_SECRET:-lienthong-dev-carrier}
# the carrier simulator's pace (seconds) and its share of failed delivery attempts
export LT_CARRIER_PICKUP_DELAY=${LT_CARRIER_PICKUP_DELAY:-1}
export LT_CARRIER_DELIVERY_DELAY=${LT_CARRIER_DELIVERY_DELAY:-1}
export LT_CARRIER_FAIL_RATE=${LT_CARRIER_FAIL_RATE:-0}
export LT_PAYMENT_PLATFORM_URL=${LT_PAYMENT_PLATFORM_URL:-http://127.0.0.1:$LT_PAYMENT_PLATFORM_PORT}
export LT_PAYMENT_PLATFORM_SECRET=${LT_PAYMENT_PLATFORM_SECRET:-lienthong-dev-payment}
export LT_DOCUMENTS_ID_KEY=${LT_DOCUMENTS_ID_KEY:-lienthong-dev-documents}
# the payment simulator's delay (seconds) before it pays an [autopay] payment by itself, and
# its share of failed automatic payments
export LT_PAYMENT_PLATFORM_PAY_DELAY=${LT_PAYMENT_PLATFORM_PAY_DELAY:-1}
export LT_PAYMENT_PLATFORM_FAIL_RATE=${LT_PAYMENT_PLATFORM_FAIL_RATE:-0}
export LT_PORTAL_URL=${LT_PORTAL_URL:-http://127.0.0.1:$LT_PORTAL_PORT}
# the province's API key on the national public-service portal (a bearer token both sides know)
export LT_PORTAL_API_KEY=${LT_PORTAL_API_KEY:-lienthong-dev-portal}
# the portal simulator's faults: seconds added to each answer, share of pushes answered 500,
# requests per second allowed (0: no limit); tests change them live (POST /admin/faults)
export LT_PORTAL_LATENCY=${LT_PORTAL_LATENCY:-0}
export LT_PORTAL_FAIL_RATE=${LT_PORTAL_FAIL_RATE:-0}
export LT_PORTAL_RATE_LIMIT=${LT_PORTAL_RATE_LIMIT:-0}
# officer tokens never expire on the local stack: its tests and the bench move its clock by
# months (production: 90 days, services/gateway/officers.py; make rotate-officer)
export LT_OFFICER_TOKEN_DAYS=${LT_OFFICER_TOKEN_DAYS:-0}
# the key of the per-SMS tokens in delivery-report URLs (a secret in production)
export LT_SMS_DLR_SECRET=${LT_SMS_DLR_SECRET:-lienthong-dev-dlr}
# the key the SMS one-time codes are stored hashed with (a secret in production)
export LT_VERIFICATION_SECRET=${LT_VERIFICATION_SECRET:-lienthong-dev-verification}
export LT_PUBLIC_URL=${LT_PUBLIC_URL:-http://127.0.0.1:$LT_GATEWAY_PORT}
# the shared secret of the citizens' SMS Kannel passes on (deploy/config.yml SMS_INBOUND_SECRET)
export LT_SMS_INBOUND_SECRET=${LT_SMS_INBOUND_SECRET:-lienthong-dev-inbound}
export LT_CARRIER_CALLBACK_URL=${LT_CARRIER_CALLBACK_URL:-$LT_PUBLIC_URL/api/callbacks/postal}
# seconds without news from the platform before the payment service polls it (production: 30)
export LT_PAYMENT_POLL_AFTER=${LT_PAYMENT_POLL_AFTER:-5}
export LT_PAYMENT_CALLBACK_URL=${LT_PAYMENT_CALLBACK_URL:-$LT_PUBLIC_URL/api/callbacks/payment}
export LT_FAKESMSC_LOG=${LT_FAKESMSC_LOG:-$LT_STACK_DIR/kannel/fakesmsc.log}
export LT_FAKESMSC_B_LOG=${LT_FAKESMSC_B_LOG:-$LT_STACK_DIR/kannel/fakesmsc-b.log}
# SMS provider failover (deploy/config.yml SMS_PROVIDERS …): the local Kannel has two providers,
# each with its own fakesmsc; the thresholds are short so that tests and chaos runs see switches
# within seconds (production: 5 sends, 60 s, 300 s, 120 s, the last 20 sends).
export LT_SMS_PROVIDERS=${LT_SMS_PROVIDERS-provider-a,provider-b}
export LT_SMS_FAILOVER_MIN_SAMPLES=${LT_SMS_FAILOVER_MIN_SAMPLES:-3}
export LT_SMS_FAILOVER_LATENCY_SECONDS=${LT_SMS_FAILOVER_LATENCY_SECONDS:-30}
export LT_SMS_FAILOVER_WINDOW_SECONDS=${LT_SMS_FAILOVER_WINDOW_SECONDS:-60}
export LT_SMS_FAILBACK_AFTER_SECONDS=${LT_SMS_FAILBACK_AFTER_SECONDS:-10}
export LT_SMS_FAILOVER_LAST_SAMPLES=${LT_SMS_FAILOVER_LAST_SAMPLES:-10}
export LT_SMS_PROBE_URL=${LT_SMS_PROBE_URL:-http://127.0.0.1:$LT_KANNEL_ADMIN_PORT/status.xml?password=lienthong-status}
export LT_CLOCK_OFFSET_FILE=${LT_CLOCK_OFFSET_FILE:-$LT_STACK_DIR/clock_offset}
# The local stack serves demos and tests at any hour, so its SMS are not held overnight as
# production's are (deploy/config.yml: 21:00-07:00); LT_SMS_QUIET_HOURS=21:00-07:00 holds them.
export LT_SMS_QUIET_HOURS=${LT_SMS_QUIET_HOURS:-off}
# No proxy stands in front of the local gateway: trusting 127.0.0.1's X-Forwarded-For lets the
# tests speak as different clients to the citizen page's limit on failed lookups.
export LT_TRUSTED_PROXIES=${LT_TRUSTED_PROXIES:-127.0.0.1}

FERRETDB_VERSION=v1.24.2
# The build applies deploy/ferretdb/*: their hash names the binary, so a changed patch rebuilds.
FERRETDB_PATCHES=$(cat "$ROOT"/deploy/ferretdb/* | sha256sum | cut -c1-10)
FERRETDB_BIN=$LT_CACHE_DIR/ferretdb-$FERRETDB_VERSION-$FERRETDB_PATCHES/ferretdb
RABBITMQ_BIN=/usr/lib/rabbitmq/bin
FAKESMSC_BIN=/usr/lib/kannel/test/fakesmsc
KUSTOMIZE_VERSION=v5.5.0
KUSTOMIZE_BIN=$LT_CACHE_DIR/kustomize-$KUSTOMIZE_VERSION/kustomize
