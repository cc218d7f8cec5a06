/*
 * ek_input.c - the §1 request fields shared by register, self-register,
 * attest and import: EK material decoded, parsed and matched against the
 * client's fingerprint; hardware fields bounded and normalised.
 */
#include "config.h"

#include <string.h>

#include "api/api.h"
#include "core/str.h"

bool
role_is_valid(const char *role)
{
	return strcmp(role, "controlplane") == 0 ||
	    strcmp(role, "worker-infra") == 0 ||
	    strcmp(role, "worker-app") == 0;
}

int
json_opt_string(json_t *obj, const char *key, size_t max, struct req *rq,
    const char **out, struct err *e)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t len;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(e, ERR_VALIDATION_FAILED, "%s must be a string",
		    key);
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > max)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s longer than %zu bytes", key, max);
	if (memchr(s, '\0', len) != NULL)
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s contains a nul byte", key);
	*out = arena_strndup(&rq->arena, s, len);
	if (*out == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	return 0;
}

static bool
has_control_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Hardware field: "unknown" and "" are stored as null (§1). */
static int
hw_field(json_t *body, const char *key, struct req *rq, const char **out,
    struct err *e)
{
	if (json_opt_string(body, key, LIMIT_HW_FIELD_BYTES, rq, out, e) == -1)
		return -1;
	if (*out == NULL)
		return 0;
	if (has_control_chars(*out))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "%s contains control characters", key);
	if ((*out)[0] == '\0' || strcmp(*out, "unknown") == 0)
		*out = NULL;
	return 0;
}

static int
hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* aa:bb:cc:dd:ee:ff, AA-BB-..., or aabbccddeeff → aa:bb:cc:dd:ee:ff. */
static int
mac_normalise(struct req *rq, const char *in, const char **out, struct err *e)
{
	static const char digits[] = "0123456789abcdef";
	char *m = arena_alloc(&rq->arena, 18);
	size_t len = strlen(in), i, n = 0;
	char sep = 0;

	if (m == NULL)
		return err_set(e, ERR_INTERNAL, "internal error");
	if (len != 12 && len != 17)
		goto bad;
	for (i = 0; i < len; i++) {
		int v;

		if (len == 17 && i % 3 == 2) {
			if ((in[i] != ':' && in[i] != '-') ||
			    (sep != 0 && in[i] != sep))
				goto bad;
			sep = in[i];
			continue;
		}
		v = hexdigit(in[i]);
		if (v < 0)
			goto bad;
		if (n > 0 && n % 3 == 2)
			m[n++] = ':';
		m[n++] = digits[v];
	}
	m[n] = '\0';
	*out = m;
	return 0;
bad:
	return err_set(e, ERR_VALIDATION_FAILED,
	    "hw_mac must look like aa:bb:cc:dd:ee:ff");
}

static int
ek_source_decode(json_t *body, enum ek_source *src, struct err *e)
{
	json_t *v = json_object_get(body, "ek_source");
	const char *s;

	*src = EK_SOURCE_CERT;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek_source must be a string");
	s = json_string_value(v);
	if (strcmp(s, "cert") == 0)
		return 0;
	if (strcmp(s, "pub") == 0) {
		*src = EK_SOURCE_PUB;
		return 0;
	}
	return err_set(e, ERR_VALIDATION_FAILED,
	    "ek_source must be \"cert\" or \"pub\"");
}

int
ek_in_decode(struct req *rq, json_t *body, struct ek_in *in, struct err *e)
{
	json_t *material = json_object_get(body, "ek_cert_pem");
	json_t *fp = json_object_get(body, "ek_fingerprint");
	const uint8_t *sent, *bytes;
	size_t sent_len, bytes_len;
	enum ek_source src;
	const char *role;

	memset(in, 0, sizeof(*in));
	if (material == NULL || json_is_null(material))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek_cert_pem is required");
	if (!json_is_string(material))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek_cert_pem must be a string");
	if (fp == NULL || json_is_null(fp))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek_fingerprint is required");
	if (!json_is_string(fp))
		return err_set(e, ERR_VALIDATION_FAILED,
		    "ek_fingerprint must be a string");
	if (ek_source_decode(body, &src, e) == -1 ||
	    hw_field(body, "hw_uuid", rq, &in->hw_uuid, e) == -1 ||
	    hw_field(body, "hw_mac", rq, &in->hw_mac, e) == -1 ||
	    hw_field(body, "hw_serial", rq, &in->hw_serial, e) == -1 ||
	    hw_field(body, "hw_product", rq, &in->hw_product, e) == -1 ||
	    json_opt_string(body, "desired_role", 32, rq, &role, e) == -1)
		return -1;
	if (in->hw_mac != NULL &&
	    mac_normalise(rq, in->hw_mac, &in->hw_mac, e) == -1)
		return -1;
	if (role == NULL || role[0] == '\0')
		role = "worker-app";
	if (!role_is_valid(role))
		return err_set(e, ERR_VALIDATION_FAILED, "desired_role must be "
		    "controlplane, worker-infra or worker-app");
	in->desired_role = role;
	if (ek_material_decode(json_string_value(material),
	    json_string_length(material), &rq->arena, &sent, &sent_len,
	    &bytes, &bytes_len, e) == -1 ||
	    ek_parse(bytes, bytes_len, src, &rq->arena, &in->ek, e) == -1 ||
	    ek_fingerprint_check(&in->ek, sent, sent_len, json_string_value(fp),
	    json_string_length(fp), e) == -1)
		return -1;
	in->trust = "none";
	if (!APP(rq)->cfg->ek_trust_chain)
		return 0;
	if (!in->ek.has_cert) {
		in->needs_known = true;
		return 0;
	}
	if (ek_chain_verify(APP(rq)->anchors, in->ek.cert_der,
	    in->ek.cert_der_len, rq->now, e) == -1)
		return -1;
	in->trust = "chain";
	return 0;
}

int
ek_in_trusted(const struct ek_in *in, const struct machine *m, bool found,
    struct err *e)
{
	if (!in->needs_known)
		return 0;
	if (found && (strcmp(m->ek_trust, "chain") == 0 ||
	    strcmp(m->ek_trust, "operator") == 0))
		return 0;
	return err_set(e, ERR_EK_UNTRUSTED, "a bare ek public key is accepted "
	    "only for a machine an operator imported or registered with a "
	    "trusted certificate (ITL_EK_TRUST=chain)");
}
