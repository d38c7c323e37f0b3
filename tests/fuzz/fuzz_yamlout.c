/* libFuzzer target for the YAML writer: every document the reader accepts is printed, read back and must be
 * the same document (numbers by their canonical text, "-0" and "0" alike: go-yaml prints -0 as 0). Inputs
 * holding U+2028/U+2029 or a "<<" key are not compared: kubectl does not round-trip them either (a line
 * separator in a single-quoted scalar is folded; a plain "<<" key reads back as a merge). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../agent/render/yaml.h"
#include "../../agent/render/yamlout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (pn_yaml_number(a) != NULL && pn_yaml_number(b) != NULL) {
		const char *s = pn_yaml_number(a), *t = pn_yaml_number(b);
		return strcmp(strcmp(s, "-0") == 0 ? "0" : s, strcmp(t, "-0") == 0 ? "0" : t) == 0;
	}
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return 0;
	if (cJSON_IsObject(a)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		for (x = a->child; x != NULL; x = x->next)
			if ((y = cJSON_GetObjectItemCaseSensitive(b, x->string)) == NULL || !same(x, y))
				return 0;
		return 1;
	}
	if (cJSON_IsArray(a)) {
		for (x = a->child, y = b->child; x != NULL && y != NULL; x = x->next, y = y->next)
			if (!same(x, y))
				return 0;
		return x == NULL && y == NULL;
	}
	return cJSON_Compare(a, b, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_yaml_docs in, again;
	struct pn_buf b;
	int skip = memmem(data, size, "\xe2\x80\xa8", 3) != NULL || memmem(data, size, "\xe2\x80\xa9", 3) != NULL ||
	    memmem(data, size, "<<", 2) != NULL;

	if (pn_yaml_parse("fuzz.yaml", data, size, NULL, &in) != NULL)
		return 0;
	pn_buf_init(&b, (size_t)1 << 24, "yaml out");
	for (size_t i = 0; i < in.n; i++) {
		pn_buf_reset(&b);
		if (pn_yamlout_doc(in.v[i].root, &b) != NULL)
			continue;
		if (skip)
			continue;
		if (pn_yaml_parse("out.yaml", b.data, b.len, NULL, &again) != NULL)
			__builtin_trap();
		if (again.n != 1 || !same(in.v[i].root, again.v[0].root))
			__builtin_trap();
		pn_yaml_docs_release(&again);
	}
	pn_buf_release(&b);
	pn_yaml_docs_release(&in);
	return 0;
}
