#include "knownhosts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include "../core/banned.h"

/* Bytes read from the file per read() call. */
#define KH_READ_CHUNK 16384
/* Room for the base64 decoding of any token of one line. */
#define KH_SCRATCH_MAX (PN_KNOWNHOSTS_LINE_MAX / 4 * 3 + 3)
/* Decoded salt or hash of a hashed name: 20 bytes expected, a little room to detect longer ones. */
#define KH_HASH_ROOM 64
/* Listed keys quoted in a "changed key" error. */
#define KH_QUOTE_KEYS 3
/* SHA-256 and its base64 (44 characters with padding, plus NUL). */
#define KH_SHA256_LEN 32
#define KH_SHA256_B64 45

static const char HASH_MAGIC[] = "|1|";
static const char MARK_CA[] = "@cert-authority";
static const char MARK_REVOKED[] = "@revoked";

/* Key types libssh2's mbedTLS backend verifies, in the order offered, and the host key methods for each. */
static const struct {
	const char *type;
	const char *methods;
} usable[] = {
	{"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"},
	{"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"},
	{"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"},
	/* RSA with SHA-2 signatures only: ssh-rsa (SHA-1) host signatures are off by default since OpenSSH 8.8 */
	{"ssh-rsa", "rsa-sha2-512,rsa-sha2-256"},
};
#define NUSABLE (sizeof(usable) / sizeof(usable[0]))

static const struct pn_error *
keep(struct pn_knownhosts *kh, const struct pn_error *err)
{
	if (err != NULL && kh->err == NULL) {
		kh->err_store = *err;
		kh->err = &kh->err_store;
	}
	return kh->err != NULL ? kh->err : err;
}

/* An error about the current line: "<what> line N: <message>". */
static const struct pn_error *line_error(struct pn_knownhosts *kh, enum pn_err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const struct pn_error *
line_error(struct pn_knownhosts *kh, enum pn_err_code code, const char *fmt, ...)
{
	char msg[PN_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return keep(kh, pn_error_fmt(code, "%s line %zu: %s", kh->what, kh->lineno, msg));
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* OpenSSH's match_pattern(): '*' matches any run, '?' any one character, others themselves without case (name
 * is lower-case already). Iterative with one backtracking point: O(len(name) * len(pattern)), no recursion. */
static int
wildmatch(const char *s, size_t slen, const char *p, size_t plen)
{
	size_t si = 0, pi = 0, star = 0, mark = 0;
	int have_star = 0;

	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			have_star = 1;
			star = pi++;
			mark = si;
		} else if (pi < plen && (p[pi] == '?' || lower(p[pi]) == s[si])) {
			si++;
			pi++;
		} else if (have_star) {
			pi = star + 1;
			si = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

/* OpenSSH's match_hostname(): 1 when a pattern of the comma list matches and no negated one does, -1 when a
 * negated one matches, 0 otherwise. */
static int
match_list(const char *name, size_t nlen, const char *list, size_t llen)
{
	int positive = 0;
	size_t i = 0;

	while (i <= llen) {
		size_t j = i;
		const char *p = list + i;
		size_t plen;
		int neg = 0;

		while (j < llen && list[j] != ',')
			j++;
		plen = j - i;
		if (plen > 0 && p[0] == '!') {
			neg = 1;
			p++;
			plen--;
		}
		if (wildmatch(name, nlen, p, plen)) {
			if (neg)
				return -1;
			positive = 1;
		}
		i = j + 1;
	}
	return positive;
}

static int
b64_decode(const char *src, size_t slen, unsigned char *dst, size_t dlen, size_t *olen)
{
	if (slen == 0)
		return -1;
	return mbedtls_base64_decode(dst, dlen, olen, (const unsigned char *)src, slen) == 0 ? 0 : -1;
}

/* A hashed name "|1|salt|hash": 1 if it is the HMAC-SHA1 of our name, 0 if not; errors are kept in kh. */
static const struct pn_error *
match_hashed(struct pn_knownhosts *kh, const char *f, size_t flen, int *match)
{
	unsigned char salt[KH_HASH_ROOM], hash[KH_HASH_ROOM], mac[PN_KNOWNHOSTS_HASH_LEN];
	const size_t mlen = sizeof(HASH_MAGIC) - 1;
	const char *s, *bar;
	size_t saltlen, hashlen;

	*match = 0;
	if (flen < mlen || memcmp(f, HASH_MAGIC, mlen) != 0)
		return line_error(kh, PN_ERR_PARSE, "hashed host name of an unknown kind (only |1| exists)");
	s = f + mlen;
	bar = memchr(s, '|', flen - mlen);
	if (bar == NULL)
		return line_error(kh, PN_ERR_PARSE, "hashed host name without its hash (|1|salt|hash)");
	if (b64_decode(s, (size_t)(bar - s), salt, sizeof(salt), &saltlen) != 0 ||
	    b64_decode(bar + 1, flen - mlen - (size_t)(bar - s) - 1, hash, sizeof(hash), &hashlen) != 0)
		return line_error(kh, PN_ERR_PARSE, "hashed host name with bad base64");
	if (saltlen != PN_KNOWNHOSTS_HASH_LEN || hashlen != PN_KNOWNHOSTS_HASH_LEN)
		return line_error(kh, PN_ERR_PARSE, "hashed host name: salt and hash must be %d bytes",
		    PN_KNOWNHOSTS_HASH_LEN);
	if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), salt, saltlen,
	    (const unsigned char *)kh->name, strlen(kh->name), mac) != 0)
		return keep(kh, pn_error_fmt(PN_ERR_INTERNAL, "%s: HMAC-SHA1 failed", kh->what));
	*match = memcmp(mac, hash, sizeof(mac)) == 0;
	return NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The next whitespace-separated token of [*p, end): its start and length (0 at the end). */
static size_t
token(const char **p, const char *end, const char **tok)
{
	const char *s = *p;

	while (s < end && is_space(*s))
		s++;
	*tok = s;
	while (s < end && !is_space(*s))
		s++;
	*p = s;
	return (size_t)(s - *tok);
}

static const struct pn_error *
add_key(struct pn_knownhosts *kh, enum pn_knownhosts_marker marker, const char *type, size_t tlen,
    const unsigned char *blob, size_t blen)
{
	struct pn_knownhosts_key *k;

	if (kh->nkeys >= PN_KNOWNHOSTS_HOST_KEYS_MAX)
		return line_error(kh, PN_ERR_TOO_LARGE, "more than %d keys for %s", PN_KNOWNHOSTS_HOST_KEYS_MAX,
		    kh->name);
	k = &kh->keys[kh->nkeys];
	k->blob = malloc(blen);
	if (k->blob == NULL)
		return keep(kh, pn_error(PN_ERR_NOMEM));
	memcpy(k->blob, blob, blen);
	k->blob_len = blen;
	memcpy(k->type, type, tlen);
	k->type[tlen] = '\0';
	k->marker = marker;
	k->line = kh->lineno;
	kh->nkeys++;
	return NULL;
}

/* One complete line (no newline; may end in CR). Every line is checked whole, whether it names our host or not. */
static const struct pn_error *
parse_line(struct pn_knownhosts *kh, const char *line, size_t len)
{
	enum pn_knownhosts_marker marker = PN_KNOWNHOSTS_PLAIN;
	const char *p = line, *end, *hosts, *type, *key, *tok;
	size_t hlen, tlen, klen, blen, n;
	uint32_t inner;
	int match;
	const struct pn_error *err;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	end = line + len;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return line_error(kh, PN_ERR_PARSE, "control character at column %zu", i + 1);
	n = token(&p, end, &tok);
	if (n == 0 || tok[0] == '#')
		return NULL;
	if (tok[0] == '@') {
		if (n == sizeof(MARK_CA) - 1 && memcmp(tok, MARK_CA, n) == 0)
			marker = PN_KNOWNHOSTS_CERT_AUTHORITY;
		else if (n == sizeof(MARK_REVOKED) - 1 && memcmp(tok, MARK_REVOKED, n) == 0)
			marker = PN_KNOWNHOSTS_REVOKED;
		else
			return line_error(kh, PN_ERR_PARSE, "unknown marker \"%.*s\" (@cert-authority or @revoked)",
			    (int)(n > 32 ? 32 : n), tok);
		n = token(&p, end, &tok);
		if (n == 0)
			return line_error(kh, PN_ERR_PARSE, "marker without host patterns");
	}
	hosts = tok;
	hlen = n;
	if ((tlen = token(&p, end, &type)) == 0)
		return line_error(kh, PN_ERR_PARSE, "missing key type after the host patterns");
	if (type[0] >= '0' && type[0] <= '9')
		return line_error(kh, PN_ERR_PARSE, "SSH protocol 1 keys (bits exponent modulus) are not supported");
	if (tlen >= PN_KNOWNHOSTS_TYPE_MAX)
		return line_error(kh, PN_ERR_PARSE, "key type longer than %d bytes", PN_KNOWNHOSTS_TYPE_MAX - 1);
	if ((klen = token(&p, end, &key)) == 0)
		return line_error(kh, PN_ERR_PARSE, "missing base64 key after the type %.*s", (int)tlen, type);
	/* the rest is a comment */
	if (b64_decode(key, klen, kh->scratch, KH_SCRATCH_MAX, &blen) != 0)
		return line_error(kh, PN_ERR_PARSE, "bad base64 in the %.*s key", (int)tlen, type);
	if (blen < 4)
		return line_error(kh, PN_ERR_PARSE, "the %.*s key is too short", (int)tlen, type);
	inner = (uint32_t)kh->scratch[0] << 24 | (uint32_t)kh->scratch[1] << 16 | (uint32_t)kh->scratch[2] << 8 |
	    kh->scratch[3];
	if (inner != tlen || inner > blen - 4 || memcmp(kh->scratch + 4, type, tlen) != 0)
		return line_error(kh, PN_ERR_PARSE, "the key is not of the type %.*s it is listed as", (int)tlen,
		    type);

	if (hosts[0] == '|') {
		if ((err = match_hashed(kh, hosts, hlen, &match)) != NULL)
			return err;
	} else {
		match = match_list(kh->name, strlen(kh->name), hosts, hlen) > 0;
	}
	if (!match)
		return NULL;
	if (marker == PN_KNOWNHOSTS_CERT_AUTHORITY) {
		if (kh->ca_lines++ == 0)
			kh->ca_first = kh->lineno;
		return NULL;
	}
	return add_key(kh, marker, type, tlen, kh->scratch, blen);
}

const struct pn_error *
pn_knownhosts_init(struct pn_knownhosts *kh, const char *host, const char *port, const char *what)
{
	int n;

	memset(kh, 0, sizeof(*kh));
	if (host == NULL || host[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "%s: no host name to look up", what);
	if (port == NULL || port[0] == '\0')
		port = "22";
	if (strcmp(port, "22") == 0)
		n = snprintf(kh->name, sizeof(kh->name), "%s", host);
	else
		n = snprintf(kh->name, sizeof(kh->name), "[%s]:%s", host, port);
	if (n < 0 || (size_t)n >= sizeof(kh->name))
		return pn_error_fmt(PN_ERR_USAGE, "%s: host name longer than %d bytes", what,
		    PN_KNOWNHOSTS_NAME_MAX - 1);
	for (char *c = kh->name; *c != '\0'; c++)
		*c = lower(*c);
	kh->what = strdup(what != NULL ? what : "known_hosts");
	kh->host = strdup(host);
	kh->port = strdup(port);
	kh->scratch = malloc(KH_SCRATCH_MAX);
	if (kh->what == NULL || kh->host == NULL || kh->port == NULL || kh->scratch == NULL) {
		pn_knownhosts_release(kh);
		return pn_error(PN_ERR_NOMEM);
	}
	pn_buf_init(&kh->line, PN_KNOWNHOSTS_LINE_MAX, "known_hosts line");
	return NULL;
}

void
pn_knownhosts_release(struct pn_knownhosts *kh)
{
	for (size_t i = 0; i < kh->nkeys; i++)
		free(kh->keys[i].blob);
	kh->nkeys = 0;
	pn_buf_release(&kh->line);
	free(kh->scratch);
	free(kh->what);
	free(kh->host);
	free(kh->port);
	kh->scratch = NULL;
	kh->what = kh->host = kh->port = NULL;
}

static const struct pn_error *
next_line(struct pn_knownhosts *kh)
{
	if (kh->lineno >= PN_KNOWNHOSTS_LINES_MAX)
		return keep(kh, pn_error_fmt(PN_ERR_TOO_LARGE, "%s has more than %d lines", kh->what,
		    PN_KNOWNHOSTS_LINES_MAX));
	kh->lineno++;
	return NULL;
}

static const struct pn_error *
append(struct pn_knownhosts *kh, const char *data, size_t len)
{
	if (len > PN_KNOWNHOSTS_LINE_MAX - kh->line.len)
		return line_error(kh, PN_ERR_TOO_LARGE, "longer than %d bytes", PN_KNOWNHOSTS_LINE_MAX);
	return keep(kh, pn_buf_add(&kh->line, data, len));
}

const struct pn_error *
pn_knownhosts_push(struct pn_knownhosts *kh, const void *data, size_t len)
{
	const char *p = data, *end = p + len;
	const struct pn_error *err;

	if (kh->err != NULL)
		return kh->err;
	if (len > PN_KNOWNHOSTS_FILE_MAX || kh->total > PN_KNOWNHOSTS_FILE_MAX - len)
		return keep(kh, pn_error_fmt(PN_ERR_TOO_LARGE, "%s is larger than %u bytes", kh->what,
		    PN_KNOWNHOSTS_FILE_MAX));
	kh->total += len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (kh->line.len == 0 && nl != NULL) {
			/* a whole line in the caller's bytes: parse it in place */
			if ((err = next_line(kh)) != NULL)
				return err;
			if (n > PN_KNOWNHOSTS_LINE_MAX)
				return line_error(kh, PN_ERR_TOO_LARGE, "longer than %d bytes", PN_KNOWNHOSTS_LINE_MAX);
			if ((err = parse_line(kh, p, n)) != NULL)
				return keep(kh, err);
		} else {
			/* the line number is counted when the line ends; name the one being assembled */
			if (n > PN_KNOWNHOSTS_LINE_MAX - kh->line.len) {
				kh->lineno++;
				return line_error(kh, PN_ERR_TOO_LARGE, "longer than %d bytes", PN_KNOWNHOSTS_LINE_MAX);
			}
			if ((err = append(kh, p, n)) != NULL)
				return err;
			if (nl != NULL) {
				if ((err = next_line(kh)) != NULL)
					return err;
				if ((err = parse_line(kh, kh->line.data, kh->line.len)) != NULL)
					return keep(kh, err);
				pn_buf_reset(&kh->line);
			}
		}
		p += n + (nl != NULL ? 1 : 0);
	}
	return NULL;
}

const struct pn_error *
pn_knownhosts_finish(struct pn_knownhosts *kh)
{
	const struct pn_error *err;

	if (kh->err != NULL)
		return kh->err;
	if (kh->line.len > 0) {
		if ((err = next_line(kh)) != NULL)
			return err;
		if ((err = parse_line(kh, kh->line.data, kh->line.len)) != NULL)
			return keep(kh, err);
		pn_buf_reset(&kh->line);
	}
	return NULL;
}

const struct pn_error *
pn_knownhosts_load(struct pn_knownhosts *kh, const char *path, const char *host, const char *port)
{
	const struct pn_error *err;
	char buf[KH_READ_CHUNK];
	int fd;

	if ((err = pn_knownhosts_init(kh, host, port, path)) != NULL)
		return err;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		err = pn_error_errno_fmt("open known_hosts %s", path);
		goto done;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == -1) {
			if (errno == EINTR)
				continue;
			err = pn_error_errno_fmt("read %s", path);
			break;
		}
		if (n == 0) {
			err = pn_knownhosts_finish(kh);
			break;
		}
		if ((err = pn_knownhosts_push(kh, buf, (size_t)n)) != NULL)
			break;
	}
	if (close(fd) == -1 && err == NULL)
		err = pn_error_errno_fmt("close %s", path);
done:
	if (err != NULL)
		pn_knownhosts_release(kh);
	return err;
}

size_t
pn_knownhosts_count(const struct pn_knownhosts *kh)
{
	return kh->nkeys;
}

const struct pn_knownhosts_key *
pn_knownhosts_key(const struct pn_knownhosts *kh, size_t i)
{
	return i < kh->nkeys ? &kh->keys[i] : NULL;
}

const char *
pn_knownhosts_name(const struct pn_knownhosts *kh)
{
	return kh->name;
}

size_t
pn_knownhosts_ca_lines(const struct pn_knownhosts *kh, size_t *first_line)
{
	if (first_line != NULL)
		*first_line = kh->ca_first;
	return kh->ca_lines;
}

/* The ssh-keyscan command that prints the host's usable keys in known_hosts form. */
static void
keyscan(const struct pn_knownhosts *kh, char *buf, size_t len)
{
	if (strcmp(kh->port, "22") == 0)
		snprintf(buf, len, "ssh-keyscan -t ecdsa,rsa %s", kh->host);
	else
		snprintf(buf, len, "ssh-keyscan -t ecdsa,rsa -p %s %s", kh->port, kh->host);
}

const struct pn_error *
pn_knownhosts_hostkey_methods(const struct pn_knownhosts *kh, char *buf, size_t len)
{
	char types[PN_KNOWNHOSTS_METHODS_MAX], cmd[PN_KNOWNHOSTS_NAME_MAX + 64];
	size_t plain = 0, used = 0, tl = 0;

	if (len == 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: no room for host key methods", kh->what);
	buf[0] = '\0';
	types[0] = '\0';
	for (size_t u = 0; u < NUSABLE; u++) {
		for (size_t i = 0; i < kh->nkeys; i++) {
			if (kh->keys[i].marker != PN_KNOWNHOSTS_PLAIN || strcmp(kh->keys[i].type, usable[u].type) != 0)
				continue;
			int n = snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "", usable[u].methods);
			if (n < 0 || (size_t)n >= len - used)
				return pn_error_fmt(PN_ERR_INTERNAL, "%s: host key method list too long", kh->what);
			used += (size_t)n;
			break;
		}
	}
	if (used > 0)
		return NULL;
	/* nothing usable: which (distinct) types are listed? */
	for (size_t i = 0; i < kh->nkeys; i++) {
		const char *t = kh->keys[i].type;
		int seen = 0;

		if (kh->keys[i].marker != PN_KNOWNHOSTS_PLAIN)
			continue;
		plain++;
		for (size_t j = 0; j < i; j++)
			if (kh->keys[j].marker == PN_KNOWNHOSTS_PLAIN && strcmp(kh->keys[j].type, t) == 0)
				seen = 1;
		if (!seen && tl < sizeof(types)) {
			int n = snprintf(types + tl, sizeof(types) - tl, "%s%s", tl > 0 ? ", " : "", t);
			if (n > 0)
				tl += (size_t)n;
		}
	}
	if (plain == 0) {
		/* host not listed: offer everything verifiable, so the error can name the server's key */
		for (size_t u = 0; u < NUSABLE; u++) {
			int n = snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "", usable[u].methods);
			if (n < 0 || (size_t)n >= len - used)
				return pn_error_fmt(PN_ERR_INTERNAL, "%s: host key method list too long", kh->what);
			used += (size_t)n;
		}
		return NULL;
	}
	keyscan(kh, cmd, sizeof(cmd));
	return pn_error_fmt(PN_ERR_UNSUPPORTED,
	    "%s lists only %s host keys for %s, and pinion (libssh2 on mbedTLS) can verify only ecdsa and rsa "
	    "host keys: add them with `%s >> %s` and check their fingerprints", kh->what, types, kh->name, cmd,
	    kh->what);
}

void
pn_knownhosts_fingerprint(const unsigned char *blob, size_t len, char out[PN_KNOWNHOSTS_FP_LEN])
{
	unsigned char sum[KH_SHA256_LEN], b64[KH_SHA256_B64];
	size_t olen = 0;

	mbedtls_sha256(blob, len, sum, 0);
	if (mbedtls_base64_encode(b64, sizeof(b64), &olen, sum, sizeof(sum)) != 0)
		olen = 0;
	while (olen > 0 && b64[olen - 1] == '=')
		olen--;
	snprintf(out, PN_KNOWNHOSTS_FP_LEN, "SHA256:%.*s", (int)olen, (const char *)b64);
}

void
pn_knownhosts_blob_type(const unsigned char *blob, size_t len, char out[PN_KNOWNHOSTS_TYPE_MAX])
{
	uint32_t n;

	if (len < 4 || (n = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3]) == 0 ||
	    n > len - 4 || n >= PN_KNOWNHOSTS_TYPE_MAX) {
		snprintf(out, PN_KNOWNHOSTS_TYPE_MAX, "?");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		unsigned char c = blob[4 + i];
		out[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = '\0';
}

const struct pn_error *
pn_knownhosts_verify(const struct pn_knownhosts *kh, const unsigned char *blob, size_t len)
{
	char type[PN_KNOWNHOSTS_TYPE_MAX], fp[PN_KNOWNHOSTS_FP_LEN], cmd[PN_KNOWNHOSTS_NAME_MAX + 64];
	char listed[PN_ERROR_MSG_MAX];
	size_t plain = 0, ll = 0;

	pn_knownhosts_blob_type(blob, len, type);
	pn_knownhosts_fingerprint(blob, len, fp);
	/* a revoked key is refused even when a plain line lists it too */
	for (size_t i = 0; i < kh->nkeys; i++) {
		const struct pn_knownhosts_key *k = &kh->keys[i];

		if (k->marker == PN_KNOWNHOSTS_REVOKED && k->blob_len == len && memcmp(k->blob, blob, len) == 0)
			return pn_error_fmt(PN_ERR_AUTH, "the host key of %s (%s %s) is marked @revoked in %s line %zu",
			    kh->name, type, fp, kh->what, k->line);
	}
	listed[0] = '\0';
	for (size_t i = 0; i < kh->nkeys; i++) {
		const struct pn_knownhosts_key *k = &kh->keys[i];
		char kfp[PN_KNOWNHOSTS_FP_LEN];

		if (k->marker != PN_KNOWNHOSTS_PLAIN)
			continue;
		if (k->blob_len == len && memcmp(k->blob, blob, len) == 0)
			return NULL;
		if (plain++ < KH_QUOTE_KEYS && ll < sizeof(listed)) {
			int n;

			pn_knownhosts_fingerprint(k->blob, k->blob_len, kfp);
			n = snprintf(listed + ll, sizeof(listed) - ll, "%s%s %s (line %zu)", ll > 0 ? ", " : "",
			    k->type, kfp, k->line);
			if (n > 0)
				ll += (size_t)n;
		}
	}
	keyscan(kh, cmd, sizeof(cmd));
	if (plain > 0)
		return pn_error_fmt(PN_ERR_AUTH,
		    "HOST KEY MISMATCH for %s: the server offered %s %s, but %s lists %s%s. If the host key was "
		    "changed on purpose, replace those lines (`%s`, after checking the new fingerprints); otherwise "
		    "someone may be intercepting the connection", kh->name, type, fp, kh->what, listed,
		    plain > KH_QUOTE_KEYS ? ", ..." : "", cmd);
	return pn_error_fmt(PN_ERR_AUTH,
	    "unknown host %s: it is not in %s; the server offered %s %s. Check that fingerprint with the server's "
	    "owner, then add the host's keys: `%s >> %s`", kh->name, kh->what, type, fp, cmd, kh->what);
}
