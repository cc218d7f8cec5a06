/*
 * cfg.c - ITL_* settings, one table row each: name, type, bounds, default.
 * Paths derived from ITL_DATA_DIR are filled after the table is read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "core/str.h"

extern char **environ;

enum cfg_type { CFG_STR, CFG_UINT, CFG_SECONDS, CFG_BOOL, CFG_SPECIAL };

struct cfg_setting {
	const char *name;
	enum cfg_type type;
	uint64_t min, max;
	const char *def;
	size_t off;	/* offset in struct cfg */
	size_t size;	/* size of the field (strings) */
};

#define F(field) offsetof(struct cfg, field), sizeof(((struct cfg *)0)->field)

static const struct cfg_setting cfg_settings[] = {
	{ "ITL_DATA_DIR", CFG_STR, 1, 0, "./var", F(data_dir) },
	{ "ITL_DB", CFG_STR, 0, 0, "", F(db_path) },
	{ "ITL_SOCKET", CFG_STR, 0, 0, "", F(socket_path) },
	{ "ITL_SOCKET_MODE", CFG_SPECIAL, 0, 0, "0660", 0, 0 },
	{ "ITL_SOCKET_GROUP", CFG_STR, 0, 0, "", F(socket_group) },
	{ "ITL_ADMIN_TOKEN_FILE", CFG_STR, 0, 0, "", F(admin_token_file) },
	{ "ITL_SERVICE_URL", CFG_STR, 1, 0, "https://127.0.0.1:8443", F(service_url) },
	{ "ITL_ISO_URL", CFG_STR, 0, 0, "", F(iso_url) },
	{ "ITL_VAULT_KEY_FILE", CFG_STR, 0, 0, "", F(vault_key_file) },
	{ "ITL_SERVICE_CA_FILE", CFG_STR, 0, 0, "", F(service_ca_file) },
	{ "ITL_DEFAULT_CLUSTER", CFG_STR, 1, 0, "default", F(default_cluster) },
	{ "ITL_TALOS_VERSION", CFG_STR, 1, 0, "v1.13.9", F(talos_version) },
	{ "ITL_KUBERNETES_VERSION", CFG_STR, 1, 0, "1.34.1", F(kubernetes_version) },
	{ "ITL_INSTALLER_IMAGE", CFG_STR, 1, 0, "ghcr.io/siderolabs/installer", F(installer_image) },
	{ "ITL_INSTALL_DISK", CFG_STR, 1, 0, "/dev/sda", F(install_disk) },
	{ "ITL_FACTORY_URL", CFG_STR, 0, 0, "", F(factory_url) },
	{ "ITL_TPM_CA_BUNDLE", CFG_STR, 0, 0, "", F(tpm_ca_bundle) },
	{ "ITL_FACTORY_EXTENSIONS", CFG_STR, 0, 0, "", F(factory_extensions) },
	{ "ITL_WORKERS", CFG_UINT, 0, LIMIT_WORKERS, "0", F(workers) },
	{ "ITL_NONCE_TTL", CFG_SECONDS, 5, 3600, "60", F(nonce_ttl) },
	{ "ITL_NONCE_MAX_OUTSTANDING", CFG_UINT, 1, 10000000, "100000", F(nonce_max_outstanding) },
	{ "ITL_REQUIRE_NONCE", CFG_BOOL, 0, 1, "false", F(require_nonce) },
	{ "ITL_REQUIRE_QUOTE", CFG_BOOL, 0, 1, "false", F(require_quote) },
	{ "ITL_CONFIG_TOKEN_TTL", CFG_SECONDS, 60, 604800, "3600", F(config_token_ttl) },
	{ "ITL_CONFIG_TOKEN_GRACE", CFG_SECONDS, 0, 86400, "600", F(config_token_grace) },
	{ "ITL_BOOT_TOKEN_TTL", CFG_SECONDS, 60, 31536000, "2592000", F(boot_token_ttl) },
	{ "ITL_DUAL_CONTROL_QUORUM", CFG_UINT, 2, 10, "2", F(dual_control_quorum) },
	{ "ITL_DUAL_CONTROL_WINDOW_SECONDS", CFG_SECONDS, 60, 604800, "3600", F(dual_control_window) },
	{ "ITL_DUAL_CONTROL_ROLES", CFG_SPECIAL, 0, 0, "", 0, 0 },
	{ "ITL_DB_BUSY_TIMEOUT_MS", CFG_UINT, 10, 60000, "5000", F(db_busy_timeout_ms) },
	{ "ITL_DB_SYNCHRONOUS", CFG_SPECIAL, 0, 0, "FULL", 0, 0 },
	{ "ITL_POLL_AFTER_S", CFG_UINT, 5, 3600, "60", F(poll_after_s) },
	{ "ITL_LOG_LEVEL", CFG_SPECIAL, 0, 0, "info", 0, 0 },
	{ "ITL_PCR_POLICY", CFG_SPECIAL, 0, 0, "tofu", 0, 0 },
	{ "ITL_CONFIG", CFG_SPECIAL, 0, 0, "/etc/itl/attestation.yaml", 0, 0 },
	{ "ITL_LOCK_ON_POLICY_VIOLATION", CFG_BOOL, 0, 1, "true", F(lock_on_policy_violation) },
	/* read elsewhere, listed so that they are not reported as unknown */
	{ "ITL_ADMIN_TOKEN", CFG_SPECIAL, 0, 0, "", 0, 0 },
	{ "ITL_EK_TRUST", CFG_SPECIAL, 0, 0, "none", 0, 0 },
	{ "ITL_PORT", CFG_SPECIAL, 0, 0, "", 0, 0 },
};

static const char *
cfg_get(const struct cfg_setting *s)
{
	const char *v = getenv(s->name);

	return (v == NULL || v[0] == '\0') ? s->def : v;
}

static int
cfg_bool(const char *v, bool *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "yes") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
	    strcmp(v, "no") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

static int
cfg_store_uint(struct cfg *c, const struct cfg_setting *s, uint64_t v)
{
	char *field = (char *)c + s->off;

	if (s->size == sizeof(unsigned)) {
		unsigned u = (unsigned)v;

		memcpy(field, &u, sizeof(u));
	} else if (s->size == sizeof(uint64_t)) {
		memcpy(field, &v, sizeof(v));
	} else {
		return -1;
	}
	return 0;
}

static int
cfg_one(struct cfg *c, const struct cfg_setting *s, const char *v,
    char *msg, size_t msg_len)
{
	char *field = (char *)c + s->off;
	uint64_t u;
	bool b;

	switch (s->type) {
	case CFG_STR:
		if (str_copy(field, s->size, v, strlen(v)) == -1) {
			snprintf(msg, msg_len, "%s: longer than %zu bytes",
			    s->name, s->size - 1);
			return -1;
		}
		return 0;
	case CFG_UINT:
	case CFG_SECONDS:
		if (str_to_u64(v, strlen(v), s->min, s->max, &u) == -1) {
			snprintf(msg, msg_len,
			    "%s: expected a whole number from %llu to %llu",
			    s->name, (unsigned long long)s->min,
			    (unsigned long long)s->max);
			return -1;
		}
		if (s->type == CFG_SECONDS) {
			int64_t t = (int64_t)u;

			memcpy(field, &t, sizeof(t));
			return 0;
		}
		return cfg_store_uint(c, s, u);
	case CFG_BOOL:
		if (cfg_bool(v, &b) == -1) {
			snprintf(msg, msg_len, "%s: expected true or false",
			    s->name);
			return -1;
		}
		memcpy(field, &b, sizeof(b));
		return 0;
	case CFG_SPECIAL:
		return 0;
	}
	return -1;
}

static bool
cfg_role_valid(const char *r, size_t len)
{
	return str_eq(r, len, "controlplane") ||
	    str_eq(r, len, "worker-infra") || str_eq(r, len, "worker-app");
}

static int
cfg_dual_roles(struct cfg *c, const char *v, char *msg, size_t msg_len)
{
	const char *p = v;

	c->n_dual_control_roles = 0;
	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma == NULL ? strlen(p) : (size_t)(comma - p);

		if (len > 0) {
			if (!cfg_role_valid(p, len) ||
			    c->n_dual_control_roles >= LIMIT_DUAL_CONTROL_ROLES) {
				snprintf(msg, msg_len,
				    "ITL_DUAL_CONTROL_ROLES: expected a comma "
				    "separated list of controlplane, "
				    "worker-infra, worker-app");
				return -1;
			}
			str_copy(c->dual_control_roles[c->n_dual_control_roles++],
			    sizeof(c->dual_control_roles[0]), p, len);
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

static int
cfg_derive_path(char *out, size_t out_len, const char *dir, const char *rel,
    const char *name, char *msg, size_t msg_len)
{
	int n = snprintf(out, out_len, "%s/%s", dir, rel);

	if (n < 0 || (size_t)n >= out_len) {
		snprintf(msg, msg_len, "%s: path too long", name);
		return -1;
	}
	return 0;
}

static int
cfg_specials(struct cfg *c, char *msg, size_t msg_len)
{
	const char *v;

	v = getenv("ITL_DB_SYNCHRONOUS");
	if (v == NULL || v[0] == '\0' || strcmp(v, "FULL") == 0) {
		c->db_synchronous = CFG_SYNC_FULL;
	} else if (strcmp(v, "NORMAL") == 0) {
		c->db_synchronous = CFG_SYNC_NORMAL;
	} else {
		snprintf(msg, msg_len, "ITL_DB_SYNCHRONOUS: expected FULL or NORMAL");
		return -1;
	}
	/*
	 * Whoever can connect to the FastCGI socket can send any param,
	 * SSL_CLIENT_VERIFY included: only nginx may. Octal, no world bits.
	 */
	v = getenv("ITL_SOCKET_MODE");
	if (v == NULL || v[0] == '\0')
		v = "0660";
	{
		char *end = NULL;
		unsigned long mode = strtoul(v, &end, 8);

		if (end == v || *end != '\0' || mode > 0777 || (mode & 07) != 0) {
			snprintf(msg, msg_len, "ITL_SOCKET_MODE: expected an "
			    "octal mode without access for others (0660)");
			return -1;
		}
		c->socket_mode = (unsigned)mode;
	}
	v = getenv("ITL_PCR_POLICY");
	if (v == NULL || v[0] == '\0' || strcmp(v, "tofu") == 0) {
		c->pcr_policy = CFG_PCR_TOFU;
	} else if (strcmp(v, "off") == 0) {
		c->pcr_policy = CFG_PCR_OFF;
	} else if (strcmp(v, "enforce") == 0) {
		c->pcr_policy = CFG_PCR_ENFORCE;
	} else {
		snprintf(msg, msg_len, "ITL_PCR_POLICY: expected off, tofu or enforce");
		return -1;
	}
	v = getenv("ITL_LOG_LEVEL");
	c->log_debug = v != NULL && strcmp(v, "debug") == 0;
	v = getenv("ITL_EK_TRUST");
	c->ek_trust_chain = v != NULL && strcmp(v, "chain") == 0;
	if (v != NULL && v[0] != '\0' && strcmp(v, "none") != 0 &&
	    !c->ek_trust_chain) {
		snprintf(msg, msg_len, "ITL_EK_TRUST: expected none or chain");
		return -1;
	}
	v = getenv("ITL_DUAL_CONTROL_ROLES");
	if (cfg_dual_roles(c, v == NULL ? "" : v, msg, msg_len) == -1)
		return -1;
	/* the default file is optional; a file named by ITL_CONFIG must exist */
	v = getenv("ITL_CONFIG");
	if (v != NULL && v[0] != '\0')
		return cfg_file_load(v, true, &c->file, msg, msg_len);
	return cfg_file_load("/etc/itl/attestation.yaml", false, &c->file, msg,
	    msg_len);
}

int
cfg_load(struct cfg *c, char *msg, size_t msg_len)
{
	size_t i;
	long ncpu;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < sizeof(cfg_settings) / sizeof(cfg_settings[0]); i++) {
		const struct cfg_setting *s = &cfg_settings[i];

		if (cfg_one(c, s, cfg_get(s), msg, msg_len) == -1)
			return -1;
	}
	if (cfg_specials(c, msg, msg_len) == -1)
		return -1;
	if (str_has_prefix(c->db_path, strlen(c->db_path), "sqlite:"))
		memmove(c->db_path, c->db_path + 7, strlen(c->db_path) - 6);
	if (c->db_path[0] == '\0' &&
	    cfg_derive_path(c->db_path, sizeof(c->db_path), c->data_dir,
	    "db/attest.db", "ITL_DB", msg, msg_len) == -1)
		return -1;
	if (c->socket_path[0] == '\0' &&
	    cfg_derive_path(c->socket_path, sizeof(c->socket_path),
	    c->data_dir, "run/itl-attestd.sock", "ITL_SOCKET", msg,
	    msg_len) == -1)
		return -1;
	if (c->admin_token_file[0] == '\0' &&
	    cfg_derive_path(c->admin_token_file, sizeof(c->admin_token_file),
	    c->data_dir, "admin.token", "ITL_ADMIN_TOKEN_FILE", msg,
	    msg_len) == -1)
		return -1;
	if (c->ek_trust_chain && c->tpm_ca_bundle[0] == '\0') {
		/* fail closed: chain trust without anchors would trust nothing
		 * or, worse, be mistaken for trust */
		snprintf(msg, msg_len, "ITL_TPM_CA_BUNDLE: required with "
		    "ITL_EK_TRUST=chain");
		return -1;
	}
	if (c->vault_key_file[0] == '\0' &&
	    cfg_derive_path(c->vault_key_file, sizeof(c->vault_key_file),
	    c->data_dir, "vault.key", "ITL_VAULT_KEY_FILE", msg, msg_len) == -1)
		return -1;
	if (!str_has_prefix(c->service_url, strlen(c->service_url), "https://") &&
	    !str_has_prefix(c->service_url, strlen(c->service_url), "http://")) {
		snprintf(msg, msg_len, "ITL_SERVICE_URL: expected an http(s) URL");
		return -1;
	}
	i = strlen(c->factory_url);
	if (i > 0 && c->factory_url[i - 1] == '/')
		c->factory_url[i - 1] = '\0';
	if (c->factory_url[0] != '\0' &&
	    !str_has_prefix(c->factory_url, strlen(c->factory_url), "https://") &&
	    !str_has_prefix(c->factory_url, strlen(c->factory_url), "http://")) {
		snprintf(msg, msg_len, "ITL_FACTORY_URL: expected an http(s) URL");
		return -1;
	}
	/* config_url = service URL + path: drop a trailing slash */
	i = strlen(c->service_url);
	if (i > 0 && c->service_url[i - 1] == '/')
		c->service_url[i - 1] = '\0';
	if (c->workers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		c->workers = ncpu < 1 ? 1 :
		    ncpu > LIMIT_WORKERS ? LIMIT_WORKERS : (unsigned)ncpu;
	}
	return 0;
}

void
cfg_warn_unknown(void (*warn)(const char *name))
{
	char **env;

	for (env = environ; *env != NULL; env++) {
		const char *eq = strchr(*env, '=');
		size_t len, i;
		bool known = false;

		if (strncmp(*env, "ITL_", 4) != 0 || eq == NULL)
			continue;
		len = (size_t)(eq - *env);
		for (i = 0; i < sizeof(cfg_settings) / sizeof(cfg_settings[0]); i++)
			if (str_eq(*env, len, cfg_settings[i].name))
				known = true;
		if (!known)
			warn(*env);
	}
}

int
cfg_admin_token(const struct cfg *c, char *out, size_t out_len)
{
	const char *v = getenv("ITL_ADMIN_TOKEN");
	char buf[LIMIT_TOKEN_FILE_BYTES + 1];
	ssize_t n;
	int fd;

	if (v != NULL && v[0] != '\0')
		return str_copy(out, out_len, v, strlen(v));
	fd = open(c->admin_token_file, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || (size_t)n > LIMIT_TOKEN_FILE_BYTES)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' '))
		n--;
	if (n < 16)
		return -1;	/* refuse a trivially short token */
	return str_copy(out, out_len, buf, (size_t)n);
}

int
cfg_read_file(const char *path, uint8_t *out, size_t cap, size_t *len)
{
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	while (got < cap && (n = read(fd, out + got, cap - got)) > 0)
		got += (size_t)n;
	/* one more byte would mean the file is larger than the caller allows */
	if (got == cap) {
		uint8_t extra;

		if (read(fd, &extra, 1) > 0) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	*len = got;
	return 0;
}

bool
cfg_role_needs_dual_control(const struct cfg *c, const char *role)
{
	unsigned i;

	for (i = 0; i < c->n_dual_control_roles; i++)
		if (strcmp(c->dual_control_roles[i], role) == 0)
			return true;
	return false;
}
