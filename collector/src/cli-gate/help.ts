/** `breakwater gate --help`. */
export const GATE_HELP = `Usage: breakwater gate --service S --version V [options]

Asks the collector's error-budget gate whether version V of service S may proceed, and exits
with the decision: 0 PROCEED, 10 HALT, 20 ROLLBACK, 2 usage or connection error.

Options:
  -s, --service <name>             service.name of the deployment (required)
  -v, --version <version>          service.version under test (required)
  -b, --baseline <v1,v2>           versions to compare with (default: every other version seen)
      --slo <name,...>             judge only these SLOs (each must then have enough data)
      --url <url>                  collector base URL (default $BREAKWATER_COLLECTOR_URL, else
                                   http://127.0.0.1:4318)
      --token <token>              bearer token with the "gate" scope (default $BREAKWATER_GATE_TOKEN)
      --wait <duration>            poll until a decision other than HALT-for-no-data, up to this long
      --watch <duration>           poll for this long, stopping early only on ROLLBACK (monitor stage)
      --interval <duration>        polling interval of --wait, --watch and recovery tracking
                                   (default 30s)
      --timeout <duration>         per-request timeout, to the collector and Alertmanager (default 10s)
      --json                       print the answer (plus rollback, recovery, report paths) as JSON;
                                   progress and the rollback command's output go to stderr
      --on-rollback <command>      on ROLLBACK run this shell command once, record the rollback
                                   latency (violation detected -> command finished), then, if it
                                   exited 0, track recovery; the command sees
                                   BREAKWATER_GATE_SERVICE/_VERSION/_DECISION
      --rollback-timeout <dur>     end the rollback command (SIGTERM, SIGKILL 5 s later) after this
                                   long; it then counts as failed, exit 124 (default 15m)
      --recovery-timeout <dur>     how long the SLIs may take to return to green (default 10m)
      --report-dir <dir>           on ROLLBACK or HALT (not one only for missing data) write an
                                   incident report (.md and .json) here
      --trace-url-template <url>   link example traces, e.g. http://jaeger:16686/trace/{traceId}
      --alertmanager-url <url>     also post the incident to Alertmanager (API v2; after a failure
                                   again 1 s and 3 s later)
      --alertmanager-header <h>    "Name: value" header on that post, e.g. "Authorization: Bearer
                                   $AM_TOKEN" (repeatable; "Name:" sends none); also from
                                   $BREAKWATER_ALERTMANAGER_HEADERS (name=value,... percent-encoded,
                                   as OTEL_EXPORTER_OTLP_HEADERS), a flag winning for its name
      --alertmanager-label <l>     "name=value" label on that alert, e.g. team=payments: give the
                                   collector's alertmanager.labels, so routes matching them take it
                                   (repeatable)
  -h, --help                       show this help

Durations: 500ms, 30s, 5m, 1h. Examples:
  breakwater gate -s checkout -v 1.4.2 --wait 10m --interval 30s
  breakwater gate -s checkout -v 1.4.2 --watch 5m --interval 15s \\
    --on-rollback "kubectl rollout undo deploy/checkout" --report-dir incidents
`;
