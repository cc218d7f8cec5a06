/*
 * metrics.c - shared counters (see metrics.h). Latencies are kept as
 * cumulative histogram buckets plus a sum in microseconds, so that every
 * update is one atomic add.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "api/metrics.h"
#include "core/limits.h"

/* Statuses the service answers (§9 and 200/202); others count as "other". */
static const int metric_codes[] = { 200, 202, 400, 401, 403, 404, 405, 406,
    409, 410, 413, 415, 422, 429, 500, 502, 503, 504 };
#define N_CODES (sizeof(metric_codes) / sizeof(metric_codes[0]) + 1)
static const double metric_buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };
#define N_BUCKETS (sizeof(metric_buckets) / sizeof(metric_buckets[0]))
static const char *const metric_reasons[METRIC_REASONS] = {
	"quote_malformed", "magic_invalid", "nonce_mismatch",
	"signature_invalid", "pcr_selection_mismatch", "pcr_digest_mismatch",
	"pcr_policy_violation", "ak_not_activated", "clock_rollback",
};
/* routes the table may have (one more slot for "unmatched") */
#define METRIC_ROUTES LIMIT_ROUTES

struct route_stats {
	_Atomic uint64_t by_code[N_CODES];
	_Atomic uint64_t buckets[N_BUCKETS];	/* le bucket, not cumulative */
	_Atomic uint64_t count;
	_Atomic uint64_t sum_us;
};

struct metrics {
	size_t n_routes;
	_Atomic uint64_t counters[M__COUNT];
	_Atomic uint64_t failures[METRIC_REASONS];
	struct route_stats routes[METRIC_ROUTES + 1];
};

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
    "counters shared between processes must be lock-free");

struct metrics *
metrics_create(size_t n_routes)
{
	struct metrics *m;

	if (n_routes > METRIC_ROUTES)
		return NULL;
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->n_routes = n_routes;
	return m;
}

void
metrics_count(struct metrics *m, enum metric_counter c)
{
	if (m != NULL && (unsigned)c < M__COUNT)
		atomic_fetch_add_explicit(&m->counters[c], 1,
		    memory_order_relaxed);
}

void
metrics_failure(struct metrics *m, const char *reason)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < METRIC_REASONS; i++)
		if (strcmp(metric_reasons[i], reason) == 0)
			atomic_fetch_add_explicit(&m->failures[i], 1,
			    memory_order_relaxed);
}

void
metrics_request(struct metrics *m, size_t route, int status, double seconds)
{
	struct route_stats *r;
	size_t i, code = N_CODES - 1, bucket = N_BUCKETS;

	if (m == NULL)
		return;
	r = &m->routes[route < m->n_routes ? route : m->n_routes];
	for (i = 0; i + 1 < N_CODES; i++)
		if (metric_codes[i] == status)
			code = i;
	for (i = 0; i < N_BUCKETS; i++)
		if (seconds <= metric_buckets[i]) {
			bucket = i;
			break;
		}
	atomic_fetch_add_explicit(&r->by_code[code], 1, memory_order_relaxed);
	if (bucket < N_BUCKETS)
		atomic_fetch_add_explicit(&r->buckets[bucket], 1,
		    memory_order_relaxed);
	atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->sum_us,
	    seconds > 0 ? (uint64_t)(seconds * 1e6) : 0, memory_order_relaxed);
}

static uint64_t
get(const _Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static int
counter(struct buf *b, const char *name, const char *help,
    const char *labels, uint64_t v, int head)
{
	if (head && buf_appendf(b, "# HELP %s %s\n# TYPE %s counter\n", name,
	    help, name) == -1)
		return -1;
	return buf_appendf(b, "%s%s %llu\n", name, labels,
	    (unsigned long long)v);
}

static int
render_counters(const struct metrics *m, struct buf *b)
{
	static const struct {
		const char *name, *help, *labels;
		enum metric_counter c;
	} rows[] = {
		{ "itl_registrations_total", "Machines registered, by path.", "{path=\"usb\"}", M_REG_USB },
		{ "itl_registrations_total", NULL, "{path=\"self\"}", M_REG_SELF },
		{ "itl_registrations_total", NULL, "{path=\"attest\"}", M_REG_ATTEST },
		{ "itl_registrations_total", NULL, "{path=\"import\"}", M_REG_IMPORT },
		{ "itl_attestations_total", "Attestations, by result.", "{result=\"success\"}", M_ATTEST_OK },
		{ "itl_attestations_total", NULL, "{result=\"failure\"}", M_ATTEST_FAILED },
		{ "itl_approvals_total", "Approvals that took effect.", "", M_APPROVALS },
		{ "itl_config_deliveries_total", "Configs served, by kind.", "{kind=\"full\"}", M_DELIVERY_FULL },
		{ "itl_config_deliveries_total", NULL, "{kind=\"pending\"}", M_DELIVERY_PENDING },
		{ "itl_config_deliveries_total", NULL, "{kind=\"encrypted\"}", M_DELIVERY_ENCRYPTED },
		{ "itl_certificates_issued_total", "Enrollment certificates issued.", "", M_CERTS_ISSUED },
		{ "itl_secret_accesses_total", "Vault secrets released.", "", M_SECRET_ACCESSES },
		{ "itl_webhook_deliveries_total", "Webhook deliveries, by result.", "{result=\"success\"}", M_WEBHOOK_OK },
		{ "itl_webhook_deliveries_total", NULL, "{result=\"failure\"}", M_WEBHOOK_FAILED },
		{ "itl_webhook_deliveries_total", NULL, "{result=\"dead\"}", M_WEBHOOK_DEAD },
	};
	char labels[64];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (counter(b, rows[i].name, rows[i].help != NULL ?
		    rows[i].help : "", rows[i].labels,
		    get(&m->counters[rows[i].c]), rows[i].help != NULL) == -1)
			return -1;
	for (i = 0; i < METRIC_REASONS; i++) {
		snprintf(labels, sizeof(labels), "{reason=\"%s\"}",
		    metric_reasons[i]);
		if (counter(b, "itl_attestation_failures_total",
		    "Refused quotes, by reason.", labels, get(&m->failures[i]),
		    i == 0) == -1)
			return -1;
	}
	return 0;
}

static int
render_requests(const struct metrics *m, struct buf *b,
    const char *(*route_name)(size_t i))
{
	size_t r, i;
	char code[8];

	if (buf_appendf(b, "# HELP itl_http_requests_total Requests served, "
	    "by route and status.\n# TYPE itl_http_requests_total counter\n")
	    == -1)
		return -1;
	for (r = 0; r <= m->n_routes; r++) {
		const char *name = r < m->n_routes ? route_name(r) : "unmatched";

		for (i = 0; i < N_CODES; i++) {
			uint64_t v = get(&m->routes[r].by_code[i]);

			if (v == 0)
				continue;
			if (i + 1 < N_CODES)
				snprintf(code, sizeof(code), "%d", metric_codes[i]);
			else
				snprintf(code, sizeof(code), "other");
			if (buf_appendf(b, "itl_http_requests_total{route=\"%s\","
			    "code=\"%s\"} %llu\n", name, code,
			    (unsigned long long)v) == -1)
				return -1;
		}
	}
	if (buf_appendf(b, "# HELP itl_http_request_duration_seconds "
	    "Request duration in the worker, by route.\n"
	    "# TYPE itl_http_request_duration_seconds histogram\n") == -1)
		return -1;
	for (r = 0; r <= m->n_routes; r++) {
		const char *name = r < m->n_routes ? route_name(r) : "unmatched";
		uint64_t cum = 0, count = get(&m->routes[r].count);

		if (count == 0)
			continue;
		for (i = 0; i < N_BUCKETS; i++) {
			cum += get(&m->routes[r].buckets[i]);
			if (buf_appendf(b, "itl_http_request_duration_seconds_bucket"
			    "{route=\"%s\",le=\"%g\"} %llu\n", name,
			    metric_buckets[i], (unsigned long long)cum) == -1)
				return -1;
		}
		if (buf_appendf(b, "itl_http_request_duration_seconds_bucket"
		    "{route=\"%s\",le=\"+Inf\"} %llu\n"
		    "itl_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
		    "itl_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		    name, (unsigned long long)count, name,
		    (double)get(&m->routes[r].sum_us) / 1e6, name,
		    (unsigned long long)count) == -1)
			return -1;
	}
	return 0;
}

int
metrics_render(const struct metrics *m, struct buf *b,
    const char *(*route_name)(size_t i))
{
	if (m == NULL)
		return 0;
	if (render_counters(m, b) == -1 || render_requests(m, b, route_name) == -1)
		return -1;
	return 0;
}
