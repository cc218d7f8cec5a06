/*
 * machine_json.c - JSON views of a machine: MachineDetail (§6) and the
 * registration responses. Never tokens, keys or EK bytes.
 */
#include "config.h"

#include <string.h>

#include "api/api.h"
#include "core/timefmt.h"

json_t *
json_time(int64_t t)
{
	char ts[TIMEFMT_BYTES];

	if (t == 0 || timefmt_rfc3339(t, ts) == -1)
		return json_null();
	return json_string(ts);
}

static json_t *
json_str_or_null(const char *s)
{
	return s == NULL || s[0] == '\0' ? json_null() : json_string(s);
}

json_t *
machine_detail_json(const struct machine *m)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:o, "
	    "s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
	    "machine_id", m->id,
	    "ek_fingerprint", m->ek_fingerprint,
	    "ek_source", m->ek_source,
	    "hw_uuid", json_str_or_null(m->hw_uuid),
	    "hw_mac", json_str_or_null(m->hw_mac),
	    "hw_serial", json_str_or_null(m->hw_serial),
	    "hw_product", json_str_or_null(m->hw_product),
	    "role", m->role,
	    "status", machine_status_name(m->status),
	    "hostname", json_str_or_null(m->hostname),
	    "assigned_ip", json_str_or_null(m->assigned_ip),
	    "cluster_id", json_str_or_null(m->cluster_id),
	    "registration_path", m->registration_path,
	    "registered_at", json_time(m->registered_at),
	    "approved_at", json_time(m->approved_at),
	    "approved_by", json_str_or_null(m->approved_by),
	    "attested_at", json_time(m->attested_at),
	    "last_seen_at", json_time(m->last_seen_at),
	    "locked_at", json_time(m->locked_at),
	    "revoked_at", json_time(m->revoked_at),
	    "wipe_pending", m->wipe_pending);
}

json_t *
registration_json(const struct machine *m, const char *message,
    unsigned poll_after_s)
{
	return json_pack("{s:s, s:s, s:s, s:n, s:n, s:s, s:I}",
	    "machine_id", m->id, "role", m->role,
	    "status", machine_status_name(m->status),
	    "config_token", "config_url", "message", message,
	    "poll_after_s", (json_int_t)poll_after_s);
}

json_t *
event_data(const struct machine *m, const char *actor)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}",
	    "machine_id", m->id, "ek_fingerprint", m->ek_fingerprint,
	    "status", machine_status_name(m->status), "role", m->role,
	    "hostname", json_str_or_null(m->hostname), "actor", actor);
}
