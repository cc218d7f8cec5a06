/*
 * metrics.h - Prometheus counters shared by every worker (API spec §10.3):
 * one anonymous MAP_SHARED mapping made by the supervisor before it forks,
 * updated with C11 atomics (lock-free on the targets we build for), read
 * by whichever worker serves GET /metrics. Gauges that describe the data
 * (machines by status, outstanding nonces, audit entries) are read from the
 * database at scrape time instead. Counters restart from zero with
 * itl-attestd, which Prometheus handles as a counter reset.
 */
#ifndef ITL_API_METRICS_H
#define ITL_API_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum metric_counter {
	M_REG_USB, M_REG_SELF, M_REG_ATTEST, M_REG_IMPORT,
	M_ATTEST_OK, M_ATTEST_FAILED,
	M_APPROVALS,
	M_DELIVERY_FULL, M_DELIVERY_PENDING, M_DELIVERY_ENCRYPTED,
	M_CERTS_ISSUED, M_SECRET_ACCESSES,
	M_WEBHOOK_OK, M_WEBHOOK_FAILED, M_WEBHOOK_DEAD,
	M__COUNT
};

/* The §3 reasons of attestation_failed, in a fixed order. */
#define METRIC_REASONS 9

struct metrics;

/* The shared mapping (before fork); NULL if mmap fails (then nothing is counted). */
struct metrics *metrics_create(size_t n_routes);
void metrics_count(struct metrics *m, enum metric_counter c);
void metrics_failure(struct metrics *m, const char *reason);
/* One served request: route index (n_routes = unmatched), status, seconds. */
void metrics_request(struct metrics *m, size_t route, int status,
    double seconds);
/*
 * Append the counters in text format 0.0.4; route_name(i) names route i.
 * -1 when b is full.
 */
int metrics_render(const struct metrics *m, struct buf *b,
    const char *(*route_name)(size_t i));

#endif
