#include "proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "../core/buf.h"
#include "../core/num.h"
#include "../core/banned.h"

/* A proxy value as quoted in an error (cut by snprintf). */
#define QUOTE_MAX 256
/* An address entry of NO_PROXY fits here or is no address. */
#define ADDR_TEXT_MAX 64
#define PREFIX "Proxy-Authorization: Basic "

static const char *
env_any(const char *upper, const char *lower, const char **name)
{
	const char *v = getenv(upper);

	*name = upper;
	if (v != NULL && *v != '\0')
		return v;
	*name = lower;
	v = getenv(lower);
	return v != NULL && *v != '\0' ? v : NULL;
}

void
pn_proxy_env_get(struct pn_proxy_env *env)
{
	const char *name, *rm = getenv("REQUEST_METHOD");

	env->http = env_any("HTTP_PROXY", "http_proxy", &env->http_name);
	env->https = env_any("HTTPS_PROXY", "https_proxy", &env->https_name);
	env->no_proxy = env_any("NO_PROXY", "no_proxy", &name);
	env->cgi = rm != NULL && *rm != '\0';
}

void
pn_proxy_release(struct pn_proxy *p)
{
	if (p->auth != NULL) {
		mbedtls_platform_zeroize(p->auth, strlen(p->auth));
		free(p->auth);
	}
	memset(p, 0, sizeof(*p));
}

/* An address in 16 bytes, IPv4 as ::ffff:a.b.c.d (so 1.2.3.4 equals ::ffff:1.2.3.4, as in Go). *v4: it is one. */
static int
parse_ip(const char *s, size_t n, unsigned char ip[16], int *v4)
{
	char t[ADDR_TEXT_MAX];

	if (n >= sizeof(t))
		return 0;
	memcpy(t, s, n);
	t[n] = '\0';
	if (inet_pton(AF_INET, t, ip + 12) == 1) {
		memcpy(ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		*v4 = 1;
		return 1;
	}
	*v4 = 0;
	if (inet_pton(AF_INET6, t, ip) != 1)
		return 0;
	*v4 = memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
	return 1;
}

/* "10.0.0.0/8", "fd00::/8": whether ip is in the block. A block written as IPv4 holds only IPv4 addresses, one
 * written as IPv6 only IPv6 ones (Go's IPNet.Contains). *ok: the entry is a valid block. */
static int
in_block(const char *e, size_t n, const char *slash, const unsigned char *ip, int ip_v4, int *ok)
{
	unsigned char net[16];
	uint64_t bits;
	int net_v4, wrote_v4 = memchr(e, ':', (size_t)(slash - e)) == NULL;

	*ok = parse_ip(e, (size_t)(slash - e), net, &net_v4) &&
	    pn_num_parse_u64n(slash + 1, n - (size_t)(slash + 1 - e), 0, wrote_v4 ? 32 : 128, "prefix", &bits) == NULL;
	if (!*ok || ip == NULL || wrote_v4 != ip_v4)
		return 0;
	if (wrote_v4)
		bits += 96;
	for (unsigned i = 0; i < bits; i++)
		if (((net[i / 8] ^ ip[i / 8]) >> (7 - i % 8)) & 1)
			return 0;
	return 1;
}

/* One NO_PROXY entry (trimmed, not empty) against the URL's host and port; ip: the host as an address, or
 * NULL. Entries that are not valid match nothing, as Go ignores them. */
static int
entry_matches(const char *e, size_t n, const char *host, const char *port, const unsigned char *ip, int ip_v4)
{
	const char *slash = memchr(e, '/', n), *h = e, *p = NULL, *colon = NULL;
	size_t hn = n, pn = 0, len = strlen(host);
	unsigned char eip[16];
	int ok, v4;

	if (n == 1 && *e == '*')
		return 1;
	if (slash != NULL)
		return in_block(e, n, slash, ip, ip_v4, &ok);
	/* host:port, [v6]:port, or a host alone (an IPv6 literal has several colons and no port) */
	for (const char *c = e; c < e + n; c++)
		if (*c == ':')
			colon = colon == NULL ? c : e;	/* e: more than one */
	if (*e == '[') {
		const char *close = memchr(e, ']', n);

		if (close == NULL || close + 1 == e + n || close[1] != ':')
			return 0;
		h = e + 1;
		hn = (size_t)(close - h);
		p = close + 2;
	} else if (colon != NULL && colon != e) {
		hn = (size_t)(colon - e);
		p = colon + 1;
	}
	if (p != NULL)
		pn = n - (size_t)(p - e);
	if (hn == 0 || (pn > 0 && (strlen(port) != pn || memcmp(port, p, pn) != 0)))
		return 0;
	if (parse_ip(h, hn, eip, &v4))
		return ip != NULL && memcmp(eip, ip, 16) == 0;
	/* a name: "*.x" and ".x" match names under x; "x" also matches x itself */
	if (hn > 1 && h[0] == '*' && h[1] == '.') {
		h++;
		hn--;
	}
	if (h[0] != '.' && len == hn && strncasecmp(host, h, hn) == 0)
		return 1;
	if (h[0] != '.')
		return len > hn && host[len - hn - 1] == '.' && strncasecmp(host + len - hn, h, hn) == 0;
	return len >= hn && strncasecmp(host + len - hn, h, hn) == 0;
}

int
pn_proxy_bypass(const char *no_proxy, const char *host, const char *port)
{
	static const char blanks[] = " \t\r\n\v\f";
	unsigned char ip[16];
	int v4 = 0, is_ip = parse_ip(host, strlen(host), ip, &v4);

	if (strcasecmp(host, "localhost") == 0 || (is_ip && v4 && ip[12] == 127) ||
	    (is_ip && memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0))
		return 1;
	for (const char *s = no_proxy != NULL ? no_proxy : ""; *s != '\0';) {
		size_t n = strcspn(s, ","), a = strspn(s, blanks), b = n;

		while (b > a && strchr(blanks, s[b - 1]) != NULL)
			b--;
		if (a < b && entry_matches(s + a, b - a, host, port, is_ip ? ip : NULL, v4))
			return 1;
		s += s[n] == ',' ? n + 1 : n;
	}
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "Proxy-Authorization: Basic base64(user:password)" from the percent-encoded user information u (n bytes);
 * a user without ':' has an empty password (Go's url.Userinfo). 0 on a bad %-escape or an encoded NUL. */
static int
basic_auth(const char *u, size_t n, struct pn_buf *plain, struct pn_buf *line)
{
	size_t olen = 0;
	char *dst;

	for (size_t i = 0; i < n; i++) {
		int hi = 0, lo = 0;

		if (u[i] == '%' && (n - i < 3 || (hi = hexval(u[i + 1])) < 0 || (lo = hexval(u[i + 2])) < 0 ||
		    (hi | lo) == 0))
			return 0;
		if (pn_buf_addch(plain, u[i] == '%' ? (char)(hi << 4 | lo) : u[i]) != NULL)
			return 0;
		if (u[i] == '%')
			i += 2;
	}
	if (memchr(u, ':', n) == NULL && pn_buf_addch(plain, ':') != NULL)
		return 0;
	(void)mbedtls_base64_encode(NULL, 0, &olen, (const unsigned char *)plain->data, plain->len);
	if (pn_buf_addstr(line, PREFIX) != NULL || pn_buf_reserve(line, olen, &dst) != NULL ||
	    mbedtls_base64_encode((unsigned char *)dst, olen, &olen, (const unsigned char *)plain->data,
	    plain->len) != 0)
		return 0;
	pn_buf_commit(line, olen);
	return 1;
}

/* value as printed in errors: the user information, if any, replaced by ***. */
static void
quote(const char *v, const char *auth, const char *at, char *buf)
{
	if (at != NULL)
		snprintf(buf, QUOTE_MAX, "%.*s***%s", (int)(auth - v), v, at);
	else
		snprintf(buf, QUOTE_MAX, "%s", v);
}

/* A host name as getaddrinfo takes it, or a bracketed IPv6 literal's inside. */
static int
host_ok(const char *h, size_t n, int v6)
{
	unsigned char ip[16];
	int v4;

	if (v6)
		return parse_ip(h, n, ip, &v4) && !v4;
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", h[i]) == NULL)
			return 0;
	return n > 0 && n <= PN_PROXY_HOST_MAX;
}

/* Parse the proxy URL `value` of variable `name`: [http://][user[:password]@]host[:port][/...]. */
static const struct pn_error *
parse_proxy(const char *name, const char *value, struct pn_proxy *out)
{
	const char *auth = value, *end, *at = NULL, *h, *hend, *portp;
	size_t sn = strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	const struct pn_error *err = NULL;
	struct pn_buf plain, line;
	char q[QUOTE_MAX];
	uint64_t port = 80;
	int v6;

	pn_buf_init(&plain, PN_PROXY_VALUE_MAX + 1, "proxy credentials");
	pn_buf_init(&line, 2 * PN_PROXY_VALUE_MAX, "Proxy-Authorization header");
	for (const char *c = value; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f || c - value >= PN_PROXY_VALUE_MAX) {
			err = pn_error_fmt(PN_ERR_USAGE, "%s: not a proxy URL (blank or control character, or longer "
			    "than %d bytes)", name, PN_PROXY_VALUE_MAX);
			goto done;
		}
	if (sn > 0 && strncmp(value + sn, "://", 3) == 0)
		auth = value + sn + 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *c = auth; c < end; c++)
		if (*c == '@')
			at = c;
	quote(value, auth, at, q);
	if (auth != value && !(sn == 4 && strncasecmp(value, "http", 4) == 0)) {
		err = pn_error_fmt(PN_ERR_UNSUPPORTED, "%s=%s: only http:// proxies are supported", name, q);
		goto done;
	}
	h = at != NULL ? at + 1 : auth;
	v6 = h < end && *h == '[';
	if (v6) {
		if ((hend = memchr(h, ']', (size_t)(end - h))) == NULL || (hend + 1 < end && hend[1] != ':'))
			goto bad;
		portp = hend + 1 < end ? hend + 2 : end;
		h++;
	} else {
		hend = h + strcspn(h, ":/?#");
		portp = hend < end ? hend + 1 : end;
	}
	/* an empty port (host:) is the default one, as in Go */
	if (!host_ok(h, (size_t)(hend - h), v6) || (portp < end && pn_num_parse_u64n(portp, (size_t)(end - portp),
	    1, 65535, "port", &port) != NULL))
		goto bad;
	memcpy(out->host, h, (size_t)(hend - h));
	snprintf(out->port, sizeof(out->port), "%u", (unsigned)port);
	snprintf(out->shown, sizeof(out->shown), v6 ? "http://[%s]:%s" : "http://%s:%s", out->host, out->port);
	if (at != NULL) {
		if (!basic_auth(auth, (size_t)(at - auth), &plain, &line)) {
			err = pn_error_fmt(PN_ERR_USAGE, "%s=%s: bad %%-escape in the user name or password", name, q);
			goto done;
		}
		err = pn_buf_detach(&line, &out->auth, NULL);
	}
	goto done;
bad:
	err = pn_error_fmt(PN_ERR_USAGE, "%s=%s: not a proxy URL (http://[user:password@]host[:port])", name, q);
done:
	if (plain.data != NULL)
		mbedtls_platform_zeroize(plain.data, plain.cap);
	if (line.data != NULL)
		mbedtls_platform_zeroize(line.data, line.cap);
	pn_buf_release(&plain);
	pn_buf_release(&line);
	return err;
}

const struct pn_error *
pn_proxy_for(const struct pn_proxy_env *env, const char *scheme, const char *host, const char *port,
    struct pn_proxy *out)
{
	int https = strcmp(scheme, "https") == 0;
	const char *value = https ? env->https : env->http, *name = https ? env->https_name : env->http_name;
	const struct pn_error *err;

	memset(out, 0, sizeof(*out));
	if (value == NULL || *value == '\0')
		return NULL;
	/* before NO_PROXY, as Go: the variable itself may come from a client */
	if (!https && env->cgi)
		return pn_error_fmt(PN_ERR_USAGE, "refusing to use %s while REQUEST_METHOD is set (a CGI client may "
		    "have set it: golang.org/s/cgihttpproxy)", name);
	if (pn_proxy_bypass(env->no_proxy, host, port))
		return NULL;
	if ((err = parse_proxy(name, value, out)) != NULL)
		pn_proxy_release(out);
	return err;
}
