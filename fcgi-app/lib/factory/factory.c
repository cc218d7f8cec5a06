/*
 * factory.c - Image Factory client over libcurl (see factory.h). The
 * schematic is YAML written with libyaml's emitter; the answer is JSON
 * read with jansson and bounded. The cache is the worker's own (one
 * process, one thread), keyed by the SHA-256 of the schematic body.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/log.h"
#include "factory/factory.h"

#define FACTORY_RESPONSE_MAX (16 * 1024)
#define FACTORY_CACHE_SLOTS 64
#define FACTORY_ID_MAX 128

struct cache_slot {
	unsigned char key[32];
	char id[FACTORY_ID_MAX];
	int used;
};

/* Per worker process: the cache only saves round trips, it decides nothing. */
static struct cache_slot cache[FACTORY_CACHE_SLOTS];
static unsigned cache_next;

void
factory_cache_clear(void)
{
	memset(cache, 0, sizeof(cache));
	cache_next = 0;
}

static int
emit(yaml_emitter_t *em, yaml_event_t *ev, int ok)
{
	return ok && yaml_emitter_emit(em, ev) ? 0 : -1;
}

static int
scalar(yaml_emitter_t *em, const char *v, size_t len)
{
	yaml_event_t ev;

	return emit(em, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)v, (int)len, 1, 1,
	    YAML_ANY_SCALAR_STYLE));
}

static int
write_cb(void *data, unsigned char *p, size_t len)
{
	return buf_append(data, p, len) == 0 ? 1 : 0;
}

/* customization: {extraKernelArgs: [talos.config=URL], systemExtensions: {officialExtensions: [...]}} */
static int
schematic_yaml(const struct factory_cfg *c, const char *config_url,
    struct buf *out)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	char arg[FACTORY_URL_MAX + 16];
	const char *p = c->extensions;
	int rc = -1;

	if (snprintf(arg, sizeof(arg), "talos.config=%s", config_url) >=
	    (int)sizeof(arg) || !yaml_emitter_initialize(&em))
		return -1;
	yaml_emitter_set_output(&em, write_cb, out);
	if (emit(&em, &ev, yaml_stream_start_event_initialize(&ev,
	    YAML_UTF8_ENCODING)) == -1 ||
	    emit(&em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL,
	    NULL, 1)) == -1 ||
	    emit(&em, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE)) == -1 ||
	    scalar(&em, "customization", 13) == -1 ||
	    emit(&em, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE)) == -1 ||
	    scalar(&em, "extraKernelArgs", 15) == -1 ||
	    emit(&em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL,
	    1, YAML_BLOCK_SEQUENCE_STYLE)) == -1 ||
	    scalar(&em, arg, strlen(arg)) == -1 ||
	    emit(&em, &ev, yaml_sequence_end_event_initialize(&ev)) == -1 ||
	    scalar(&em, "systemExtensions", 16) == -1 ||
	    emit(&em, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE)) == -1 ||
	    scalar(&em, "officialExtensions", 18) == -1 ||
	    emit(&em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL,
	    1, YAML_BLOCK_SEQUENCE_STYLE)) == -1)
		goto out;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n > 0 && scalar(&em, p, n) == -1)
			goto out;
		p += n;
		if (*p == ',')
			p++;
	}
	if (emit(&em, &ev, yaml_sequence_end_event_initialize(&ev)) == -1 ||
	    emit(&em, &ev, yaml_mapping_end_event_initialize(&ev)) == -1 ||
	    emit(&em, &ev, yaml_mapping_end_event_initialize(&ev)) == -1 ||
	    emit(&em, &ev, yaml_mapping_end_event_initialize(&ev)) == -1 ||
	    emit(&em, &ev, yaml_document_end_event_initialize(&ev, 1)) == -1 ||
	    emit(&em, &ev, yaml_stream_end_event_initialize(&ev)) == -1)
		goto out;
	rc = out->p != NULL ? 0 : -1;
out:
	yaml_emitter_delete(&em);
	return rc;
}

static size_t
response_cb(char *p, size_t size, size_t n, void *data)
{
	size_t len = size * n;

	/* past FACTORY_RESPONSE_MAX the buffer refuses and curl aborts */
	return buf_append(data, p, len) == 0 ? len : 0;
}

/* POST the schematic; the id from {"id": "..."}. */
static int
factory_post(const struct factory_cfg *c, const struct buf *body,
    char id[FACTORY_ID_MAX], char *why, size_t why_len)
{
	struct curl_slist *h = NULL;
	struct buf resp;
	char url[FACTORY_URL_MAX];
	json_t *j = NULL;
	const char *s;
	long status = 0;
	CURLcode cc;
	CURL *curl;
	int rc = -1;
	size_t i;

	buf_init(&resp, FACTORY_RESPONSE_MAX);
	snprintf(url, sizeof(url), "%s/schematics", c->url);
	curl = curl_easy_init();
	h = curl_slist_append(NULL, "Content-Type: application/yaml");
	if (curl == NULL || h == NULL) {
		snprintf(why, why_len, "image factory: cannot start a request");
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)FACTORY_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)FACTORY_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->p);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body->len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, response_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK) {
		snprintf(why, why_len, "image factory unreachable: %s",
		    curl_easy_strerror(cc));
		goto out;
	}
	if (status < 200 || status > 299) {
		snprintf(why, why_len, "image factory answered HTTP %ld", status);
		goto out;
	}
	j = resp.p != NULL ? json_loadb(resp.p, resp.len, 0, NULL) : NULL;
	s = json_string_value(json_object_get(j, "id"));
	if (s == NULL || s[0] == '\0' || strlen(s) >= FACTORY_ID_MAX) {
		snprintf(why, why_len, "image factory answered without an id");
		goto out;
	}
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			break;
	if (s[i] != '\0') {
		snprintf(why, why_len, "image factory answered a malformed id");
		goto out;
	}
	snprintf(id, FACTORY_ID_MAX, "%s", s);
	rc = 0;
out:
	json_decref(j);
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	buf_release(&resp);
	return rc;
}

int
factory_iso_url(const struct factory_cfg *c, const char *config_url,
    char *out, size_t out_len, char *why, size_t why_len)
{
	unsigned char key[32];
	char id[FACTORY_ID_MAX];
	struct buf body;
	unsigned i;
	int rc = -1;

	if (c->url == NULL || c->url[0] == '\0') {
		snprintf(why, why_len, "no ITL_ISO_URL and no ITL_FACTORY_URL "
		    "configured");
		return -1;
	}
	buf_init(&body, 64 * 1024);
	if (schematic_yaml(c, config_url, &body) == -1 ||
	    EVP_Digest(body.p, body.len, key, NULL, EVP_sha256(), NULL) != 1) {
		snprintf(why, why_len, "cannot build the schematic");
		goto out;
	}
	id[0] = '\0';
	for (i = 0; i < FACTORY_CACHE_SLOTS; i++)
		if (cache[i].used && memcmp(cache[i].key, key, 32) == 0)
			snprintf(id, sizeof(id), "%s", cache[i].id);
	if (id[0] == '\0') {
		if (factory_post(c, &body, id, why, why_len) == -1) {
			log_warn("%s", why);
			goto out;
		}
		memcpy(cache[cache_next].key, key, 32);
		snprintf(cache[cache_next].id, FACTORY_ID_MAX, "%s", id);
		cache[cache_next].used = 1;
		cache_next = (cache_next + 1) % FACTORY_CACHE_SLOTS;
	}
	if (snprintf(out, out_len, "%s/image/%s/%s/metal-amd64.iso", c->url, id,
	    c->talos_version) >= (int)out_len) {
		snprintf(why, why_len, "iso url too long");
		goto out;
	}
	rc = 0;
out:
	buf_release(&body);
	return rc;
}
