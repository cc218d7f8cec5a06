/*
 * factory.h - the Talos Image Factory client (API spec §7): POST a
 * schematic whose kernel arguments carry talos.config=<config_url> and
 * whose system extensions are the configured official ones, read its id,
 * and form the ISO URL {factory}/image/{id}/{talos version}/metal-amd64.iso.
 * The only network I/O on the request path, bounded by a 10 s timeout;
 * schematic ids are cached per worker by (kernel args, extensions).
 */
#ifndef ITL_FACTORY_FACTORY_H
#define ITL_FACTORY_FACTORY_H

#include <stddef.h>

#define FACTORY_URL_MAX 1024
#define FACTORY_TIMEOUT_S 10

struct factory_cfg {
	const char *url;		/* ITL_FACTORY_URL, "" = no factory */
	const char *extensions;		/* ITL_FACTORY_EXTENSIONS, comma list */
	const char *talos_version;	/* v1.13.9 */
};

/*
 * Write the ISO URL for config_url into out. On failure write a short
 * reason (no secret: the config URL is never echoed) into why and return -1.
 */
int factory_iso_url(const struct factory_cfg *c, const char *config_url,
    char *out, size_t out_len, char *why, size_t why_len);
/* Drop the cache (tests). */
void factory_cache_clear(void);

#endif
