/*
 * log.h - one line per event on stderr (journald takes it from there).
 * Never log tokens, keys, bodies or whole certificates.
 */
#ifndef ITL_CORE_LOG_H
#define ITL_CORE_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Prefix every line with this program name (borrowed, must live forever). */
void log_init(const char *prog, enum log_level max);
void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
