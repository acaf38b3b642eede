#!/usr/bin/env bash
# supervise.sh RECORD COMMAND… — the local stack's restart policy for one service, as compose's
# `restart: unless-stopped` and Kubernetes do it: run COMMAND; when it exits by itself, append
# a line to RECORD, say so in the log, and start it again after a pause that doubles up to 30 s
# (back to 1 s once it has run a minute). TERM or INT stops COMMAND and the supervisor.
set -u
record=$1
shift
child=
stop() {
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
  exit 0
}
trap stop TERM INT
pause=1
while :; do
  started=$SECONDS
  "$@" &
  child=$!
  wait "$child"
  status=$?
  child=
  [ $((SECONDS - started)) -ge 60 ] && pause=1
  printf '%s exit=%s\n' "$(date -u +%FT%TZ)" "$status" >>"$record"
  printf '{"event": "supervise: %s exited by itself (status %s); starting it again in %s s", "level": "error", "logger": "supervise"}\n' \
    "$(basename "$record")" "$status" "$pause"
  sleep "$pause" &
  wait $!
  pause=$((pause * 2 > 30 ? 30 : pause * 2))
done
