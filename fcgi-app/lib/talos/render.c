/*
 * render.c - Talos machine configuration documents (API spec §8; see
 * render.h), emitted event by event with libyaml's emitter into a bounded
 * buffer, so every value is escaped by the emitter and never pasted into YAML.
 *
 * Layout of the full config (§8.1), the same for v1.12 and v1.13 because
 * both schemas (tests/data/talos/config.schema.v1.1{2,3}.json) define the
 * network documents identically and neither lets the v1alpha1 document carry
 * machine.network.hostname or machine.network.interfaces (v1.12 marks them
 * deprecated and leaves them out of its schema; v1.13 drops machine.network):
 *   1. v1alpha1: machine (type, token, ca, certSANs, kubelet, install,
 *      features, nodeLabels, nodeAnnotations, nodeTaints) and cluster (id,
 *      secret, controlPlane, clusterName, network, token, ca, discovery; for
 *      a control plane also secretbox, aggregatorCA, serviceAccount,
 *      apiServer, controllerManager, proxy, scheduler, etcd), in the order
 *      and with the defaults `talosctl gen config` writes;
 *   2. HostnameConfig: the static hostname, or `auto: stable` as talosctl
 *      writes when there is none;
 *   3. with a static address only: LinkAliasConfig naming the link whose
 *      hardware address is the machine's MAC (LinkConfig has no MAC
 *      selector), then LinkConfig on that alias with the address and the
 *      default route. DHCP needs no document: Talos runs DHCP by default.
 * Worker configs carry CA certificates without a key field; the private keys
 * are only read for a control plane. The pending config (§8.2) is a single
 * ExtensionServiceConfig.
 *
 * It does not check what Talos checks at apply time (hostname syntax, disk
 * presence, certificate validity) and does no I/O.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <yaml.h>

#include "core/b64.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/str.h"
#include "talos/render.h"

/* A control-plane config is about 12 KiB; long names and RSA-4096 fit. */
#define RENDER_MAX_BYTES	(256 * 1024)
#define IMAGE_REF_BYTES		512
#define LINK_ALIAS		"itl0"	/* not a kernel name (schema) */
#define PENDING_SERVICE		"itl-tpm-register"
#define PENDING_CA_PATH		"/usr/local/etc/itl/ca.pem"
#define KUBELET_IMAGE		"ghcr.io/siderolabs/kubelet"
#define K8S_REGISTRY		"registry.k8s.io/"
#define DEFAULT_INSTALL_DISK	"/dev/sda"
#define KUBEPRISM_PORT		"7445"	/* talosctl gen config */

static const struct role {
	const char *name;
	bool controlplane;
	const char *label;	/* node-role.itl.io/<role>: "", or NULL */
	const char *taint;	/* <key>: true:NoSchedule, NULL for none */
} roles[] = {
	{ "controlplane", true, NULL, NULL },
	{ "worker-infra", false, "node-role.itl.io/worker-infra",
	    "node-role.itl.io/infra" },
	{ "worker-app", false, "node-role.itl.io/worker-app", NULL },
};

/* The machine's addressing, checked and normalised before emitting. */
struct net {
	bool is_static;
	char match[64];		/* CEL selector of the link alias */
	char address[INET6_ADDRSTRLEN + 4];
	char gateway[INET6_ADDRSTRLEN];
};

/*
 * The emitter with a sticky failure: after the first error every call does
 * nothing, so a document reads top to bottom and is checked once at the end.
 */
struct yw {
	yaml_emitter_t em;
	struct buf out;
	bool failed;
};

static int
yw_write(void *data, unsigned char *p, size_t len)
{
	return buf_append(data, p, len) == 0 ? 1 : 0;
}

static void
yw_emit(struct yw *w, int init_ok, yaml_event_t *ev)
{
	if (!init_ok) {
		w->failed = true;
		return;
	}
	/* the emitter owns the event from here, even when it fails */
	if (!yaml_emitter_emit(&w->em, ev))
		w->failed = true;
}

static void
yw_begin(struct yw *w)
{
	yaml_event_t ev;

	w->failed = false;
	buf_init(&w->out, RENDER_MAX_BYTES);
	if (!yaml_emitter_initialize(&w->em))
		abort();
	yaml_emitter_set_output(&w->em, yw_write, &w->out);
	yaml_emitter_set_unicode(&w->em, 1);
	yaml_emitter_set_width(&w->em, -1);	/* never fold a line */
	yw_emit(w, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING),
	    &ev);
}

/* End the stream; the malloc'd text, or NULL. Wipes the working copies. */
static char *
yw_end(struct yw *w)
{
	yaml_event_t ev;
	char *res = NULL;

	if (!w->failed)
		yw_emit(w, yaml_stream_end_event_initialize(&ev), &ev);
	yaml_emitter_delete(&w->em);
	if (!w->failed && w->out.p != NULL) {
		res = strndup(w->out.p, w->out.len);
		if (res == NULL)
			abort();
	}
	if (w->out.p != NULL)
		OPENSSL_cleanse(w->out.p, w->out.len);
	buf_release(&w->out);
	return res;
}

static void
yw_doc_start(struct yw *w)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	/* implicit: libyaml writes "---" before every document but the first */
	yw_emit(w, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL,
	    1), &ev);
}

static void
yw_doc_end(struct yw *w)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	yw_emit(w, yaml_document_end_event_initialize(&ev, 1), &ev);
}

static void
yw_map_start(struct yw *w)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	yw_emit(w, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE), &ev);
}

/* "{}" */
static void
yw_map_empty(struct yw *w)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	yw_emit(w, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_FLOW_MAPPING_STYLE), &ev);
	if (w->failed)
		return;
	yw_emit(w, yaml_mapping_end_event_initialize(&ev), &ev);
}

static void
yw_map_end(struct yw *w)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	yw_emit(w, yaml_mapping_end_event_initialize(&ev), &ev);
}

/* flow style only for an empty sequence ("[]") */
static void
yw_seq_start(struct yw *w, bool empty)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	yw_emit(w, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
	    empty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE), &ev);
}

static void
yw_seq_end(struct yw *w)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	yw_emit(w, yaml_sequence_end_event_initialize(&ev), &ev);
}

static void
yw_scalar(struct yw *w, const char *v, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (w->failed)
		return;
	yw_emit(w, yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)v, -1, 1, 1, style), &ev);
}

/*
 * Would a plain scalar read back as something other than a string (YAML
 * 1.1 as PyYAML resolves it, YAML 1.2 as Talos's Go decoder does)? The
 * emitter does not know, so quote the empty string, anything that starts like
 * a number, date or special value, and the boolean and null words.
 */
static bool
needs_quotes(const char *v)
{
	static const char *const words[] = { "y", "n", "yes", "no", "on", "off",
	    "true", "false", "null" };
	size_t i;

	if (v[0] == '\0' || (v[0] >= '0' && v[0] <= '9') || v[0] == '-' ||
	    v[0] == '+' || v[0] == '.' || v[0] == '~')
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(v, words[i]) == 0)
			return true;
	return false;
}

/* A string value (or key): plain where that stays a string, else quoted. */
static void
yw_str(struct yw *w, const char *v)
{
	yw_scalar(w, v, needs_quotes(v) ? YAML_SINGLE_QUOTED_SCALAR_STYLE :
	    YAML_ANY_SCALAR_STYLE);
}

/* A boolean or integer literal. */
static void
yw_lit(struct yw *w, const char *v)
{
	yw_scalar(w, v, YAML_PLAIN_SCALAR_STYLE);
}

static void
yw_kv(struct yw *w, const char *k, const char *v)
{
	yw_str(w, k);
	yw_str(w, v);
}

static void
yw_kv_lit(struct yw *w, const char *k, const char *v)
{
	yw_str(w, k);
	yw_lit(w, v);
}

/* k: base64 of the PEM text, as Talos carries certificates and keys. */
static void
yw_kv_b64(struct yw *w, const char *k, const char *pem)
{
	size_t len = strlen(pem), cap = B64_ENCODED_LEN(len) + 1;
	char *b;

	if (w->failed)
		return;
	b = malloc(cap);
	if (b == NULL)
		abort();
	if (b64_encode((const uint8_t *)pem, len, b, cap) == -1)
		w->failed = true;
	else
		yw_kv(w, k, b);
	OPENSSL_cleanse(b, cap);
	free(b);
}

/* k: {crt: ..., key: ...}; the key field only when key is not NULL. */
static void
yw_pair(struct yw *w, const char *k, const char *crt, const char *key)
{
	yw_str(w, k);
	yw_map_start(w);
	if (crt != NULL)
		yw_kv_b64(w, "crt", crt);
	if (key != NULL)
		yw_kv_b64(w, "key", key);
	yw_map_end(w);
}

/* k: [v] or k: [] */
static void
yw_kv_list1(struct yw *w, const char *k, const char *v)
{
	yw_str(w, k);
	yw_seq_start(w, v == NULL);
	if (v != NULL)
		yw_str(w, v);
	yw_seq_end(w);
}

/* "v1.2.3" for "1.2.3" or "v1.2.3" */
static const char *
version_bare(const char *v)
{
	return v[0] == 'v' ? v + 1 : v;
}

static int
image_ref(char *out, size_t out_len, const char *repo, const char *version)
{
	int n = snprintf(out, out_len, "%s:v%s", repo, version_bare(version));

	return n < 0 || (size_t)n >= out_len ? -1 : 0;
}

static bool
is_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* The host of https://host[:port][/...], without IPv6 brackets. */
static int
endpoint_host(const char *url, char *out, size_t out_len)
{
	const char *p, *end;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	p = url + 8;
	if (p[0] == '[') {
		p++;
		end = strchr(p, ']');
	} else {
		end = strpbrk(p, ":/?#");
		if (end == NULL)
			end = p + strlen(p);
	}
	if (end == NULL || end == p)
		return -1;
	return str_copy(out, out_len, p, (size_t)(end - p));
}

/* aa:bb:cc:dd:ee:ff (either case) into lowercase; -1 if it is not one. */
static int
mac_normalise(const char *in, char out[18])
{
	size_t i;

	if (strlen(in) != 17)
		return -1;
	for (i = 0; i < 17; i++) {
		char c = in[i];

		if (i % 3 == 2) {
			if (c != ':')
				return -1;
		} else if (c >= 'A' && c <= 'F') {
			c = (char)(c - 'A' + 'a');
		} else if (!((c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'f'))) {
			return -1;
		}
		out[i] = c;
	}
	out[17] = '\0';
	return 0;
}

/* An address in canonical (lowercase, shortest) text; family in *af. */
static int
ip_normalise(const char *in, size_t len, char *out, size_t out_len, int *af)
{
	unsigned char a[sizeof(struct in6_addr)];
	char tmp[INET6_ADDRSTRLEN];

	if (str_copy(tmp, sizeof(tmp), in, len) == -1)
		return -1;
	if (inet_pton(AF_INET, tmp, a) == 1)
		*af = AF_INET;
	else if (inet_pton(AF_INET6, tmp, a) == 1)
		*af = AF_INET6;
	else
		return -1;
	return inet_ntop(*af, a, out, (socklen_t)out_len) == NULL ? -1 : 0;
}

static int
net_plan(const struct talos_machine *m, struct net *n, struct err *e)
{
	char mac[18], ip[INET6_ADDRSTRLEN], echo[LIMIT_DETAIL_ECHO_BYTES + 1];
	const char *slash;
	uint64_t prefix;
	int af, gaf;

	memset(n, 0, sizeof(*n));
	if (is_empty(m->address))
		return 0;	/* DHCP: Talos's default, with its route */
	if (is_empty(m->mac))
		return err_set(e, ERR_UNAVAILABLE, "a static address needs the "
		    "machine's mac address to select its link");
	if (mac_normalise(m->mac, mac) == -1) {
		err_echo(echo, sizeof(echo), m->mac, strlen(m->mac));
		return err_set(e, ERR_UNAVAILABLE, "machine mac address %s is "
		    "not aa:bb:cc:dd:ee:ff", echo);
	}
	slash = strchr(m->address, '/');
	if (slash == NULL ||
	    ip_normalise(m->address, (size_t)(slash - m->address), ip,
	    sizeof(ip), &af) == -1 ||
	    str_to_u64(slash + 1, strlen(slash + 1), 0,
	    af == AF_INET ? 32 : 128, &prefix) == -1) {
		err_echo(echo, sizeof(echo), m->address, strlen(m->address));
		return err_set(e, ERR_UNAVAILABLE, "machine address %s is not "
		    "an address with a prefix length", echo);
	}
	if (!is_empty(m->gateway) &&
	    (ip_normalise(m->gateway, strlen(m->gateway), n->gateway,
	    sizeof(n->gateway), &gaf) == -1 || gaf != af)) {
		err_echo(echo, sizeof(echo), m->gateway, strlen(m->gateway));
		return err_set(e, ERR_UNAVAILABLE, "machine gateway %s is not "
		    "an address of the same family as its address", echo);
	}
	/* CEL over the LinkStatus spec; mac() formats as aa:bb:... */
	snprintf(n->match, sizeof(n->match),
	    "mac(link.hardware_addr) == \"%s\"", mac);
	snprintf(n->address, sizeof(n->address), "%s/%u", ip,
	    (unsigned)prefix);
	n->is_static = true;
	return 0;
}

static int
secrets_check(const struct talos_secrets *s, bool cp, struct err *e)
{
	const struct {
		const char *v;
		bool cp_only;
		const char *what;
	} need[] = {
		{ s->cluster_id, false, "the cluster id" },
		{ s->cluster_secret, false, "the cluster secret" },
		{ s->bootstrap_token, false, "the bootstrap token" },
		{ s->trustd_token, false, "the trustd token" },
		{ s->os.crt, false, "the os ca certificate" },
		{ s->k8s.crt, false, "the kubernetes ca certificate" },
		{ s->os.key, true, "the os ca key" },
		{ s->k8s.key, true, "the kubernetes ca key" },
		{ s->k8s_aggregator.crt, true, "the aggregator ca cert" },
		{ s->k8s_aggregator.key, true, "the aggregator ca key" },
		{ s->k8s_serviceaccount.key, true, "the service account key" },
		{ s->etcd.crt, true, "the etcd ca certificate" },
		{ s->etcd.key, true, "the etcd ca key" },
	};
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if ((cp || !need[i].cp_only) && need[i].v[0] == '\0')
			return err_set(e, ERR_UNAVAILABLE,
			    "cluster secrets lack %s", need[i].what);
	/* bundles of Talos <= 1.2 carry aescbc instead of secretbox */
	if (cp && s->secretbox_secret[0] == '\0' && s->aescbc_secret[0] == '\0')
		return err_set(e, ERR_UNAVAILABLE, "cluster secrets lack the "
		    "secretbox (or aescbc) encryption secret");
	return 0;
}

static const struct role *
role_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i].name, name) == 0)
			return &roles[i];
	return NULL;
}

/* What one machine's config is made of, checked before anything is emitted. */
struct plan {
	const struct role *role;
	const char *disk;
	char host[256];		/* of the endpoint, for certSANs */
	char kubelet[IMAGE_REF_BYTES];
	char installer[IMAGE_REF_BYTES];
	char apiserver[IMAGE_REF_BYTES];
	char controller[IMAGE_REF_BYTES];
	char proxy[IMAGE_REF_BYTES];
	char scheduler[IMAGE_REF_BYTES];
	struct net net;
};

static int
plan_make(const struct talos_cluster *c, const struct talos_machine *m,
    struct plan *p, struct err *e)
{
	const char *k8s = c->kubernetes_version;
	char echo[LIMIT_DETAIL_ECHO_BYTES + 1];

	if (is_empty(m->role))
		return err_set(e, ERR_UNAVAILABLE, "machine has no role");
	p->role = role_find(m->role);
	if (p->role == NULL) {
		err_echo(echo, sizeof(echo), m->role, strlen(m->role));
		return err_set(e, ERR_UNAVAILABLE, "role %s has no talos "
		    "profile", echo);
	}
	if (is_empty(m->machine_id))
		return err_set(e, ERR_UNAVAILABLE, "machine has no id");
	if (is_empty(m->ek_fingerprint))
		return err_set(e, ERR_UNAVAILABLE, "machine has no ek "
		    "fingerprint");
	if (c->secrets == NULL)
		return err_set(e, ERR_UNAVAILABLE, "cluster has no secrets");
	if (is_empty(c->endpoint))
		return err_set(e, ERR_UNAVAILABLE, "cluster has no endpoint");
	if (endpoint_host(c->endpoint, p->host, sizeof(p->host)) == -1)
		return err_set(e, ERR_UNAVAILABLE, "cluster endpoint is not an "
		    "https url with a host");
	if (is_empty(c->name))
		return err_set(e, ERR_UNAVAILABLE, "cluster has no name");
	if (is_empty(c->talos_version))
		return err_set(e, ERR_UNAVAILABLE, "cluster has no talos "
		    "version");
	if (is_empty(k8s))
		return err_set(e, ERR_UNAVAILABLE, "cluster has no kubernetes "
		    "version");
	if (is_empty(c->installer_image))
		return err_set(e, ERR_UNAVAILABLE, "cluster has no installer "
		    "image");
	if (c->version != TALOS_V1_12 && c->version != TALOS_V1_13)
		return err_set(e, ERR_UNAVAILABLE, "cluster talos version is "
		    "not v1.12 or v1.13");
	if (image_ref(p->installer, sizeof(p->installer), c->installer_image,
	    c->talos_version) == -1 ||
	    image_ref(p->kubelet, sizeof(p->kubelet), KUBELET_IMAGE,
	    k8s) == -1 ||
	    image_ref(p->apiserver, sizeof(p->apiserver),
	    K8S_REGISTRY "kube-apiserver", k8s) == -1 ||
	    image_ref(p->controller, sizeof(p->controller),
	    K8S_REGISTRY "kube-controller-manager", k8s) == -1 ||
	    image_ref(p->proxy, sizeof(p->proxy), K8S_REGISTRY "kube-proxy",
	    k8s) == -1 ||
	    image_ref(p->scheduler, sizeof(p->scheduler),
	    K8S_REGISTRY "kube-scheduler", k8s) == -1)
		return err_set(e, ERR_UNAVAILABLE, "cluster image names or "
		    "versions are too long");
	p->disk = !is_empty(m->install_disk) ? m->install_disk :
	    !is_empty(c->install_disk) ? c->install_disk : DEFAULT_INSTALL_DISK;
	if (secrets_check(c->secrets, p->role->controlplane, e) == -1 ||
	    net_plan(m, &p->net, e) == -1)
		return -1;
	return 0;
}

static void
emit_machine(struct yw *w, const struct talos_cluster *c,
    const struct talos_machine *m, const struct plan *p)
{
	const struct talos_secrets *s = c->secrets;
	bool cp = p->role->controlplane;

	yw_str(w, "machine");
	yw_map_start(w);
	yw_kv(w, "type", cp ? "controlplane" : "worker");
	yw_kv(w, "token", s->trustd_token);
	yw_pair(w, "ca", s->os.crt, cp ? s->os.key : NULL);
	/* the endpoint name, so talosctl can reach apid through it */
	yw_kv_list1(w, "certSANs", cp ? p->host : NULL);
	yw_str(w, "kubelet");
	yw_map_start(w);
	yw_kv(w, "image", p->kubelet);
	yw_kv_lit(w, "defaultRuntimeSeccompProfileEnabled", "true");
	yw_kv_lit(w, "disableManifestsDirectory", "true");
	yw_map_end(w);
	yw_str(w, "install");
	yw_map_start(w);
	yw_kv(w, "disk", p->disk);
	yw_kv(w, "image", p->installer);
	yw_kv_lit(w, "wipe", "false");
	yw_map_end(w);
	yw_str(w, "features");
	yw_map_start(w);
	yw_kv_lit(w, "diskQuotaSupport", "true");
	yw_str(w, "kubePrism");
	yw_map_start(w);
	yw_kv_lit(w, "enabled", "true");
	yw_kv_lit(w, "port", KUBEPRISM_PORT);
	yw_map_end(w);
	yw_str(w, "hostDNS");
	yw_map_start(w);
	yw_kv_lit(w, "enabled", "true");
	yw_kv_lit(w, "forwardKubeDNSToHost", "true");
	yw_map_end(w);
	yw_map_end(w);
	yw_str(w, "nodeLabels");
	yw_map_start(w);
	if (cp)
		yw_kv(w, "node.kubernetes.io/exclude-from-external-load-"
		    "balancers", "");
	if (p->role->label != NULL)
		yw_kv(w, p->role->label, "");
	yw_kv(w, "itl.io/machine-id", m->machine_id);
	yw_map_end(w);
	yw_str(w, "nodeAnnotations");
	yw_map_start(w);
	yw_kv(w, "itl.io/ek-fingerprint", m->ek_fingerprint);
	yw_map_end(w);
	if (p->role->taint != NULL) {
		yw_str(w, "nodeTaints");
		yw_map_start(w);
		yw_kv(w, p->role->taint, "true:NoSchedule");
		yw_map_end(w);
	}
	yw_map_end(w);
}

/* The Pod Security admission defaults and audit policy talosctl writes. */
static void
emit_apiserver_policy(struct yw *w)
{
	static const char *const defaults[][2] = {
		{ "audit", "restricted" }, { "audit-version", "latest" },
		{ "enforce", "baseline" }, { "enforce-version", "latest" },
		{ "warn", "restricted" }, { "warn-version", "latest" },
	};
	size_t i;

	yw_str(w, "admissionControl");
	yw_seq_start(w, false);
	yw_map_start(w);
	yw_kv(w, "name", "PodSecurity");
	yw_str(w, "configuration");
	yw_map_start(w);
	yw_kv(w, "apiVersion", "pod-security.admission.config.k8s.io/v1alpha1");
	yw_str(w, "defaults");
	yw_map_start(w);
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		yw_kv(w, defaults[i][0], defaults[i][1]);
	yw_map_end(w);
	yw_str(w, "exemptions");
	yw_map_start(w);
	yw_kv_list1(w, "namespaces", "kube-system");
	yw_kv_list1(w, "runtimeClasses", NULL);
	yw_kv_list1(w, "usernames", NULL);
	yw_map_end(w);
	yw_kv(w, "kind", "PodSecurityConfiguration");
	yw_map_end(w);
	yw_map_end(w);
	yw_seq_end(w);
	yw_str(w, "auditPolicy");
	yw_map_start(w);
	yw_kv(w, "apiVersion", "audit.k8s.io/v1");
	yw_kv(w, "kind", "Policy");
	yw_str(w, "rules");
	yw_seq_start(w, false);
	yw_map_start(w);
	yw_kv(w, "level", "Metadata");
	yw_map_end(w);
	yw_seq_end(w);
	yw_map_end(w);
}

static void
emit_image(struct yw *w, const char *k, const char *image)
{
	yw_str(w, k);
	yw_map_start(w);
	yw_kv(w, "image", image);
	yw_map_end(w);
}

static void
emit_cluster(struct yw *w, const struct talos_cluster *c,
    const struct plan *p)
{
	const struct talos_secrets *s = c->secrets;
	bool cp = p->role->controlplane;

	yw_str(w, "cluster");
	yw_map_start(w);
	yw_kv(w, "id", s->cluster_id);
	yw_kv(w, "secret", s->cluster_secret);
	yw_str(w, "controlPlane");
	yw_map_start(w);
	yw_kv(w, "endpoint", c->endpoint);
	yw_map_end(w);
	yw_kv(w, "clusterName", c->name);
	yw_str(w, "network");
	yw_map_start(w);
	yw_kv(w, "dnsDomain", "cluster.local");
	yw_kv_list1(w, "podSubnets", "10.244.0.0/16");
	yw_kv_list1(w, "serviceSubnets", "10.96.0.0/12");
	yw_map_end(w);
	yw_kv(w, "token", s->bootstrap_token);
	if (cp && s->secretbox_secret[0] != '\0')
		yw_kv(w, "secretboxEncryptionSecret", s->secretbox_secret);
	else if (cp)
		yw_kv(w, "aescbcEncryptionSecret", s->aescbc_secret);
	yw_pair(w, "ca", s->k8s.crt, cp ? s->k8s.key : NULL);
	if (cp) {
		yw_pair(w, "aggregatorCA", s->k8s_aggregator.crt,
		    s->k8s_aggregator.key);
		yw_pair(w, "serviceAccount", NULL, s->k8s_serviceaccount.key);
		yw_str(w, "apiServer");
		yw_map_start(w);
		yw_kv(w, "image", p->apiserver);
		yw_kv_list1(w, "certSANs", p->host);
		emit_apiserver_policy(w);
		yw_map_end(w);
		emit_image(w, "controllerManager", p->controller);
		emit_image(w, "proxy", p->proxy);
		emit_image(w, "scheduler", p->scheduler);
	}
	yw_str(w, "discovery");
	yw_map_start(w);
	yw_kv_lit(w, "enabled", "true");
	yw_str(w, "registries");
	yw_map_start(w);
	yw_str(w, "kubernetes");
	yw_map_start(w);
	yw_kv_lit(w, "disabled", "true");
	yw_map_end(w);
	yw_str(w, "service");
	yw_map_empty(w);
	yw_map_end(w);
	yw_map_end(w);
	if (cp) {
		yw_str(w, "etcd");
		yw_map_start(w);
		yw_pair(w, "ca", s->etcd.crt, s->etcd.key);
		yw_map_end(w);
	}
	yw_map_end(w);
}

static void
emit_doc_head(struct yw *w, const char *kind)
{
	yw_doc_start(w);
	yw_map_start(w);
	yw_kv(w, "apiVersion", "v1alpha1");
	yw_kv(w, "kind", kind);
}

static void
emit_network(struct yw *w, const struct talos_machine *m, const struct net *n)
{
	emit_doc_head(w, "HostnameConfig");
	if (!is_empty(m->hostname))
		yw_kv(w, "hostname", m->hostname);
	else
		yw_kv(w, "auto", "stable");
	yw_map_end(w);
	yw_doc_end(w);
	if (!n->is_static)
		return;
	emit_doc_head(w, "LinkAliasConfig");
	yw_kv(w, "name", LINK_ALIAS);
	yw_str(w, "selector");
	yw_map_start(w);
	yw_kv(w, "match", n->match);
	yw_map_end(w);
	yw_map_end(w);
	yw_doc_end(w);
	emit_doc_head(w, "LinkConfig");
	yw_kv(w, "name", LINK_ALIAS);
	yw_str(w, "addresses");
	yw_seq_start(w, false);
	yw_map_start(w);
	yw_kv(w, "address", n->address);
	yw_map_end(w);
	yw_seq_end(w);
	if (n->gateway[0] != '\0') {
		/* no destination: the default route of the gateway's family */
		yw_str(w, "routes");
		yw_seq_start(w, false);
		yw_map_start(w);
		yw_kv(w, "gateway", n->gateway);
		yw_map_end(w);
		yw_seq_end(w);
	}
	yw_map_end(w);
	yw_doc_end(w);
}

char *
talos_render_machine(const struct talos_cluster *c,
    const struct talos_machine *m, struct err *e)
{
	struct plan *p = NULL;
	struct yw w;
	char *res = NULL;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		abort();
	if (plan_make(c, m, p, e) == -1)
		goto out;
	yw_begin(&w);
	yw_doc_start(&w);
	yw_map_start(&w);
	yw_kv(&w, "version", "v1alpha1");
	emit_machine(&w, c, m, p);
	emit_cluster(&w, c, p);
	yw_map_end(&w);
	yw_doc_end(&w);
	emit_network(&w, m, &p->net);
	res = yw_end(&w);
	if (res == NULL)
		err_set(e, ERR_INTERNAL, "internal error");
out:
	free(p);
	return res;
}

char *
talos_render_pending(const char *service_url, const char *ca_pem,
    struct err *e)
{
	char env[1024];
	struct yw w;
	char *res;
	int n;

	if (is_empty(service_url)) {
		err_set(e, ERR_UNAVAILABLE, "service url is not configured");
		return NULL;
	}
	n = snprintf(env, sizeof(env), "ITL_URL=%s", service_url);
	if (n < 0 || (size_t)n >= sizeof(env)) {
		err_set(e, ERR_UNAVAILABLE, "service url is longer than %zu "
		    "bytes", sizeof(env) - sizeof("ITL_URL="));
		return NULL;
	}
	/* the pending config is public: never let a key slip in with the CA */
	if (ca_pem != NULL && strstr(ca_pem, "PRIVATE KEY") != NULL) {
		err_set(e, ERR_UNAVAILABLE, "service ca file holds a private "
		    "key");
		return NULL;
	}
	yw_begin(&w);
	emit_doc_head(&w, "ExtensionServiceConfig");
	yw_kv(&w, "name", PENDING_SERVICE);
	if (!is_empty(ca_pem)) {
		yw_str(&w, "configFiles");
		yw_seq_start(&w, false);
		yw_map_start(&w);
		yw_str(&w, "content");
		yw_scalar(&w, ca_pem, YAML_LITERAL_SCALAR_STYLE);
		yw_kv(&w, "mountPath", PENDING_CA_PATH);
		yw_map_end(&w);
		yw_seq_end(&w);
	}
	yw_str(&w, "environment");
	yw_seq_start(&w, false);
	yw_str(&w, env);
	if (!is_empty(ca_pem))
		yw_str(&w, "ITL_CA_FILE=" PENDING_CA_PATH);
	yw_seq_end(&w);
	yw_map_end(&w);
	yw_doc_end(&w);
	res = yw_end(&w);
	if (res == NULL)
		err_set(e, ERR_INTERNAL, "internal error");
	return res;
}
