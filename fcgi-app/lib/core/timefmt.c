/*
 * timefmt.c - RFC 3339 formatting and strict parsing in UTC.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "core/str.h"
#include "core/timefmt.h"

int
timefmt_rfc3339(int64_t t, char out[TIMEFMT_BYTES])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	if (strftime(out, TIMEFMT_BYTES, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

int
timefmt_parse(const char *p, size_t len, int64_t *out)
{
	uint64_t y, mo, d, h, mi, s;
	struct tm tm = { 0 };
	time_t t;

	if (len != 20 || p[4] != '-' || p[7] != '-' || p[10] != 'T' ||
	    p[13] != ':' || p[16] != ':' || p[19] != 'Z')
		return -1;
	if (str_to_u64(p, 4, 1970, 9999, &y) == -1 ||
	    str_to_u64(p + 5, 2, 1, 12, &mo) == -1 ||
	    str_to_u64(p + 8, 2, 1, 31, &d) == -1 ||
	    str_to_u64(p + 11, 2, 0, 23, &h) == -1 ||
	    str_to_u64(p + 14, 2, 0, 59, &mi) == -1 ||
	    str_to_u64(p + 17, 2, 0, 60, &s) == -1)
		return -1;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)s;
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != (int)d)
		return -1;	/* 31 February and friends */
	*out = (int64_t)t;
	return 0;
}

int64_t
timefmt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}
