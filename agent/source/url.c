#include "url.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/num.h"
#include "../core/banned.h"

/* A URL as quoted in an error message (cut with "..."). */
#define QUOTE_MAX 256

static const struct {
	const char *name;
	enum pn_url_scheme scheme;
	const char *port;
} schemes[] = {
	{"https", PN_URL_HTTPS, "443"},
	{"http", PN_URL_HTTP, "80"},
	{"ssh", PN_URL_SSH, "22"},
	{"git+ssh", PN_URL_SSH, "22"},
	{"ssh+git", PN_URL_SSH, "22"},
};

const char *
pn_url_scheme_name(enum pn_url_scheme scheme)
{
	switch (scheme) {
	case PN_URL_HTTP:
		return "http";
	case PN_URL_HTTPS:
		return "https";
	case PN_URL_SSH:
		return "ssh";
	}
	return "?";
}

/* Bounded appending into a caller's buffer; once full, the end becomes "...". */
struct out {
	char *buf;
	size_t len, used;
	int full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full)
		return;
	if (n >= o->len - o->used) {
		size_t room = o->len - o->used - 1;

		memcpy(o->buf + o->used, s, room);
		o->used += room;
		o->buf[o->used] = '\0';
		if (o->len > 3)
			memcpy(o->buf + o->len - 4, "...", 4);
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->used, s, n);
	o->used += n;
	o->buf[o->used] = '\0';
}

void
pn_url_redact(const char *s, char *buf, size_t len)
{
	struct out o = {buf, len, 0, 0};
	const char *sep = strstr(s, "://"), *auth, *end, *at = NULL, *colon = NULL;

	buf[0] = '\0';
	auth = sep != NULL ? sep + 3 : s;
	end = auth + strcspn(auth, "/?#");
	if (sep != NULL) {
		/* the authority's user information ends at its last '@' */
		for (const char *p = auth; p < end; p++)
			if (*p == '@')
				at = p;
	} else {
		/* scp form: "user@host:path"; only "user:secret@host:..." can hold a secret */
		at = memchr(auth, '@', (size_t)(end - auth));
	}
	if (at != NULL)
		colon = memchr(auth, ':', (size_t)(at - auth));
	if (at != NULL && colon != NULL) {
		put(&o, s, (size_t)(colon + 1 - s));
		put(&o, PN_URL_REDACTED, strlen(PN_URL_REDACTED));
		put(&o, at, strlen(at));
	} else if (at != NULL && sep != NULL && (size_t)(sep - s) >= 4 && strncasecmp(s, "http", 4) == 0) {
		/* https://<token>@host: a user name alone is as likely to be a token */
		put(&o, s, (size_t)(auth - s));
		put(&o, PN_URL_REDACTED, strlen(PN_URL_REDACTED));
		put(&o, at, strlen(at));
	} else {
		put(&o, s, strlen(s));
	}
}

static const struct pn_error *
bad_code(enum pn_err_code code, const char *s, const char *why)
{
	char q[QUOTE_MAX];

	pn_url_redact(s, q, sizeof(q));
	return pn_error_fmt(code, "Git URL \"%s\": %s", q, why);
}

static const struct pn_error *
bad(const char *s, const char *why)
{
	return bad_code(PN_ERR_USAGE, s, why);
}

static char *
dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode n bytes of s into a new string; NULL with *err set on a bad escape or an encoded NUL. */
static char *
decode(const char *url, const char *s, size_t n, const char *what, const struct pn_error **err)
{
	char *d = malloc(n + 1), *p = d;

	if (d == NULL) {
		*err = pn_error(PN_ERR_NOMEM);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			*p++ = s[i];
			continue;
		}
		if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0 || (hi | lo) == 0) {
			free(d);
			*err = bad(url, what);
			return NULL;
		}
		*p++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*p = '\0';
	return d;
}

/* A host name: letters, digits, '-', '.', '_' (seen in internal names), nothing else. */
static int
name_ok(const char *h, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_'))
			return 0;
	}
	return 1;
}

static int
ipv6_ok(const char *h, size_t n)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char addr[16];

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, h, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, addr) == 1;
}

/* Parse "[user[:password]@]host[:port]" (hostport may end at `end`). allow_port: 0 in the scp form. */
static const struct pn_error *
parse_authority(const char *url, const char *a, const char *end, int allow_port, struct pn_url *u)
{
	const char *at = NULL, *h, *hend, *portp = NULL;
	const struct pn_error *err = NULL;
	uint64_t port;

	for (const char *p = a; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		const char *colon = memchr(a, ':', (size_t)(at - a));
		const char *uend = colon != NULL ? colon : at;

		if (uend == a)
			return bad(url, "empty user name before '@'");
		if ((u->user = decode(url, a, (size_t)(uend - a), "bad %-escape in the user name", &err)) == NULL)
			return err;
		if (colon != NULL && (u->password = decode(url, colon + 1, (size_t)(at - colon - 1),
		    "bad %-escape in the password", &err)) == NULL)
			return err;
		h = at + 1;
	} else {
		h = a;
	}
	if (h < end && *h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (close == NULL)
			return bad(url, "'[' without ']'");
		if (!ipv6_ok(h + 1, (size_t)(close - h - 1)))
			return bad(url, "not an IPv6 address inside [ ]");
		if ((u->host = dup_n(h + 1, (size_t)(close - h - 1))) == NULL)
			return pn_error(PN_ERR_NOMEM);
		hend = close + 1;
		if (hend < end) {
			if (*hend != ':')
				return bad(url, "unexpected text after ']'");
			portp = hend + 1;
		}
	} else {
		const char *colon = memchr(h, ':', (size_t)(end - h));

		hend = colon != NULL ? colon : end;
		if (colon != NULL && memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
			return bad(url, "an IPv6 address must be written in brackets, e.g. [::1]");
		if (!name_ok(h, (size_t)(hend - h)))
			return bad(url, hend == h ? "no host name" : "bad character in the host name");
		if ((u->host = dup_n(h, (size_t)(hend - h))) == NULL)
			return pn_error(PN_ERR_NOMEM);
		if (colon != NULL)
			portp = colon + 1;
	}
	if (portp == NULL)
		return NULL;
	if (!allow_port)
		return bad(url, "unexpected ':'");
	if (pn_num_parse_u64n(portp, (size_t)(end - portp), 1, 65535, "port", &port) != NULL)
		return bad(url, "the port must be a number from 1 to 65535");
	snprintf(u->port, sizeof(u->port), "%u", (unsigned)port);
	u->port_given = 1;
	return NULL;
}

static const struct pn_error *
parse_scheme_url(const char *s, const char *sep, struct pn_url *u)
{
	size_t slen = (size_t)(sep - s), i;
	const char *auth = sep + 3, *end;
	const struct pn_error *err;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == slen && strncasecmp(s, schemes[i].name, slen) == 0)
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		char msg[128];

		if (slen == 3 && strncasecmp(s, "git", 3) == 0)
			return bad_code(PN_ERR_UNSUPPORTED, s, "git:// is not supported (no authentication, no "
			    "encryption); use https:// or ssh://");
		if (slen == 4 && strncasecmp(s, "file", 4) == 0)
			return bad_code(PN_ERR_UNSUPPORTED, s, "file:// (a local repository) is not supported");
		snprintf(msg, sizeof(msg), "unsupported scheme \"%.*s\" (use https://, http:// or ssh://)",
		    (int)(slen > 16 ? 16 : slen), s);
		return bad(s, msg);
	}
	u->scheme = schemes[i].scheme;
	snprintf(u->port, sizeof(u->port), "%s", schemes[i].port);
	end = auth + strcspn(auth, "/");
	if ((err = parse_authority(s, auth, end, 1, u)) != NULL)
		return err;
	if (u->scheme == PN_URL_SSH) {
		if (*end == '\0' || end[1] == '\0')
			return bad(s, "no repository path");
		/* ssh://host/~user/repo names a path relative to a home directory, as git reads it */
		if (end[1] == '~')
			end++;
	}
	if ((u->path = dup_n(*end == '\0' ? "/" : end, *end == '\0' ? 1 : strlen(end))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	return NULL;
}

/* [user@]host:path, [user@][v6]:path (git's "scp-like" syntax: a ':' before any '/'). */
static const struct pn_error *
parse_scp(const char *s, struct pn_url *u)
{
	const char *colon, *hoststart = s, *at = NULL, *slash = strchr(s, '/'), *close;
	const struct pn_error *err;

	for (const char *p = s; *p != '\0' && *p != ':' && *p != '/'; p++)
		if (*p == '@')
			at = p;
	if (at != NULL)
		hoststart = at + 1;
	if (*hoststart == '[' && (close = strchr(hoststart, ']')) != NULL)
		colon = close[1] == ':' ? close + 1 : NULL;
	else
		colon = strchr(hoststart, ':');
	if (colon == NULL || (slash != NULL && slash < colon))
		return bad(s, "not a URL (local paths are not supported; use https://host/path, ssh://host/path "
		    "or user@host:path)");
	u->scp = 1;
	u->scheme = PN_URL_SSH;
	snprintf(u->port, sizeof(u->port), "22");
	if ((err = parse_authority(s, s, colon, 0, u)) != NULL)
		return err;
	if (colon[1] == '\0')
		return bad(s, "no repository path after ':'");
	if ((u->path = dup_n(colon + 1, strlen(colon + 1))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	return NULL;
}

const struct pn_error *
pn_url_parse(const char *s, struct pn_url *out)
{
	const struct pn_error *err;
	const char *sep;
	size_t n = strlen(s);
	char *red;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return pn_error_fmt(PN_ERR_USAGE, "empty Git URL");
	if (n > PN_URL_MAX)
		return pn_error_fmt(PN_ERR_USAGE, "Git URL longer than %d bytes", PN_URL_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return bad(s, "space or control character (percent-encode it)");
	if (strpbrk(s, "?#") != NULL)
		return bad(s, "query strings and fragments are not supported");
	sep = strstr(s, "://");
	err = sep != NULL ? parse_scheme_url(s, sep, out) : parse_scp(s, out);
	if (err == NULL) {
		/* the redacted form is never longer than the URL plus the marker */
		size_t len = n + sizeof(PN_URL_REDACTED);

		if ((red = malloc(len)) == NULL) {
			err = pn_error(PN_ERR_NOMEM);
		} else {
			pn_url_redact(s, red, len);
			out->redacted = red;
		}
	}
	if (err != NULL)
		pn_url_release(out);
	return err;
}

void
pn_url_release(struct pn_url *u)
{
	if (u->password != NULL) {
		/* do not leave the secret in freed memory */
		volatile char *p = u->password;

		while (*p != '\0')
			*p++ = '\0';
	}
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->path);
	free(u->redacted);
	memset(u, 0, sizeof(*u));
}

/* ---- references (redirects) ---- */

/* Append path (n bytes, starting with '/') to out without its "." and ".." segments (RFC 3986 §5.2.4). */
static const struct pn_error *
add_path(struct pn_buf *out, const char *path, size_t n)
{
	const struct pn_error *err = NULL;
	size_t base = out->len;

	for (const char *s = path, *e = path + n; s < e && err == NULL;) {
		const char *seg = s + 1, *next = memchr(seg, '/', (size_t)(e - seg));
		size_t len;

		next = next != NULL ? next : e;
		len = (size_t)(next - seg);
		if ((len == 1 || len == 2) && memcmp(seg, "..", len) == 0) {
			while (len == 2 && out->len > base && out->data[--out->len] != '/')
				;
			out->data[out->len] = '\0';
			if (next == e)
				err = pn_buf_addch(out, '/');
		} else if ((err = pn_buf_addch(out, '/')) == NULL) {
			err = pn_buf_add(out, seg, len);
		}
		s = next;
	}
	return err;
}

const struct pn_error *
pn_url_resolve(const struct pn_url *base, const char *target, const char *loc, struct pn_buf *out, int *ok)
{
	const char *rest = loc, *host = base->host;
	size_t sn = strspn(loc, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."), n;
	const struct pn_error *err = NULL;
	struct pn_buf rel;

	*ok = 1;
	pn_buf_init(&rel, 2 * PN_URL_MAX + PN_URL_TARGET_EXTRA, "redirect location");
	if (sn > 0 && loc[sn] == ':') {
		/* scheme://authority...; "scheme:path" (no authority) is nothing to fetch from */
		if (strncmp(loc + sn, "://", 3) != 0) {
			*ok = 0;
			goto done;
		}
		rest = loc + sn + 3 + strcspn(loc + sn + 3, "/?#");
		err = pn_buf_add(out, loc, (size_t)(rest - loc));
	} else if (loc[0] == '/' && loc[1] == '/') {
		rest = loc + 2 + strcspn(loc + 2, "/?#");
		err = pn_buf_addf(out, "%s:%.*s", pn_url_scheme_name(base->scheme), (int)(rest - loc), loc);
	} else {
		err = pn_buf_addf(out, strchr(host, ':') != NULL ? "%s://[%s]:%s" : "%s://%s:%s",
		    pn_url_scheme_name(base->scheme), host, base->port);
		/* a relative path goes after the directory of the path asked for; "?query" after the whole path */
		if (err == NULL && loc[0] != '/') {
			size_t k = strcspn(target, "?");

			while (loc[0] != '?' && k > 0 && target[k - 1] != '/')
				k--;
			err = pn_buf_add(&rel, target, k);
		}
	}
	if (err == NULL)
		err = pn_buf_add(&rel, rest, strcspn(rest, "#"));
	n = strcspn(pn_buf_str(&rel), "?");
	if (err == NULL && (err = add_path(out, rel.data, n)) == NULL)
		err = pn_buf_addstr(out, pn_buf_str(&rel) + n);
done:
	pn_buf_release(&rel);
	return err;
}
