/*
 * Shared includes and helpers for the cmocka unit tests. cmocka needs these system headers before its own.
 */
#ifndef PN_TEST_H
#define PN_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/render/yaml.h"

/* Assert that `e` failed with `code` and that its message contains `needle`. */
#define assert_error(e, code_, needle)                                                             \
	do {                                                                                       \
		const struct pn_error *e_ = (e);                                                   \
		assert_non_null(e_);                                                               \
		if (e_->code != (code_) || strstr(e_->msg, (needle)) == NULL)                      \
			fail_msg("expected %s containing \"%s\", got %s: \"%s\"",                  \
			    pn_error_code_name(code_), (needle), pn_error_code_name(e_->code), e_->msg); \
	} while (0)

#define assert_ok(e)                                                                               \
	do {                                                                                       \
		const struct pn_error *e_ = (e);                                                   \
		if (e_ != NULL)                                                                    \
			fail_msg("unexpected error %s: %s", pn_error_code_name(e_->code), e_->msg);  \
	} while (0)

/* The one YAML document of `text`, typed as kustomize types it (yaml.h, default limits); the test fails unless
 * `text` holds exactly one. The caller frees it with cJSON_Delete(). */
static inline cJSON *
one_doc(const char *text)
{
	struct pn_yaml_limits lim;
	struct pn_yaml_docs docs = {0};
	cJSON *root;

	pn_yaml_limits_init(&lim);
	assert_ok(pn_yaml_parse("t.yaml", text, strlen(text), &lim, &docs));
	assert_int_equal(docs.n, 1);
	root = docs.v[0].root;
	docs.v[0].root = NULL;
	pn_yaml_docs_release(&docs);
	return root;
}

#endif
