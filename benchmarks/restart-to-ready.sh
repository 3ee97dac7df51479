#!/bin/bash
# Restart-to-ready of a store of N groups x 10 series (the load harness body), from the journal alone and then
# from a snapshot. Needs wrk and the load harness (BENCH, default ../shared/bench); run from anywhere.
set -u
cd "$(dirname "$0")/.."
N=${N:-100000}; PORT=${PORT:-19600}; DIR=${DIR:-/tmp/cairn-restart}; BENCH=${BENCH:-../shared/bench}
J="java -XX:+UseG1GC -Xms32m -Xmx2g -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=10 -XX:MaxDirectMemorySize=4g -jar gateway-server/target/cairn.jar --web.listen-address=127.0.0.1:$PORT --persistence.file=$DIR/state"
rm -rf $DIR; mkdir -p $DIR/wrk
ready_time() { local t0=$(date +%s.%N); while true; do c=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/-/ready); [ "$c" = 200 ] && break; sleep 0.02; done; echo "$(date +%s.%N) - $t0" | bc; }
$J --persistence.interval=24h > $DIR/log.populate 2>&1 & PID=$!
ready_time > /dev/null
wrk -t2 -c16 -d600s --timeout 30 -s $BENCH/push.lua http://127.0.0.1:$PORT -- populate $N 2 $BENCH/body.prom $DIR/wrk > $DIR/wrk.out 2>&1
echo "populated: $(grep -c . $DIR/wrk.out) wrk lines; journal: $(du -sh $DIR | cut -f1)"
kill -9 $PID; wait $PID 2>/dev/null
ls -la $DIR | grep state
$J --persistence.interval=24h > $DIR/log.journal 2>&1 & PID=$!
echo "restart-to-ready from the journal alone: $(ready_time) s"
curl -s http://127.0.0.1:$PORT/metrics | grep -c '^push_time_seconds{' | sed 's/^/groups after restart: /'
kill -9 $PID; wait $PID 2>/dev/null
$J --persistence.interval=1s > $DIR/log.snap 2>&1 & PID=$!
ready_time > /dev/null
for i in $(seq 1 120); do grep -q "snapshot written" $DIR/log.snap && break; sleep 0.5; done
grep "snapshot written" $DIR/log.snap
kill -9 $PID; wait $PID 2>/dev/null
ls -la $DIR | grep state
$J --persistence.interval=24h > $DIR/log.fromsnap 2>&1 & PID=$!
echo "restart-to-ready from the snapshot: $(ready_time) s"
curl -s http://127.0.0.1:$PORT/metrics | grep -c '^push_time_seconds{' | sed 's/^/groups after restart: /'
grep "loaded" $DIR/log.journal $DIR/log.fromsnap
kill $PID; wait $PID 2>/dev/null
