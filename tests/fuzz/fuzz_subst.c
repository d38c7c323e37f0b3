/* libFuzzer target for postBuild substitution: the first byte picks strict mode (bit 0) and whether the rest is
 * evaluated as text (pn_subst_eval) or put in a ConfigMap and substituted as an object, re-read included
 * (bit 1). The variables are fixed, a long one among them for the pattern forms. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/render/subst.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const vars[] = {"a", "x/y.z", "n", "3", "e", "", "u", "\xc3\xa4r\xff", "b", "yes"};
	struct pn_subst s;
	struct pn_buf out;
	char big[4096];
	cJSON *o;

	if (size == 0)
		return 0;
	pn_subst_init(&s);
	s.strict = data[0] & 1;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i += 2)
		pn_subst_set(&s, vars[i], strlen(vars[i]), vars[i + 1], strlen(vars[i + 1]));
	memset(big, 'a', sizeof(big));
	pn_subst_set(&s, "big", 3, big, sizeof(big));
	pn_buf_init(&out, PN_SUBST_MAX_OBJECT, "out");
	if (!(data[0] & 2)) {
		pn_subst_eval(&s, (const char *)data + 1, size - 1, &out);
	} else if ((o = cJSON_CreateObject()) != NULL) {
		char *text = strndup((const char *)data + 1, size - 1);
		cJSON *d = cJSON_AddObjectToObject(o, "data");

		cJSON_AddStringToObject(o, "apiVersion", "v1");
		cJSON_AddStringToObject(o, "kind", "ConfigMap");
		if (text != NULL && d != NULL && cJSON_AddStringToObject(d, "a", text) != NULL)
			pn_subst_object(&s, &o);
		free(text);
		cJSON_Delete(o);
	}
	pn_buf_release(&out);
	pn_subst_release(&s);
	return 0;
}
