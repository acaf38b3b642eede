#!/usr/bin/env bash
# supervise.sh RECORD COMMAND… — the local stack's restart policy for one service, as compose's
# `restart: unless-stopped` and Kubernetes do it: run COMMAND; when it exits by itself, append
# a line to RECORD, say so in the log, and start it again after a pause that doubles up to 30 s
# (back to 1 s once it has run a minute). TERM or INT stops COMMAND and the supervisor.
set -u
record=$1 name=$(basename "$1")
shift
exec 3>&2 2>/dev/null # COMMAND's errors go to the log; bash's own "Killed" notices do not
child=
stop() {
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
  exit 0
}
trap stop TERM INT
pause=1
while :; do
  started=$SECONDS
  "$@" 2>&3 &
  child=$!
  wait "$child"
  status=$?
  child=
  [ $((SECONDS - started)) -ge 60 ] && pause=1
  now=$(date -u +%FT%T.%6NZ)
  printf '%s exit=%s\n' "$now" "$status" >>"$record"
  # a log line in the services' JSON shape (services/common/logs.py)
  printf '{"event": "%s exited by itself (status %s); starting it again in %s s", "service": "%s", "level": "error", "logger": "supervise", "timestamp": "%s", "dossier_code": null, "message_id": null, "correlation_id": null}\n' \
    "$name" "$status" "$pause" "$name" "$now"
  sleep "$pause" &
  wait $!
  pause=$((pause * 2 > 30 ? 30 : pause * 2))
done
