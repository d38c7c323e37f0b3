#include "pn_test.h"
#include "peer.h"

#include <zlib.h>

#include <mbedtls/sha1.h>

#include "../../agent/core/file.h"
#include "../../agent/source/pack.h"

/* Pieces the tests push a pack in: the push parser must not care. */
static const size_t pieces[] = {1, 7, 65536};

static char dir[PN_TEST_PATH_MAX];

static int
setup(void **state)
{
	char cmd[PN_TEST_PATH_MAX * 2];

	(void)state;
	if (pn_test_tmpdir("pack", dir, sizeof(dir)) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh tests/data/odb/mkrepo.sh %s small versions", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

/*
 * Building packs byte by byte (the crafted packs of git-protocol.md section 4).
 */

static void
b_add(struct pn_buf *b, const void *p, size_t n)
{
	assert_ok(pn_buf_add(b, p, n));
}

static void
b_header(struct pn_buf *b, uint32_t version, uint32_t count)
{
	uint8_t h[12] = {'P', 'A', 'C', 'K', (uint8_t)(version >> 24), (uint8_t)(version >> 16), (uint8_t)(version >> 8),
	    (uint8_t)version, (uint8_t)(count >> 24), (uint8_t)(count >> 16), (uint8_t)(count >> 8), (uint8_t)count};
	b_add(b, h, sizeof(h));
}

static void
b_entry_header(struct pn_buf *b, unsigned type, uint64_t size)
{
	uint8_t c = (uint8_t)(type << 4 | (size & 15));

	for (size >>= 4; size != 0; size >>= 7) {
		c |= 0x80;
		b_add(b, &c, 1);
		c = size & 0x7f;
	}
	b_add(b, &c, 1);
}

static void
b_zlib(struct pn_buf *b, const void *data, size_t len)
{
	uLongf n = compressBound(len);
	uint8_t *z = malloc(n);

	assert_int_equal(compress2(z, &n, data, len, 9), Z_OK);
	b_add(b, z, n);
	free(z);
}

static void
b_object(struct pn_buf *b, unsigned type, const char *data)
{
	b_entry_header(b, type, strlen(data));
	b_zlib(b, data, strlen(data));
}

static void
b_ofs_delta(struct pn_buf *b, uint64_t dist, const void *delta, size_t len)
{
	uint8_t t[16];
	size_t pos = sizeof(t) - 1;

	b_entry_header(b, PN_OBJ_OFS_DELTA, len);
	t[pos] = dist & 127;
	while (dist >>= 7)
		t[--pos] = (uint8_t)(128 | (--dist & 127));
	b_add(b, t + pos, sizeof(t) - pos);
	b_zlib(b, delta, len);
}

static void
b_trailer(struct pn_buf *b)
{
	uint8_t d[20];

	assert_int_equal(mbedtls_sha1((const uint8_t *)b->data, b->len, d), 0);
	b_add(b, d, sizeof(d));
}

#define BLOB_A "hello base\n"
#define BLOB_B "hello delta\n"
#define OID_A "4bb183624fc7ae605a8c45a675a52f08847311d9"
#define OID_B "8fc2778e0762b6637267adb2c1ebc9f52d810943"

/* What the sink saw. */
struct seen {
	struct pn_pack_entry e[4096];
	size_t n;
	struct pn_buf data;	/* inflated bytes of every entry, concatenated */
};

static const struct pn_error *
on_entry(void *arg, const struct pn_pack_entry *e)
{
	struct seen *s = arg;

	if (s->n == sizeof(s->e) / sizeof(s->e[0]))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "test sink full");
	s->e[s->n++] = *e;
	return NULL;
}

static const struct pn_error *
on_data(void *arg, const struct pn_pack_entry *e, const void *p, size_t n)
{
	(void)e;
	return pn_buf_add(&((struct seen *)arg)->data, p, n);
}

/* Push `len` bytes in pieces of `piece` (0: pseudo-random sizes), then finish. */
static const struct pn_error *
parse(const void *pack, size_t len, size_t piece, const struct pn_pack_limits *limits, struct seen *s,
    struct pn_oid *checksum)
{
	struct pn_pack_sink sink = {on_entry, on_data, s};
	struct pn_pack *p;
	const struct pn_error *err = NULL;
	unsigned seed = 12345;

	s->n = 0;
	pn_buf_reset(&s->data);
	assert_ok(pn_pack_new(limits, &sink, &p));
	for (size_t off = 0; off < len && err == NULL;) {
		size_t n = piece;

		if (n == 0) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 3000;
		}
		if (n > len - off)
			n = len - off;
		err = pn_pack_push(p, (const uint8_t *)pack + off, n);
		off += n;
	}
	if (err == NULL)
		err = pn_pack_finish(p);
	if (err == NULL && checksum != NULL)
		pn_pack_checksum(p, checksum);
	if (err != NULL) {
		/* the error is kept */
		static struct pn_error copy;

		copy = *err;
		assert_ptr_equal(pn_pack_push(p, "x", 1), pn_pack_finish(p));
		assert_string_equal(pn_pack_finish(p)->msg, copy.msg);
		pn_pack_free(p);
		return &copy;
	}
	pn_pack_free(p);
	return NULL;
}

static struct seen *
seen_new(void)
{
	struct seen *s = calloc(1, sizeof(*s));

	pn_buf_init(&s->data, 64 << 20, "data");
	return s;
}

static void
seen_free(struct seen *s)
{
	pn_buf_release(&s->data);
	free(s);
}

static void
test_two_blobs(void **state)
{
	struct pn_buf b;
	struct seen *s = seen_new();
	char hex[PN_OID_HEX_MAX];
	struct pn_oid sum;

	(void)state;
	pn_buf_init(&b, 1 << 20, "pack");
	b_header(&b, 2, 2);
	b_object(&b, PN_OBJ_BLOB, BLOB_A);
	b_object(&b, PN_OBJ_BLOB, BLOB_B);
	b_trailer(&b);
	for (size_t i = 0; i <= sizeof(pieces) / sizeof(pieces[0]); i++) {
		assert_ok(parse(b.data, b.len, i < 3 ? pieces[i] : 0, NULL, s, &sum));
		assert_int_equal(s->n, 2);
		assert_string_equal(pn_oid_to_hex(&s->e[0].oid, hex), OID_A);
		assert_string_equal(pn_oid_to_hex(&s->e[1].oid, hex), OID_B);
		assert_true(s->e[0].offset == 12 && s->e[0].data_offset == 13 && s->e[0].end == s->e[1].offset);
		assert_true(s->e[1].end == b.len - 20);
		assert_int_equal(s->e[1].index, 1);
		assert_string_equal(pn_buf_str(&s->data), BLOB_A BLOB_B);
		assert_memory_equal(sum.b, b.data + b.len - 20, 20);
	}
	/* version 3 is the same format */
	b.data[7] = 3;
	b.len -= 20;
	b_trailer(&b);
	assert_ok(parse(b.data, b.len, 5, NULL, s, NULL));
	pn_buf_release(&b);
	seen_free(s);
}

/* One crafted pack per case; each has a valid trailer unless the case is about the trailer. */
enum crafted {
	C_TRUNCATED, C_BAD_TRAILER, C_BAD_MAGIC, C_BAD_VERSION, C_COUNT_HIGH, C_COUNT_LOW, C_TYPE0, C_TYPE5,
	C_HUGE_SIZE, C_SIZE_LIES_LONG, C_SIZE_LIES_SHORT, C_ZLIB_GARBAGE, C_ZLIB_CORRUPT, C_OFS_ZERO, C_OFS_BEFORE,
	C_SIZE_VARINT_LONG, C_TOO_SHORT, C_EMPTY, C_N
};

static void
craft(enum crafted c, struct pn_buf *b)
{
	uint8_t garbage[2] = {0, 0}, huge[10];
	size_t n = 0;

	pn_buf_reset(b);
	switch (c) {
	case C_TRUNCATED:
	case C_BAD_TRAILER:
	case C_COUNT_HIGH:
	case C_COUNT_LOW:
		b_header(b, 2, c == C_COUNT_HIGH ? 3 : c == C_COUNT_LOW ? 1 : 2);
		b_object(b, PN_OBJ_BLOB, BLOB_A);
		b_object(b, PN_OBJ_BLOB, BLOB_B);
		b_trailer(b);
		if (c == C_TRUNCATED)
			b->len /= 2;
		if (c == C_BAD_TRAILER)
			b->data[b->len - 1] ^= 1;
		return;
	case C_BAD_MAGIC:
	case C_BAD_VERSION:
		b_header(b, c == C_BAD_VERSION ? 4 : 2, 1);
		if (c == C_BAD_MAGIC)
			b->data[0] = 'K';
		b_object(b, PN_OBJ_BLOB, BLOB_A);
		break;
	case C_TYPE0:
	case C_TYPE5:
		b_header(b, 2, 1);
		b_object(b, c == C_TYPE0 ? 0 : 5, BLOB_A);
		break;
	case C_HUGE_SIZE:
		/* a blob claiming 2^62 bytes, with a tiny zlib stream */
		b_header(b, 2, 1);
		huge[n++] = 0x80 | PN_OBJ_BLOB << 4;
		for (int i = 0; i < 8; i++)
			huge[n++] = 0x80;
		huge[n++] = 0x04;	/* 4 << 60 = 2^62 */
		b_add(b, huge, n);
		b_zlib(b, BLOB_A, strlen(BLOB_A));
		break;
	case C_SIZE_LIES_LONG:
	case C_SIZE_LIES_SHORT:
		b_header(b, 2, 1);
		b_entry_header(b, PN_OBJ_BLOB, c == C_SIZE_LIES_LONG ? 5 : 40);
		b_zlib(b, BLOB_A, strlen(BLOB_A));
		break;
	case C_ZLIB_GARBAGE:
		b_header(b, 2, 2);
		b_object(b, PN_OBJ_BLOB, BLOB_A);
		b_add(b, garbage, sizeof(garbage));
		b_object(b, PN_OBJ_BLOB, BLOB_B);
		break;
	case C_ZLIB_CORRUPT:
		b_header(b, 2, 1);
		b_object(b, PN_OBJ_BLOB, BLOB_A);
		b->data[b->len - 2] ^= 0x55;	/* its Adler-32 */
		break;
	case C_OFS_ZERO:
	case C_OFS_BEFORE:
		b_header(b, 2, 2);
		b_object(b, PN_OBJ_BLOB, BLOB_A);
		b_ofs_delta(b, c == C_OFS_ZERO ? 0 : 4096, "\x0b\x0c\x0chello delta\n", 15);
		break;
	case C_SIZE_VARINT_LONG:
		b_header(b, 2, 1);
		memset(huge, 0x80, sizeof(huge));
		huge[0] |= PN_OBJ_BLOB << 4;
		b_add(b, huge, sizeof(huge));
		b_add(b, "\x00", 1);
		break;
	case C_TOO_SHORT:
		b_add(b, "PACK\0\0\0\2", 8);
		return;
	case C_EMPTY:
	case C_N:
		return;
	}
	b_trailer(b);
}

static void
test_crafted(void **state)
{
	static const struct {
		enum crafted c;
		enum pn_err_code code;
		const char *err;
	} cases[] = {
		{C_TRUNCATED, PN_ERR_PARSE, "truncated pack: ends inside the data of object 1 of 2"},
		{C_BAD_TRAILER, PN_ERR_PARSE, "checksum mismatch: the trailer says"},
		{C_BAD_MAGIC, PN_ERR_PARSE, "pack offset 0: not a pack"},
		{C_BAD_VERSION, PN_ERR_PARSE, "pack offset 4: unsupported pack version 4"},
		{C_COUNT_HIGH, PN_ERR_PARSE, "the pack ends after 2 of the 3 objects its header announced"},
		{C_COUNT_LOW, PN_ERR_PARSE, "pack offset 32: more data after the last of the 1 objects"},
		{C_TYPE0, PN_ERR_PARSE, "pack offset 12: invalid object type 0"},
		{C_TYPE5, PN_ERR_PARSE, "pack offset 12: reserved object type 5"},
		{C_HUGE_SIZE, PN_ERR_TOO_LARGE, "pack offset 12: object of 4611686018427387904 bytes exceeds the "
		    "object size limit of 134217728 bytes (PN_PACK_MAX_OBJECT; raise it with --max-object-size"},
		{C_SIZE_LIES_LONG, PN_ERR_PARSE, "pack offset 12: object data is longer than the 5 bytes its header"},
		{C_SIZE_LIES_SHORT, PN_ERR_PARSE, "pack offset 12: object data is 11 bytes, its header declares 40"},
		{C_ZLIB_GARBAGE, PN_ERR_PARSE, "pack offset 32: invalid object type 0"},
		{C_ZLIB_CORRUPT, PN_ERR_PARSE, "pack offset 12: corrupt zlib data in object 1"},
		{C_OFS_ZERO, PN_ERR_PARSE, "pack offset 32: OFS_DELTA base distance 0 (the entry itself)"},
		{C_OFS_BEFORE, PN_ERR_PARSE, "pack offset 32: OFS_DELTA base distance 4096 points before the first"},
		{C_SIZE_VARINT_LONG, PN_ERR_PARSE, "pack offset 12: size field longer than 10 bytes"},
		{C_TOO_SHORT, PN_ERR_PARSE, "truncated pack: 8 bytes, too short for a header and a trailer"},
		{C_EMPTY, PN_ERR_PARSE, "truncated pack: 0 bytes"},
	};
	struct seen *s = seen_new();
	struct pn_buf b;

	(void)state;
	pn_buf_init(&b, 1 << 20, "pack");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		craft(cases[i].c, &b);
		for (size_t k = 0; k <= sizeof(pieces) / sizeof(pieces[0]); k++) {
			const struct pn_error *e = parse(b.data, b.len, k < 3 ? pieces[k] : 0, NULL, s, NULL);

			if (e == NULL || e->code != cases[i].code || strstr(e->msg, cases[i].err) == NULL)
				fail_msg("case %zu, pieces %zu: expected \"%s\", got \"%s\"", i, k, cases[i].err,
				    e != NULL ? e->msg : "success");
		}
	}
	pn_buf_release(&b);
	seen_free(s);
}

static void
test_limits(void **state)
{
	struct pn_pack_limits l;
	struct seen *s = seen_new();
	struct pn_buf b;
	char want[128];

	(void)state;
	pn_buf_init(&b, 1 << 20, "pack");
	b_header(&b, 2, 2);
	b_object(&b, PN_OBJ_BLOB, BLOB_A);
	b_object(&b, PN_OBJ_BLOB, BLOB_B);
	b_trailer(&b);

	pn_pack_limits_default(&l);
	l.max_objects = 1;
	assert_error(parse(b.data, b.len, 7, &l, s, NULL), PN_ERR_TOO_LARGE,
	    "pack offset 8: the pack announces 2 objects, more than the limit of 1 (PN_PACK_MAX_OBJECTS)");
	pn_pack_limits_default(&l);
	l.max_size = b.len - 1;
	snprintf(want, sizeof(want), "exceeds the limit of %zu bytes (PN_PACK_MAX_SIZE)", b.len - 1);
	assert_error(parse(b.data, b.len, 7, &l, s, NULL), PN_ERR_TOO_LARGE, want);
	l.max_size = b.len;	/* exactly at the budget */
	assert_ok(parse(b.data, b.len, 7, &l, s, NULL));
	pn_pack_limits_default(&l);
	l.max_object = 11;	/* A fits exactly, B does not */
	assert_error(parse(b.data, b.len, 7, &l, s, NULL), PN_ERR_TOO_LARGE,
	    "pack offset 32: object of 12 bytes exceeds the object size limit of 11 bytes");
	pn_buf_release(&b);
	seen_free(s);
}

/* Entry headers: every length field truncated at each byte, then complete. */
static void
test_entry_header(void **state)
{
	static const struct {
		const char *hdr;
		size_t len;
		size_t want;	/* header length; 0: an error */
		const char *err;
	} cases[] = {
		{"\x35", 1, 1, NULL},				/* blob, size 5 */
		{"\xb5\x01", 2, 2, NULL},			/* blob, size 5 + 16 */
		{"\x65\x05", 2, 2, NULL},			/* OFS_DELTA, distance 5 */
		{"\xe5\x00\x05", 3, 3, NULL},			/* OFS_DELTA, a 2-byte size, distance 5 */
		{"\x75" "01234567890123456789", 21, 21, NULL},	/* REF_DELTA */
		{"\x65\x00", 2, 0, "OFS_DELTA base distance 0"},
		{"\x65\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11, 0, "does not fit 64 bits"},
		{"\xb5\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10, 0, "does not fit 64 bits"},
	};
	struct pn_pack_limits l;
	struct pn_pack_entry e;
	size_t hl;

	(void)state;
	pn_pack_limits_default(&l);
	l.max_object = SIZE_MAX;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint8_t *h = (const uint8_t *)cases[i].hdr;

		/* every proper prefix is either "need more" or already the error */
		for (size_t k = 0; k < cases[i].len; k++) {
			const struct pn_error *err = pn_pack_entry_parse(h, k, 1000, &l, &e, &hl);

			if (err != NULL) {
				assert_null(cases[i].err == NULL ? "unexpected error" : NULL);
				break;
			}
			assert_int_equal(hl, 0);
		}
		if (cases[i].err != NULL) {
			assert_error(pn_pack_entry_parse(h, cases[i].len, 1000, &l, &e, &hl), PN_ERR_PARSE, cases[i].err);
			continue;
		}
		assert_ok(pn_pack_entry_parse(h, cases[i].len, 1000, &l, &e, &hl));
		assert_int_equal(hl, cases[i].want);
		assert_true(e.data_offset == 1000 + hl);
	}
	/* the decoded values */
	assert_ok(pn_pack_entry_parse((const uint8_t *)"\xb5\x01", 2, 50, &l, &e, &hl));
	assert_true(e.type == PN_OBJ_BLOB && e.size == 21);
	/* OFS distance 0x80 0x00 is (0 + 1) << 7 | 0 = 128 */
	assert_ok(pn_pack_entry_parse((const uint8_t *)"\x65\x80\x00", 3, 500, &l, &e, &hl));
	assert_true(e.base_offset == 500 - 128);
}

/* The offsets, types, sizes and object ids of every entry of packs git wrote, checked against git verify-pack. */
static void
check_git_pack(const char *name)
{
	char path[PN_TEST_PATH_MAX * 2], cmd[PN_TEST_PATH_MAX * 12], line[512];
	struct seen *s = seen_new();
	struct pn_buf pack;
	size_t deltas = 0, lines = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pn_buf_init(&pack, 64 << 20, "pack");
	assert_ok(pn_file_read(path, &pack));
	for (size_t k = 0; k <= sizeof(pieces) / sizeof(pieces[0]); k++) {
		if (k == 0 && pack.len > 10000)
			continue;	/* 1-byte pieces only for the small packs: time */
		assert_ok(parse(pack.data, pack.len, k < 3 ? pieces[k] : 0, NULL, s, NULL));
	}
	snprintf(cmd, sizeof(cmd), "cp %s %s.x.pack && git index-pack %s.x.pack >/dev/null && "
	    "git verify-pack -v %s.x.idx", path, path, path, path);
	assert_non_null(f = popen(cmd, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		char oid[64], type[16], hex[PN_OID_HEX_MAX];
		unsigned long long size, in_pack, offset;
		size_t i;
		int n = sscanf(line, "%63s %15s %llu %llu %llu", oid, type, &size, &in_pack, &offset);

		if (n != 5 || strlen(oid) != 40)
			continue;
		lines++;
		for (i = 0; i < s->n && s->e[i].offset != offset; i++)
			;
		if (i == s->n)
			fail_msg("%s: no entry at offset %llu", name, offset);
		assert_true(s->e[i].end - s->e[i].offset == in_pack);
		if (s->e[i].type >= PN_OBJ_OFS_DELTA) {
			deltas++;
			continue;
		}
		assert_string_equal(pn_pack_type_name(s->e[i].type), type);
		assert_true(s->e[i].size == size);
		assert_string_equal(pn_oid_to_hex(&s->e[i].oid, hex), oid);
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(lines, s->n);
	if (strstr(name, "versions") != NULL)
		assert_true(deltas > 100);	/* the point of that repository */
	pn_buf_release(&pack);
	seen_free(s);
}

static void
test_git_small_ofs(void **state)
{
	(void)state;
	check_git_pack("small-ofs.pack");
}

static void
test_git_small_ref(void **state)
{
	(void)state;
	check_git_pack("small-ref.pack");
}

static void
test_git_versions(void **state)
{
	(void)state;
	check_git_pack("versions-ofs.pack");
	check_git_pack("versions-ref.pack");
}

/* An empty pack (git pack-objects with no objects): header, no entries, trailer. */
static void
test_git_empty(void **state)
{
	char cmd[PN_TEST_PATH_MAX * 6], path[PN_TEST_PATH_MAX * 2];
	struct seen *s = seen_new();
	struct pn_buf pack;

	(void)state;
	snprintf(path, sizeof(path), "%s/empty.pack", dir);
	snprintf(cmd, sizeof(cmd), "git -C %s/small pack-objects -q --stdout </dev/null >%s", dir, path);
	assert_int_equal(system(cmd), 0);
	pn_buf_init(&pack, 1024, "pack");
	assert_ok(pn_file_read(path, &pack));
	assert_int_equal(pack.len, 32);
	assert_ok(parse(pack.data, pack.len, 1, NULL, s, NULL));
	assert_int_equal(s->n, 0);
	pn_buf_release(&pack);
	seen_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_blobs),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_entry_header),
		cmocka_unit_test(test_git_small_ofs),
		cmocka_unit_test(test_git_small_ref),
		cmocka_unit_test(test_git_versions),
		cmocka_unit_test(test_git_empty),
	};
	return cmocka_run_group_tests_name("pack", tests, setup, teardown);
}
