/*
 * talos_render_tool.c - render one Talos config from the fixed test secrets
 * (tests/data/talos/render-*.pem) to standard output, for
 * tests/integration/t0200-talos-schema.sh to validate against the schemas:
 *
 *   talos_render_tool DATADIR ROLE VERSION ADDRESSING
 *	ROLE controlplane | worker-infra | worker-app
 *	VERSION v1.12 | v1.13, ADDRESSING static | static6 | dhcp
 *   talos_render_tool DATADIR pending ca | noca
 *
 * Exit 0 with the YAML, 1 with the error code and detail on stderr, 2 on a
 * usage or fixture error. A test program: nothing here is production code.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "talos/render.h"

static int
read_pem(const char *dir, const char *name, char *out, size_t out_len)
{
	char path[4096];
	FILE *f;
	size_t n;
	int rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/render-%s.pem", dir,
	    name) >= sizeof(path))
		return -1;
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "talos_render_tool: cannot open %s\n", path);
		return -1;
	}
	n = fread(out, 1, out_len - 1, f);
	if (ferror(f) == 0 && feof(f) != 0) {
		out[n] = '\0';
		rc = 0;
	} else {
		fprintf(stderr, "talos_render_tool: cannot read %s\n", path);
	}
	fclose(f);
	return rc;
}

static int
load_secrets(const char *dir, struct talos_secrets *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->cluster_id, sizeof(s->cluster_id), "%s",
	    "3Ty6bV0zqg4Zk1N9tX2cW8pL5mR7sY1aH4dJ6fK9uQc=");
	snprintf(s->cluster_secret, sizeof(s->cluster_secret), "%s",
	    "+p2W9xQ7rT4yU1iO3aS5dF8gH0jK6lZ2xC4vB7nM9q0=");
	snprintf(s->bootstrap_token, sizeof(s->bootstrap_token), "%s",
	    "7f3k2a.9x8c7v6b5n4m3l2k");
	snprintf(s->secretbox_secret, sizeof(s->secretbox_secret), "%s",
	    "z01mye6j16bspJYtTB/5SFX8j7Ph4JXxM2Xuu4vsBPM=");
	snprintf(s->trustd_token, sizeof(s->trustd_token), "%s",
	    "q1w2e3.r4t5y6u7i8o9p0as");
	if (read_pem(dir, "os-ca", s->os.crt, sizeof(s->os.crt)) == -1 ||
	    read_pem(dir, "os-key", s->os.key, sizeof(s->os.key)) == -1 ||
	    read_pem(dir, "k8s-ca", s->k8s.crt, sizeof(s->k8s.crt)) == -1 ||
	    read_pem(dir, "k8s-key", s->k8s.key, sizeof(s->k8s.key)) == -1 ||
	    read_pem(dir, "aggregator-ca", s->k8s_aggregator.crt,
	    sizeof(s->k8s_aggregator.crt)) == -1 ||
	    read_pem(dir, "aggregator-key", s->k8s_aggregator.key,
	    sizeof(s->k8s_aggregator.key)) == -1 ||
	    read_pem(dir, "sa-key", s->k8s_serviceaccount.key,
	    sizeof(s->k8s_serviceaccount.key)) == -1 ||
	    read_pem(dir, "etcd-ca", s->etcd.crt, sizeof(s->etcd.crt)) == -1 ||
	    read_pem(dir, "etcd-key", s->etcd.key, sizeof(s->etcd.key)) == -1)
		return -1;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: talos_render_tool DATADIR "
	    "controlplane|worker-infra|worker-app v1.12|v1.13 "
	    "static|static6|dhcp\n"
	    "       talos_render_tool DATADIR pending ca|noca\n");
}

int
main(int argc, char **argv)
{
	static struct talos_secrets sec;
	static char ca[TALOS_PEM_MAX];
	struct talos_cluster c;
	struct talos_machine m;
	struct err e = { 0 };
	char *yaml = NULL;
	int rc = 2;

	if (argc == 4 && strcmp(argv[2], "pending") == 0 &&
	    (strcmp(argv[3], "ca") == 0 || strcmp(argv[3], "noca") == 0)) {
		if (strcmp(argv[3], "ca") == 0 &&
		    read_pem(argv[1], "service-ca", ca, sizeof(ca)) == -1)
			goto out;
		yaml = talos_render_pending("https://itl.example.test:8443",
		    ca[0] != '\0' ? ca : NULL, &e);
	} else if (argc == 5) {
		if (load_secrets(argv[1], &sec) == -1)
			goto out;
		memset(&c, 0, sizeof(c));
		memset(&m, 0, sizeof(m));
		c.name = "itl-test";
		c.endpoint = "https://cp.itl.example.test:6443";
		if (strcmp(argv[3], "v1.12") == 0) {
			c.version = TALOS_V1_12;
			c.talos_version = "v1.12.11";
		} else if (strcmp(argv[3], "v1.13") == 0) {
			c.version = TALOS_V1_13;
			c.talos_version = "v1.13.9";
		} else {
			usage();
			goto out;
		}
		c.kubernetes_version = "1.34.1";
		c.installer_image = "ghcr.io/siderolabs/installer";
		c.install_disk = "/dev/sda";
		c.secrets = &sec;
		m.machine_id = "3f9d2c1e-8b7a-4c6d-9e0f-1a2b3c4d5e6f";
		m.ek_fingerprint = "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef";
		m.role = argv[2];
		m.hostname = "node-1";
		m.mac = "aa:bb:cc:00:00:01";
		if (strcmp(argv[4], "static") == 0) {
			m.address = "10.0.0.11/24";
			m.gateway = "10.0.0.1";
		} else if (strcmp(argv[4], "static6") == 0) {
			m.address = "2001:db8::11/64";
			m.gateway = "2001:db8::1";
		} else if (strcmp(argv[4], "dhcp") != 0) {
			usage();
			goto out;
		}
		yaml = talos_render_machine(&c, &m, &e);
	} else {
		usage();
		goto out;
	}
	if (yaml == NULL) {
		fprintf(stderr, "talos_render_tool: %s: %s\n", err_name(e.code),
		    e.detail);
		rc = 1;
		goto out;
	}
	rc = fputs(yaml, stdout) == EOF || fflush(stdout) != 0 ? 2 : 0;
out:
	free(yaml);
	return rc;
}
