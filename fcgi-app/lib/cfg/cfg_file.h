/*
 * cfg_file.h - the structured settings of the YAML configuration file
 * (ITL_CONFIG, default /etc/itl/attestation.yaml): role profiles with their
 * default PCR policies, and cluster settings. Parsed once with libyaml into bounded
 * arrays; unknown keys, wrong shapes and values are errors naming the path
 * ("roles.worker-app.pcr_policy.sha256:7: ...").
 *
 *   roles:
 *     controlplane:
 *       pcr_policy:
 *         "sha256:7": "<64 hex>"
 *   clusters:
 *     default:
 *       endpoint: https://10.0.0.1:6443
 *       cluster_name: lab
 *       talos_version: v1.13.9
 *       kubernetes_version: 1.34.1
 *       installer_image: ghcr.io/siderolabs/installer
 *       install_disk: /dev/sda
 *
 * Values are checked for shape here (strings, lengths); their meaning is
 * checked where they are applied (itl-maint, the cluster API).
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

/* clusters a file may define */
#define CFG_CLUSTERS_MAX 16

/* Settings of one cluster; "" = not set by the file. */
struct cfg_cluster {
	char id[64];
	char endpoint[256];
	char cluster_name[128];
	char talos_version[32];
	char kubernetes_version[32];
	char installer_image[256];
	char install_disk[128];
};

struct cfg_file {
	bool loaded;		/* a file was read */
	char path[512];
	struct cfg_role roles[CFG_ROLE_COUNT];
	unsigned n_clusters;
	struct cfg_cluster clusters[CFG_CLUSTERS_MAX];
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
/*
 * Check one cluster setting by name (endpoint, cluster_name, talos_version,
 * kubernetes_version, installer_image, install_disk): 0, or -1 with why.
 * Shared by the file and the cluster API, so both accept the same values.
 */
int cfg_cluster_setting_check(const char *name, const char *value,
    char *why, size_t why_len);
/* The file's settings of cluster id, or NULL. */
const struct cfg_cluster *cfg_file_cluster(const struct cfg_file *f,
    const char *id);
/* The role profile, or NULL for an unknown role. */
const struct cfg_role *cfg_file_role(const struct cfg_file *f,
    const char *role);

#endif
