/*
 * cfg_file.c - the YAML configuration file (see cfg_file.h), read with
 * libyaml's event parser: a small recursive-descent reader over events,
 * with the shape of the file fixed in the code. Anchors and aliases,
 * tags and multiple documents are refused: configuration should be plain.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "cfg/cfg_file.h"
#include "core/str.h"

struct reader {
	yaml_parser_t p;
	yaml_event_t ev;
	bool have;
	const char *src;
	char *msg;
	size_t msg_len;
};

static int clusters_check(const struct cfg_file *f, char *msg,
    size_t msg_len);

static const char *const role_names[CFG_ROLE_COUNT] = {
	"controlplane", "worker-infra", "worker-app"
};

static int
fail(struct reader *r, const char *path, const char *what)
{
	snprintf(r->msg, r->msg_len, "%s: %s%s%s", r->src, path,
	    path[0] != '\0' ? ": " : "", what);
	return -1;
}

/* Advance to the next event (the previous one is released). */
static int
next(struct reader *r)
{
	if (r->have)
		yaml_event_delete(&r->ev);
	r->have = false;
	if (!yaml_parser_parse(&r->p, &r->ev)) {
		char what[160];

		snprintf(what, sizeof(what), "yaml error at line %zu: %s",
		    r->p.problem_mark.line + 1,
		    r->p.problem != NULL ? r->p.problem : "?");
		return fail(r, "", what);
	}
	r->have = true;
	if (r->ev.type == YAML_ALIAS_EVENT)
		return fail(r, "", "aliases are not allowed");
	return 0;
}

static bool
is_scalar(const struct reader *r)
{
	return r->ev.type == YAML_SCALAR_EVENT;
}

static const char *
scalar(const struct reader *r, size_t *len)
{
	*len = r->ev.data.scalar.length;
	return (const char *)r->ev.data.scalar.value;
}

static bool
pcr_key_valid(const char *k, size_t len, size_t *hex_len)
{
	static const struct { const char *bank; size_t hex; } banks[] = {
		{ "sha1:", 40 }, { "sha256:", 64 }, { "sha384:", 96 },
		{ "sha512:", 128 },
	};
	uint64_t idx;
	size_t i, n;

	for (i = 0; i < sizeof(banks) / sizeof(banks[0]); i++) {
		n = strlen(banks[i].bank);
		if (len <= n || memcmp(k, banks[i].bank, n) != 0)
			continue;
		if ((len - n > 1 && k[n] == '0') ||
		    str_to_u64(k + n, len - n, 0, 23, &idx) == -1)
			return false;
		*hex_len = banks[i].hex;
		return true;
	}
	return false;
}

static int
read_policy(struct reader *r, struct cfg_role *role, const char *path)
{
	char where[256];

	if (next(r) == -1)
		return -1;
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fail(r, path, "expected a mapping of \"bank:index\" to hex");
	role->n_policy = 0;
	for (;;) {
		struct cfg_pcr_entry *pe;
		const char *k, *v;
		size_t klen, vlen, want, i;

		if (next(r) == -1)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		k = scalar(r, &klen);
		snprintf(where, sizeof(where), "%.160s.%.*s", path,
		    (int)(klen > 24 ? 24 : klen), k);
		if (!is_scalar(r) || !pcr_key_valid(k, klen, &want))
			return fail(r, where, "expected a key like sha256:7");
		if (role->n_policy >= CFG_POLICY_MAX)
			return fail(r, path, "too many entries");
		pe = &role->policy[role->n_policy];
		str_copy(pe->pcr, sizeof(pe->pcr), k, klen);
		for (i = 0; i < role->n_policy; i++)
			if (strcmp(role->policy[i].pcr, pe->pcr) == 0)
				return fail(r, where, "duplicate entry");
		if (next(r) == -1)
			return -1;
		v = scalar(r, &vlen);
		if (!is_scalar(r) || vlen != want)
			return fail(r, where, "expected hex of the bank's digest size");
		for (i = 0; i < vlen; i++) {
			char c = v[i];

			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				return fail(r, where, "value is not hex");
			pe->value[i] = c;
		}
		pe->value[vlen] = '\0';
		role->n_policy++;
	}
}

static int
read_role(struct reader *r, struct cfg_role *role, const char *path)
{
	char where[256];
	const char *k;
	size_t klen;

	if (next(r) == -1)
		return -1;
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fail(r, path, "expected a mapping");
	for (;;) {
		if (next(r) == -1)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		k = scalar(r, &klen);
		if (is_scalar(r) && str_eq(k, klen, "pcr_policy")) {
			snprintf(where, sizeof(where), "%.160s.pcr_policy", path);
			if (read_policy(r, role, where) == -1)
				return -1;
			continue;
		}
		snprintf(where, sizeof(where), "%.160s.%.*s", path,
		    (int)(klen > 32 ? 32 : klen), is_scalar(r) ? k : "?");
		return fail(r, where, "unknown key");
	}
}

static int
read_roles(struct reader *r, struct cfg_file *f)
{
	char where[64];
	const char *k;
	size_t klen;
	int i;

	if (next(r) == -1)
		return -1;
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fail(r, "roles", "expected a mapping");
	for (;;) {
		if (next(r) == -1)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		k = scalar(r, &klen);
		for (i = 0; i < CFG_ROLE_COUNT; i++)
			if (is_scalar(r) && str_eq(k, klen, role_names[i]))
				break;
		snprintf(where, sizeof(where), "roles.%.*s",
		    (int)(klen > 32 ? 32 : klen), is_scalar(r) ? k : "?");
		if (i == CFG_ROLE_COUNT)
			return fail(r, where, "unknown role");
		if (read_role(r, &f->roles[i], where) == -1)
			return -1;
	}
}

static int
read_cluster(struct reader *r, struct cfg_cluster *c, const char *path)
{
	static const struct {
		const char *key;
		size_t off, size;
	} fields[] = {
#define CF(k) { #k, offsetof(struct cfg_cluster, k), \
	sizeof(((struct cfg_cluster *)0)->k) }
		CF(endpoint), CF(cluster_name), CF(talos_version),
		CF(kubernetes_version), CF(installer_image), CF(install_disk),
#undef CF
	};
	char where[256];
	const char *k, *v;
	size_t klen, vlen, i;

	if (next(r) == -1)
		return -1;
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fail(r, path, "expected a mapping");
	for (;;) {
		if (next(r) == -1)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		k = scalar(r, &klen);
		snprintf(where, sizeof(where), "%.160s.%.*s", path,
		    (int)(klen > 32 ? 32 : klen), is_scalar(r) ? k : "?");
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (is_scalar(r) && str_eq(k, klen, fields[i].key))
				break;
		if (i == sizeof(fields) / sizeof(fields[0]))
			return fail(r, where, "unknown key");
		if (next(r) == -1)
			return -1;
		v = scalar(r, &vlen);
		if (!is_scalar(r) || vlen == 0 ||
		    str_copy((char *)c + fields[i].off, fields[i].size, v,
		    vlen) == -1 || memchr(v, '\0', vlen) != NULL)
			return fail(r, where, "expected a short string");
	}
}

static int
read_clusters(struct reader *r, struct cfg_file *f)
{
	char where[128];
	const char *k;
	size_t klen, i;

	if (next(r) == -1)
		return -1;
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fail(r, "clusters", "expected a mapping");
	for (;;) {
		struct cfg_cluster *c;

		if (next(r) == -1)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		k = scalar(r, &klen);
		snprintf(where, sizeof(where), "clusters.%.*s",
		    (int)(klen > 63 ? 63 : klen), is_scalar(r) ? k : "?");
		if (!is_scalar(r) || klen == 0 || klen > 63)
			return fail(r, where, "expected a cluster id");
		for (i = 0; i < klen; i++)
			if (!((k[i] >= 'a' && k[i] <= 'z') ||
			    (k[i] >= '0' && k[i] <= '9') || k[i] == '-'))
				return fail(r, where, "cluster ids are [a-z0-9-]");
		if (f->n_clusters >= CFG_CLUSTERS_MAX)
			return fail(r, "clusters", "too many clusters");
		c = &f->clusters[f->n_clusters++];
		str_copy(c->id, sizeof(c->id), k, klen);
		for (i = 0; i + 1 < f->n_clusters; i++)
			if (strcmp(f->clusters[i].id, c->id) == 0)
				return fail(r, where, "duplicate cluster");
		if (read_cluster(r, c, where) == -1)
			return -1;
	}
}

static int
read_top(struct reader *r, struct cfg_file *f)
{
	const char *k;
	size_t klen;

	if (next(r) == -1 || next(r) == -1)	/* stream, document start */
		return -1;
	if (r->ev.type == YAML_STREAM_END_EVENT)
		return 0;	/* an empty file */
	if (next(r) == -1)
		return -1;
	if (r->ev.type == YAML_SCALAR_EVENT && r->ev.data.scalar.length == 0)
		return 0;	/* a document holding nothing */
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fail(r, "", "expected a mapping at the top");
	for (;;) {
		if (next(r) == -1)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			break;
		k = scalar(r, &klen);
		if (is_scalar(r) && str_eq(k, klen, "roles")) {
			if (read_roles(r, f) == -1)
				return -1;
			continue;
		}
		if (is_scalar(r) && str_eq(k, klen, "clusters")) {
			if (read_clusters(r, f) == -1)
				return -1;
			continue;
		}
		return fail(r, is_scalar(r) ? k : "?", "unknown key");
	}
	if (next(r) == -1 || next(r) == -1)	/* document end, stream end */
		return -1;
	if (r->ev.type != YAML_STREAM_END_EVENT)
		return fail(r, "", "only one yaml document is allowed");
	return 0;
}

int
cfg_file_parse(const char *text, size_t len, const char *src,
    struct cfg_file *f, char *msg, size_t msg_len)
{
	struct reader r;
	int i, rc;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < CFG_ROLE_COUNT; i++)
		f->roles[i].name = role_names[i];
	memset(&r, 0, sizeof(r));
	r.src = src;
	r.msg = msg;
	r.msg_len = msg_len;
	if (!yaml_parser_initialize(&r.p))
		return fail(&r, "", "out of memory");
	yaml_parser_set_input_string(&r.p, (const unsigned char *)text, len);
	rc = read_top(&r, f);
	if (r.have)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.p);
	if (rc == 0)
		f->loaded = true;
	return rc;
}

int
cfg_file_load(const char *path, bool required, struct cfg_file *f,
    char *msg, size_t msg_len)
{
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd, rc = -1;

	memset(f, 0, sizeof(*f));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT && !required) {
			for (rc = 0; rc < CFG_ROLE_COUNT; rc++)
				f->roles[rc].name = role_names[rc];
			return 0;
		}
		snprintf(msg, msg_len, "ITL_CONFIG: %s: %s", path,
		    strerror(errno));
		return -1;
	}
	buf = malloc(CFG_FILE_MAX_BYTES + 1);
	if (buf == NULL)
		abort();
	while ((n = read(fd, buf + len, CFG_FILE_MAX_BYTES + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0 || len > CFG_FILE_MAX_BYTES) {
		snprintf(msg, msg_len, "ITL_CONFIG: %s: %s", path, n < 0 ?
		    strerror(errno) : "larger than 256 KiB");
		goto out;
	}
	rc = cfg_file_parse(buf, len, path, f, msg, msg_len);
	if (rc == 0) {
		snprintf(f->path, sizeof(f->path), "%s", path);
		rc = clusters_check(f, msg, msg_len);
	}
out:
	close(fd);
	free(buf);
	return rc;
}

static bool
version_shape(const char *v, bool leading_v)
{
	size_t i = 0, dots = 0, len = strlen(v);

	if (leading_v) {
		if (len < 2 || v[0] != 'v')
			return false;
		i = 1;
	}
	if (len == i || len > 24)
		return false;
	for (; i < len; i++) {
		if (v[i] == '.')
			dots++;
		else if (v[i] < '0' || v[i] > '9')
			return false;
	}
	return dots == 2;
}

static bool
name_shape(const char *v)
{
	size_t i, len = strlen(v);

	if (len == 0 || len > 63 || v[0] == '-' || v[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '-'))
			return false;
	return true;
}

int
cfg_cluster_setting_check(const char *name, const char *v, char *why,
    size_t why_len)
{
	const char *bad = NULL;

	if (strcmp(name, "endpoint") == 0) {
		if (strncmp(v, "https://", 8) != 0 || strlen(v) < 9 ||
		    strpbrk(v, " \"'\\\n") != NULL)
			bad = "endpoint must be an https url (https://host:6443)";
	} else if (strcmp(name, "cluster_name") == 0) {
		if (!name_shape(v))
			bad = "cluster_name must be [a-z0-9-]";
	} else if (strcmp(name, "talos_version") == 0) {
		if (!version_shape(v, true) || (strncmp(v, "v1.12.", 6) != 0 &&
		    strncmp(v, "v1.13.", 6) != 0))
			bad = "talos_version must be v1.12.x or v1.13.x";
	} else if (strcmp(name, "kubernetes_version") == 0) {
		if (!version_shape(v, false))
			bad = "kubernetes_version must look like 1.34.1";
	} else if (strcmp(name, "installer_image") == 0) {
		if (v[0] == '\0' || strpbrk(v, " \"'\\\n:@") != NULL)
			bad = "installer_image must be an image name without a tag";
	} else if (strcmp(name, "install_disk") == 0) {
		if (strncmp(v, "/dev/", 5) != 0 || strlen(v) < 6 ||
		    strstr(v, "..") != NULL)
			bad = "install_disk must be a /dev/ path";
	} else {
		bad = "unknown setting";
	}
	if (bad == NULL)
		return 0;
	snprintf(why, why_len, "%s", bad);
	return -1;
}

static int
clusters_check(const struct cfg_file *f, char *msg, size_t msg_len)
{
	static const char *const names[] = { "endpoint", "cluster_name",
	    "talos_version", "kubernetes_version", "installer_image",
	    "install_disk" };
	char why[128];
	unsigned i;
	size_t j;

	for (i = 0; i < f->n_clusters; i++) {
		const struct cfg_cluster *c = &f->clusters[i];
		const char *vals[] = { c->endpoint, c->cluster_name,
		    c->talos_version, c->kubernetes_version,
		    c->installer_image, c->install_disk };

		for (j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
			if (vals[j][0] == '\0' ||
			    cfg_cluster_setting_check(names[j], vals[j], why,
			    sizeof(why)) == 0)
				continue;
			snprintf(msg, msg_len, "%s: clusters.%s.%s: %s",
			    f->path[0] != '\0' ? f->path : "config", c->id,
			    names[j], why);
			return -1;
		}
	}
	return 0;
}

const struct cfg_cluster *
cfg_file_cluster(const struct cfg_file *f, const char *id)
{
	unsigned i;

	for (i = 0; i < f->n_clusters; i++)
		if (strcmp(f->clusters[i].id, id) == 0)
			return &f->clusters[i];
	return NULL;
}

const struct cfg_role *
cfg_file_role(const struct cfg_file *f, const char *role)
{
	int i;

	for (i = 0; i < CFG_ROLE_COUNT; i++)
		if (strcmp(role_names[i], role) == 0)
			return &f->roles[i];
	return NULL;
}
