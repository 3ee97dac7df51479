#!/usr/bin/env bash
# Migrates a varied set of groups from the real Go Pushgateway into Cairn with `cairn migrate` and compares the
# /metrics of both gateways. Exits 0 when they agree apart from the gateways' own metrics and push timestamps.
#
# Usage: migrate-against-go.sh [cairn.jar]     (default: gateway-server/target/cairn.jar of this checkout)
# Needs: prometheus-pushgateway (Debian's 1.5.1; PUSHGATEWAY=... for another binary), java 17, curl, python3.
# Both gateways listen on free loopback ports and are stopped at the end.
#
# The comparison: own families (go_, process_, jvm_, pushgateway_, promhttp_) are dropped, every
# push_time_seconds / push_failure_time_seconds value is masked (the migration sets them anew), and each line is
# prefixed with its family name and sorted: the Go gateway sorts series across groups, Cairn writes them group
# after group (docs/compatibility.md), so series order inside a family is not compared; everything else is.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../../.." && pwd)"
jar="${1:-$root/gateway-server/target/cairn.jar}"
pushgateway="${PUSHGATEWAY:-prometheus-pushgateway}"
work="$(mktemp -d)"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_ready() {
  for _ in $(seq 150); do
    if curl -sf -o /dev/null "$1/-/ready"; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not answer $1/-/ready; its log:" >&2
  cat "$3" >&2
  exit 2
}

[ -f "$jar" ] || { echo "no $jar: build it first (mvn -DskipTests package)" >&2; exit 2; }
go_port="$(free_port)"
cairn_port="$(free_port)"
GO="http://127.0.0.1:$go_port"
CAIRN="http://127.0.0.1:$cairn_port"
"$pushgateway" --web.listen-address="127.0.0.1:$go_port" --persistence.file= >"$work/go.log" 2>&1 &
pids+=($!)
java -Xmx256m -jar "$jar" --web.listen-address="127.0.0.1:$cairn_port" >"$work/cairn.log" 2>&1 &
pids+=($!)
wait_ready "$GO" "$("$pushgateway" --version 2>&1 | head -1)" "$work/go.log"
wait_ready "$CAIRN" "cairn" "$work/cairn.log"
echo "old: $("$pushgateway" --version 2>&1 | head -1) on $GO"
echo "new: cairn ($jar) on $CAIRN"

# push METHOD PATH WANTED-STATUS [curl args...]: the body comes from the curl args (usually --data-binary @-)
push() {
  local method="$1" path="$2" want="$3"
  shift 3
  local got
  got="$(curl -s -o "$work/answer" -w '%{http_code}' -X "$method" "$@" "$GO$path")"
  if [ "$got" != "$want" ]; then
    echo "$method $path answered $got, want $want: $(cat "$work/answer")" >&2
    exit 2
  fi
}

push PUT /metrics/job/basic 200 --data-binary @- <<'EOF'
# HELP a_first Sorts before labels.
# TYPE a_first gauge
a_first 1
# HELP c_total Requests served.
# TYPE c_total counter
c_total{path="/a"} 3
c_total{path="/b"} 1.5
# TYPE g gauge
g 42
# HELP h A histogram.
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="0.5"} 2
h_bucket{le="1"} 3
h_bucket{le="10"} 4
h_bucket{le="+Inf"} 5
h_sum 17.5
h_count 5
# TYPE h_no_inf histogram
h_no_inf_bucket{le="1"} 1
h_no_inf_bucket{le="2"} 3
h_no_inf_sum 4
h_no_inf_count 7
# HELP s A summary.
# TYPE s summary
s{quantile="0.5"} 2
s{quantile="0.9"} 4.5
s{quantile="0.99"} 8
s_sum 100
s_count 30
# TYPE s_no_quantiles summary
s_no_quantiles_sum 1
s_no_quantiles_count 2
u_untyped 7
x_sum 1
x_count 2
# HELP zzz 
# TYPE zzz untyped
zzz -3.25
EOF
# HELP with escapes, a raw U+2028 and a raw control byte; label values with quotes, backslashes, newlines,
# a tab, unicode and an empty one; instance "i<&>" (base64 aTwmPg)
{
  printf '# HELP esc Help with \\\\ backslash and \\n newline, <html> & "quotes" \xe2\x80\xa8 \x01.\n'
  cat <<'EOF'
# TYPE esc gauge
esc{v="a\\b"} 1
esc{v="q\"uote"} 2
esc{v="new\nline"} 3
esc{v="<tag>&amp;"} 4
esc{v="tab	here"} 5
esc{v="München ☃ 😀"} 6
esc{v=""} 7
EOF
} | push PUT /metrics/job/esc/instance@base64/aTwmPg 200 --data-binary @-
printf '# HELP utf8_metric Grüße € 😀\n# TYPE utf8_metric counter\nutf8_metric{name="Grüße"} 1\n' |
  push PUT /metrics/job/utf8/label@base64/w7zigqzwn5iA 200 --data-binary @-           # label="ü€😀"
printf '# TYPE city gauge\ncity 1\n' | push PUT '/metrics/job/M%C3%BCnchen%20a+b' 200 --data-binary @-
printf '# HELP backup_last_success_timestamp_seconds Last success.\nbackup_last_success_timestamp_seconds 1.7e+09\n' |
  push PUT /metrics/job@base64/dGVhbS9uaWdodGx5LWJhY2t1cA 200 --data-binary @-      # job="team/nightly-backup"
printf 'disk_free_bytes 1.2345e+10\n' |                                              # dir="/var/lib/data", dot="."
  push PUT /metrics/job/paths/dir@base64/L3Zhci9saWIvZGF0YQ/dot@base64/Lg 200 --data-binary @-
printf 'e 1\n' | push PUT /metrics/job/empty/instance@base64/= 200 --data-binary @-
printf 'e 2\n' | push PUT /metrics/job/empty2/rack/r1/zone@base64/= 200 --data-binary @-
printf '# HELP c_total Requests served.\n# TYPE c_total counter\nc_total{path="/m"} 10\nm{zone="ignored",extra="x"} 5\n' |
  push PUT /metrics/job/multi/instance/host-1:9100/zone/eu-1/env/prod 200 --data-binary @-
push PUT /metrics/job/special 200 --data-binary @- <<'EOF'
# TYPE big_hist histogram
big_hist_bucket{le="1e-07"} 0
big_hist_bucket{le="1e+06"} 1234567
big_hist_bucket{le="+Inf"} 9007199254740992
big_hist_sum 1e+21
big_hist_count 9007199254740992
# TYPE big_summary summary
big_summary{quantile="1e-05"} NaN
big_summary{quantile="0.5"} -Inf
big_summary_sum +Inf
big_summary_count 1e19
special{k="a"} NaN
special{k="b"} +Inf
special{k="c"} -Inf
special{k="d"} 1e6
special{k="e"} 1.5e-7
special{k="f"} -0
special{k="g"} 123456.789
special{k="h"} 0.0001
special{k="i"} 0.1
special{k="j"} 0.30000000000000004
special{k="k"} 5e-324
special{k="l"} 1.7976931348623157e308
special{k="m"} 4.9406564584124654e-324
special{k="n"} 2.2250738585072014e-308
special{k="o"} 9007199254740993
EOF
push PUT /metrics/job/native 200 --data-binary @"$here/native-histogram.pb" \
  -H 'Content-Type: application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
printf 'labels 1\nlast_push_successful 2\n' | push PUT /metrics/job/quirk 200 --data-binary @-
printf 'ok_metric 1\n' | push PUT /metrics/job/failed 200 --data-binary @-
printf 'ok_metric 2 1234567890\n' | push PUT /metrics/job/failed 400 --data-binary @-
push PUT /metrics/job/emptybody 200 --data-binary ''
printf 'a 1\nb 2\n' | push PUT /metrics/job/merged 200 --data-binary @-
printf 'b 20\nc 3\n' | push POST /metrics/job/merged 200 --data-binary @-
for i in $(seq 1 100); do
  printf '# HELP batch_duration_seconds Duration of the batch.\n# TYPE batch_duration_seconds gauge\nbatch_duration_seconds %s\n# TYPE batch_records_total counter\nbatch_records_total{kind="in"} %s\nbatch_records_total{kind="out"} %s\n' \
    "$i.25" "$((i * 1000))" "$((i * 997))" | push PUT "/metrics/job/batch/instance/worker-$i" 200 --data-binary @-
done
echo "pushed $(curl -s "$GO/api/v1/metrics" | grep -o '"last_push_successful"' | wc -l) groups to the old gateway"

echo
echo "\$ cairn migrate --from $GO --to $CAIRN"
set +e
java -cp "$jar" io.cairn.server.migrate.Migrate --from "$GO" --to "$CAIRN" >"$work/migrate.out" 2>&1
migrate_status=$?
set -e
grep -v '^ok      {instance="worker-' "$work/migrate.out" | sed 's/^/  /'
echo "  ($(grep -c '^ok      {instance="worker-' "$work/migrate.out") lines 'ok {instance=\"worker-N\",job=\"batch\"} 2 families, 3 series' left out)"
echo "exit status: $migrate_status"

# One normalised line per exposition line: "<family>\t<line>", own families dropped, push times masked, sorted.
normalised() {
  curl -s "$1/metrics" | awk '
    /^# (HELP|TYPE) (go_|process_|jvm_|pushgateway_|promhttp_)/ { next }
    /^(go_|process_|jvm_|pushgateway_|promhttp_)/ { next }
    /^# (HELP|TYPE) / { family = $3 }
    /^push_(failure_)?time_seconds[{ ]/ { sub(/ [^ ]*$/, " <TS>") }
    { print family "\t" $0 }' | LC_ALL=C sort
}
normalised "$GO" >"$work/go.txt"
normalised "$CAIRN" >"$work/cairn.txt"
echo
echo "compared: $(wc -l <"$work/go.txt") lines of the Go gateway's /metrics, $(wc -l <"$work/cairn.txt") of Cairn's"
if diff -u --label go --label cairn "$work/go.txt" "$work/cairn.txt" >"$work/diff"; then
  echo "EQUAL: both /metrics agree apart from own metrics and push timestamps"
  same=0
else
  echo "DIFFERENT:"
  cat "$work/diff"
  same=1
fi
if [ "$migrate_status" -ne 0 ] || [ "$same" -ne 0 ]; then
  exit 1
fi
