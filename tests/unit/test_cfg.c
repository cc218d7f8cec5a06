/*
 * test_cfg.c - unit tests for libitlcfg: the YAML configuration file (role
 * profiles with default PCR policies) and its rejections.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cfg/cfg_file.h"

static const char sha[] =
    "0000000000000000000000000000000000000000000000000000000000000001";

static int
parse(const char *text, struct cfg_file *f, char *msg, size_t msg_len)
{
	return cfg_file_parse(text, strlen(text), "test.yaml", f, msg, msg_len);
}

/* Ensure that a role's PCR policy is read, keys normalised to lowercase hex. */
static void
role_policy_is_read(void **state)
{
	static struct cfg_file f;
	char msg[256], text[512];
	const struct cfg_role *r;

	(void)state;
	snprintf(text, sizeof(text), "roles:\n  controlplane:\n    pcr_policy:\n"
	    "      \"sha256:7\": \"%s\"\n      sha256:0: \"%.63sF\"\n", sha, sha);
	assert_int_equal(parse(text, &f, msg, sizeof(msg)), 0);
	r = cfg_file_role(&f, "controlplane");
	assert_non_null(r);
	assert_int_equal(r->n_policy, 2);
	assert_string_equal(r->policy[0].pcr, "sha256:7");
	assert_string_equal(r->policy[1].value + 63, "f");
	assert_int_equal(cfg_file_role(&f, "worker-app")->n_policy, 0);
	assert_null(cfg_file_role(&f, "nope"));
}

/* Ensure that an empty file is an empty configuration. */
static void
empty_file(void **state)
{
	static struct cfg_file f;
	char msg[256];

	(void)state;
	assert_int_equal(parse("", &f, msg, sizeof(msg)), 0);
	assert_int_equal(parse("# nothing\n", &f, msg, sizeof(msg)), 0);
}

/* Ensure that each bad shape is refused with a message naming where. */
static void
rejections_name_the_path(void **state)
{
	static struct cfg_file f;
	static const struct { const char *text, *where; } bad[] = {
		{ "nope: 1\n", "nope" },
		{ "roles:\n  boss: {}\n", "roles.boss" },
		{ "roles:\n  worker-app:\n    colour: red\n", "roles.worker-app.colour" },
		{ "roles:\n  worker-app:\n    pcr_policy:\n      sha256:24: \"00\"\n", "sha256:24" },
		{ "roles:\n  worker-app:\n    pcr_policy:\n      sha256:07: \"00\"\n", "sha256:07" },
		{ "roles:\n  worker-app:\n    pcr_policy:\n      md5:1: \"00\"\n", "md5:1" },
		{ "roles:\n  worker-app:\n    pcr_policy:\n      sha256:1: \"00\"\n", "sha256:1" },
		{ "roles:\n  worker-app:\n    pcr_policy: [1]\n", "pcr_policy" },
		{ "- 1\n", "mapping" },
		{ "roles:\n  worker-app: &a {}\n  controlplane: *a\n", "aliases" },
		{ "roles: {}\n---\nroles: {}\n", "one yaml document" },
		{ "roles: {\n", "yaml error" },
	};
	char msg[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].text, &f, msg, sizeof(msg)), -1);
		assert_non_null(strstr(msg, bad[i].where));
		assert_non_null(strstr(msg, "test.yaml"));
	}
}

/* Ensure that a duplicate PCR in one policy is refused. */
static void
duplicate_pcr(void **state)
{
	static struct cfg_file f;
	char msg[256], text[512];

	(void)state;
	snprintf(text, sizeof(text), "roles:\n  worker-app:\n    pcr_policy:\n"
	    "      sha256:7: \"%s\"\n      \"sha256:7\": \"%s\"\n", sha, sha);
	assert_int_equal(parse(text, &f, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "duplicate"));
}

/* Ensure that a missing optional file is fine and a missing required one is not. */
static void
missing_file(void **state)
{
	static struct cfg_file f;
	char msg[256];

	(void)state;
	assert_int_equal(cfg_file_load("/nonexistent/itl.yaml", false, &f, msg,
	    sizeof(msg)), 0);
	assert_false(f.loaded);
	assert_non_null(cfg_file_role(&f, "worker-app"));
	assert_int_equal(cfg_file_load("/nonexistent/itl.yaml", true, &f, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "ITL_CONFIG"));
}

/* Ensure that cluster settings are read and bad values name their place. */
static void
clusters_read_and_checked(void **state)
{
	static struct cfg_file f;
	char msg[256], why[128];
	const struct cfg_cluster *c;

	(void)state;
	assert_int_equal(parse("clusters:\n  lab:\n    endpoint: https://10.0.0.1:6443\n"
	    "    talos_version: v1.12.11\n", &f, msg, sizeof(msg)), 0);
	c = cfg_file_cluster(&f, "lab");
	assert_non_null(c);
	assert_string_equal(c->endpoint, "https://10.0.0.1:6443");
	assert_string_equal(c->talos_version, "v1.12.11");
	assert_string_equal(c->install_disk, "");
	assert_null(cfg_file_cluster(&f, "other"));
	assert_int_equal(parse("clusters:\n  Lab: {}\n", &f, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "clusters.Lab"));
	assert_int_equal(parse("clusters:\n  lab:\n    colour: red\n", &f, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "clusters.lab.colour"));
	assert_int_equal(cfg_cluster_setting_check("endpoint", "http://x", why,
	    sizeof(why)), -1);
	assert_int_equal(cfg_cluster_setting_check("talos_version", "v1.14.0",
	    why, sizeof(why)), -1);
	assert_int_equal(cfg_cluster_setting_check("installer_image",
	    "ghcr.io/siderolabs/installer:v1", why, sizeof(why)), -1);
	assert_int_equal(cfg_cluster_setting_check("install_disk", "/dev/../x",
	    why, sizeof(why)), -1);
	assert_int_equal(cfg_cluster_setting_check("kubernetes_version", "1.34.1",
	    why, sizeof(why)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(role_policy_is_read),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(rejections_name_the_path),
		cmocka_unit_test(duplicate_pcr),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(clusters_read_and_checked),
	};

	return cmocka_run_group_tests_name("cfg", tests, NULL, NULL) == 0 ? 0 : 1;
}
