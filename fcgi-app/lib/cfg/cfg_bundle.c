/*
 * cfg_bundle.c - the CA bundle of ITL_TPM_CA_BUNDLE: reads a PEM file or the
 * certificate files of a directory, decodes PEM (RFC 7468) with the core
 * base64 decoder, and passes each DER certificate to a callback. It does not
 * parse certificates or judge trust (verify/ek_chain does, through the
 * callback), follow subdirectories, or read OpenSSL's hashed-name links
 * (*.0) unless they also carry a certificate extension.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/cfg_bundle.h"
#include "core/b64.h"

/* A path built from the directory and one entry. */
#define BUNDLE_PATH_BYTES	4096
#define DER_SEQUENCE		0x30

_Static_assert(LIMIT_CA_BUNDLE_FILE_BYTES < SIZE_MAX / 2, "sizes fit");

static const char pem_begin[] = "-----BEGIN ";
static const char pem_end[] = "-----END ";
static const char pem_dashes[] = "-----";
/* RFC 7468 §5; "X509 CERTIFICATE" is the old OpenSSL label. */
static const char *const cert_labels[] = { "CERTIFICATE", "X509 CERTIFICATE" };
static const char *const cert_exts[] = { ".pem", ".crt", ".cer", ".der" };

static int
say(char *msg, size_t msg_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write the message (truncated to fit) and return -1. */
static int
say(char *msg, size_t msg_len, const char *fmt, ...)
{
	va_list ap;

	if (msg_len == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, msg_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* First occurrence of lit in p[off..len), as an offset in *at. */
static bool
find_at(const char *p, size_t len, size_t off, const char *lit, size_t *at)
{
	size_t n = strlen(lit);
	const char *q;

	if (off > len || len - off < n)
		return false;
	q = memmem(p + off, len - off, lit, n);
	if (q == NULL)
		return false;
	*at = (size_t)(q - p);
	return true;
}

static bool
has_at(const char *p, size_t len, size_t off, const char *lit, size_t n)
{
	return off <= len && len - off >= n && memcmp(p + off, lit, n) == 0;
}

static bool
is_cert_label(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(cert_labels) / sizeof(cert_labels[0]); i++) {
		if (strlen(cert_labels[i]) == n &&
		    memcmp(cert_labels[i], p, n) == 0)
			return true;
	}
	return false;
}

/*
 * Every PEM block of p (RFC 7468 §2): "-----BEGIN label-----", base64,
 * "-----END label-----". Certificate blocks go to add; *n_certs counts them.
 */
static int
pem_load(const char *path, const char *p, size_t len,
    int (*add)(const uint8_t *, size_t, void *), void *ctx, size_t *n_certs,
    char *msg, size_t msg_len)
{
	uint8_t *der = NULL;
	size_t off = 0, begin, label, label_len, body, end, cap, n, block = 0;
	int rc = -1;

	while (find_at(p, len, off, pem_begin, &begin)) {
		block++;
		label = begin + sizeof(pem_begin) - 1;
		if (!find_at(p, len, label, pem_dashes, &body) ||
		    memchr(p + label, '\n', body - label) != NULL) {
			say(msg, msg_len, "%s: pem block %zu has no complete "
			    "begin line (RFC 7468 §2)", path, block);
			goto out;
		}
		label_len = body - label;
		body += sizeof(pem_dashes) - 1;
		if (!find_at(p, len, body, pem_end, &end) ||
		    !has_at(p, len, end + sizeof(pem_end) - 1, p + label,
		    label_len) ||
		    !has_at(p, len, end + sizeof(pem_end) - 1 + label_len,
		    pem_dashes, sizeof(pem_dashes) - 1)) {
			say(msg, msg_len, "%s: pem block %zu has no matching "
			    "end line (RFC 7468 §2)", path, block);
			goto out;
		}
		off = end + sizeof(pem_end) - 1 + label_len +
		    sizeof(pem_dashes) - 1;
		if (!is_cert_label(p + label, label_len))
			continue;
		cap = B64_DECODED_MAX(end - body);
		free(der);
		der = malloc(cap > 0 ? cap : 1);
		if (der == NULL) {
			say(msg, msg_len, "%s: out of memory", path);
			goto out;
		}
		if (b64_decode(p + body, end - body, der, cap, &n) == -1 ||
		    n == 0) {
			say(msg, msg_len, "%s: certificate in pem block %zu is "
			    "not valid base64 (RFC 7468 §3)", path, block);
			goto out;
		}
		if (add(der, n, ctx) == -1) {
			say(msg, msg_len, "%s: certificate in pem block %zu "
			    "was refused", path, block);
			goto out;
		}
		*n_certs += 1;
	}
	rc = 0;
out:
	free(der);
	return rc;
}

/*
 * Whether b[0..len) is exactly one DER SEQUENCE with a definite length
 * (X.690 §8.1.3), the envelope of a certificate.
 */
static bool
is_der_sequence(const uint8_t *b, size_t len)
{
	size_t o = 2, clen = 0, nlen, i;

	if (len < 2 || b[0] != DER_SEQUENCE)
		return false;
	if (b[1] < 0x80) {
		clen = b[1];
	} else {
		nlen = b[1] & 0x7fu;
		if (nlen == 0 || nlen > 4 || len - o < nlen)
			return false;
		for (i = 0; i < nlen; i++)
			clen = clen << 8 | b[o + i];
		o += nlen;
	}
	return len - o == clen;
}

/* Read all of a regular file of at most LIMIT_CA_BUNDLE_FILE_BYTES. */
static int
file_read(const char *path, char **out, size_t *out_len, char *msg,
    size_t msg_len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap;
	ssize_t r;
	int fd, saved, rc = -1;

	/* O_NONBLOCK: a FIFO must not hang start-up; fstat refuses it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		say(msg, msg_len, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		say(msg, msg_len, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		say(msg, msg_len, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_size > LIMIT_CA_BUNDLE_FILE_BYTES) {
		say(msg, msg_len, "%s is larger than %d bytes", path,
		    LIMIT_CA_BUNDLE_FILE_BYTES);
		goto out;
	}
	/* one byte more than its size, to notice a file that grew */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		say(msg, msg_len, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		r = read(fd, buf + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			say(msg, msg_len, "cannot read %s: %s", path,
			    strerror(saved));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			say(msg, msg_len, "%s changed while it was read", path);
			goto out;
		}
	}
	*out = buf;
	*out_len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

/* One bundle file: PEM with any number of certificates, or one DER. */
static int
file_load(const char *path, int (*add)(const uint8_t *, size_t, void *),
    void *ctx, char *msg, size_t msg_len)
{
	char *buf = NULL;
	size_t len = 0, n_certs = 0, at;
	int rc = -1;

	if (file_read(path, &buf, &len, msg, msg_len) == -1)
		goto out;
	if (find_at(buf, len, 0, pem_begin, &at)) {
		if (pem_load(path, buf, len, add, ctx, &n_certs, msg,
		    msg_len) == -1)
			goto out;
		if (n_certs == 0) {
			say(msg, msg_len, "%s holds no CERTIFICATE pem block",
			    path);
			goto out;
		}
	} else {
		if (!is_der_sequence((const uint8_t *)buf, len)) {
			say(msg, msg_len, "%s is neither pem nor one der "
			    "certificate", path);
			goto out;
		}
		if (add((const uint8_t *)buf, len, ctx) == -1) {
			say(msg, msg_len, "%s: the der certificate was refused",
			    path);
			goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static bool
has_cert_ext(const char *name)
{
	size_t len = strlen(name), i, n;

	for (i = 0; i < sizeof(cert_exts) / sizeof(cert_exts[0]); i++) {
		n = strlen(cert_exts[i]);
		if (len > n && strcasecmp(name + len - n, cert_exts[i]) == 0)
			return true;
	}
	return false;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The certificate files of a directory, in name order. */
static int
dir_load(const char *path, int (*add)(const uint8_t *, size_t, void *),
    void *ctx, char *msg, size_t msg_len)
{
	char **names = NULL;
	char file[BUNDLE_PATH_BYTES];
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	size_t n = 0, i;
	int len, rc = -1;

	names = calloc(LIMIT_CA_BUNDLE_FILES, sizeof(names[0]));
	if (names == NULL) {
		say(msg, msg_len, "%s: out of memory", path);
		goto out;
	}
	d = opendir(path);
	if (d == NULL) {
		say(msg, msg_len, "cannot open directory %s: %s", path,
		    strerror(errno));
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (de->d_name[0] == '.' || !has_cert_ext(de->d_name))
			continue;
		if (n == LIMIT_CA_BUNDLE_FILES) {
			say(msg, msg_len, "%s holds more than %d certificate "
			    "files", path, LIMIT_CA_BUNDLE_FILES);
			goto out;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			say(msg, msg_len, "%s: out of memory", path);
			goto out;
		}
		n++;
	}
	if (errno != 0) {
		say(msg, msg_len, "cannot read directory %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (n == 0) {
		say(msg, msg_len, "%s holds no *.pem, *.crt, *.cer or *.der "
		    "file", path);
		goto out;
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		len = snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		if (len < 0 || (size_t)len >= sizeof(file)) {
			say(msg, msg_len, "%s/%s: path longer than %d bytes",
			    path, names[i], BUNDLE_PATH_BYTES - 1);
			goto out;
		}
		/* follows links; a subdirectory named *.pem is not ours */
		if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (file_load(file, add, ctx, msg, msg_len) == -1)
			goto out;
	}
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	if (names != NULL) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	return rc;
}

int
cfg_bundle_load(const char *path,
    int (*add)(const uint8_t *der, size_t len, void *ctx), void *ctx,
    char *msg, size_t msg_len)
{
	struct stat st;

	if (msg_len > 0)
		msg[0] = '\0';
	if (path == NULL || path[0] == '\0')
		return say(msg, msg_len, "ca bundle path is empty");
	if (stat(path, &st) == -1)
		return say(msg, msg_len, "cannot open %s: %s", path,
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return dir_load(path, add, ctx, msg, msg_len);
	return file_load(path, add, ctx, msg, msg_len);
}
