#!/usr/bin/env bash
# t0300-metrics.sh - GET /metrics (API spec §10.3): counters shared by both
# workers (a mapping made before the fork), the machine gauge read at
# scrape time, per-route request counts and latency histograms; the text
# parses with the Prometheus client's own parser (format 0.0.4).
. "$(dirname "$0")/lib.sh"
stack_start
metric() {	# NAME{labels} → value from the last scrape (label values may hold spaces)
	grep -F "$1 " <<<"$SCRAPE" | grep -v '^#' | awk '{ print $NF }'
}
scrape() { api GET /metrics; expect_status 200 metrics; SCRAPE=$BODY; }

for i in 1 2 3; do register_usb "$(soft_ek_json)" >/dev/null; done
api POST /api/v1/self-register "$(soft_ek_json)"
b=$(soft_ek_json)
api POST /api/v1/attest "$b"				# unknown EK: registered by attest
id=$(jget .machine_id)
op POST "/api/v1/machines/$id/approve" '{"role":"worker-app"}'
api POST /api/v1/attest "$b"				# attested
api GET "/api/v1/config?mac=aa:bb:cc:dd:ee:ff"		# a pending config
for i in $(seq 20); do api GET /healthz; done		# spread over both workers

scrape
expect_eq "$(metric 'itl_registrations_total{path="usb"}')" 3 "usb registrations"
expect_eq "$(metric 'itl_registrations_total{path="self"}')" 1 "self registrations"
expect_eq "$(metric 'itl_registrations_total{path="attest"}')" 1 "attest registrations"
expect_eq "$(metric 'itl_attestations_total{result="success"}')" 2 "attestations"
expect_eq "$(metric 'itl_approvals_total')" 1 "approvals"
expect_eq "$(metric 'itl_config_deliveries_total{kind="pending"}')" 1 "pending deliveries"
expect_eq "$(metric 'itl_machines{status="registered"}')" 3 "gauge: registered"
expect_eq "$(metric 'itl_machines{status="attested"}')" 1 "gauge: attested"
expect_eq "$(metric 'itl_http_requests_total{route="GET /healthz",code="200"}')" 20 "healthz requests"
expect_eq "$(metric 'itl_http_request_duration_seconds_count{route="GET /healthz"}')" 20 "healthz histogram"
expect_eq "$(metric 'itl_http_request_duration_seconds_bucket{route="GET /healthz",le="+Inf"}')" 20 "+Inf bucket"
# both workers served /healthz, yet one scrape sees all 20: the counters are shared
[ "$(grep -c 'route="GET /healthz"' "$T/attestd.log")" -ge 20 ] || fail "request log"
[ "$(grep 'route="GET /healthz"' "$T/attestd.log" | sed 's/\].*//' | sort -u | wc -l)" = 2 ] ||
	note "all /healthz requests went to one worker; sharing is still checked by the total"
# routes sharing a pattern are separate series (method in the label)
op GET "/api/v1/machines/$id"
op DELETE "/api/v1/machines/$id"
scrape
[ "$(grep -c '^itl_http_request_duration_seconds_count{route="[A-Z]* /api/v1/machines/{id}"}' <<<"$SCRAPE")" = 2 ] ||
	fail "GET and DELETE /machines/{id} are not separate series"
[ -z "$(grep -v '^#' <<<"$SCRAPE" | sed 's/ [^ ]*$//' | sort | uniq -d)" ] || fail "duplicate series"
printf '%s' "$SCRAPE" | /usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(sys.stdin.read()))
names = {f.name for f in fams}
need = {"itl_machines", "itl_registrations", "itl_attestations", "itl_http_requests",
        "itl_http_request_duration_seconds", "itl_attestation_failures", "itl_nonces_outstanding"}
missing = need - names
sys.exit("missing families: %s" % missing if missing else 0)
' || fail "the Prometheus parser refuses the output"
pass
