/*
 * cfg_file.h - the structured settings of the YAML configuration file
 * (ITL_CONFIG, default /etc/itl/attestation.yaml): for now the role profiles
 * with their default PCR policies. Parsed once with libyaml into bounded
 * arrays; unknown keys, wrong shapes and values are errors naming the path
 * ("roles.worker-app.pcr_policy.sha256:7: ...").
 *
 *   roles:
 *     controlplane:
 *       pcr_policy:
 *         "sha256:7": "<64 hex>"
 */
#ifndef ITL_CFG_CFG_FILE_H
#define ITL_CFG_CFG_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* 24 PCRs x 4 banks: the most a policy can name */
#define CFG_POLICY_MAX 96
/* bytes of a YAML configuration file we read */
#define CFG_FILE_MAX_BYTES (256 * 1024)
#define CFG_ROLE_COUNT 3

struct cfg_pcr_entry {
	char pcr[16];		/* "sha256:7" */
	char value[129];	/* lowercase hex */
};

struct cfg_role {
	const char *name;	/* "controlplane", "worker-infra", "worker-app" */
	unsigned n_policy;
	struct cfg_pcr_entry policy[CFG_POLICY_MAX];
};

struct cfg_file {
	bool loaded;		/* a file was read */
	char path[512];
	struct cfg_role roles[CFG_ROLE_COUNT];
};

/*
 * Read path into f. A missing file is fine when !required (f->loaded stays
 * false); anything else invalid writes "path: what" into msg and returns -1.
 */
int cfg_file_load(const char *path, bool required, struct cfg_file *f,
    char *msg, size_t msg_len);
/* Parse YAML text (for tests and fuzzing); src names it in messages. */
int cfg_file_parse(const char *text, size_t len, const char *src,
    struct cfg_file *f, char *msg, size_t msg_len);
/* The role profile, or NULL for an unknown role. */
const struct cfg_role *cfg_file_role(const struct cfg_file *f,
    const char *role);

#endif
