/* libFuzzer target: what the API server answers (agent/apply/kapi.c): a metav1.Status body decoded, and the
 * error made of any status and body, JSON or not. The first two bytes choose the HTTP status. */
#include <stddef.h>
#include <stdint.h>

#include "../../agent/apply/kapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_kapi_status st;
	char clean[128];
	int status;

	if (size < 2)
		return 0;
	status = 100 + (data[0] << 8 | data[1]) % 500;
	data += 2;
	size -= 2;
	(void)pn_kapi_status_decode((const char *)data, size, &st);
	(void)pn_kapi_error_of(status, 1, (const char *)data, size, "fuzz");
	(void)pn_kapi_error_of(status, 0, (const char *)data, size, "fuzz");
	pn_kapi_sanitize(clean, sizeof(clean), (const char *)data, size);
	return 0;
}
