/*
 * Git remote URLs: https://[user[:password]@]host[:port]/path, http://..., ssh://[user@]host[:port]/path (also
 * git+ssh:// and ssh+git://, as git accepts) and the scp form [user@]host:path. IPv6 literals go in brackets
 * ([::1], [fe80::1]:8443, user@[::1]:repo.git). Everything else (git://, file://, local paths, query strings,
 * fragments) is refused with an error that names the URL.
 *
 * Secrets: a URL may carry a password, or a token as its user name (https://<token>@github.com/...). Errors and
 * the `redacted` form print neither: the password is replaced by "***", and so is the user name of an http(s)
 * URL that has no password.
 */
#ifndef PN_URL_H
#define PN_URL_H

#include <stddef.h>

#include "../core/buf.h"
#include "../core/error.h"

/* Longest URL accepted: forge URLs are < 200 bytes; the ceiling only stops absurd configuration values. */
#define PN_URL_MAX 2048
/* Room for a port number and its NUL. */
#define PN_URL_PORT_LEN 6
/* What replaces a secret in printed URLs. */
#define PN_URL_REDACTED "***"

enum pn_url_scheme {
	PN_URL_HTTP = 1,
	PN_URL_HTTPS,
	PN_URL_SSH,
};

struct pn_url {
	enum pn_url_scheme scheme;
	char *user;			/* percent-decoded; NULL when the URL has none */
	char *password;			/* percent-decoded; NULL when the URL has none. Never print it. */
	char *host;			/* a name or an address; an IPv6 literal without its brackets */
	char port[PN_URL_PORT_LEN];	/* decimal; the scheme's default (80, 443, 22) when the URL has none */
	int port_given;			/* the URL named the port */
	/* http(s) and ssh://: from the first '/' on ("/org/repo.git"; "/" when the URL has no path), except that
	 * ssh://host/~user/repo gives "~user/repo" as git does. scp form: as written after the ':'. */
	char *path;
	int scp;			/* written in the scp form [user@]host:path */
	char *redacted;			/* the URL as written, secrets replaced: for messages and logs */
};

/* Parse s into *out (which needs no setup). On failure *out holds nothing to release. On success the caller
 * releases it with pn_url_release(). */
const struct pn_error *pn_url_parse(const char *s, struct pn_url *out);

void pn_url_release(struct pn_url *u);

/* Copy s into buf (len > 0) with its secrets replaced as above; also for strings that are not valid URLs, so
 * an error about a bad URL can still quote it. Always NUL-terminated; cut short with "..." when buf is small. */
void pn_url_redact(const char *s, char *buf, size_t len);

/* "http", "https" or "ssh". */
const char *pn_url_scheme_name(enum pn_url_scheme scheme);

/* Room for a query and the suffixes git adds after a repository path ("/info/refs?service=...") in a
 * resolved reference. */
#define PN_URL_TARGET_EXTRA 64

/* A reference (a redirect's Location) as an absolute URL in out, resolved against base's scheme, host and port
 * and `target`, the path and query that were asked for (RFC 3986 §5.2: "scheme://...", "//host/...",
 * "/path", "rel/path", "?query", "." and ".." segments removed), without its fragment. *ok 0: not a
 * reference that can be followed ("scheme:path" without an authority). */
const struct pn_error *pn_url_resolve(const struct pn_url *base, const char *target, const char *ref,
    struct pn_buf *out, int *ok);

#endif
