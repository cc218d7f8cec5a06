/*
 * test_makecred.c - verify/makecred: the framing of what makecred() writes
 * and every rejection (no TPM needed), then the real test: a fresh swtpm
 * (tests/integration/swtpm-fixture.sh) activates the credentials with
 * tpm2_activatecredential, for the RSA-2048 EK read from the TPM and rebuilt
 * from its certificate, for swtpm's ECC P-384 EK rebuilt from its
 * certificate, and for an ECC P-256 EK of the default template; a
 * credential bound to another name must fail activation. It also prints the
 * time of one makecred() call per EK type.
 *
 * Without swtpm and tpm2-tools the TPM group is skipped: exit 77, or 99 when
 * CI=true. Processes are started with posix_spawnp, never through a shell.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "verify/makecred.h"
#include "verify/tpm.h"

extern char **environ;

/* tpm2-tools' credential file header */
static const uint8_t tools_header[8] = {
	0xba, 0xdc, 0xc0, 0xde, 0x00, 0x00, 0x00, 0x01,
};

/*
 * TCG EK Credential Profile 2.5 Annex B.6: the P-384 EK's authPolicy (H-3)
 * is PolicyB = PolicyOR(PolicyA, PolicyC) in SHA-384, so its session must
 * run PolicySecret(TPM_RH_ENDORSEMENT) and then PolicyOR over both digests.
 */
static const char policy_a_sha384[] =
    "8bbf2266537c171cb56e403c4dc1d4b64f432611dc386e6f"
    "532050c3278c930e143e8bb1133824ccb431053871c6db53";
static const char policy_c_sha384[] =
    "d6032ce61f2fb3c240eb3cf6a33237ef2b6a16f4293c22b4"
    "55e261cffd217ad5b4947c2d73e63005eed2dc2b3593d165";

/* One swtpm for the TPM group. */
struct tpm_fixture {
	bool made;	/* dir exists */
	char dir[256];
	char script[4096];
	char log[300];
	struct tpm_name ak_name;
	bool started;
};

/* argv entries are char *; exec does not write them */
static char *
arg(const char *s)
{
	return (char *)(uintptr_t)s;
}

static struct blob
data_file(const char *name)
{
	return test_data("tpm", name);
}

static void
write_path(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		fail_msg("cannot create %s", path);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
parse_data(const char *name, TPMT_PUBLIC *pub)
{
	struct blob b = data_file(name);
	struct err e = { 0 };

	if (tpm_public_parse(b.p, b.len, pub, &e) != 0)
		fail_msg("%s: %s", name, e.detail);
	free(b.p);
}

static struct tpm_name
name_of(const TPMT_PUBLIC *pub)
{
	struct tpm_name n;
	struct err e = { 0 };

	assert_int_equal(tpm_public_name(pub, &n, &e), 0);
	return n;
}

/* makecred() must fail with validation_failed and leave out untouched. */
static void
makecred_rejected(const TPMT_PUBLIC *ek, const struct tpm_name *name,
    const uint8_t *secret, size_t secret_len)
{
	static struct makecred_out out, untouched;
	struct err e = { 0 };

	memset(&out, 0xa5, sizeof(out));
	memset(&untouched, 0xa5, sizeof(untouched));
	assert_int_equal(makecred(ek, name, secret, secret_len, &out, &e), -1);
	assert_int_equal(e.code, ERR_VALIDATION_FAILED);
	assert_true(strlen(e.detail) > 0);
	assert_memory_equal(&out, &untouched, sizeof(out));
}

/*
 * The tools blob is header || id_object || enc_secret; both structures
 * unmarshal exactly; the id object holds TPM2B_DIGEST(hmac) and an
 * encIdentity of 2 + secret_len bytes.
 */
static void
assert_framing(const struct makecred_out *o, size_t digest_len,
    size_t secret_len, TPM2B_ENCRYPTED_SECRET *es)
{
	TPM2B_ID_OBJECT id;
	size_t off = 0;

	assert_int_equal(o->tools_blob_len, 8 + o->id_object_len +
	    o->enc_secret_len);
	assert_memory_equal(o->tools_blob, tools_header, 8);
	assert_memory_equal(o->tools_blob + 8, o->id_object, o->id_object_len);
	assert_memory_equal(o->tools_blob + 8 + o->id_object_len,
	    o->enc_secret, o->enc_secret_len);
	assert_int_equal(Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(o->id_object,
	    o->id_object_len, &off, &id), TSS2_RC_SUCCESS);
	assert_int_equal(off, o->id_object_len);
	assert_int_equal(id.size, 2 + digest_len + 2 + secret_len);
	assert_int_equal(id.credential[0] << 8 | id.credential[1], digest_len);
	off = 0;
	assert_int_equal(Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(
	    o->enc_secret, o->enc_secret_len, &off, es), TSS2_RC_SUCCESS);
	assert_int_equal(off, o->enc_secret_len);
}

/*
 * Ensure that an RSA-2048 EK gives tpm2-tools' 336-byte file with a
 * 256-byte OAEP secret.
 */
static void
rsa_output_is_framed_as_tpm2_tools(void **state)
{
	static struct makecred_out o;
	TPM2B_ENCRYPTED_SECRET es;
	TPMT_PUBLIC ek, ak;
	struct tpm_name n;
	struct err e = { 0 };
	uint8_t secret[32];

	(void)state;
	parse_data("ek-rsa.pub", &ek);
	parse_data("ak-rsa.pub", &ak);
	n = name_of(&ak);
	memset(secret, 7, sizeof(secret));
	assert_int_equal(makecred(&ek, &n, secret, sizeof(secret), &o, &e), 0);
	assert_framing(&o, 32, sizeof(secret), &es);
	assert_int_equal(es.size, 256);
	/* shared/recipes/README.md §5.6: 336 bytes for a 32-byte secret */
	assert_int_equal(o.tools_blob_len, 336);
}

/*
 * Ensure that an ECC P-384 EK gives, as encrypted secret, a marshalled
 * TPMS_ECC_POINT with 48-byte coordinates on P-384.
 */
static void
ecc_output_is_a_point_on_the_curve(void **state)
{
	static struct makecred_out o;
	TPM2B_ENCRYPTED_SECRET es;
	TPMT_PUBLIC ek, eph;
	TPMS_ECC_POINT q;
	struct tpm_name n;
	struct err e = { 0 };
	EVP_PKEY *k;
	uint8_t secret[48];
	size_t off = 0;

	(void)state;
	parse_data("ek-ecc384.pub", &ek);
	parse_data("ak-rsa.pub", &eph);
	n = name_of(&eph);
	memset(secret, 9, sizeof(secret));
	assert_int_equal(makecred(&ek, &n, secret, sizeof(secret), &o, &e), 0);
	assert_framing(&o, 48, sizeof(secret), &es);
	assert_int_equal(Tss2_MU_TPMS_ECC_POINT_Unmarshal(es.secret, es.size,
	    &off, &q), TSS2_RC_SUCCESS);
	assert_int_equal(off, es.size);
	assert_int_equal(q.x.size, 48);
	assert_int_equal(q.y.size, 48);
	eph = ek;
	eph.unique.ecc = q;
	k = tpm_public_to_pkey(&eph, &e);
	assert_non_null(k);
	EVP_PKEY_free(k);
}

/* Ensure that two calls differ (a fresh seed or ephemeral key each time). */
static void
each_call_is_fresh(void **state)
{
	static struct makecred_out a, b;
	static const char *const eks[] = { "ek-rsa.pub", "ek-ecc384.pub" };
	TPMT_PUBLIC ek, ak;
	struct tpm_name n;
	struct err e = { 0 };
	uint8_t secret[32] = { 1 };
	size_t i;

	(void)state;
	parse_data("ak-ecc.pub", &ak);
	n = name_of(&ak);
	for (i = 0; i < sizeof(eks) / sizeof(eks[0]); i++) {
		parse_data(eks[i], &ek);
		assert_int_equal(makecred(&ek, &n, secret, sizeof(secret), &a,
		    &e), 0);
		assert_int_equal(makecred(&ek, &n, secret, sizeof(secret), &b,
		    &e), 0);
		assert_int_equal(a.tools_blob_len, b.tools_blob_len);
		assert_memory_not_equal(a.tools_blob, b.tools_blob,
		    a.tools_blob_len);
	}
}

/*
 * Ensure that a secret of 0 bytes, or longer than the EK's digest (33 for
 * SHA-256, 49 for SHA-384), or past MAKECRED_SECRET_MAX is refused, and that
 * the digest size itself is accepted.
 */
static void
secret_length_is_bounded(void **state)
{
	static struct makecred_out o;
	uint8_t secret[MAKECRED_SECRET_MAX + 1];
	TPMT_PUBLIC rsa, ecc;
	struct tpm_name n;
	struct err e = { 0 };

	(void)state;
	memset(secret, 3, sizeof(secret));
	parse_data("ek-rsa.pub", &rsa);
	parse_data("ek-ecc384.pub", &ecc);
	n = name_of(&rsa);
	makecred_rejected(&rsa, &n, secret, 0);
	makecred_rejected(&rsa, &n, NULL, 0);
	makecred_rejected(&rsa, &n, secret, 33);
	assert_int_equal(makecred(&rsa, &n, secret, 32, &o, &e), 0);
	makecred_rejected(&ecc, &n, secret, 49);
	assert_int_equal(makecred(&ecc, &n, secret, 48, &o, &e), 0);
	makecred_rejected(&ecc, &n, secret, MAKECRED_SECRET_MAX + 1);
}

/* Ensure that a name shorter than 2 bytes or past TPM_NAME_MAX is refused. */
static void
name_length_is_bounded(void **state)
{
	TPMT_PUBLIC ek;
	struct tpm_name n;
	uint8_t secret[16] = { 0 };

	(void)state;
	parse_data("ek-rsa.pub", &ek);
	n = name_of(&ek);
	n.len = 1;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
	n.len = 0;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
	n.len = TPM_NAME_MAX + 1;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
}

/* Ensure that an EK's symmetric definition must be AES-128/256-CFB. */
static void
ek_symmetric_must_be_aes_cfb(void **state)
{
	TPMT_PUBLIC ek;
	struct tpm_name n;
	uint8_t secret[16] = { 0 };

	(void)state;
	parse_data("ek-rsa.pub", &ek);
	n = name_of(&ek);
	ek.parameters.rsaDetail.symmetric.keyBits.aes = 192;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
	ek.parameters.rsaDetail.symmetric.keyBits.aes = 128;
	ek.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CBC;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
	ek.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	ek.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
}

/* Ensure that an EK with nameAlg sha1, or of a symmetric type, is refused. */
static void
ek_type_and_name_alg_are_checked(void **state)
{
	TPMT_PUBLIC ek;
	struct tpm_name n;
	uint8_t secret[16] = { 0 };

	(void)state;
	parse_data("ek-rsa.pub", &ek);
	n = name_of(&ek);
	ek.nameAlg = TPM2_ALG_SHA1;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
	parse_data("aes.pub", &ek);
	makecred_rejected(&ek, &n, secret, sizeof(secret));
}

/* Ensure that an ECC EK off its curve, or on an unknown curve, is refused. */
static void
ecc_ek_point_and_curve_are_checked(void **state)
{
	TPMT_PUBLIC ek;
	struct tpm_name n;
	uint8_t secret[16] = { 0 };

	(void)state;
	parse_data("ek-ecc384.pub", &ek);
	n = name_of(&ek);
	ek.unique.ecc.y.buffer[0] ^= 0x40;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
	parse_data("ek-ecc384.pub", &ek);
	ek.parameters.eccDetail.curveID = TPM2_ECC_BN_P256;
	makecred_rejected(&ek, &n, secret, sizeof(secret));
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * Ensure that makecred() succeeds call after call for every EK type; prints
 * the time per call (no bound: valgrind and sanitizers slow it 20-30 times).
 */
static void
makecred_repeats_and_is_timed(void **state)
{
	static const char *const eks[] = {
		"ek-rsa.pub", "ek-rsa3072.pub", "ek-ecc256.pub",
		"ek-ecc384.pub",
	};
	static struct makecred_out o;
	enum { ROUNDS = 50 };
	TPMT_PUBLIC ek, ak;
	struct tpm_name n;
	struct err e = { 0 };
	uint8_t secret[32] = { 5 };
	double t0, us;
	size_t i;
	int r;

	(void)state;
	parse_data("ak-rsa.pub", &ak);
	n = name_of(&ak);
	for (i = 0; i < sizeof(eks) / sizeof(eks[0]); i++) {
		parse_data(eks[i], &ek);
		/* warm up OpenSSL's lazy fetches */
		assert_int_equal(makecred(&ek, &n, secret, sizeof(secret), &o,
		    &e), 0);
		t0 = now_us();
		for (r = 0; r < ROUNDS; r++)
			assert_int_equal(makecred(&ek, &n, secret,
			    sizeof(secret), &o, &e), 0);
		us = (now_us() - t0) / ROUNDS;
		print_message("makecred %-16s %8.1f us per call (%d calls)\n",
		    eks[i], us, ROUNDS);
	}
}

/* ---- the TPM group: a real swtpm activates what makecred() made ---- */

static bool
in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	size_t i, start = 0, len;

	if (path == NULL)
		return false;
	len = strlen(path);
	for (i = 0; i <= len; i++) {
		if (i < len && path[i] != ':')
			continue;
		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)(i - start),
		    path + start, prog) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		start = i + 1;
	}
	return false;
}

static bool
tpm_tools_present(void)
{
	static const char *const progs[] = {
		"swtpm", "swtpm_setup", "swtpm_ioctl",
		"tpm2_activatecredential",
		"tpm2_startauthsession", "tpm2_policysecret", "tpm2_policyor",
		"tpm2_createek", "tpm2_flushcontext", "openssl", "xxd", "ss",
	};
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		if (!in_path(progs[i]))
			return false;
	}
	return true;
}

/*
 * Run argv (PATH lookup, no shell) with stdout to /dev/null and stderr
 * appended to log; the exit status, or -1.
 */
static int
run(const char *log, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
	    0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
	    0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 2, log,
	    O_WRONLY | O_CREAT | O_APPEND, 0600) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
tpm_setup(void **state)
{
	struct tpm_fixture *f = calloc(1, sizeof(*f));
	const char *top = getenv("top_srcdir");
	const char *tmp = getenv("TMPDIR");
	char path[512], tcti[128];
	struct blob b;
	char *argv[4];

	if (f == NULL)
		return -1;
	*state = f;
	if (top == NULL)
		top = ".";
	if (tmp == NULL || tmp[0] == '\0' || strchr(tmp, ',') != NULL)
		tmp = "/tmp";
	if (snprintf(f->dir, sizeof(f->dir), "%s/itl-makecred.XXXXXX", tmp) >=
	    (int)sizeof(f->dir) || mkdtemp(f->dir) == NULL)
		return -1;
	f->made = true;
	snprintf(f->script, sizeof(f->script),
	    "%s/tests/integration/swtpm-fixture.sh", top);
	snprintf(f->log, sizeof(f->log), "%s/spawn.log", f->dir);
	if (setenv("FIXTURE_NO_CHECK", "1", 1) != 0)
		return -1;
	argv[0] = f->script;
	argv[1] = arg("start");
	argv[2] = f->dir;
	argv[3] = NULL;
	if (run(f->log, argv) != 0) {
		fprintf(stderr, "swtpm-fixture.sh start failed, see %s\n",
		    f->log);
		return -1;
	}
	f->started = true;
	snprintf(path, sizeof(path), "%s/swtpm.port", f->dir);
	b = test_read_path(path);
	while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == ' '))
		b.len--;
	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%.*s",
	    (int)b.len, (const char *)b.p);
	free(b.p);
	if (setenv("TPM2TOOLS_TCTI", tcti, 1) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ak.name", f->dir);
	b = test_read_path(path);
	if (b.len > sizeof(f->ak_name.b)) {
		free(b.p);
		return -1;
	}
	memcpy(f->ak_name.b, b.p, b.len);
	f->ak_name.len = b.len;
	free(b.p);
	return 0;
}

static int
tpm_teardown(void **state)
{
	struct tpm_fixture *f = *state;
	char *argv[4];

	if (f == NULL)
		return 0;
	if (f->started) {
		argv[0] = f->script;
		argv[1] = arg("stop");
		argv[2] = f->dir;
		argv[3] = NULL;
		(void)run("/dev/null", argv);
	}
	if (f->made)
		(void)nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void
fixture_path(const struct tpm_fixture *f, const char *name, char *out,
    size_t out_len)
{
	assert_true(snprintf(out, out_len, "%s/%s", f->dir, name) <
	    (int)out_len);
}

/* DER SPKI of a DER certificate in the fixture directory, malloc'd. */
static struct blob
cert_spki(const struct tpm_fixture *f, const char *cert)
{
	char path[512];
	struct blob c, s = { NULL, 0 };
	const unsigned char *p;
	unsigned char *der = NULL;
	X509 *x;
	int n;

	fixture_path(f, cert, path, sizeof(path));
	c = test_read_path(path);
	p = c.p;
	x = d2i_X509(NULL, &p, (long)c.len);
	assert_non_null(x);
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	assert_true(n > 0);
	s.p = malloc((size_t)n);
	assert_non_null(s.p);
	memcpy(s.p, der, (size_t)n);
	s.len = (size_t)n;
	OPENSSL_free(der);
	X509_free(x);
	free(c.p);
	return s;
}

/* makecred() to ek for name, writes the tools blob to <tag>.cred. */
static void
make_blob(const struct tpm_fixture *f, const TPMT_PUBLIC *ek,
    const struct tpm_name *name, const uint8_t *secret, size_t secret_len,
    const char *tag)
{
	static struct makecred_out o;
	struct err e = { 0 };
	char path[512], file[64];

	if (makecred(ek, name, secret, secret_len, &o, &e) != 0)
		fail_msg("makecred: %s", e.detail);
	snprintf(file, sizeof(file), "%s.cred", tag);
	fixture_path(f, file, path, sizeof(path));
	write_path(path, o.tools_blob, o.tools_blob_len);
}

/* The fixture's own activation with the RSA EK 0x81010001; exit status. */
static int
activate_rsa(const struct tpm_fixture *f, const char *tag)
{
	char cred[512], out[512], file[64];
	char *argv[6];

	snprintf(file, sizeof(file), "%s.cred", tag);
	fixture_path(f, file, cred, sizeof(cred));
	snprintf(file, sizeof(file), "%s.out", tag);
	fixture_path(f, file, out, sizeof(out));
	argv[0] = arg(f->script);
	argv[1] = arg("activate");
	argv[2] = arg(f->dir);
	argv[3] = cred;
	argv[4] = out;
	argv[5] = NULL;
	return run(f->log, argv);
}

/*
 * tpm2_activatecredential with the AK 0x81000100 and an ECC EK (a
 * persistent handle or a context file), in a policy session of the EK's
 * nameAlg: PolicySecret(endorsement), plus PolicyOR(A, C) for the H-3
 * template. The session and transient objects are flushed on every path.
 */
static int
activate_tools(const struct tpm_fixture *f, const char *ek, bool sha384,
    const char *tag)
{
	char cred[512], out[512], sess[512], pa[512], pc[512], pol[1100];
	char sarg[600], file[64];
	uint8_t d[48];
	size_t i;
	int rc;

	snprintf(file, sizeof(file), "%s.cred", tag);
	fixture_path(f, file, cred, sizeof(cred));
	snprintf(file, sizeof(file), "%s.out", tag);
	fixture_path(f, file, out, sizeof(out));
	fixture_path(f, "tools-session.ctx", sess, sizeof(sess));
	fixture_path(f, "policy-a.bin", pa, sizeof(pa));
	fixture_path(f, "policy-c.bin", pc, sizeof(pc));
	snprintf(sarg, sizeof(sarg), "session:%s", sess);
	snprintf(pol, sizeof(pol), "sha384:%s,%s", pa, pc);
	for (i = 0; i < sizeof(d); i++)
		assert_int_equal(sscanf(policy_a_sha384 + 2 * i, "%2hhx",
		    &d[i]), 1);
	write_path(pa, d, sizeof(d));
	for (i = 0; i < sizeof(d); i++)
		assert_int_equal(sscanf(policy_c_sha384 + 2 * i, "%2hhx",
		    &d[i]), 1);
	write_path(pc, d, sizeof(d));
	{
		char *start[] = {
			arg("tpm2_startauthsession"), arg("--policy-session"),
			arg("-g"), arg(sha384 ? "sha384" : "sha256"),
			arg("-S"), sess, NULL,
		};
		char *secret[] = {
			arg("tpm2_policysecret"), arg("-S"), sess, arg("-c"),
			arg("e"), NULL,
		};
		char *por[] = {
			arg("tpm2_policyor"), arg("-S"), sess, pol, NULL,
		};
		char *act[] = {
			arg("tpm2_activatecredential"), arg("-c"),
			arg("0x81000100"), arg("-C"), arg(ek), arg("-i"), cred,
			arg("-o"), out, arg("-P"), sarg, NULL,
		};
		char *flush_s[] = { arg("tpm2_flushcontext"), sess, NULL };
		char *flush_t[] = { arg("tpm2_flushcontext"), arg("-t"), NULL };

		rc = run(f->log, start);
		if (rc == 0)
			rc = run(f->log, secret);
		if (rc == 0 && sha384)
			rc = run(f->log, por);
		if (rc == 0)
			rc = run(f->log, act);
		(void)run(f->log, flush_s);
		(void)run(f->log, flush_t);
	}
	return rc;
}

/* The recovered secret <tag>.out equals secret. */
static void
assert_recovered(const struct tpm_fixture *f, const char *tag,
    const uint8_t *secret, size_t secret_len)
{
	char path[512], file[64];
	struct blob b;

	snprintf(file, sizeof(file), "%s.out", tag);
	fixture_path(f, file, path, sizeof(path));
	b = test_read_path(path);
	assert_int_equal(b.len, secret_len);
	assert_memory_equal(b.p, secret, secret_len);
	free(b.p);
}

/* Ensure that the TPM recovers a credential made to the RSA EK's TPM2B. */
static void
rsa_ek_public_credential_activates(void **state)
{
	struct tpm_fixture *f = *state;
	char path[512];
	struct blob b;
	TPMT_PUBLIC ek;
	struct err e = { 0 };
	uint8_t secret[32];

	fixture_path(f, "ek.pub", path, sizeof(path));
	b = test_read_path(path);
	assert_int_equal(tpm_public_parse(b.p, b.len, &ek, &e), 0);
	free(b.p);
	assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
	make_blob(f, &ek, &f->ak_name, secret, sizeof(secret), "rsa-pub");
	assert_int_equal(activate_rsa(f, "rsa-pub"), 0);
	assert_recovered(f, "rsa-pub", secret, sizeof(secret));
}

/*
 * Ensure that the TPM recovers credentials made to the RSA EK rebuilt from
 * its certificate (template L-1), for 32-byte and 1-byte secrets.
 */
static void
rsa_ek_cert_credential_activates(void **state)
{
	struct tpm_fixture *f = *state;
	struct blob s = cert_spki(f, "ek-cert.der");
	TPMT_PUBLIC ek;
	struct err e = { 0 };
	uint8_t secret[32];

	assert_int_equal(tpm_ek_public_from_spki(s.p, s.len, &ek, &e), 0);
	free(s.p);
	assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
	make_blob(f, &ek, &f->ak_name, secret, sizeof(secret), "rsa-cert");
	assert_int_equal(activate_rsa(f, "rsa-cert"), 0);
	assert_recovered(f, "rsa-cert", secret, sizeof(secret));
	make_blob(f, &ek, &f->ak_name, secret, 1, "rsa-cert-1");
	assert_int_equal(activate_rsa(f, "rsa-cert-1"), 0);
	assert_recovered(f, "rsa-cert-1", secret, 1);
}

/* Ensure that an RSA credential bound to another name fails activation. */
static void
rsa_credential_for_other_name_fails(void **state)
{
	struct tpm_fixture *f = *state;
	struct blob s = cert_spki(f, "ek-cert.der");
	struct tpm_name other = f->ak_name;
	TPMT_PUBLIC ek;
	struct err e = { 0 };
	uint8_t secret[32];
	char path[512];

	assert_int_equal(tpm_ek_public_from_spki(s.p, s.len, &ek, &e), 0);
	free(s.p);
	other.b[other.len - 1] ^= 1;
	assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
	make_blob(f, &ek, &other, secret, sizeof(secret), "rsa-other");
	assert_int_not_equal(activate_rsa(f, "rsa-other"), 0);
	fixture_path(f, "rsa-other.out", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
}

/*
 * Ensure that the TPM recovers a credential made to swtpm's ECC P-384 EK
 * (0x81010016) rebuilt from its certificate (template H-3), with a secret
 * of the full SHA-384 size.
 */
static void
p384_ek_cert_credential_activates(void **state)
{
	struct tpm_fixture *f = *state;
	struct blob s = cert_spki(f, "ek-ecc-cert.der");
	TPMT_PUBLIC ek;
	struct err e = { 0 };
	uint8_t secret[48];

	assert_int_equal(tpm_ek_public_from_spki(s.p, s.len, &ek, &e), 0);
	free(s.p);
	assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
	make_blob(f, &ek, &f->ak_name, secret, sizeof(secret), "p384");
	assert_int_equal(activate_tools(f, "0x81010016", true, "p384"), 0);
	assert_recovered(f, "p384", secret, sizeof(secret));
}

/* Ensure that an ECC credential bound to another name fails activation. */
static void
p384_credential_for_other_name_fails(void **state)
{
	struct tpm_fixture *f = *state;
	struct blob s = cert_spki(f, "ek-ecc-cert.der");
	struct tpm_name other = f->ak_name;
	TPMT_PUBLIC ek;
	struct err e = { 0 };
	uint8_t secret[32];
	char path[512];

	assert_int_equal(tpm_ek_public_from_spki(s.p, s.len, &ek, &e), 0);
	free(s.p);
	other.b[2] ^= 0x80;
	assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
	make_blob(f, &ek, &other, secret, sizeof(secret), "p384-other");
	assert_int_not_equal(activate_tools(f, "0x81010016", true,
	    "p384-other"), 0);
	fixture_path(f, "p384-other.out", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
}

/*
 * Ensure that the TPM recovers a credential made to an ECC P-256 EK of the
 * default template L-2 (tpm2_createek -G ecc, SHA-256, AES-128-CFB).
 */
static void
p256_ek_credential_activates(void **state)
{
	struct tpm_fixture *f = *state;
	char ctx[512], pub[512];
	struct blob b;
	TPMT_PUBLIC ek;
	struct err e = { 0 };
	uint8_t secret[32];

	fixture_path(f, "ek256.ctx", ctx, sizeof(ctx));
	fixture_path(f, "ek256.pub", pub, sizeof(pub));
	{
		char *create[] = {
			arg("tpm2_createek"), arg("-G"), arg("ecc"), arg("-c"),
			ctx, arg("-u"), pub, NULL,
		};
		char *flush_t[] = { arg("tpm2_flushcontext"), arg("-t"), NULL };

		assert_int_equal(run(f->log, create), 0);
		(void)run(f->log, flush_t);
	}
	b = test_read_path(pub);
	assert_int_equal(tpm_public_parse(b.p, b.len, &ek, &e), 0);
	free(b.p);
	assert_int_equal(ek.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256);
	assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
	make_blob(f, &ek, &f->ak_name, secret, sizeof(secret), "p256");
	assert_int_equal(activate_tools(f, ctx, false, "p256"), 0);
	assert_recovered(f, "p256", secret, sizeof(secret));
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(rsa_output_is_framed_as_tpm2_tools),
		cmocka_unit_test(ecc_output_is_a_point_on_the_curve),
		cmocka_unit_test(each_call_is_fresh),
		cmocka_unit_test(secret_length_is_bounded),
		cmocka_unit_test(name_length_is_bounded),
		cmocka_unit_test(ek_symmetric_must_be_aes_cfb),
		cmocka_unit_test(ek_type_and_name_alg_are_checked),
		cmocka_unit_test(ecc_ek_point_and_curve_are_checked),
		cmocka_unit_test(makecred_repeats_and_is_timed),
	};
	const struct CMUnitTest tpm[] = {
		cmocka_unit_test(rsa_ek_public_credential_activates),
		cmocka_unit_test(rsa_ek_cert_credential_activates),
		cmocka_unit_test(rsa_credential_for_other_name_fails),
		cmocka_unit_test(p384_ek_cert_credential_activates),
		cmocka_unit_test(p384_credential_for_other_name_fails),
		cmocka_unit_test(p256_ek_credential_activates),
	};
	const char *ci = getenv("CI");

	if (cmocka_run_group_tests_name("makecred", pure, NULL, NULL) != 0)
		return 1;
	if (!tpm_tools_present()) {
		fprintf(stderr, "swtpm or tpm2-tools missing: TPM group "
		    "skipped\n");
		return ci != NULL && strcmp(ci, "true") == 0 ? 99 : 77;
	}
	return cmocka_run_group_tests_name("makecred-swtpm", tpm, tpm_setup,
	    tpm_teardown) == 0 ? 0 : 1;
}
