/*
 * side-band-64k demultiplexing, table-driven, fed through the pkt-line reader as upload-pack's packfile section
 * is: band 1 to the data sink, band 2 to the progress callback, band 3 as the server's error. Every malformed
 * length in a multiplexed stream (0000 ends it; 0001, 0002, 0003, 0004, ffff, truncated, oversize) and every bad
 * band.
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/core/buf.h"
#include "../../agent/source/pkt.h"
#include "../../agent/source/sideband.h"

struct demux {
	struct pn_pkt pkt;
	struct pn_sideband sb;
	struct pn_buf data, progress;
	int flushed;
};

static const struct pn_error *
on_data(void *ctx, const char *d, size_t n)
{
	return pn_buf_add(&((struct demux *)ctx)->data, d, n);
}

static const struct pn_error *
on_progress(void *ctx, const char *d, size_t n)
{
	return pn_buf_add(&((struct demux *)ctx)->progress, d, n);
}

/* The packfile section: multiplexed packets up to a flush; nothing may follow. */
static const struct pn_error *
on_packet(void *ctx, enum pn_pkt_type type, const char *data, size_t len)
{
	struct demux *m = ctx;

	if (m->flushed)
		return pn_error_fmt(PN_ERR_PROTO, "data after the end of the pack");
	switch (type) {
	case PN_PKT_DATA:
		return pn_sideband_packet(&m->sb, data, len);
	case PN_PKT_FLUSH:
		m->flushed = 1;
		return NULL;
	default:
		return pn_error_fmt(PN_ERR_PROTO, "unexpected %s packet in the pack stream",
		    type == PN_PKT_DELIM ? "delim (0001)" : "response-end (0002)");
	}
}

static struct demux *
demux_new(uint64_t data_max, int with_progress)
{
	struct demux *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	pn_buf_init(&m->data, 1 << 20, "pack");
	pn_buf_init(&m->progress, 1 << 20, "progress");
	pn_pkt_init(&m->pkt, 0, on_packet, m);
	pn_sideband_init(&m->sb, data_max, on_data, m, with_progress ? on_progress : NULL, m);
	return m;
}

static void
demux_free(struct demux *m)
{
	pn_buf_release(&m->data);
	pn_buf_release(&m->progress);
	free(m);
}

struct tcase {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen */
	const char *data;	/* band 1 bytes expected */
	const char *progress;
	enum pn_err_code code;
	const char *needle;
};

static const struct tcase cases[] = {
	{"data then flush", "0009\x01PACK0000", 0, "PACK", "", 0, NULL},
	{"data, progress, data", "0009\x01PACK0011\x02" "Counting: 1\r0008\x01\x00\x00\x02" "0000", 38,
	    "PACK\x00\x00\x02", "Counting: 1\r", 0, NULL},
	{"one-byte data packet", "0006\x01x0000", 0, "x", "", 0, NULL},
	{"empty band-1 packet", "0005\x01" "0000", 0, "", "", 0, NULL},
	{"band 3 error", "0009\x01PACK001e\x03" "fatal: pack-objects died\n", 0, "PACK", "", PN_ERR_REJECTED,
	    "the server reported an error: fatal: pack-objects died"},
	{"band 3 with escape codes", "000b\x03\x1b[1mx\n", 0, "", "", PN_ERR_REJECTED, "error: \\x1b[1mx"},
	{"band 3 empty", "0005\x03", 0, "", "", PN_ERR_REJECTED, "the server reported an error: "},
	{"band 0", "0006\x00x", 6, "", "", PN_ERR_PARSE, "bad band 0"},
	{"band 4", "0006\x04x", 0, "", "", PN_ERR_PARSE, "bad band 4"},
	{"band 255", "0006\xffx", 0, "", "", PN_ERR_PARSE, "bad band 255"},
	{"PACK without band", "0008PACK", 0, "", "", PN_ERR_PARSE, "bad band 80"},
	{"0000 ends the stream", "00000009\x01PACK", 0, "", "", PN_ERR_PROTO, "after the end of the pack"},
	{"0001 in the stream", "0001", 0, "", "", PN_ERR_PROTO, "delim (0001)"},
	{"0002 in the stream", "0002", 0, "", "", PN_ERR_PROTO, "response-end (0002)"},
	{"0003 in the stream", "0003", 0, "", "", PN_ERR_PARSE, "invalid pkt-line length 0003"},
	{"0004 has no band byte", "0004", 0, "", "", PN_ERR_PARSE, "without a band byte"},
	{"ffff oversize", "ffff\x01", 0, "", "", PN_ERR_PARSE, "65535 exceeds 65520"},
	{"truncated packet", "0009\x01PA", 0, "", "", PN_ERR_PARSE, "after 3 of 5 payload bytes"},
	{"truncated length", "0009\x01PACK00", 0, "PACK", "", PN_ERR_PARSE, "inside a length (2 of 4 digits)"},
};

static void
test_row(void **state)
{
	const struct tcase *tc = *state;
	size_t len = tc->len != 0 ? tc->len : strlen(tc->in);

	for (size_t split = 0; split <= 2; split++) {
		struct demux *m = demux_new(0, 1);
		const struct pn_error *err = NULL;
		size_t off = 0;

		while (off < len && err == NULL) {
			size_t n = split == 0 || len - off < split ? len - off : split;

			err = pn_pkt_push(&m->pkt, tc->in + off, n);
			off += n;
		}
		if (err == NULL)
			err = pn_pkt_finish(&m->pkt);
		if (tc->code == 0 && err != NULL)
			fail_msg("%s: %s", tc->name, err->msg);
		if (tc->code != 0 && (err == NULL || err->code != tc->code || strstr(err->msg, tc->needle) == NULL))
			fail_msg("%s: expected %s \"%s\", got %s", tc->name, pn_error_code_name(tc->code), tc->needle,
			    err != NULL ? err->msg : "success");
		if (tc->code == 0) {
			size_t dlen = strcmp(tc->name, "data, progress, data") == 0 ? 7 : strlen(tc->data);

			assert_int_equal(m->data.len, dlen);
			assert_memory_equal(pn_buf_str(&m->data), tc->data, dlen);
			assert_string_equal(pn_buf_str(&m->progress), tc->progress);
			assert_int_equal(m->sb.data_bytes, dlen);
		}
		demux_free(m);
	}
}

/* The pack budget counts band-1 bytes across packets; progress does not count. */
static void
test_data_ceiling(void **state)
{
	struct demux *m = demux_new(8, 0);

	(void)state;
	assert_ok(pn_pkt_push(&m->pkt, "0009\x01PACK", 9));
	assert_ok(pn_pkt_push(&m->pkt, "0009\x02wait", 9)); /* no progress callback: dropped */
	assert_ok(pn_pkt_push(&m->pkt, "0009\x01" "abcd", 9));
	assert_error(pn_pkt_push(&m->pkt, "0006\x01z", 6), PN_ERR_TOO_LARGE, "pack data exceeds its limit of 8 bytes");
	assert_int_equal(m->data.len, 8);
	demux_free(m);
}

/* Called directly: a payload longer than side-band-64k allows, and the sink's error. */
static void
test_direct(void **state)
{
	struct demux *m = demux_new(0, 1);
	char *big = malloc(PN_PKT_DATA_MAX + 1);

	(void)state;
	assert_non_null(big);
	memset(big, 0, PN_PKT_DATA_MAX + 1);
	big[0] = 1;
	assert_ok(pn_sideband_packet(&m->sb, big, PN_PKT_DATA_MAX));
	assert_int_equal(m->data.len, PN_SIDEBAND_DATA_MAX);
	assert_error(pn_sideband_packet(&m->sb, big, PN_PKT_DATA_MAX + 1), PN_ERR_PARSE, "exceeds 65515");
	assert_error(pn_sideband_packet(&m->sb, "", 0), PN_ERR_PARSE, "without a band byte");
	m->data.max = m->data.len;
	assert_error(pn_sideband_packet(&m->sb, "\x01z", 2), PN_ERR_TOO_LARGE, "pack exceeds its limit");
	free(big);
	demux_free(m);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_data_ceiling),
		cmocka_unit_test(test_direct),
	};
	enum { NROWS = sizeof(cases) / sizeof(cases[0]), NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
	struct CMUnitTest tests[NROWS + NFIXED];

	for (size_t i = 0; i < NROWS; i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(test_row, (void *)(uintptr_t)&cases[i]);

		t.name = cases[i].name;
		tests[i] = t;
	}
	memcpy(tests + NROWS, fixed, sizeof(fixed));
	return _cmocka_run_group_tests("sideband", tests, NROWS + NFIXED, NULL, NULL);
}
