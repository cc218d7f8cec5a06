/*
 * test_talos_render.c - unit tests for talos/render.c (API spec §8): the
 * full MachineConfig of every role × {static address, DHCP} × {v1.12, v1.13}
 * and the pending config, rendered from a fixed secrets bundle
 * (tests/data/talos/render-*.pem, tests/data/gen-talos-render.sh), read back
 * with libyaml's loader and checked field by field; worker configs are
 * searched for CA private keys in every scalar, raw and base64-decoded. Each
 * output is written to a temporary directory ($TMPDIR or /tmp), kept when
 * ITL_KEEP_TEST_OUTPUT is set. Schema validation of the same outputs is
 * tests/integration/t0200-talos-schema.sh.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <yaml.h>

#include "core/b64.h"
#include "core/err.h"
#include "talos/render.h"

#define MAX_DOCS	8
#define MAX_OUTPUTS	32
#define MAC		"aa:bb:cc:00:00:01"
#define FINGERPRINT	"0123456789abcdef0123456789abcdef" \
			"0123456789abcdef0123456789abcdef"
#define MACHINE_ID	"3f9d2c1e-8b7a-4c6d-9e0f-1a2b3c4d5e6f"
#define ENDPOINT	"https://cp.itl.example.test:6443"
#define SERVICE_URL	"https://itl.example.test:8443"
#define END		((const char *)NULL)	/* ends a path for at() */

struct fixture {
	struct talos_secrets sec;
	char service_ca[TALOS_PEM_MAX];
	char dir[256];		/* every rendered output goes here */
	char *written[MAX_OUTPUTS];
	size_t n_written;
};

struct stream {
	yaml_document_t doc[MAX_DOCS];
	size_t n;
};

static const char *const roles[] = { "controlplane", "worker-infra",
    "worker-app" };
static const enum talos_version versions[] = { TALOS_V1_12, TALOS_V1_13 };

/* ---- fixtures ---- */

static int
read_pem(const char *name, char *out, size_t out_len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	FILE *f;
	size_t n;
	int rc = -1;

	if (top == NULL)
		top = ".";
	if ((size_t)snprintf(path, sizeof(path),
	    "%s/tests/data/talos/render-%s.pem", top, name) >= sizeof(path))
		return -1;
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	n = fread(out, 1, out_len - 1, f);
	if (ferror(f) == 0 && feof(f) != 0) {
		out[n] = '\0';
		rc = 0;
	}
	fclose(f);
	return rc;
}

static int
group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct talos_secrets *s;
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	s = &f->sec;
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
	if (read_pem("os-ca", s->os.crt, sizeof(s->os.crt)) == -1 ||
	    read_pem("os-key", s->os.key, sizeof(s->os.key)) == -1 ||
	    read_pem("k8s-ca", s->k8s.crt, sizeof(s->k8s.crt)) == -1 ||
	    read_pem("k8s-key", s->k8s.key, sizeof(s->k8s.key)) == -1 ||
	    read_pem("aggregator-ca", s->k8s_aggregator.crt,
	    sizeof(s->k8s_aggregator.crt)) == -1 ||
	    read_pem("aggregator-key", s->k8s_aggregator.key,
	    sizeof(s->k8s_aggregator.key)) == -1 ||
	    read_pem("sa-key", s->k8s_serviceaccount.key,
	    sizeof(s->k8s_serviceaccount.key)) == -1 ||
	    read_pem("etcd-ca", s->etcd.crt, sizeof(s->etcd.crt)) == -1 ||
	    read_pem("etcd-key", s->etcd.key, sizeof(s->etcd.key)) == -1 ||
	    read_pem("service-ca", f->service_ca,
	    sizeof(f->service_ca)) == -1) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/itl-test-talos.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *f = *state;
	bool keep = getenv("ITL_KEEP_TEST_OUTPUT") != NULL;
	size_t i;

	for (i = 0; i < f->n_written; i++) {
		if (!keep)
			unlink(f->written[i]);
		free(f->written[i]);
	}
	if (keep)
		fprintf(stderr, "# rendered configs kept in %s\n", f->dir);
	else
		rmdir(f->dir);
	free(f);
	return 0;
}

static void
write_output(struct fixture *f, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s.yaml", f->dir,
	    name) < sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) != EOF);
	assert_int_equal(fclose(fp), 0);
	if (f->n_written < MAX_OUTPUTS) {
		f->written[f->n_written] = strdup(path);
		assert_non_null(f->written[f->n_written]);
		f->n_written++;
	}
}

static void
cluster_init(struct talos_cluster *c, enum talos_version v,
    const struct talos_secrets *s)
{
	memset(c, 0, sizeof(*c));
	c->name = "itl-test";
	c->endpoint = ENDPOINT;
	c->version = v;
	c->talos_version = v == TALOS_V1_12 ? "v1.12.11" : "v1.13.9";
	c->kubernetes_version = "1.34.1";
	c->installer_image = "ghcr.io/siderolabs/installer";
	c->install_disk = "/dev/sda";
	c->secrets = s;
}

static void
machine_init(struct talos_machine *m, const char *role, bool is_static)
{
	memset(m, 0, sizeof(*m));
	m->machine_id = MACHINE_ID;
	m->ek_fingerprint = FINGERPRINT;
	m->role = role;
	m->hostname = "node-1";
	m->mac = MAC;
	if (is_static) {
		m->address = "10.0.0.11/24";
		m->gateway = "10.0.0.1";
	}
}

static const char *
version_name(enum talos_version v)
{
	return v == TALOS_V1_12 ? "v1.12" : "v1.13";
}

/* ---- reading the YAML back ---- */

static void
stream_load(const char *text, struct stream *s)
{
	yaml_parser_t p;

	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text,
	    strlen(text));
	s->n = 0;
	for (;;) {
		yaml_document_t d;

		assert_true(yaml_parser_load(&p, &d));
		if (yaml_document_get_root_node(&d) == NULL) {
			yaml_document_delete(&d);
			break;
		}
		assert_true(s->n < MAX_DOCS);
		s->doc[s->n++] = d;
	}
	yaml_parser_delete(&p);
}

static void
stream_free(struct stream *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		yaml_document_delete(&s->doc[i]);
	s->n = 0;
}

static yaml_node_t *
map_get(yaml_document_t *d, yaml_node_t *n, const char *key)
{
	yaml_node_pair_t *pr;

	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	    pr++) {
		yaml_node_t *k = yaml_document_get_node(d, pr->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, pr->value);
	}
	return NULL;
}

static yaml_node_t *
seq_get(yaml_document_t *d, yaml_node_t *n, size_t i)
{
	if (n == NULL || n->type != YAML_SEQUENCE_NODE ||
	    i >= (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start))
		return NULL;
	return yaml_document_get_node(d, n->data.sequence.items.start[i]);
}

/* The node at a path of keys ("#N" is item N of a sequence); NULL ends it. */
static yaml_node_t *
at(yaml_document_t *d, ...)
{
	yaml_node_t *n = yaml_document_get_root_node(d);
	const char *k;
	va_list ap;

	va_start(ap, d);
	for (k = va_arg(ap, const char *); n != NULL && k != NULL;
	    k = va_arg(ap, const char *)) {
		if (k[0] == '#')
			n = seq_get(d, n, strtoul(k + 1, NULL, 10));
		else
			n = map_get(d, n, k);
	}
	va_end(ap);
	return n;
}

static const char *
sval(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static size_t
seq_len(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

/* The document of that kind; kind NULL is the v1alpha1 document. */
static yaml_document_t *
doc_kind(struct stream *s, const char *kind)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const char *k = sval(at(&s->doc[i], "kind", END));

		if (kind == NULL && k == NULL &&
		    sval(at(&s->doc[i], "version", END)) != NULL)
			return &s->doc[i];
		if (kind != NULL && k != NULL && strcmp(k, kind) == 0)
			return &s->doc[i];
	}
	return NULL;
}

/* The base64 value of n decoded into a malloc'd string, or NULL. */
static char *
b64_value(const yaml_node_t *n)
{
	const char *v = sval(n);
	size_t len, cap, out_len;
	char *out;

	if (v == NULL)
		return NULL;
	len = strlen(v);
	cap = B64_DECODED_MAX(len) + 1;
	out = malloc(cap);
	assert_non_null(out);
	if (b64_decode(v, len, (uint8_t *)out, cap - 1, &out_len) == -1) {
		free(out);
		return NULL;
	}
	out[out_len] = '\0';
	return out;
}

/* Does any scalar, as written or base64-decoded, hold "PRIVATE KEY"? */
static bool
stream_has_private_key(struct stream *s)
{
	static const char needle[] = "PRIVATE KEY";
	yaml_node_t *n;
	size_t i;

	for (i = 0; i < s->n; i++) {
		for (n = s->doc[i].nodes.start; n < s->doc[i].nodes.top; n++) {
			const char *v = sval(n);
			char *dec;
			bool hit;

			if (v == NULL)
				continue;
			if (strstr(v, needle) != NULL)
				return true;
			dec = b64_value(n);
			hit = dec != NULL && strstr(dec, needle) != NULL;
			free(dec);
			if (hit)
				return true;
		}
	}
	return false;
}

/* Does text contain the base64 of pem? */
static bool
holds_b64_of(const char *text, const char *pem)
{
	size_t len = strlen(pem), cap = B64_ENCODED_LEN(len) + 1;
	char *b = malloc(cap);
	bool hit;

	assert_non_null(b);
	assert_int_equal(b64_encode((const uint8_t *)pem, len, b, cap), 0);
	hit = strstr(text, b) != NULL;
	free(b);
	return hit;
}

static void
assert_b64_is(const yaml_node_t *n, const char *pem)
{
	char *dec = b64_value(n);

	assert_non_null(dec);
	assert_string_equal(dec, pem);
	free(dec);
}

static char *
render(const struct fixture *f, const char *role, enum talos_version v,
    bool is_static, struct stream *s)
{
	struct talos_cluster c;
	struct talos_machine m;
	struct err e = { 0 };
	char *out;

	cluster_init(&c, v, &f->sec);
	machine_init(&m, role, is_static);
	out = talos_render_machine(&c, &m, &e);
	if (out == NULL)
		fail_msg("%s %s: %s", role, version_name(v), e.detail);
	stream_load(out, s);
	return out;
}

/* ---- the matrix ---- */

/*
 * Ensure that every role, addressing and version renders a YAML stream of the
 * expected documents.
 */
static void
every_combination_renders(void **state)
{
	struct fixture *f = *state;
	struct stream s;
	size_t r, v, a;

	for (r = 0; r < 3; r++)
		for (v = 0; v < 2; v++)
			for (a = 0; a < 2; a++) {
				char *out = render(f, roles[r], versions[v],
				    a == 0, &s);
				char name[64];

				snprintf(name, sizeof(name), "%s-%s-%s",
				    roles[r], version_name(versions[v]),
				    a == 0 ? "static" : "dhcp");
				write_output(f, name, out);
				/* v1alpha1, HostnameConfig (+ alias, link) */
				assert_int_equal(s.n, a == 0 ? 4 : 2);
				assert_ptr_equal(doc_kind(&s, NULL), &s.doc[0]);
				assert_string_equal(sval(at(&s.doc[0],
				    "version", END)), "v1alpha1");
				assert_non_null(doc_kind(&s, "HostnameConfig"));
				stream_free(&s);
				free(out);
			}
}

/*
 * Ensure that no worker config carries a CA private key, raw or base64, in any
 * value.
 */
static void
worker_configs_hold_no_private_key(void **state)
{
	struct fixture *f = *state;
	const struct talos_secrets *k = &f->sec;
	struct stream s;
	size_t r, v, a;

	for (r = 1; r < 3; r++)
		for (v = 0; v < 2; v++)
			for (a = 0; a < 2; a++) {
				char *out = render(f, roles[r], versions[v],
				    a == 0, &s);

				assert_false(stream_has_private_key(&s));
				assert_null(strstr(out, "PRIVATE KEY"));
				assert_false(holds_b64_of(out, k->os.key));
				assert_false(holds_b64_of(out, k->k8s.key));
				assert_false(holds_b64_of(out,
				    k->k8s_aggregator.key));
				assert_false(holds_b64_of(out,
				    k->k8s_serviceaccount.key));
				assert_false(holds_b64_of(out, k->etcd.key));
				assert_null(strstr(out, k->secretbox_secret));
				stream_free(&s);
				free(out);
			}
}

/*
 * Ensure that a worker's CAs are certificates without a key field, and the
 * control-plane sections are absent.
 */
static void
worker_cas_have_no_key_field(void **state)
{
	struct fixture *f = *state;
	yaml_document_t *d;
	struct stream s;
	size_t r, v;

	for (r = 1; r < 3; r++)
		for (v = 0; v < 2; v++) {
			char *out = render(f, roles[r], versions[v], true, &s);

			d = doc_kind(&s, NULL);
			assert_b64_is(at(d, "machine", "ca", "crt", END),
			    f->sec.os.crt);
			assert_null(at(d, "machine", "ca", "key", END));
			assert_b64_is(at(d, "cluster", "ca", "crt", END),
			    f->sec.k8s.crt);
			assert_null(at(d, "cluster", "ca", "key", END));
			assert_null(at(d, "cluster", "aggregatorCA", END));
			assert_null(at(d, "cluster", "serviceAccount", END));
			assert_null(at(d, "cluster", "etcd", END));
			assert_null(at(d, "cluster", "apiServer", END));
			assert_null(at(d, "cluster",
			    "secretboxEncryptionSecret", END));
			assert_string_equal(sval(at(d, "machine", "token",
			    END)), f->sec.trustd_token);
			assert_string_equal(sval(at(d, "cluster", "token",
			    END)), f->sec.bootstrap_token);
			stream_free(&s);
			free(out);
		}
}

/*
 * Ensure that a control-plane config carries every CA key (the scanner's
 * positive control).
 */
static void
controlplane_carries_every_key(void **state)
{
	struct fixture *f = *state;
	const struct talos_secrets *k = &f->sec;
	yaml_document_t *d;
	struct stream s;
	size_t v;

	for (v = 0; v < 2; v++) {
		char *out = render(f, "controlplane", versions[v], true, &s);

		d = doc_kind(&s, NULL);
		assert_true(stream_has_private_key(&s));
		assert_b64_is(at(d, "machine", "ca", "key", END), k->os.key);
		assert_b64_is(at(d, "cluster", "ca", "key", END), k->k8s.key);
		assert_b64_is(at(d, "cluster", "aggregatorCA", "crt", END),
		    k->k8s_aggregator.crt);
		assert_b64_is(at(d, "cluster", "aggregatorCA", "key", END),
		    k->k8s_aggregator.key);
		assert_b64_is(at(d, "cluster", "serviceAccount", "key", END),
		    k->k8s_serviceaccount.key);
		assert_b64_is(at(d, "cluster", "etcd", "ca", "crt", END),
		    k->etcd.crt);
		assert_b64_is(at(d, "cluster", "etcd", "ca", "key", END),
		    k->etcd.key);
		assert_string_equal(sval(at(d, "cluster",
		    "secretboxEncryptionSecret", END)), k->secretbox_secret);
		assert_string_equal(sval(at(d, "cluster", "id", END)),
		    k->cluster_id);
		assert_string_equal(sval(at(d, "cluster", "secret", END)),
		    k->cluster_secret);
		assert_string_equal(sval(at(d, "cluster", "apiServer",
		    "certSANs", "#0", END)), "cp.itl.example.test");
		assert_string_equal(sval(at(d, "machine", "certSANs", "#0",
		    END)), "cp.itl.example.test");
		stream_free(&s);
		free(out);
	}
}

/*
 * Ensure that the role sets machine.type, the role label, the machine-id label,
 * the EK annotation and the infra taint.
 */
static void
role_sets_type_labels_and_taint(void **state)
{
	struct fixture *f = *state;
	yaml_document_t *d;
	struct stream s;
	char *out;

	out = render(f, "controlplane", TALOS_V1_13, false, &s);
	d = doc_kind(&s, NULL);
	assert_string_equal(sval(at(d, "machine", "type", END)),
	    "controlplane");
	assert_null(at(d, "machine", "nodeLabels",
	    "node-role.itl.io/controlplane", END));
	assert_null(at(d, "machine", "nodeTaints", END));
	assert_string_equal(sval(at(d, "machine", "nodeLabels",
	    "itl.io/machine-id", END)), MACHINE_ID);
	stream_free(&s);
	free(out);

	out = render(f, "worker-infra", TALOS_V1_13, false, &s);
	d = doc_kind(&s, NULL);
	assert_string_equal(sval(at(d, "machine", "type", END)), "worker");
	assert_string_equal(sval(at(d, "machine", "nodeLabels",
	    "node-role.itl.io/worker-infra", END)), "");
	assert_string_equal(sval(at(d, "machine", "nodeLabels",
	    "itl.io/machine-id", END)), MACHINE_ID);
	assert_string_equal(sval(at(d, "machine", "nodeAnnotations",
	    "itl.io/ek-fingerprint", END)), FINGERPRINT);
	assert_string_equal(sval(at(d, "machine", "nodeTaints",
	    "node-role.itl.io/infra", END)), "true:NoSchedule");
	stream_free(&s);
	free(out);

	out = render(f, "worker-app", TALOS_V1_12, false, &s);
	d = doc_kind(&s, NULL);
	assert_string_equal(sval(at(d, "machine", "type", END)), "worker");
	assert_string_equal(sval(at(d, "machine", "nodeLabels",
	    "node-role.itl.io/worker-app", END)), "");
	assert_null(at(d, "machine", "nodeTaints", END));
	stream_free(&s);
	free(out);
}

/*
 * Ensure that a static address goes on the link aliased by its MAC, with the
 * default route, in both versions.
 */
static void
static_address_selects_link_by_mac(void **state)
{
	struct fixture *f = *state;
	yaml_document_t *alias, *link;
	struct stream s;
	size_t v;

	for (v = 0; v < 2; v++) {
		char *out = render(f, "worker-app", versions[v], true, &s);

		alias = doc_kind(&s, "LinkAliasConfig");
		link = doc_kind(&s, "LinkConfig");
		assert_non_null(alias);
		assert_non_null(link);
		assert_string_equal(sval(at(alias, "apiVersion", END)),
		    "v1alpha1");
		assert_string_equal(sval(at(alias, "selector", "match", END)),
		    "mac(link.hardware_addr) == \"" MAC "\"");
		assert_string_equal(sval(at(link, "name", END)),
		    sval(at(alias, "name", END)));
		assert_int_equal(seq_len(at(link, "addresses", END)), 1);
		assert_string_equal(sval(at(link, "addresses", "#0", "address",
		    END)), "10.0.0.11/24");
		assert_int_equal(seq_len(at(link, "routes", END)), 1);
		assert_string_equal(sval(at(link, "routes", "#0", "gateway",
		    END)), "10.0.0.1");
		assert_null(at(link, "routes", "#0", "destination", END));
		assert_null(at(doc_kind(&s, NULL), "machine", "network", END));
		stream_free(&s);
		free(out);
	}
}

/*
 * Ensure that DHCP (no address) renders no link documents, even with a MAC and
 * a gateway.
 */
static void
dhcp_has_no_link_documents(void **state)
{
	struct fixture *f = *state;
	struct talos_cluster c;
	struct talos_machine m;
	struct err e = { 0 };
	struct stream s;
	char *out;
	size_t v;

	for (v = 0; v < 2; v++) {
		cluster_init(&c, versions[v], &f->sec);
		machine_init(&m, "worker-app", false);
		m.gateway = "10.0.0.1";
		out = talos_render_machine(&c, &m, &e);
		assert_non_null(out);
		stream_load(out, &s);
		assert_null(doc_kind(&s, "LinkAliasConfig"));
		assert_null(doc_kind(&s, "LinkConfig"));
		assert_null(strstr(out, MAC));
		stream_free(&s);
		free(out);
	}
}

/* Ensure that a static address without a gateway has no routes. */
static void
gateway_is_optional(void **state)
{
	struct fixture *f = *state;
	struct talos_cluster c;
	struct talos_machine m;
	struct err e = { 0 };
	struct stream s;
	char *out;

	cluster_init(&c, TALOS_V1_13, &f->sec);
	machine_init(&m, "worker-app", true);
	m.gateway = NULL;
	out = talos_render_machine(&c, &m, &e);
	assert_non_null(out);
	stream_load(out, &s);
	assert_string_equal(sval(at(doc_kind(&s, "LinkConfig"), "addresses",
	    "#0", "address", END)), "10.0.0.11/24");
	assert_null(at(doc_kind(&s, "LinkConfig"), "routes", END));
	stream_free(&s);
	free(out);
}

/*
 * Ensure that the hostname is a HostnameConfig document (never
 * machine.network), and auto: stable without one.
 */
static void
hostname_is_a_hostname_config(void **state)
{
	struct fixture *f = *state;
	struct talos_cluster c;
	struct talos_machine m;
	struct err e = { 0 };
	yaml_document_t *h;
	struct stream s;
	char *out;
	size_t v;

	for (v = 0; v < 2; v++) {
		out = render(f, "controlplane", versions[v], false, &s);
		h = doc_kind(&s, "HostnameConfig");
		assert_string_equal(sval(at(h, "hostname", END)), "node-1");
		assert_null(at(h, "auto", END));
		assert_null(at(doc_kind(&s, NULL), "machine", "network", END));
		stream_free(&s);
		free(out);

		cluster_init(&c, versions[v], &f->sec);
		machine_init(&m, "worker-app", false);
		m.hostname = NULL;
		out = talos_render_machine(&c, &m, &e);
		assert_non_null(out);
		stream_load(out, &s);
		h = doc_kind(&s, "HostnameConfig");
		assert_null(at(h, "hostname", END));
		assert_string_equal(sval(at(h, "auto", END)), "stable");
		stream_free(&s);
		free(out);
	}
}

/*
 * Ensure that images follow the Talos and Kubernetes versions, and the
 * machine's disk wins over the cluster's.
 */
static void
images_and_install_follow_settings(void **state)
{
	struct fixture *f = *state;
	struct talos_cluster c;
	struct talos_machine m;
	struct err e = { 0 };
	yaml_document_t *d;
	struct stream s;
	char *out;

	out = render(f, "controlplane", TALOS_V1_12, true, &s);
	d = doc_kind(&s, NULL);
	assert_string_equal(sval(at(d, "machine", "install", "image", END)),
	    "ghcr.io/siderolabs/installer:v1.12.11");
	assert_string_equal(sval(at(d, "machine", "install", "disk", END)),
	    "/dev/sda");
	assert_string_equal(sval(at(d, "machine", "install", "wipe", END)),
	    "false");
	assert_string_equal(sval(at(d, "machine", "kubelet", "image", END)),
	    "ghcr.io/siderolabs/kubelet:v1.34.1");
	assert_string_equal(sval(at(d, "cluster", "apiServer", "image", END)),
	    "registry.k8s.io/kube-apiserver:v1.34.1");
	assert_string_equal(sval(at(d, "cluster", "controlPlane", "endpoint",
	    END)), ENDPOINT);
	assert_string_equal(sval(at(d, "cluster", "clusterName", END)),
	    "itl-test");
	assert_string_equal(sval(at(d, "cluster", "network", "dnsDomain",
	    END)), "cluster.local");
	assert_string_equal(sval(at(d, "cluster", "network", "podSubnets", "#0",
	    END)), "10.244.0.0/16");
	assert_string_equal(sval(at(d, "cluster", "network", "serviceSubnets",
	    "#0", END)), "10.96.0.0/12");
	stream_free(&s);
	free(out);

	cluster_init(&c, TALOS_V1_13, &f->sec);
	c.kubernetes_version = "v1.33.5";	/* the v is not doubled */
	c.install_disk = NULL;
	machine_init(&m, "worker-app", false);
	out = talos_render_machine(&c, &m, &e);
	assert_non_null(out);
	stream_load(out, &s);
	d = doc_kind(&s, NULL);
	assert_string_equal(sval(at(d, "machine", "kubelet", "image", END)),
	    "ghcr.io/siderolabs/kubelet:v1.33.5");
	assert_string_equal(sval(at(d, "machine", "install", "disk", END)),
	    "/dev/sda");
	stream_free(&s);
	free(out);

	c.install_disk = "/dev/vda";
	m.install_disk = "/dev/nvme0n1";
	out = talos_render_machine(&c, &m, &e);
	assert_non_null(out);
	stream_load(out, &s);
	assert_string_equal(sval(at(doc_kind(&s, NULL), "machine", "install",
	    "disk", END)), "/dev/nvme0n1");
	stream_free(&s);
	free(out);
}

/*
 * Ensure that values YAML would read as numbers, booleans or null are quoted,
 * so they stay strings.
 */
static void
ambiguous_values_stay_strings(void **state)
{
	struct fixture *f = *state;
	struct talos_cluster c;
	struct talos_machine m;
	struct err e = { 0 };
	yaml_document_t *d;
	yaml_node_t *n;
	struct stream s;
	char *out;

	cluster_init(&c, TALOS_V1_13, &f->sec);
	machine_init(&m, "worker-app", false);
	m.machine_id = "1234";
	m.ek_fingerprint = "1e10";
	m.hostname = "true";
	out = talos_render_machine(&c, &m, &e);
	assert_non_null(out);
	stream_load(out, &s);
	d = doc_kind(&s, NULL);
	n = at(d, "machine", "nodeLabels", "itl.io/machine-id", END);
	assert_string_equal(sval(n), "1234");
	assert_int_not_equal(n->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
	n = at(d, "machine", "nodeAnnotations", "itl.io/ek-fingerprint", END);
	assert_int_not_equal(n->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
	n = at(d, "machine", "nodeLabels", "node-role.itl.io/worker-app", END);
	assert_int_not_equal(n->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
	n = at(doc_kind(&s, "HostnameConfig"), "hostname", END);
	assert_string_equal(sval(n), "true");
	assert_int_not_equal(n->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
	n = at(d, "machine", "install", "wipe", END);
	assert_int_equal(n->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
	stream_free(&s);
	free(out);
}

/*
 * Ensure that the MAC is lowercased in the selector and an IPv6 address and
 * gateway are canonical.
 */
static void
mac_and_ipv6_are_normalised(void **state)
{
	struct fixture *f = *state;
	struct talos_cluster c;
	struct talos_machine m;
	struct err e = { 0 };
	yaml_document_t *link;
	struct stream s;
	char *out;

	cluster_init(&c, TALOS_V1_13, &f->sec);
	machine_init(&m, "worker-app", true);
	m.mac = "AA:BB:CC:0D:0E:0F";
	m.address = "2001:DB8:0:0::11/64";
	m.gateway = "2001:db8:0::1";
	out = talos_render_machine(&c, &m, &e);
	assert_non_null(out);
	stream_load(out, &s);
	assert_string_equal(sval(at(doc_kind(&s, "LinkAliasConfig"),
	    "selector", "match", END)),
	    "mac(link.hardware_addr) == \"aa:bb:cc:0d:0e:0f\"");
	link = doc_kind(&s, "LinkConfig");
	assert_string_equal(sval(at(link, "addresses", "#0", "address", END)),
	    "2001:db8::11/64");
	assert_string_equal(sval(at(link, "routes", "#0", "gateway", END)),
	    "2001:db8::1");
	stream_free(&s);
	free(out);
}

/* ---- rejections ---- */

enum change {
	NO_SECRETS, NO_ENDPOINT, EMPTY_ENDPOINT, HTTP_ENDPOINT, NO_NAME,
	NO_TALOS_VERSION, NO_K8S_VERSION, NO_INSTALLER, ADDRESS_NO_MAC,
	UNKNOWN_ROLE, NO_ROLE, NO_MACHINE_ID, NO_FINGERPRINT, BAD_MAC,
	BAD_MAC_SEPARATOR, NO_PREFIX, PREFIX_TOO_LONG, BAD_ADDRESS,
	GATEWAY_FAMILY, BAD_GATEWAY, BAD_VERSION,
};

/*
 * Ensure that each missing or malformed piece is unavailable, naming it, and
 * renders nothing.
 */
static void
missing_pieces_are_unavailable(void **state)
{
	static const struct {
		enum change change;
		const char *named;
	} cases[] = {
		{ NO_SECRETS, "secrets" },
		{ NO_ENDPOINT, "endpoint" },
		{ EMPTY_ENDPOINT, "endpoint" },
		{ HTTP_ENDPOINT, "endpoint" },
		{ NO_NAME, "name" },
		{ NO_TALOS_VERSION, "talos version" },
		{ NO_K8S_VERSION, "kubernetes version" },
		{ NO_INSTALLER, "installer" },
		{ ADDRESS_NO_MAC, "mac" },
		{ UNKNOWN_ROLE, "role" },
		{ NO_ROLE, "role" },
		{ NO_MACHINE_ID, "id" },
		{ NO_FINGERPRINT, "fingerprint" },
		{ BAD_MAC, "mac" },
		{ BAD_MAC_SEPARATOR, "mac" },
		{ NO_PREFIX, "address" },
		{ PREFIX_TOO_LONG, "address" },
		{ BAD_ADDRESS, "address" },
		{ GATEWAY_FAMILY, "gateway" },
		{ BAD_GATEWAY, "gateway" },
		{ BAD_VERSION, "talos version" },
	};
	struct fixture *f = *state;
	struct talos_cluster c;
	struct talos_machine m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = { 0 };

		cluster_init(&c, TALOS_V1_13, &f->sec);
		machine_init(&m, "worker-infra", true);
		switch (cases[i].change) {
		case NO_SECRETS: c.secrets = NULL; break;
		case NO_ENDPOINT: c.endpoint = NULL; break;
		case EMPTY_ENDPOINT: c.endpoint = ""; break;
		case HTTP_ENDPOINT: c.endpoint = "http://cp:6443"; break;
		case NO_NAME: c.name = NULL; break;
		case NO_TALOS_VERSION: c.talos_version = ""; break;
		case NO_K8S_VERSION: c.kubernetes_version = NULL; break;
		case NO_INSTALLER: c.installer_image = NULL; break;
		case ADDRESS_NO_MAC: m.mac = NULL; break;
		case UNKNOWN_ROLE: m.role = "worker-gpu"; break;
		case NO_ROLE: m.role = NULL; break;
		case NO_MACHINE_ID: m.machine_id = NULL; break;
		case NO_FINGERPRINT: m.ek_fingerprint = ""; break;
		case BAD_MAC: m.mac = "aa:bb:cc:dd:ee:gg"; break;
		case BAD_MAC_SEPARATOR: m.mac = "aa-bb-cc-dd-ee-ff"; break;
		case NO_PREFIX: m.address = "10.0.0.11"; break;
		case PREFIX_TOO_LONG: m.address = "10.0.0.11/33"; break;
		case BAD_ADDRESS: m.address = "10.0.0.256/24"; break;
		case GATEWAY_FAMILY: m.gateway = "fe80::1"; break;
		case BAD_GATEWAY: m.gateway = "10.0.0.1 #"; break;
		case BAD_VERSION: c.version = (enum talos_version)7; break;
		}
		assert_null(talos_render_machine(&c, &m, &e));
		assert_int_equal(e.code, ERR_UNAVAILABLE);
		if (strstr(e.detail, cases[i].named) == NULL)
			fail_msg("case %zu: \"%s\" does not name %s", i,
			    e.detail, cases[i].named);
	}
}

/*
 * Ensure that a control plane needs every secret while a worker needs only the
 * certificates and tokens.
 */
static void
controlplane_needs_every_secret(void **state)
{
	struct fixture *f = *state;
	struct talos_secrets *s = malloc(sizeof(*s));
	struct talos_cluster c;
	struct talos_machine m;
	char *keys[] = { s->os.key, s->k8s.key, s->k8s_aggregator.crt,
	    s->k8s_aggregator.key, s->k8s_serviceaccount.key, s->etcd.crt,
	    s->etcd.key, s->secretbox_secret };
	char *shared[] = { s->cluster_id, s->cluster_secret, s->bootstrap_token,
	    s->trustd_token, s->os.crt, s->k8s.crt };
	size_t i;

	assert_non_null(s);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct err e = { 0 };
		char *out;

		*s = f->sec;
		keys[i][0] = '\0';
		cluster_init(&c, TALOS_V1_13, s);
		machine_init(&m, "controlplane", false);
		assert_null(talos_render_machine(&c, &m, &e));
		assert_int_equal(e.code, ERR_UNAVAILABLE);
		assert_non_null(strstr(e.detail, "cluster secrets lack"));
		machine_init(&m, "worker-app", false);
		out = talos_render_machine(&c, &m, &e);
		assert_non_null(out);
		free(out);
	}
	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		struct err e = { 0 };

		*s = f->sec;
		shared[i][0] = '\0';
		cluster_init(&c, TALOS_V1_12, s);
		machine_init(&m, "worker-infra", false);
		assert_null(talos_render_machine(&c, &m, &e));
		assert_int_equal(e.code, ERR_UNAVAILABLE);
		assert_non_null(strstr(e.detail, "cluster secrets lack"));
	}
	free(s);
}

/* ---- pending config (§8.2) ---- */

/*
 * Ensure that the pending config is one ExtensionServiceConfig carrying the URL
 * and the CA, and no secret.
 */
static void
pending_is_one_extension_service_config(void **state)
{
	struct fixture *f = *state;
	struct err e = { 0 };
	yaml_document_t *d;
	struct stream s;
	char *out;

	out = talos_render_pending(SERVICE_URL, f->service_ca, &e);
	assert_non_null(out);
	write_output(f, "pending", out);
	stream_load(out, &s);
	assert_int_equal(s.n, 1);
	d = &s.doc[0];
	assert_string_equal(sval(at(d, "apiVersion", END)), "v1alpha1");
	assert_string_equal(sval(at(d, "kind", END)),
	    "ExtensionServiceConfig");
	assert_string_equal(sval(at(d, "name", END)), "itl-tpm-register");
	assert_int_equal(seq_len(at(d, "configFiles", END)), 1);
	assert_string_equal(sval(at(d, "configFiles", "#0", "content", END)),
	    f->service_ca);
	assert_string_equal(sval(at(d, "configFiles", "#0", "mountPath",
	    END)), "/usr/local/etc/itl/ca.pem");
	assert_string_equal(sval(at(d, "environment", "#0", END)),
	    "ITL_URL=" SERVICE_URL);
	assert_string_equal(sval(at(d, "environment", "#1", END)),
	    "ITL_CA_FILE=/usr/local/etc/itl/ca.pem");
	assert_false(stream_has_private_key(&s));
	assert_null(strstr(out, "secret"));
	stream_free(&s);
	free(out);
}

/*
 * Ensure that a pending config without a service CA has no config files and
 * only the URL.
 */
static void
pending_without_ca(void **state)
{
	struct err e = { 0 };
	yaml_document_t *d;
	struct stream s;
	char *out;

	(void)state;
	out = talos_render_pending(SERVICE_URL, NULL, &e);
	assert_non_null(out);
	stream_load(out, &s);
	assert_int_equal(s.n, 1);
	d = &s.doc[0];
	assert_null(at(d, "configFiles", END));
	assert_int_equal(seq_len(at(d, "environment", END)), 1);
	assert_string_equal(sval(at(d, "environment", "#0", END)),
	    "ITL_URL=" SERVICE_URL);
	stream_free(&s);
	free(out);
}

/*
 * Ensure that a pending config without a URL, or with key material in the CA,
 * is unavailable.
 */
static void
pending_rejections(void **state)
{
	struct fixture *f = *state;
	char *ca_and_key;
	struct err e = { 0 };
	size_t len;

	assert_null(talos_render_pending(NULL, f->service_ca, &e));
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	assert_non_null(strstr(e.detail, "service url"));
	err_clear(&e);
	assert_null(talos_render_pending("", NULL, &e));
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	err_clear(&e);
	len = strlen(f->service_ca) + strlen(f->sec.etcd.key) + 1;
	ca_and_key = malloc(len);
	assert_non_null(ca_and_key);
	snprintf(ca_and_key, len, "%s%s", f->service_ca, f->sec.etcd.key);
	assert_null(talos_render_pending(SERVICE_URL, ca_and_key, &e));
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	assert_non_null(strstr(e.detail, "private key"));
	free(ca_and_key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_combination_renders),
		cmocka_unit_test(worker_configs_hold_no_private_key),
		cmocka_unit_test(worker_cas_have_no_key_field),
		cmocka_unit_test(controlplane_carries_every_key),
		cmocka_unit_test(role_sets_type_labels_and_taint),
		cmocka_unit_test(static_address_selects_link_by_mac),
		cmocka_unit_test(dhcp_has_no_link_documents),
		cmocka_unit_test(gateway_is_optional),
		cmocka_unit_test(hostname_is_a_hostname_config),
		cmocka_unit_test(images_and_install_follow_settings),
		cmocka_unit_test(ambiguous_values_stay_strings),
		cmocka_unit_test(mac_and_ipv6_are_normalised),
		cmocka_unit_test(missing_pieces_are_unavailable),
		cmocka_unit_test(controlplane_needs_every_secret),
		cmocka_unit_test(pending_is_one_extension_service_config),
		cmocka_unit_test(pending_without_ca),
		cmocka_unit_test(pending_rejections),
	};

	return cmocka_run_group_tests_name("talos_render", tests,
	    group_setup, group_teardown) == 0 ? 0 : 1;
}
