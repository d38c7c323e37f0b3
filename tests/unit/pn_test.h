/*
 * Shared includes for the cmocka unit tests. cmocka needs these system headers before its own.
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

#endif
