/*
 * log.c - minimal leveled logging to stderr, one write per line so lines of
 * several workers sharing the descriptor do not interleave.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "core/log.h"

static const char *log_prog = "itl";
static enum log_level log_max = LOG_INFO;

void
log_init(const char *prog, enum log_level max)
{
	log_prog = prog;
	log_max = max;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = { "err", "warn", "info", "debug" };
	char line[1024];
	va_list ap;
	int n, m;

	if (lvl > log_max)
		return;
	n = snprintf(line, sizeof(line), "%s[%d]: %s ", log_prog,
	    (int)getpid(), names[lvl]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;	/* truncated: keep the newline */
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;	/* nothing sensible to do */
}
