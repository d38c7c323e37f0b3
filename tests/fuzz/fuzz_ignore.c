/* libFuzzer target: source ignore rules (agent/source/ignore.c). Input: one flags byte (bit 0: the path is a
 * directory, bit 1: add Flux's defaults, bit 2: the patterns' domain is "d"), then a .sourceignore text, a NUL,
 * and the path to match. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/source/ignore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1, *nul;
	struct pn_ignore *ig;
	size_t tlen;
	char *path;
	int ex;

	if (size < 1 || pn_ignore_new(&ig) != NULL)
		return 0;
	nul = memchr(text, '\0', size - 1);
	tlen = nul != NULL ? (size_t)(nul - text) : size - 1;
	path = strndup(nul != NULL ? nul + 1 : "", nul != NULL ? size - 2 - tlen : 0);
	if (path != NULL && pn_ignore_read(ig, data[0] & 4 ? "d" : "", text, tlen, "fuzz") == NULL &&
	    (!(data[0] & 2) || pn_ignore_add_defaults(ig) == NULL))
		(void)pn_ignore_match(ig, path, data[0] & 1, &ex);
	free(path);
	pn_ignore_free(ig);
	return 0;
}
