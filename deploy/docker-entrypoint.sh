#!/bin/sh
# One image, many roles: `lienthong-entrypoint ROLE [ARGS…]`. Each role is exec'd, so the process is
# PID 1 and gets docker's SIGTERM itself (nameko then stops its workers gracefully).
set -eu

role=${1:-}
[ $# -gt 0 ] && shift

case $role in
  intake|routing|postal|notification|payment|portal_sync|documents|feedback|gateway)
    exec nameko run --config deploy/config.yml "services.$role.service" "$@" ;;
  carrier)
    # the carrier simulator (compose profile "simulator"): callbacks go to the gateway
    exec python -m services.carrier.simulator --host 0.0.0.0 --port "${LT_CARRIER_PORT:-8090}" \
      --callback-url "${LT_PUBLIC_URL:-http://gateway:8000}/api/callbacks/postal" \
      --secret "$LT_CARRIER_SECRET" "$@" ;;
  payment-platform)
    # the payment platform simulator (compose profile "simulator"): callbacks go to the gateway
    exec python -m services.payment_platform.simulator --host 0.0.0.0 \
      --port "${LT_PAYMENT_PLATFORM_PORT:-8091}" \
      --callback-url "${LT_PUBLIC_URL:-http://gateway:8000}/api/callbacks/payment" \
      --secret "$LT_PAYMENT_PLATFORM_SECRET" "$@" ;;
  portal)
    # the national public-service portal simulator (compose profile "simulator")
    exec python -m services.portal.simulator --host 0.0.0.0 --port "${LT_PORTAL_PORT:-8092}" \
      --api-key "$LT_PORTAL_API_KEY" --latency "${LT_PORTAL_LATENCY:-0}" \
      --fail-rate "${LT_PORTAL_FAIL_RATE:-0}" --rate-limit "${LT_PORTAL_RATE_LIMIT:-0}" "$@" ;;
  ""|-h|--help)
    echo "usage: lienthong-entrypoint intake|routing|postal|notification|payment|portal_sync|documents|feedback|gateway|carrier|payment-platform|portal" >&2
    exit 64 ;;
  *)
    # Anything else is a command (e.g. `docker compose run --rm gateway python -m …`).
    exec "$role" "$@" ;;
esac
