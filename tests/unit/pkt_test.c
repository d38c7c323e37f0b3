/*
 * pkt-line reader and writer, table-driven. Every malformed length is tried: 0000/0001/0002 (the special
 * packets), 0003 (invalid), 0004 (an empty data packet), ffff and fff1 (over 65520), non-hex digits, truncated
 * lengths and payloads, and the whole-stream ceiling. Each row is fed whole, byte by byte and in odd pieces.
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/core/buf.h"
#include "../../agent/source/pkt.h"

#define LOG_MAX (256 * 1024)

struct tcase {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *log;	/* events: D[payload] F L E */
	enum pn_err_code code;	/* 0: success */
	const char *needle;
};

static const struct tcase cases[] = {
	{"empty stream", "", 0, "", 0, NULL},
	{"data", "0009hello", 0, "D[hello]", 0, NULL},
	{"data with LF", "000ahello\n", 0, "D[hello\n]", 0, NULL},
	{"0000 flush", "0000", 0, "F", 0, NULL},
	{"0001 delim", "0001", 0, "L", 0, NULL},
	{"0002 response end", "0002", 0, "E", 0, NULL},
	{"0004 empty data packet", "0004", 0, "D[]", 0, NULL},
	{"0005 one byte", "0005x", 0, "D[x]", 0, NULL},
	{"upper-case length", "000Ahello\n", 0, "D[hello\n]", 0, NULL},
	{"binary payload", "0008\x01\x7f\xff\n", 8, "D[\x01\x7f\xff\n]", 0, NULL},
	{"a v2 response", "000eversion 2\n0013ls-refs=unborn\n00010000", 0, "D[version 2\n]D[ls-refs=unborn\n]LF", 0,
	    NULL},
	{"0003 invalid", "0003", 0, "", PN_ERR_PARSE, "invalid pkt-line length 0003 at offset 0"},
	{"0003 after a packet", "0000" "0003", 0, "F", PN_ERR_PARSE, "0003 at offset 4"},
	{"ffff oversize", "ffff", 0, "", PN_ERR_PARSE, "pkt-line length 65535 exceeds 65520"},
	{"FFFF oversize", "FFFF", 0, "", PN_ERR_PARSE, "65535 exceeds 65520"},
	{"fff1 one over", "fff1", 0, "", PN_ERR_PARSE, "65521 exceeds 65520"},
	{"non-hex length", "00zz", 0, "", PN_ERR_PARSE, "bad pkt-line length \"00zz\""},
	{"negative length", "-001", 0, "", PN_ERR_PARSE, "bad pkt-line length \"-001\""},
	{"0x prefix", "0x10", 0, "", PN_ERR_PARSE, "bad pkt-line length"},
	{"space in length", " 004", 0, "", PN_ERR_PARSE, "bad pkt-line length \" 004\""},
	{"binary length quoted safely", "\x00\x01\x02\x03", 4, "", PN_ERR_PARSE, "\"\\x00\\x01\\x02\\x03\""},
	{"PACK where a length belongs", "PACK\x00\x00\x00\x02", 8, "", PN_ERR_PARSE, "bad pkt-line length \"PACK\""},
	{"truncated length", "000", 0, "", PN_ERR_PARSE, "inside a length (3 of 4 digits)"},
	{"truncated payload", "0009hel", 0, "", PN_ERR_PARSE, "after 3 of 5 payload bytes"},
	{"truncated after packets", "0006ok0000000a", 0, "D[ok]F", PN_ERR_PARSE, "after 0 of 6 payload bytes"},
};

struct log {
	struct pn_buf b;
	int fail_after;		/* fail on this event (0: never) */
	int events;
};

static const struct pn_error *
record(void *ctx, enum pn_pkt_type type, const char *data, size_t len)
{
	struct log *l = ctx;
	const struct pn_error *err = NULL;

	if (++l->events == l->fail_after)
		return pn_error_fmt(PN_ERR_PROTO, "callback refused packet %d", l->events);
	switch (type) {
	case PN_PKT_DATA:
		if ((err = pn_buf_addch(&l->b, 'D')) == NULL && (err = pn_buf_addch(&l->b, '[')) == NULL &&
		    (err = pn_buf_add(&l->b, data, len)) == NULL)
			err = pn_buf_addch(&l->b, ']');
		return err;
	case PN_PKT_FLUSH:
		return pn_buf_addch(&l->b, 'F');
	case PN_PKT_DELIM:
		return pn_buf_addch(&l->b, 'L');
	case PN_PKT_END:
		return pn_buf_addch(&l->b, 'E');
	}
	return NULL;
}

static struct pn_pkt *
new_reader(struct log *l, uint64_t max)
{
	struct pn_pkt *p = malloc(sizeof(*p));

	assert_non_null(p);
	memset(l, 0, sizeof(*l));
	pn_buf_init(&l->b, LOG_MAX, "log");
	pn_pkt_init(p, max, record, l);
	return p;
}

static void
test_row(void **state)
{
	static const size_t splits[] = {0, 1, 3, 5};
	const struct tcase *tc = *state;
	size_t len = tc->len != 0 ? tc->len : strlen(tc->in);

	for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
		struct log l;
		struct pn_pkt *p = new_reader(&l, 0);
		const struct pn_error *err = NULL;
		size_t off = 0;

		while (off < len && err == NULL) {
			size_t n = splits[s] == 0 || len - off < splits[s] ? len - off : splits[s];

			err = pn_pkt_push(p, tc->in + off, n);
			off += n;
		}
		if (err == NULL)
			err = pn_pkt_finish(p);
		if (tc->code == 0 && err != NULL)
			fail_msg("%s (split %zu): %s", tc->name, splits[s], err->msg);
		if (tc->code != 0 && (err == NULL || err->code != tc->code || strstr(err->msg, tc->needle) == NULL))
			fail_msg("%s (split %zu): expected %s \"%s\", got %s", tc->name, splits[s],
			    pn_error_code_name(tc->code), tc->needle, err != NULL ? err->msg : "success");
		if (l.b.len != strlen(tc->log) || memcmp(pn_buf_str(&l.b), tc->log, l.b.len) != 0)
			fail_msg("%s (split %zu): events \"%s\"", tc->name, splits[s], pn_buf_str(&l.b));
		pn_buf_release(&l.b);
		free(p);
	}
}

/* The largest packet passes, whole and in pieces; a write one byte larger is refused. */
static void
test_max_packet_roundtrip(void **state)
{
	struct pn_buf out;
	struct log l;
	struct pn_pkt *p;
	char *payload = malloc(PN_PKT_DATA_MAX + 1);

	(void)state;
	assert_non_null(payload);
	memset(payload, 'z', PN_PKT_DATA_MAX + 1);
	pn_buf_init(&out, 2 * PN_PKT_MAX, "request");
	assert_ok(pn_pkt_write(&out, payload, PN_PKT_DATA_MAX));
	assert_memory_equal(out.data, "fff0", 4);
	assert_error(pn_pkt_write(&out, payload, PN_PKT_DATA_MAX + 1), PN_ERR_INTERNAL, "exceeds 65516");
	assert_int_equal(out.len, PN_PKT_MAX);
	p = new_reader(&l, 0);
	assert_ok(pn_pkt_push(p, out.data, 100));
	assert_ok(pn_pkt_push(p, out.data + 100, out.len - 100));
	assert_ok(pn_pkt_finish(p));
	assert_int_equal(l.b.len, PN_PKT_DATA_MAX + 3);
	assert_int_equal(pn_pkt_offset(p), PN_PKT_MAX);
	pn_buf_release(&l.b);
	free(p);
	pn_buf_release(&out);
	free(payload);
}

static void
test_writer(void **state)
{
	struct pn_buf out;
	char *big = malloc(PN_PKT_DATA_MAX + 2);

	(void)state;
	assert_non_null(big);
	pn_buf_init(&out, 4 * PN_PKT_MAX, "request");
	assert_ok(pn_pkt_writef(&out, "command=%s\n", "ls-refs"));
	assert_ok(pn_pkt_delim(&out));
	assert_ok(pn_pkt_write(&out, "", 0));
	assert_ok(pn_pkt_flush(&out));
	assert_string_equal(pn_buf_str(&out), "0014command=ls-refs\n000100040000");
	/* a formatted packet one byte too long leaves the buffer as it was */
	memset(big, 'a', PN_PKT_DATA_MAX + 1);
	big[PN_PKT_DATA_MAX + 1] = '\0';
	assert_error(pn_pkt_writef(&out, "%s", big), PN_ERR_INTERNAL, "exceeds 65516");
	assert_string_equal(pn_buf_str(&out), "0014command=ls-refs\n000100040000");
	big[PN_PKT_DATA_MAX] = '\0';
	assert_ok(pn_pkt_writef(&out, "%s", big));
	assert_memory_equal(out.data + 32, "fff0aaa", 7);
	pn_buf_release(&out);
	free(big);
}

/* The callback's error stops the reader, and stays. */
static void
test_callback_error_sticks(void **state)
{
	struct log l;
	struct pn_pkt *p = new_reader(&l, 0);

	(void)state;
	l.fail_after = 2;
	assert_error(pn_pkt_push(p, "0006ok0006no0006xx", 18), PN_ERR_PROTO, "callback refused packet 2");
	assert_error(pn_pkt_push(p, "0000", 4), PN_ERR_PROTO, "refused packet 2");
	assert_error(pn_pkt_finish(p), PN_ERR_PROTO, "refused packet 2");
	assert_string_equal(pn_buf_str(&l.b), "D[ok]");
	pn_buf_release(&l.b);
	free(p);
}

/* A stream budget bounds the whole stream, not each packet. */
static void
test_stream_ceiling(void **state)
{
	struct log l;
	struct pn_pkt *p = new_reader(&l, 12);

	(void)state;
	assert_ok(pn_pkt_push(p, "0006ok", 6));
	assert_ok(pn_pkt_push(p, "0006ok", 6));
	assert_error(pn_pkt_push(p, "0", 1), PN_ERR_TOO_LARGE, "pkt-line stream exceeds its limit of 12 bytes");
	pn_buf_release(&l.b);
	free(p);
}

static void
test_quote(void **state)
{
	char buf[16], big[PN_PKT_QUOTE_MAX + 10], out[PN_PKT_QUOTE_MAX + 8];

	(void)state;
	pn_pkt_quote("not our ref\n", 12, buf, sizeof(buf));
	assert_string_equal(buf, "not our ref");
	pn_pkt_quote("a\x1b[31mb\\", 8, buf, sizeof(buf));
	assert_string_equal(buf, "a\\x1b[31mb\\x5c");
	pn_pkt_quote("0123456789abcdefghij", 20, buf, sizeof(buf));
	assert_string_equal(buf, "0123456789ab...");
	memset(big, 'q', sizeof(big));
	pn_pkt_quote(big, sizeof(big), out, sizeof(out));
	assert_int_equal(strlen(out), PN_PKT_QUOTE_MAX + 3);
	assert_string_equal(out + PN_PKT_QUOTE_MAX, "...");
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_max_packet_roundtrip),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_callback_error_sticks),
		cmocka_unit_test(test_stream_ceiling),
		cmocka_unit_test(test_quote),
	};
	enum { NROWS = sizeof(cases) / sizeof(cases[0]), NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
	struct CMUnitTest tests[NROWS + NFIXED];

	for (size_t i = 0; i < NROWS; i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(test_row, (void *)(uintptr_t)&cases[i]);

		t.name = cases[i].name;
		tests[i] = t;
	}
	memcpy(tests + NROWS, fixed, sizeof(fixed));
	return _cmocka_run_group_tests("pkt", tests, NROWS + NFIXED, NULL, NULL);
}
