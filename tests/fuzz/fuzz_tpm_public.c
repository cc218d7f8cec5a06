/*
 * fuzz_tpm_public.c - libFuzzer target for verify/tpm: the input is parsed
 * as a TPM2B_PUBLIC or TPMT_PUBLIC; whatever parses gets its Name and
 * qualified name, the AK check and the EVP_PKEY conversion. The input is
 * also tried as an EK SPKI. Production code only; the invariants checked
 * are that a parse consumed exactly the canonical encoding, that Names have
 * the size of their algorithm, and that an EK rebuilt from an SPKI
 * round-trips through the parser with the same Name.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "verify/tpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Name and qualified name of pub; traps on a Name of the wrong size. */
static int
check_name(const TPMT_PUBLIC *pub, struct tpm_name *n)
{
	static const struct tpm_name hier = { { 0x40, 0x00, 0x00, 0x0b }, 4 };
	struct tpm_name qn;
	struct err e = { 0 };

	if (tpm_public_name(pub, n, &e) != 0)
		return -1;
	if (!(n->len == 34 && pub->nameAlg == TPM2_ALG_SHA256) &&
	    !(n->len == 50 && pub->nameAlg == TPM2_ALG_SHA384))
		__builtin_trap();
	if (tpm_qualified_name(&hier, n, &qn, &e) != 0 || qn.len != n->len)
		__builtin_trap();
	return 0;
}

static void
check_public(const uint8_t *data, size_t size)
{
	uint8_t again[sizeof(TPM2B_PUBLIC)];
	TPMT_PUBLIC pub;
	struct tpm_name n;
	struct err e = { 0 };
	EVP_PKEY *k;
	size_t off = 0;

	if (tpm_public_parse(data, size, &pub, &e) != 0)
		return;
	/* the input was the canonical TPMT_PUBLIC, with or without a size */
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub, again, sizeof(again), &off) !=
	    TSS2_RC_SUCCESS)
		__builtin_trap();
	if (!(off == size && memcmp(again, data, off) == 0) &&
	    !(off + 2 == size && memcmp(again, data + 2, off) == 0))
		__builtin_trap();
	(void)check_name(&pub, &n);
	if (tpm_ak_check(&pub, &e) == 0 &&
	    pub.type != TPM2_ALG_RSA && pub.type != TPM2_ALG_ECC)
		__builtin_trap();
	k = tpm_public_to_pkey(&pub, &e);
	EVP_PKEY_free(k);
}

static void
check_spki(const uint8_t *data, size_t size)
{
	uint8_t buf[sizeof(TPM2B_PUBLIC)];
	TPMT_PUBLIC pub, back;
	struct tpm_name n, m;
	struct err e = { 0 };
	EVP_PKEY *k;
	size_t off = 0;

	if (tpm_ek_public_from_spki(data, size, &pub, &e) != 0)
		return;
	/* a rebuilt EK is a well-formed area with a key in it */
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub, buf, sizeof(buf), &off) !=
	    TSS2_RC_SUCCESS || tpm_public_parse(buf, off, &back, &e) != 0 ||
	    check_name(&pub, &n) != 0 || check_name(&back, &m) != 0 ||
	    n.len != m.len || memcmp(n.b, m.b, n.len) != 0)
		__builtin_trap();
	k = tpm_public_to_pkey(&pub, &e);
	if (k == NULL)
		__builtin_trap();
	EVP_PKEY_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_public(data, size);
	check_spki(data, size);
	return 0;
}
