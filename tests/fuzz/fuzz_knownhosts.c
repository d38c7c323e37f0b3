/* libFuzzer target: the known_hosts parser (agent/source/knownhosts.c). The first byte sets the size of the
 * pieces the rest is pushed in; then the host key methods, a verification and fingerprints run on what was
 * kept, so every stored key is touched. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/source/knownhosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_knownhosts kh;
	char methods[PN_KNOWNHOSTS_METHODS_MAX], fp[PN_KNOWNHOSTS_FP_LEN];
	size_t off = 1, piece;

	if (size < 1 || pn_knownhosts_init(&kh, "git.example.com", size % 2 ? "22" : "2222", "fuzz") != NULL)
		return 0;
	piece = (size_t)data[0] * 16 + 1;
	while (off < size && pn_knownhosts_push(&kh, data + off, size - off < piece ? size - off : piece) == NULL)
		off += size - off < piece ? size - off : piece;
	if (pn_knownhosts_finish(&kh) == NULL) {
		(void)pn_knownhosts_hostkey_methods(&kh, methods, sizeof(methods));
		for (size_t i = 0; i < pn_knownhosts_count(&kh); i++)
			pn_knownhosts_fingerprint(pn_knownhosts_key(&kh, i)->blob, pn_knownhosts_key(&kh, i)->blob_len, fp);
		(void)pn_knownhosts_verify(&kh, data, size);
	}
	pn_knownhosts_release(&kh);
	return 0;
}
