/*
 * known_hosts for SSH host key verification, in OpenSSH's format, which is also the `known_hosts` field of
 * Flux's git Secrets (ssh-keyscan output):
 *
 *     [@cert-authority|@revoked] HOSTPATTERNS KEYTYPE BASE64-BLOB [COMMENT]
 *
 * HOSTPATTERNS is a comma list of names (`github.com,140.82.121.4`), `[host]:port` for ports other than 22,
 * OpenSSH wildcards `*` and `?` and negations `!pattern` (a matching negation rules the line out), or one hashed
 * name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` as `ssh-keygen -H` writes it. Names compare without case.
 * Blank lines and `#` comments are skipped. Unlike OpenSSH, which skips lines it cannot read, a malformed line is
 * an error naming the file and line (as Flux's Go knownhosts package does): a typo in a Secret should not quietly
 * turn into "unknown host".
 *
 * The parser is a push state machine (pn_knownhosts_init / _push / _finish) that keeps only the keys of the one
 * host it was set up for, so memory is bounded by one line and PN_KNOWNHOSTS_HOST_KEYS_MAX keys. The first error
 * is kept and returned again by later calls.
 *
 * What libssh2 (mbedTLS backend) can verify: ecdsa-sha2-nistp256/384/521 and RSA (rsa-sha2-512/256) host keys,
 * not ssh-ed25519. pn_knownhosts_hostkey_methods() steers libssh2 to the types the file holds for the host, and
 * explains what to add when the file has only keys it cannot verify.
 */
#ifndef PN_KNOWNHOSTS_H
#define PN_KNOWNHOSTS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/error.h"

/* Longest line: OpenSSH read known_hosts with a 16 KiB line buffer for years; the longest key OpenSSH makes
 * (RSA 16384 bits) is about 2.8 KB of base64, so only absurd host lists come near it. */
#define PN_KNOWNHOSTS_LINE_MAX 16384
/* Lines in one file: a Flux Secret has a handful, a busy ~/.ssh/known_hosts a few thousand. */
#define PN_KNOWNHOSTS_LINES_MAX 100000
/* Bytes in one file (bounds the work of hashing every hashed line). */
#define PN_KNOWNHOSTS_FILE_MAX (4u * 1024 * 1024)
/* Keys kept for the one host looked up; more is a broken file, not a real host. */
#define PN_KNOWNHOSTS_HOST_KEYS_MAX 64
/* Longest key type name ("sk-ecdsa-sha2-nistp256-cert-v01@openssh.com" is 43), with its NUL. */
#define PN_KNOWNHOSTS_TYPE_MAX 64
/* Longest host name (DNS allows 253) as looked up: "[" host "]:" port, with its NUL. */
#define PN_KNOWNHOSTS_NAME_MAX 272
/* "SHA256:" + 43 characters of unpadded base64 + NUL, as `ssh-keygen -lf` prints. */
#define PN_KNOWNHOSTS_FP_LEN 51
/* OpenSSH's hashed names: HMAC-SHA1, and a salt of the same size. */
#define PN_KNOWNHOSTS_HASH_LEN 20
/* Room for pn_knownhosts_hostkey_methods()'s list. */
#define PN_KNOWNHOSTS_METHODS_MAX 128

enum pn_knownhosts_marker {
	PN_KNOWNHOSTS_PLAIN = 0,
	PN_KNOWNHOSTS_REVOKED,		/* @revoked: this key must be refused */
	PN_KNOWNHOSTS_CERT_AUTHORITY,	/* @cert-authority: host certificates, which pinion does not check */
};

/* One key listed for the host. */
struct pn_knownhosts_key {
	enum pn_knownhosts_marker marker;
	char type[PN_KNOWNHOSTS_TYPE_MAX];	/* the line's key type, e.g. "ecdsa-sha2-nistp256" */
	unsigned char *blob;			/* the key in SSH wire format (RFC 4253 §6.6) */
	size_t blob_len;
	size_t line;				/* 1-based line number */
};

/* The parser. Fields are private: use the functions below. */
struct pn_knownhosts {
	char *what;			/* the file's name, for messages */
	char *host;			/* as given, for ssh-keyscan hints */
	char *port;
	char name[PN_KNOWNHOSTS_NAME_MAX];	/* lower-case lookup name: "host", or "[host]:port" */
	struct pn_buf line;		/* the line being assembled */
	size_t lineno;
	uint64_t total;			/* bytes pushed */
	unsigned char *scratch;		/* base64 decoding of one line's key */
	struct pn_knownhosts_key keys[PN_KNOWNHOSTS_HOST_KEYS_MAX];
	size_t nkeys;
	size_t ca_lines;		/* @cert-authority lines for the host (ignored) */
	size_t ca_first;		/* the first one's line number */
	struct pn_error err_store;
	const struct pn_error *err;
};

/* Set up a parser that keeps the keys of host:port (port "22" looks up "host", others "[host]:port", as
 * OpenSSH does). `what` names the input in errors (a path, "Secret flux-system/flux-system"). On failure
 * nothing is left to release; on success the caller releases it with pn_knownhosts_release(). */
const struct pn_error *pn_knownhosts_init(struct pn_knownhosts *kh, const char *host, const char *port,
    const char *what);

/* Feed bytes in pieces of any size. */
const struct pn_error *pn_knownhosts_push(struct pn_knownhosts *kh, const void *data, size_t len);

/* End of input: a last line without a newline is parsed now. */
const struct pn_error *pn_knownhosts_finish(struct pn_knownhosts *kh);

void pn_knownhosts_release(struct pn_knownhosts *kh);

/* init + the whole file at `path` (named in errors) + finish. On failure nothing is left to release. */
const struct pn_error *pn_knownhosts_load(struct pn_knownhosts *kh, const char *path, const char *host,
    const char *port);

/* The keys kept for the host, in file order: plain and @revoked ones (@cert-authority lines are only counted). */
size_t pn_knownhosts_count(const struct pn_knownhosts *kh);
const struct pn_knownhosts_key *pn_knownhosts_key(const struct pn_knownhosts *kh, size_t i);

/* The lookup name ("github.com", "[127.0.0.1]:2222"). */
const char *pn_knownhosts_name(const struct pn_knownhosts *kh);

/* @cert-authority lines that named the host (they are ignored); *first_line is the first one's number. */
size_t pn_knownhosts_ca_lines(const struct pn_knownhosts *kh, size_t *first_line);

/* The host key algorithms to offer libssh2 (LIBSSH2_METHOD_HOSTKEY), most preferred first, into buf
 * (PN_KNOWNHOSTS_METHODS_MAX bytes): those of the usable keys listed for the host (ecdsa-sha2-nistp*; ssh-rsa
 * becomes "rsa-sha2-512,rsa-sha2-256"), or every type pinion can verify when the host is not listed, so that
 * the server's key can be named in the "unknown host" error. Fails (UNSUPPORTED) when the host is listed only
 * with keys pinion cannot verify (ssh-ed25519, ...), saying which ssh-keyscan command adds usable ones. */
const struct pn_error *pn_knownhosts_hostkey_methods(const struct pn_knownhosts *kh, char *buf, size_t len);

/* Check the key the server proved it holds (blob in SSH wire format). NULL when a plain line lists it. Errors
 * (AUTH) name the host, the offered type and fingerprint: the key is @revoked; the host is listed with other
 * keys (changed key); the host is not listed (with the ssh-keyscan command to add it). */
const struct pn_error *pn_knownhosts_verify(const struct pn_knownhosts *kh, const unsigned char *blob,
    size_t len);

/* "SHA256:<base64 without padding>" of a key blob, as `ssh-keygen -lf` prints it, into out. */
void pn_knownhosts_fingerprint(const unsigned char *blob, size_t len, char out[PN_KNOWNHOSTS_FP_LEN]);

/* The type name a key blob starts with, made printable ("?" when the blob has none), into out. */
void pn_knownhosts_blob_type(const unsigned char *blob, size_t len, char out[PN_KNOWNHOSTS_TYPE_MAX]);

#endif
