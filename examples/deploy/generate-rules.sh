#!/usr/bin/env bash
# Regenerates examples/deploy/breakwater-rules.yml from `breakwater rules` (the collector's
# Prometheus recording and alerting rules, equivalent to its own SLO evaluation) and checks the
# result with promtool when it is installed.
#
#   examples/deploy/generate-rules.sh [OUTPUT] [-- extra `breakwater rules` arguments, e.g. --config breakwater.yaml]
#
# OUTPUT defaults to examples/deploy/breakwater-rules.yml; a relative OUTPUT or --config is taken
# from the current directory. Runs the collector from its TypeScript sources (Node >= 22.18 / 24),
# so no build is needed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

out="$here/breakwater-rules.yml"
if (($# > 0)) && [[ "$1" != "--" ]]; then
  out="$1"
  shift
fi
if (($# > 0)) && [[ "$1" == "--" ]]; then shift; fi

cli="$repo/collector/src/cli/main.ts"
if [[ ! -f "$cli" ]]; then
  echo "generate-rules: $cli does not exist yet; keeping $out" >&2
  exit 3
fi

tmp="$(mktemp "${TMPDIR:-/tmp}/breakwater-rules.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# The repository's own Node 24 when installed (it runs TypeScript; a system Node may not).
node="$repo/node_modules/.bin/node"
[[ -x "$node" ]] || node=node
# From the caller's directory, so a relative `--config my.yaml` is the caller's file.
"$node" --conditions=@breakwater/source "$cli" rules "$@" >"$tmp"
if command -v promtool >/dev/null 2>&1; then
  promtool check rules "$tmp" >&2
fi
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "generate-rules: wrote $out" >&2
