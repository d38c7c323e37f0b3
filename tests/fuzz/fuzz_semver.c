/* libFuzzer target: semver versions (tag names from the server) and ranges (agent/source/refs.c). The input up
 * to the first newline is a range, the rest a tag name; a version that parses must compare equal to itself,
 * and matching must not crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/source/refs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pn_semver_range r;
	char range[PN_SEMVER_RANGE_MAX + 1];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t rl = nl != NULL ? (size_t)(nl - data) : 0;
	struct pn_semver v;
	int have_range;

	if (rl > PN_SEMVER_RANGE_MAX || memchr(data, '\0', rl) != NULL)
		return 0;
	memcpy(range, data, rl);
	range[rl] = '\0';
	have_range = pn_semver_range_parse(range, &r) == NULL;
	if (nl != NULL) {
		data = nl + 1;
		size -= rl + 1;
	}
	if (pn_semver_parse((const char *)data, size, &v) != NULL)
		return 0;
	if (pn_semver_cmp(&v, &v) != 0)
		abort();
	if (have_range)
		(void)pn_semver_range_match(&r, &v);
	return 0;
}
