/* libFuzzer target: the upload-pack answer reader (agent/source/upload.c) over pkt-line and side-band: the first
 * byte picks the answer (capability or v0 ref advertisement, ls-refs, v2 fetch, v0 fetch), the rest is the
 * body. No network: the session connects only when it sends a request, and this never sends one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/source/upload.h"

static const struct pn_error *
sink(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	if (data == NULL || len == 0)
		abort();
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pn_upload *u;
	struct pn_oid oid;

	if (u == NULL) {
		struct pn_upload_options o;

		memset(&o, 0, sizeof(o));
		o.url = "http://user:secret@fuzz.invalid/r.git";
		o.branch = "main";
		o.pack_max = 1 << 20;
		if (pn_upload_new(&o, &u) != NULL)
			abort();
	}
	if (size < 1)
		return 0;
	(void)pn_upload_read_answer(u, (enum pn_upload_answer)(data[0] % 4), data + 1, size - 1, &oid, sink, NULL);
	return 0;
}
