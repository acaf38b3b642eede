#!/bin/bash
# bearerbox + fakesmsc + smsbox in one container (a dev/demo SMS gateway). If any of the three
# dies, stop the others and exit, so that docker's restart policy brings the set back together.
set -euo pipefail

: "${KANNEL_USERNAME:?}" "${KANNEL_PASSWORD:?}" "${SMS_INBOUND_SECRET:?}"
export KANNEL_INBOUND_URL=${KANNEL_INBOUND_URL:-http://notification:8000/sms/inbound}
export KANNEL_SENDSMS_ALLOW_IP=${KANNEL_SENDSMS_ALLOW_IP:-127.0.0.1}
KANNEL_ADMIN_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export KANNEL_ADMIN_PASSWORD

# The rendered file holds the sendsms password: readable by this user only, not in a volume.
conf=/run/kannel/kannel.conf
(umask 077 && envsubst '${KANNEL_USERNAME} ${KANNEL_PASSWORD} ${KANNEL_ADMIN_PASSWORD} ${KANNEL_SENDSMS_ALLOW_IP} ${KANNEL_INBOUND_URL} ${SMS_INBOUND_SECRET}' \
  </etc/kannel/kannel.conf.template >"$conf")

wait_port() { # port seconds
  for _ in $(seq $(($2 * 5))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "kannel-entrypoint: nothing listens on port $1" >&2
  exit 1
}

trap 'kill $(jobs -p) 2>/dev/null || true' TERM INT EXIT

/usr/sbin/bearerbox -v 2 "$conf" &
wait_port 13002 30
# Everything fakesmsc prints (the messages it received included) goes to the log volume, where
# tests and `docker compose --profile dev logs sms-log` read it. -m 0: it sends nothing itself.
/usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r 13002 -m 0 "x x text x" \
  >>/var/log/kannel/fakesmsc.log 2>&1 &
/usr/sbin/smsbox -v 2 "$conf" &

status=0
wait -n || status=$?
echo "kannel-entrypoint: a process exited with status $status; stopping" >&2
exit "$status"
