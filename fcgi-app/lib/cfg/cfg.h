/*
 * cfg.h - the service configuration: ITL_* environment variables parsed once
 * at start-up into an immutable struct cfg. Only this module calls getenv().
 * Invalid values stop start-up with a message naming the setting.
 */
#ifndef ITL_CFG_CFG_H
#define ITL_CFG_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg/cfg_file.h"
#include "core/limits.h"

#define CFG_PATH_BYTES 512
#define CFG_URL_BYTES 512

enum cfg_sync { CFG_SYNC_NORMAL, CFG_SYNC_FULL };
enum cfg_pcr_policy { CFG_PCR_OFF, CFG_PCR_TOFU, CFG_PCR_ENFORCE };

struct cfg {
	char data_dir[CFG_PATH_BYTES];		/* ITL_DATA_DIR */
	char db_path[CFG_PATH_BYTES];		/* ITL_DB (sqlite:PATH or PATH) */
	char socket_path[CFG_PATH_BYTES];	/* ITL_SOCKET */
	unsigned socket_mode;			/* ITL_SOCKET_MODE (octal) */
	char socket_group[64];			/* ITL_SOCKET_GROUP ("" = keep) */
	char admin_token_file[CFG_PATH_BYTES];	/* ITL_ADMIN_TOKEN_FILE */
	char service_url[CFG_URL_BYTES];	/* ITL_SERVICE_URL */
	char iso_url[CFG_URL_BYTES];		/* ITL_ISO_URL ("" = unset) */
	char vault_key_file[CFG_PATH_BYTES];	/* ITL_VAULT_KEY_FILE */
	char service_ca_file[CFG_PATH_BYTES];	/* ITL_SERVICE_CA_FILE ("" = none) */
	char default_cluster[64];		/* ITL_DEFAULT_CLUSTER */
	char talos_version[32];			/* ITL_TALOS_VERSION */
	char kubernetes_version[32];		/* ITL_KUBERNETES_VERSION */
	char installer_image[256];		/* ITL_INSTALLER_IMAGE */
	char install_disk[128];			/* ITL_INSTALL_DISK */
	bool ek_trust_chain;			/* ITL_EK_TRUST=chain */
	char tpm_ca_bundle[CFG_PATH_BYTES];	/* ITL_TPM_CA_BUNDLE */
	char factory_url[CFG_URL_BYTES];	/* ITL_FACTORY_URL ("" = none) */
	char factory_extensions[CFG_URL_BYTES];	/* ITL_FACTORY_EXTENSIONS */
	unsigned workers;			/* ITL_WORKERS */
	int64_t nonce_ttl;			/* ITL_NONCE_TTL, seconds */
	uint64_t nonce_max_outstanding;		/* ITL_NONCE_MAX_OUTSTANDING */
	bool require_nonce;			/* ITL_REQUIRE_NONCE */
	bool require_quote;			/* ITL_REQUIRE_QUOTE */
	int64_t config_token_ttl;		/* ITL_CONFIG_TOKEN_TTL */
	int64_t config_token_grace;		/* ITL_CONFIG_TOKEN_GRACE */
	int64_t boot_token_ttl;			/* ITL_BOOT_TOKEN_TTL */
	unsigned dual_control_quorum;		/* ITL_DUAL_CONTROL_QUORUM */
	int64_t dual_control_window;		/* ITL_DUAL_CONTROL_WINDOW_SECONDS */
	unsigned n_dual_control_roles;		/* ITL_DUAL_CONTROL_ROLES */
	char dual_control_roles[LIMIT_DUAL_CONTROL_ROLES][32];
	unsigned db_busy_timeout_ms;		/* ITL_DB_BUSY_TIMEOUT_MS */
	enum cfg_sync db_synchronous;		/* ITL_DB_SYNCHRONOUS */
	unsigned poll_after_s;			/* ITL_POLL_AFTER_S */
	enum cfg_pcr_policy pcr_policy;		/* ITL_PCR_POLICY */
	bool lock_on_policy_violation;		/* ITL_LOCK_ON_POLICY_VIOLATION */
	bool log_debug;				/* ITL_LOG_LEVEL=debug */
	struct cfg_file file;			/* ITL_CONFIG (YAML) */
};

/*
 * Load every setting from the environment (defaults for unset ones). On an
 * invalid value, write "SETTING: why" into msg and return -1. ITL_ADMIN_TOKEN
 * is not part of struct cfg: see cfg_admin_token().
 */
int cfg_load(struct cfg *c, char *msg, size_t msg_len);
/* Names of ITL_* variables in the environment that no setting uses. */
void cfg_warn_unknown(void (*warn)(const char *name));
/*
 * The break-glass token from ITL_ADMIN_TOKEN, or else from the token file.
 * Writes it NUL-terminated into out; -1 when neither gives a token.
 */
int cfg_admin_token(const struct cfg *c, char *out, size_t out_len);
/*
 * Read a whole small file (a key, a CA certificate) into out; -1 when it
 * cannot be read or holds more than cap bytes.
 */
int cfg_read_file(const char *path, uint8_t *out, size_t cap, size_t *len);
bool cfg_role_needs_dual_control(const struct cfg *c, const char *role);

#endif
