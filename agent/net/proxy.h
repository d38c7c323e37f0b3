/*
 * Which HTTP proxy a request goes through, decided from the environment the way Go's net/http does it
 * (golang.org/x/net/http/httpproxy), because Flux is Go and users configure Flux that way:
 *
 *   HTTPS_PROXY / https_proxy for https:// URLs, HTTP_PROXY / http_proxy for http:// URLs, NO_PROXY / no_proxy;
 *   the uppercase variable wins unless it is empty. A value without a scheme means http://; the port defaults
 *   to 80. Only http:// proxies are supported (https:// and socks5:// are PN_ERR_UNSUPPORTED).
 *
 *   NO_PROXY is a comma-separated list (blanks around entries ignored, case ignored) of
 *     *                      no proxy for anything
 *     1.2.3.4, ::1           that address (an IP entry matches only a URL whose host is an address)
 *     10.0.0.0/8, fd00::/8   addresses in that block
 *     example.com            example.com and every name under it (sub.example.com)
 *     .example.com, *.example.com   names under example.com only, not example.com itself
 *   each optionally followed by :port (IPv6 as [::1]:port), which then must be the URL's port.
 *   localhost and loopback addresses (127.0.0.0/8, ::1) never go through a proxy.
 *
 *   With REQUEST_METHOD set (the process runs as a CGI script, whose client may set HTTP_PROXY through a
 *   "Proxy:" request header), an http:// URL is refused while an HTTP proxy variable is set, as Go refuses it
 *   (golang.org/s/cgihttpproxy).
 *
 * The functions are pure apart from pn_proxy_env_get(): the tests feed them values directly.
 */
#ifndef PN_PROXY_H
#define PN_PROXY_H

#include "../core/error.h"

/* Longest proxy variable value accepted: a URL with credentials, as PN_URL_MAX for Git URLs. */
#define PN_PROXY_VALUE_MAX 2048
/* Longest proxy host: a DNS name is at most 253 bytes, an IPv6 literal 45. */
#define PN_PROXY_HOST_MAX 253
/* Room for a port number and its NUL. */
#define PN_PROXY_PORT_LEN 6
/* "http://[host]:port" and its NUL. */
#define PN_PROXY_SHOWN_MAX (PN_PROXY_HOST_MAX + 20)

/* The variables, as read; a NULL or empty value means unset. */
struct pn_proxy_env {
	const char *http, *http_name;	/* the value of HTTP_PROXY or http_proxy, and which one it was */
	const char *https, *https_name;	/* HTTPS_PROXY or https_proxy */
	const char *no_proxy;		/* NO_PROXY or no_proxy */
	int cgi;			/* REQUEST_METHOD is set and not empty */
};

/* The proxy for one origin. */
struct pn_proxy {
	char host[PN_PROXY_HOST_MAX + 1];	/* empty: connect directly; an IPv6 literal without brackets */
	char port[PN_PROXY_PORT_LEN];
	char shown[PN_PROXY_SHOWN_MAX];		/* "http://host:port" for messages: never the credentials */
	char *auth;				/* "Proxy-Authorization: Basic ..." or NULL; wiped when released */
};

/* Read the variables from the environment. The strings belong to the environment. */
void pn_proxy_env_get(struct pn_proxy_env *env);

/* The proxy for a request to scheme://host:port (scheme "http" or "https"; host as in the URL, an IPv6 literal
 * without brackets; port in decimal). out needs no setup; out->host is empty when the request goes direct.
 * Errors name the variable and its value with the credentials replaced. Release out with pn_proxy_release()
 * in all cases. */
const struct pn_error *pn_proxy_for(const struct pn_proxy_env *env, const char *scheme, const char *host,
    const char *port, struct pn_proxy *out);

/* Whether a request to host:port goes direct under the no_proxy list (NULL: empty): localhost, loopback, or a
 * matching entry. */
int pn_proxy_bypass(const char *no_proxy, const char *host, const char *port);

void pn_proxy_release(struct pn_proxy *p);

#endif
