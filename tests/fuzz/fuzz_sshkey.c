/* libFuzzer target: private key parsing (agent/source/sshkey.c). The first byte chooses how the rest is given:
 * 0 as a file's text, 1 as the binary of an openssh-key-v1 key, 2 as PKCS#8/SEC1/PKCS#1 DER inside PEM armour
 * (so the fuzzer reaches the binary parsers without having to invent base64). A key that parses must sign. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "../../agent/source/sshkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const label[] = {"OPENSSH PRIVATE KEY", "PRIVATE KEY"};
	static unsigned char text[PN_SSHKEY_FILE_MAX + 1];
	struct pn_sshkey *k = NULL;
	unsigned char *sig;
	size_t len, o, b64 = 0, siglen;

	if (size < 1 || size - 1 > PN_SSHKEY_FILE_MAX / 2)
		return 0;
	if (data[0] % 3 == 0) {
		memcpy(text, data + 1, size - 1);
		len = size - 1;
	} else {
		o = (size_t)snprintf((char *)text, sizeof(text), "-----BEGIN %s-----\n", label[data[0] % 3 - 1]);
		if (mbedtls_base64_encode(text + o, sizeof(text) - o, &b64, data + 1, size - 1) != 0)
			return 0;
		len = o + b64;
		len += (size_t)snprintf((char *)text + len, sizeof(text) - len, "\n-----END %s-----\n",
		    label[data[0] % 3 - 1]);
	}
	if (pn_sshkey_parse(text, len, "fuzz", &k) == NULL) {
		if (pn_sshkey_sign(k, pn_sshkey_type(k) == PN_SSHKEY_RSA ? "rsa-sha2-256" : pn_sshkey_type_name(k),
		    data, size, &sig, &siglen) != NULL)
			abort();
		free(sig);
		pn_sshkey_free(k);
	}
	return 0;
}
