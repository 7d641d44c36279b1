#!/usr/bin/env bash
# Three-stage progressive delivery with the Breakwater error-budget gate:
#   1. validate  — is there budget to deploy at all? (gate the *current* version)
#   2. canary    — ship the new version to 10 % of traffic, wait for enough data, judge it
#   3. monitor   — watch the canary for 5 minutes; on ROLLBACK undo it automatically
# Exit codes of `breakwater gate`: 0 PROCEED, 10 HALT, 20 ROLLBACK, 2 usage/connection error.
#
# Needs: SERVICE, NEW_VERSION, CURRENT_VERSION; BREAKWATER_COLLECTOR_URL and
# BREAKWATER_GATE_TOKEN (a token with the "gate" scope); kubectl access for the traffic steps
# (replace set_canary_weight / undo with your platform's commands).
set -uo pipefail

: "${SERVICE:?}" "${NEW_VERSION:?}" "${CURRENT_VERSION:?}"
REPORTS="${REPORTS:-incidents}"
# The default goes through a variable: inside ${VAR:-...} the first `}` (of `{traceId}`) would end
# the expansion and leave a stray `}` on a TRACE_URL_TEMPLATE that is set.
default_traces='http://jaeger:16686/trace/{traceId}'
TRACES="${TRACE_URL_TEMPLATE:-$default_traces}"

set_canary_weight() { kubectl -n "${NAMESPACE:-default}" annotate "ingress/${SERVICE}-canary" --overwrite "nginx.ingress.kubernetes.io/canary-weight=$1"; }
undo() { set_canary_weight 0 && kubectl -n "${NAMESPACE:-default}" rollout undo "deploy/${SERVICE}-canary"; }
# `pipeline.sh undo` is the rollback hook the gate runs (once) on ROLLBACK.
if [ "${1:-}" = undo ]; then undo; exit $?; fi
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

echo "== 1/3 validate: error budget of ${SERVICE}@${CURRENT_VERSION}"
breakwater gate --service "$SERVICE" --version "$CURRENT_VERSION" --report-dir "$REPORTS" --trace-url-template "$TRACES"
case $? in
  0) ;;
  10) echo "HALT: not enough error budget (or data) to deploy now"; exit 10 ;;
  20) echo "the running version is already burning budget: fix that first"; exit 20 ;;
  *) echo "gate unavailable"; exit 2 ;;
esac

echo "== 2/3 canary: ${NEW_VERSION} on 10 % of traffic"
kubectl -n "${NAMESPACE:-default}" set image "deploy/${SERVICE}-canary" "app=${IMAGE:-registry.example.com/${SERVICE}}:${NEW_VERSION}"
set_canary_weight 10
# Poll until the canary has enough events to judge (HALT-for-no-data keeps polling).
breakwater gate --service "$SERVICE" --version "$NEW_VERSION" --baseline "$CURRENT_VERSION" \
  --wait 10m --interval 30s \
  --on-rollback "'$SELF' undo" \
  --report-dir "$REPORTS" --trace-url-template "$TRACES"
code=$?
# ROLLBACK has run the undo already; HALT undoes the canary; an unreachable gate (2) takes its traffic away.
[ "$code" -eq 0 ] || {
  echo "canary stage: decision exit code $code"
  case $code in 10) undo ;; 2) set_canary_weight 0 ;; esac
  exit "$code"
}

echo "== 3/3 monitor: 5 minutes, automatic rollback"
breakwater gate --service "$SERVICE" --version "$NEW_VERSION" --baseline "$CURRENT_VERSION" \
  --watch 5m --interval 15s \
  --on-rollback "'$SELF' undo" --recovery-timeout 10m \
  --report-dir "$REPORTS" --trace-url-template "$TRACES" --json > gate-monitor.json
code=$?
case $code in
  0) echo "PROCEED: promoting ${NEW_VERSION}"; kubectl -n "${NAMESPACE:-default}" set image "deploy/${SERVICE}" "app=${IMAGE:-registry.example.com/${SERVICE}}:${NEW_VERSION}"; set_canary_weight 0 ;;
  20) echo "ROLLBACK done; see ${REPORTS}/"; exit 20 ;;
  *) echo "monitor ended with exit code $code"; undo; exit "$code" ;;
esac
