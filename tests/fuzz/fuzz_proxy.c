/* libFuzzer target: proxy choice (agent/net/proxy.c). Input: a proxy variable's value, a NUL, a NO_PROXY list,
 * a NUL, and the URL's host; the port is 443. Both schemes are asked, the http one as CGI too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/net/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 3), *no_proxy, *host;
	struct pn_proxy_env env = {NULL, "HTTP_PROXY", NULL, "HTTPS_PROXY", NULL, 0};
	struct pn_proxy p;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	memset(s + size, 0, 3);
	no_proxy = s + strlen(s) + 1;
	host = no_proxy + strlen(no_proxy) + 1;
	env.http = env.https = s;
	env.no_proxy = no_proxy;
	(void)pn_proxy_for(&env, "https", host, "443", &p);
	pn_proxy_release(&p);
	env.cgi = 1;
	(void)pn_proxy_for(&env, "http", host, "443", &p);
	pn_proxy_release(&p);
	free(s);
	return 0;
}
