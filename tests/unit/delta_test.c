#include "pn_test.h"

#include "../../agent/source/delta.h"

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

static const uint8_t base_a[] = "hello base\n";	/* 11 bytes, the base of git-protocol.md's crafted packs */

static const struct {
	const char *name;
	const char *delta;
	size_t len;
	const char *want;	/* NULL: an error */
	size_t want_len;
	const char *err;
} cases[] = {
	/* insert only: the crafted "insert-delta" */
	{"insert", "\x0b\x0c\x0chello delta\n", 15, "hello delta\n", 12, NULL},
	/* copy offset byte 0 and size byte 0 */
	{"copy", "\x0b\x04\x91\x06\x04", 5, "base", 4, NULL},
	/* copy without operand bytes would be offset 0, size 0x10000: out of an 11-byte base */
	{"copy default size", "\x0b\x80\x80\x04\x80", 5, NULL, 0, "copy of 65536 bytes at base offset 0"},
	{"copy + insert", "\x0b\x06\x90\x05\x01!", 6, "hello!", 6, NULL},
	{"empty result", "\x0b\x00", 2, "", 0, NULL},
	/* malformed */
	{"opcode 0", "\x0b\x02\x00", 3, NULL, 0, "delta byte 2: reserved instruction 0"},
	{"copy out of bounds", "\x0b\x40\x91\x00\x40", 5, NULL, 0,
	    "delta byte 2: copy of 64 bytes at base offset 0 is out of bounds (the base has 11 bytes)"},
	{"copy offset past end", "\x0b\x01\x91\x0c\x01", 5, NULL, 0, "at base offset 12 is out of bounds"},
	{"copy offset overflow", "\x0b\x01\x9f\xff\xff\xff\xff\x01", 8, NULL, 0, "out of bounds"},
	{"result size mismatch", "\x0b\x63\x02XX", 5, NULL, 0, "delta produces 2 bytes, its header declares 99"},
	{"base size mismatch", "\x0c\x02\x02XX", 5, NULL, 0, "delta expects a base of 12 bytes, the base has 11"},
	{"too many literals", "\x0b\x01\x02XX", 5, NULL, 0, "output exceeds the declared result size of 1"},
	{"copy past result", "\x0b\x01\x91\x00\x02", 5, NULL, 0, "output exceeds the declared result size"},
	{"truncated insert", "\x0b\x05\x05" "ab", 5, NULL, 0, "delta byte 2: insert of 5 bytes, only 2 left"},
	{"truncated copy", "\x0b\x04\x91\x00", 4, NULL, 0, "delta byte 2: truncated copy instruction"},
	{"empty delta", "", 0, NULL, 0, "delta byte 0: truncated base size"},
	{"truncated base size", "\x8b", 1, NULL, 0, "truncated base size"},
	{"truncated result size", "\x0b\x80", 2, NULL, 0, "truncated result size"},
	{"varint too long", "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11, NULL, 0, "longer than 10 bytes"},
	{"varint over 64 bits", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10, NULL, 0, "does not fit 64 bits"},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void
test_table(void **state)
{

	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		struct pn_buf out;
		const struct pn_error *e;

		pn_buf_init(&out, 1 << 20, "result");
		e = pn_delta_apply(base_a, sizeof(base_a) - 1, (const uint8_t *)cases[i].delta, cases[i].len, &out);
		if (cases[i].want != NULL) {
			if (e != NULL)
				fail_msg("%s: %s", cases[i].name, e->msg);
			assert_int_equal(out.len, cases[i].want_len);
			assert_memory_equal(pn_buf_str(&out), cases[i].want, cases[i].want_len);
		} else {
			if (e == NULL || strstr(e->msg, cases[i].err) == NULL)
				fail_msg("%s: expected \"%s\", got \"%s\"", cases[i].name, cases[i].err,
				    e != NULL ? e->msg : "success");
			assert_int_equal(e->code, PN_ERR_PARSE);
			assert_int_equal(out.len, 0);
		}
		pn_buf_release(&out);
	}
}

/* git's t5303 "test-tool delta" vectors, against a 4-byte base ("\0\1\2XX": too many literals; "\4\1\221\0\2":
 * a copy past the declared result). */
static void
test_git_vectors(void **state)
{
	struct pn_buf out;

	(void)state;
	pn_buf_init(&out, 100, "result");
	assert_error(pn_delta_apply((const uint8_t *)"", 0, S("\0\1\2XX"), &out), PN_ERR_PARSE,
	    "exceeds the declared result size of 1");
	assert_error(pn_delta_apply((const uint8_t *)"abcd", 4, S("\4\1\221\0\2"), &out), PN_ERR_PARSE,
	    "exceeds the declared result size");
	pn_buf_release(&out);
}

/* Copy with every operand byte, and the "size 0 means 0x10000" rule. */
static void
test_copy_operands(void **state)
{
	uint8_t *big = malloc(0x20000), delta[32];
	struct pn_buf out;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < 0x20000; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 8));
	/* base 0x20000, result 0x10000 + 3 */
	delta[n++] = 0x80, delta[n++] = 0x80, delta[n++] = 0x08;
	delta[n++] = 0x83, delta[n++] = 0x80, delta[n++] = 0x04;
	delta[n++] = 0x80 | 0x01 | 0x02;	/* offset bytes 0-1, no size bytes: 0x10000 */
	delta[n++] = 0x34, delta[n++] = 0x12;
	delta[n++] = 0x80 | 0x0f | 0x70;	/* all 4 offset bytes, all 3 size bytes */
	delta[n++] = 0x05, delta[n++] = 0x00, delta[n++] = 0x01, delta[n++] = 0x00;
	delta[n++] = 0x03, delta[n++] = 0x00, delta[n++] = 0x00;
	pn_buf_init(&out, 0x20000, "result");
	assert_ok(pn_delta_apply(big, 0x20000, delta, n, &out));
	assert_int_equal(out.len, 0x10003);
	assert_memory_equal(out.data, big + 0x1234, 0x10000);
	assert_memory_equal(out.data + 0x10000, big + 0x10005, 3);
	pn_buf_release(&out);
	free(big);
}

/* The output buffer's ceiling is checked against the declared result size before anything is allocated, and a
 * failure leaves what was in the buffer. */
static void
test_ceiling_and_rollback(void **state)
{
	struct pn_buf out;

	(void)state;
	pn_buf_init(&out, 14, "result");
	assert_ok(pn_buf_add(&out, "pre", 3));
	assert_error(pn_delta_apply(base_a, 11, S("\x0b\x0c\x0chello delta\n"), &out), PN_ERR_TOO_LARGE,
	    "delta result of 12 bytes exceeds the 11 bytes allowed for result");
	assert_int_equal(out.len, 3);
	/* a huge declared result is refused without allocating it */
	assert_error(pn_delta_apply(base_a, 11, S("\x0b\x80\x80\x80\x80\x80\x80\x80\x80\x40\x00"), &out),
	    PN_ERR_TOO_LARGE, "exceeds the 11 bytes allowed");
	/* a malformed delta after some output: rolled back */
	assert_error(pn_delta_apply(base_a, 11, S("\x0b\x04\x02" "ab" "\x00"), &out), PN_ERR_PARSE, "reserved instruction");
	assert_int_equal(out.len, 3);
	assert_string_equal(pn_buf_str(&out), "pre");
	pn_buf_release(&out);
}

/* The push parser: every case of the table again, the delta pushed in pieces of 1, 2 and 3 bytes, the base
 * read through the copy callback; the same output and the same errors. */
struct collect {
	const uint8_t *base;
	struct pn_buf out;
	uint64_t result_size;
	int sized;
};

static const struct pn_error *
c_sizes(void *arg, uint64_t base_size, uint64_t result_size)
{
	struct collect *c = arg;

	(void)base_size;
	c->sized++;
	c->result_size = result_size;
	return NULL;
}

static const struct pn_error *
c_copy(void *arg, uint64_t off, uint64_t len)
{
	struct collect *c = arg;

	return pn_buf_add(&c->out, c->base + off, (size_t)len);
}

static const struct pn_error *
c_insert(void *arg, const uint8_t *p, size_t n)
{
	return pn_buf_add(&((struct collect *)arg)->out, p, n);
}

static void
test_push_pieces(void **state)
{
	static const struct pn_delta_ops ops = {c_sizes, c_copy, c_insert};

	(void)state;
	for (size_t piece = 1; piece <= 3; piece++) {
		for (size_t i = 0; i < NCASES; i++) {
			struct collect c = {base_a, {0}, 0, 0};
			const struct pn_error *e = NULL;
			struct pn_delta d;

			pn_buf_init(&c.out, 1 << 20, "result");
			pn_delta_init(&d, sizeof(base_a) - 1, &ops, &c);
			for (size_t off = 0; off < cases[i].len && e == NULL; off += piece)
				e = pn_delta_push(&d, cases[i].delta + off,
				    cases[i].len - off < piece ? cases[i].len - off : piece);
			if (e == NULL)
				e = pn_delta_finish(&d);
			if (cases[i].want != NULL) {
				if (e != NULL)
					fail_msg("%s (pieces of %zu): %s", cases[i].name, piece, e->msg);
				assert_int_equal(c.sized, 1);
				assert_int_equal(c.out.len, cases[i].want_len);
				assert_memory_equal(pn_buf_str(&c.out), cases[i].want, cases[i].want_len);
			} else if (e == NULL || strstr(e->msg, cases[i].err) == NULL) {
				fail_msg("%s (pieces of %zu): expected \"%s\", got \"%s\"", cases[i].name, piece,
				    cases[i].err, e != NULL ? e->msg : "success");
			}
			/* the first error is kept */
			if (e != NULL)
				assert_ptr_equal(pn_delta_push(&d, "x", 1), e);
			pn_buf_release(&c.out);
		}
	}
}

/* A refusal from the sizes callback (a result over the caller's ceiling) stops the parser before any output. */
static const struct pn_error *
refuse_sizes(void *arg, uint64_t base_size, uint64_t result_size)
{
	(void)arg;
	(void)base_size;
	return pn_error_fmt(PN_ERR_TOO_LARGE, "result of %llu bytes refused", (unsigned long long)result_size);
}

static void
test_push_refused(void **state)
{
	static const struct pn_delta_ops ops = {refuse_sizes, c_copy, c_insert};
	struct collect c = {base_a, {0}, 0, 0};
	struct pn_delta d;

	(void)state;
	pn_buf_init(&c.out, 1 << 20, "result");
	pn_delta_init(&d, 11, &ops, &c);
	assert_error(pn_delta_push(&d, S("\x0b\x0c\x0chello delta\n")), PN_ERR_TOO_LARGE, "result of 12 bytes refused");
	assert_error(pn_delta_finish(&d), PN_ERR_TOO_LARGE, "refused");
	assert_int_equal(c.out.len, 0);
	pn_buf_release(&c.out);
}

static void
test_sizes(void **state)
{
	uint64_t b, r;
	size_t hl;

	(void)state;
	assert_ok(pn_delta_sizes(S("\x80\x80\x04\xff\x01rest"), &b, &r, &hl));
	assert_true(b == 0x10000);
	assert_true(r == 255);
	assert_int_equal(hl, 5);
	assert_ok(pn_delta_sizes(S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00"), &b, &r, &hl));
	assert_true(b == UINT64_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_git_vectors),
		cmocka_unit_test(test_copy_operands),
		cmocka_unit_test(test_ceiling_and_rollback),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_push_pieces),
		cmocka_unit_test(test_push_refused),
	};
	return cmocka_run_group_tests_name("delta", tests, NULL, NULL);
}
