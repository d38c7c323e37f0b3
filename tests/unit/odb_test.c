#include "pn_test.h"
#include "peer.h"

#include <dirent.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <zlib.h>

#include <mbedtls/sha1.h>

#include "../../agent/core/file.h"
#include "../../agent/source/odb.h"
#include "../../agent/source/sha1.h"
#include "../../agent/source/tree.h"

#define CMD_MAX (PN_TEST_PATH_MAX * 8)

static char dir[PN_TEST_PATH_MAX];
static unsigned store_seq;

static int
setup(void **state)
{
	char cmd[CMD_MAX];

	(void)state;
	if (pn_test_tmpdir("odb", dir, sizeof(dir)) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh tests/data/odb/mkrepo.sh %s small versions deep", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_rmtree(dir);
	return 0;
}

/* A new, empty state directory. */
static void
new_state(char *out, size_t len)
{
	snprintf(out, len, "%s/state%u", dir, ++store_seq);
	assert_int_equal(mkdir(out, 0755), 0);
}

/* Feed `len` bytes in pieces of `piece` (0: pseudo-random sizes up to 64 KiB) and finish. */
static const struct pn_error *
ingest(struct pn_odb *odb, const void *pack, size_t len, size_t piece, struct pn_oid *name)
{
	struct pn_odb_ingest *ing;
	const struct pn_error *err = NULL;
	unsigned seed = 777;

	assert_ok(pn_odb_ingest_begin(odb, &ing));
	for (size_t off = 0; off < len && err == NULL;) {
		size_t n = piece;

		if (n == 0) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 8) % 65536;
		}
		if (n > len - off)
			n = len - off;
		err = pn_odb_ingest_push(ing, (const uint8_t *)pack + off, n);
		off += n;
	}
	return pn_odb_ingest_finish(ing, name);
}

static const struct pn_error *
ingest_file(struct pn_odb *odb, const char *name, size_t piece, struct pn_oid *pack)
{
	char path[PN_TEST_PATH_MAX * 2];
	const struct pn_error *err;
	struct pn_buf b;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pn_buf_init(&b, 64 << 20, "pack");
	assert_ok(pn_file_read(path, &b));
	err = ingest(odb, b.data, b.len, piece, pack);
	pn_buf_release(&b);
	return err;
}

/* Every object of `repo`, as `git cat-file --batch-all-objects --batch` prints it, read back from the store
 * and compared byte for byte. With `sample` > 1 only every sample-th object is read (the others: stat). */
static size_t
compare_repo(struct pn_odb *odb, const char *repo, unsigned sample)
{
	char cmd[CMD_MAX], line[256];
	struct pn_buf got, want;
	size_t count = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "git -C %s/%s cat-file --batch-all-objects --batch", dir, repo);
	assert_non_null(f = popen(cmd, "r"));
	pn_buf_init(&got, 64 << 20, "object");
	pn_buf_init(&want, 64 << 20, "object");
	while (fgets(line, sizeof(line), f) != NULL) {
		char hex[64], type[16];
		unsigned long long size;
		enum pn_obj_type t;
		struct pn_oid oid;
		uint64_t sz;
		char *dst;

		assert_int_equal(sscanf(line, "%63s %15s %llu", hex, type, &size), 3);
		pn_buf_reset(&want);
		assert_ok(pn_buf_reserve(&want, (size_t)size + 1, &dst));
		assert_int_equal(fread(dst, 1, (size_t)size + 1, f), size + 1);	/* + the LF cat-file adds */
		pn_buf_commit(&want, (size_t)size);
		assert_ok(pn_oid_from_hex(hex, strlen(hex), &oid));
		assert_ok(pn_odb_stat(odb, &oid, &t, &sz));
		assert_string_equal(pn_pack_type_name(t), type);
		assert_true(sz == size);
		assert_true(pn_odb_has(odb, &oid));
		if (count++ % sample == 0) {
			pn_buf_reset(&got);
			t = 0;
			assert_ok(pn_odb_read(odb, &oid, &t, &got));
			assert_string_equal(pn_pack_type_name(t), type);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, want.len);
		}
	}
	assert_int_equal(pclose(f), 0);
	pn_buf_release(&got);
	pn_buf_release(&want);
	assert_true(count > 0);
	return count;
}

/* The names in <state>/objects, sorted, one per line. */
static void
list_objects(const char *state, char *out, size_t len)
{
	char cmd[CMD_MAX];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "ls -a %s/objects", state);
	assert_non_null(f = popen(cmd, "r"));
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
}

static void
check_pieces(const char *pack, const char *repo, const size_t *pieces, size_t npieces)
{
	for (size_t i = 0; i < npieces; i++) {
		char state[PN_TEST_PATH_MAX * 2];
		struct pn_odb *odb;
		struct pn_oid name;

		new_state(state, sizeof(state));
		assert_ok(pn_odb_open_writer(state, NULL, &odb));
		assert_ok(ingest_file(odb, pack, pieces[i], &name));
		compare_repo(odb, repo, 1);
		pn_odb_close(odb);
	}
}

static void
test_small_ofs(void **state)
{
	static const size_t pieces[] = {1, 7, 65536, 0};

	(void)state;
	check_pieces("small-ofs.pack", "small", pieces, 4);
}

static void
test_small_ref(void **state)
{
	static const size_t pieces[] = {1, 7, 65536, 0};

	(void)state;
	check_pieces("small-ref.pack", "small", pieces, 4);
}

/* Real deltas (--window=250 --depth=4095): OFS and REF. */
static void
test_versions(void **state)
{
	static const size_t pieces[] = {7, 65536, 0};

	(void)state;
	check_pieces("versions-ofs.pack", "versions", pieces, 3);
	check_pieces("versions-ref.pack", "versions", pieces, 3);
}

/* Chains over 700 deep, resolved iteratively with a 4 MiB cache, in bounded memory. */
static void
test_deep_chain(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], path[PN_TEST_PATH_MAX * 2];
	struct rusage before, after;
	struct pn_odb *odb;
	struct pn_odb_ingest *ing;
	uint8_t chunk[65536];
	size_t n;
	FILE *f;

	(void)state;
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	/* streamed from the file, as from the network */
	snprintf(path, sizeof(path), "%s/deep.pack", dir);
	assert_non_null(f = fopen(path, "rb"));
	getrusage(RUSAGE_SELF, &before);
	assert_ok(pn_odb_ingest_begin(odb, &ing));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_ok(pn_odb_ingest_push(ing, chunk, n));
	fclose(f);
	assert_ok(pn_odb_ingest_finish(ing, NULL));
	getrusage(RUSAGE_SELF, &after);
	/* natively (qemu reports its own memory): the ingest of 1300 versions of a 64 KiB file (85 MB of
	 * objects) grows the process by a few MiB at most */
	if (pn_test_slow() == 1 && after.ru_maxrss - before.ru_maxrss > 16 * 1024)
		fail_msg("ingest grew the peak RSS by %ld KiB", after.ru_maxrss - before.ru_maxrss);
	compare_repo(odb, "deep", 97);
	pn_odb_close(odb);
}

/* A low chain limit is enforced, and named. */
static void
test_chain_limit(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], want[128];
	struct pn_pack_limits l;
	struct pn_odb *odb;

	(void)state;
	new_state(st, sizeof(st));
	pn_pack_limits_default(&l);
	l.max_chain = 10;
	assert_ok(pn_odb_open_writer(st, &l, &odb));
	assert_error(ingest_file(odb, "deep.pack", 65536, NULL), PN_ERR_TOO_LARGE,
	    "delta chain longer than 10 (PN_DELTA_CHAIN_MAX; raise it with --max-delta-chain");
	pn_odb_close(odb);
	/* the same limit at read time: a store made with a high limit, read with a low one */
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	assert_ok(ingest_file(odb, "versions-ofs.pack", 0, NULL));
	pn_odb_close(odb);
	l.max_chain = 1;
	assert_ok(pn_odb_open_writer(st, &l, &odb));
	snprintf(want, sizeof(want), "delta chain longer than 1");
	{
		char cmd[CMD_MAX], line[128];
		int hit = 0;
		FILE *f;

		snprintf(cmd, sizeof(cmd), "git -C %s/versions rev-list --objects --all", dir);
		assert_non_null(f = popen(cmd, "r"));
		while (fgets(line, sizeof(line), f) != NULL) {
			struct pn_buf b;
			struct pn_oid oid;
			const struct pn_error *e;

			assert_ok(pn_oid_from_hex(line, 40, &oid));
			pn_buf_init(&b, 1 << 20, "object");
			if ((e = pn_odb_read(odb, &oid, NULL, &b)) != NULL) {
				assert_error(e, PN_ERR_TOO_LARGE, want);
				hit = 1;
			}
			pn_buf_release(&b);
		}
		pclose(f);
		assert_true(hit);
	}
	pn_odb_close(odb);
}

/*
 * Crafted packs (git-protocol.md section 4), built byte by byte with a valid trailer.
 */

static void
b_add(struct pn_buf *b, const void *p, size_t n)
{
	assert_ok(pn_buf_add(b, p, n));
}

static void
b_header(struct pn_buf *b, uint32_t version, uint32_t count)
{
	uint8_t h[12] = {'P', 'A', 'C', 'K', 0, 0, 0, (uint8_t)version, 0, 0, (uint8_t)(count >> 8), (uint8_t)count};
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
b_object(struct pn_buf *b, unsigned type, const void *data, size_t len)
{
	b_entry_header(b, type, len);
	b_zlib(b, data, len);
}

static void
b_ofs_delta(struct pn_buf *b, uint64_t here, uint64_t base, const void *delta, size_t len)
{
	uint64_t dist = here - base;
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
b_ref_delta(struct pn_buf *b, const char *base_hex, const void *delta, size_t len)
{
	struct pn_oid o;

	assert_ok(pn_oid_from_hex(base_hex, 40, &o));
	b_entry_header(b, PN_OBJ_REF_DELTA, len);
	b_add(b, o.b, 20);
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
#define OID_EMPTY_BLOB "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
#define OID_EMPTY_TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
#define DELTA_A_TO_B "\x0b\x0c\x0c" BLOB_B	/* insert-delta */
#define S(lit) lit, sizeof(lit) - 1

enum crafted {
	C_OK_TWO_BLOBS, C_OFS_OK, C_REF_OK, C_REF_FORWARD, C_EMPTY_OBJECTS, C_DUPLICATE,
	C_TRUNCATED, C_BAD_TRAILER, C_BAD_VERSION, C_COUNT_HIGH, C_COUNT_LOW, C_COPY_OOB, C_OPCODE_ZERO,
	C_RESULT_MISMATCH, C_BASE_MISMATCH, C_OFS_SELF, C_OFS_BEFORE, C_OFS_MIDDLE, C_REF_MISSING, C_REF_CYCLE,
	C_TYPE5, C_HUGE_SIZE, C_SIZE_LIES, C_ZLIB_GARBAGE,
};

/* Build pack `c`; *delta_at is the offset of its delta entry (for messages). */
static void
craft(enum crafted c, struct pn_buf *b, size_t *delta_at)
{
	size_t a_at;

	pn_buf_reset(b);
	*delta_at = 0;
	switch (c) {
	case C_OK_TWO_BLOBS:
	case C_TRUNCATED:
	case C_BAD_TRAILER:
	case C_COUNT_HIGH:
	case C_COUNT_LOW:
	case C_DUPLICATE:
		b_header(b, 2, c == C_COUNT_HIGH ? 3 : c == C_COUNT_LOW ? 1 : c == C_DUPLICATE ? 3 : 2);
		b_object(b, PN_OBJ_BLOB, S(BLOB_A));
		if (c == C_DUPLICATE)
			b_object(b, PN_OBJ_BLOB, S(BLOB_A));
		b_object(b, PN_OBJ_BLOB, S(BLOB_B));
		b_trailer(b);
		if (c == C_TRUNCATED)
			b->len /= 2;
		if (c == C_BAD_TRAILER)
			b->data[b->len - 1] ^= 1;
		return;
	case C_BAD_VERSION:
		b_header(b, 4, 1);
		b_object(b, PN_OBJ_BLOB, S(BLOB_A));
		break;
	case C_EMPTY_OBJECTS:
		b_header(b, 2, 2);
		b_object(b, PN_OBJ_BLOB, "", 0);
		b_object(b, PN_OBJ_TREE, "", 0);
		break;
	case C_OFS_OK:
	case C_COPY_OOB:
	case C_OPCODE_ZERO:
	case C_RESULT_MISMATCH:
	case C_BASE_MISMATCH:
	case C_OFS_SELF:
	case C_OFS_BEFORE:
	case C_OFS_MIDDLE:
		b_header(b, 2, 2);
		a_at = b->len;
		b_object(b, PN_OBJ_BLOB, S(BLOB_A));
		*delta_at = b->len;
		if (c == C_OFS_OK)
			b_ofs_delta(b, b->len, a_at, S(DELTA_A_TO_B));
		else if (c == C_COPY_OOB)
			b_ofs_delta(b, b->len, a_at, S("\x0b\x40\x91\x00\x40"));
		else if (c == C_OPCODE_ZERO)
			b_ofs_delta(b, b->len, a_at, S("\x0b\x02\x00"));
		else if (c == C_RESULT_MISMATCH)
			b_ofs_delta(b, b->len, a_at, S("\x0b\x63\x02XX"));
		else if (c == C_BASE_MISMATCH)
			b_ofs_delta(b, b->len, a_at, S("\x0c\x0c\x0c" BLOB_B));
		else if (c == C_OFS_SELF)
			b_ofs_delta(b, b->len, b->len, S(DELTA_A_TO_B));
		else if (c == C_OFS_BEFORE)
			b_ofs_delta(b, b->len + 4096, 0, S(DELTA_A_TO_B));
		else
			b_ofs_delta(b, b->len, a_at + 1, S(DELTA_A_TO_B));
		break;
	case C_REF_OK:
	case C_REF_FORWARD:
	case C_REF_MISSING:
		b_header(b, 2, c == C_REF_MISSING ? 1 : 2);
		if (c == C_REF_OK)
			b_object(b, PN_OBJ_BLOB, S(BLOB_A));
		*delta_at = b->len;
		b_ref_delta(b, c == C_REF_MISSING ? "1111111111111111111111111111111111111111" : OID_A, S(DELTA_A_TO_B));
		if (c == C_REF_FORWARD)	/* the base after its delta: legal, git resolves it */
			b_object(b, PN_OBJ_BLOB, S(BLOB_A));
		break;
	case C_REF_CYCLE:
		/* A as a delta on B and B as a delta on A, neither present in full */
		b_header(b, 2, 2);
		*delta_at = b->len;
		b_ref_delta(b, OID_B, S("\x0c\x0b\x0b" BLOB_A));
		b_ref_delta(b, OID_A, S(DELTA_A_TO_B));
		break;
	case C_TYPE5:
		b_header(b, 2, 1);
		b_object(b, 5, S(BLOB_A));
		break;
	case C_HUGE_SIZE:
		b_header(b, 2, 1);
		b_add(b, "\xb0\x80\x80\x80\x80\x80\x80\x80\x80\x04", 10);	/* a blob of 2^62 bytes */
		b_zlib(b, S(BLOB_A));
		break;
	case C_SIZE_LIES:
		b_header(b, 2, 1);
		b_entry_header(b, PN_OBJ_BLOB, 5);
		b_zlib(b, S(BLOB_A));
		break;
	case C_ZLIB_GARBAGE:
		b_header(b, 2, 2);
		b_object(b, PN_OBJ_BLOB, S(BLOB_A));
		b_add(b, "\0\0", 2);
		b_object(b, PN_OBJ_BLOB, S(BLOB_B));
		break;
	}
	b_trailer(b);
}

/* Packs the store accepts, and what is in them afterwards. */
static void
test_crafted_ok(void **state)
{
	static const struct {
		enum crafted c;
		const char *oids[3];
	} cases[] = {
		{C_OK_TWO_BLOBS, {OID_A, OID_B, NULL}},
		{C_OFS_OK, {OID_A, OID_B, NULL}},
		{C_REF_OK, {OID_A, OID_B, NULL}},
		{C_REF_FORWARD, {OID_A, OID_B, NULL}},
		{C_EMPTY_OBJECTS, {OID_EMPTY_BLOB, OID_EMPTY_TREE, NULL}},
		{C_DUPLICATE, {OID_A, OID_B, NULL}},
	};
	struct pn_buf b, got;
	size_t at;

	(void)state;
	pn_buf_init(&b, 1 << 20, "pack");
	pn_buf_init(&got, 1 << 20, "object");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char st[PN_TEST_PATH_MAX * 2];
		struct pn_odb *odb;

		craft(cases[i].c, &b, &at);
		new_state(st, sizeof(st));
		assert_ok(pn_odb_open_writer(st, NULL, &odb));
		assert_ok(ingest(odb, b.data, b.len, 3, NULL));
		for (size_t k = 0; k < 2; k++) {	/* read, then read again from a reopened store */
			for (size_t j = 0; cases[i].oids[j] != NULL; j++) {
				struct pn_oid oid;
				enum pn_obj_type t;

				assert_ok(pn_oid_from_hex(cases[i].oids[j], 40, &oid));
				pn_buf_reset(&got);
				assert_ok(pn_odb_read(odb, &oid, &t, &got));
				if (strcmp(cases[i].oids[j], OID_A) == 0)
					assert_string_equal(pn_buf_str(&got), BLOB_A);
				if (strcmp(cases[i].oids[j], OID_B) == 0)
					assert_string_equal(pn_buf_str(&got), BLOB_B);
				if (strcmp(cases[i].oids[j], OID_EMPTY_TREE) == 0)
					assert_int_equal(t, PN_OBJ_TREE);
			}
			pn_odb_close(odb);
			assert_ok(pn_odb_open_writer(st, NULL, &odb));
		}
		pn_odb_close(odb);
	}
	pn_buf_release(&b);
	pn_buf_release(&got);
}

/* Each bad pack fails with its own message naming the offset, and leaves the store as it was: the same files,
 * the earlier pack still readable. */
static void
test_crafted_bad(void **state)
{
	static const struct {
		enum crafted c;
		enum pn_err_code code;
		const char *err;	/* after "pack offset <the delta entry's offset>: " when it starts with ':' */
	} cases[] = {
		{C_TRUNCATED, PN_ERR_PARSE, "pack offset 12: truncated pack: ends inside the data of object 1 of 2"},
		{C_BAD_TRAILER, PN_ERR_PARSE, "checksum mismatch"},
		{C_BAD_VERSION, PN_ERR_PARSE, "pack offset 4: unsupported pack version 4"},
		{C_COUNT_HIGH, PN_ERR_PARSE, "the pack ends after 2 of the 3 objects its header announced"},
		{C_COUNT_LOW, PN_ERR_PARSE, "more data after the last of the 1 objects the header announced"},
		{C_COPY_OOB, PN_ERR_PARSE, ": delta byte 2: copy of 64 bytes at base offset 0 is out of "
		    "bounds (the base has 11 bytes)"},
		{C_OPCODE_ZERO, PN_ERR_PARSE, ": delta byte 2: reserved instruction 0"},
		{C_RESULT_MISMATCH, PN_ERR_PARSE, ": delta produces 2 bytes, its header declares 99"},
		{C_BASE_MISMATCH, PN_ERR_PARSE, ": delta expects a base of 12 bytes, the base has 11"},
		{C_OFS_SELF, PN_ERR_PARSE, ": OFS_DELTA base distance 0 (the entry itself)"},
		{C_OFS_BEFORE, PN_ERR_PARSE, ": OFS_DELTA base distance"},
		{C_OFS_MIDDLE, PN_ERR_PARSE, ": OFS_DELTA base offset 13 is not the start of an object"},
		{C_REF_MISSING, PN_ERR_PARSE, ": REF_DELTA base 1111111111111111111111111111111111111111 "
		    "cannot be resolved"},
		{C_TYPE5, PN_ERR_PARSE, "pack offset 12: reserved object type 5"},
		{C_HUGE_SIZE, PN_ERR_TOO_LARGE, "pack offset 12: object of 4611686018427387904 bytes exceeds the object "
		    "size limit"},
		{C_SIZE_LIES, PN_ERR_PARSE, "pack offset 12: object data is longer than the 5 bytes its header declares"},
		{C_ZLIB_GARBAGE, PN_ERR_PARSE, "invalid object type 0"},
	};
	char st[PN_TEST_PATH_MAX * 2], before[4096], after[4096], want[512];
	struct pn_buf b, got;
	struct pn_odb *odb;
	struct pn_oid a;
	size_t at;

	(void)state;
	pn_buf_init(&b, 1 << 20, "pack");
	pn_buf_init(&got, 1 << 20, "object");
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	craft(C_OK_TWO_BLOBS, &b, &at);
	assert_ok(ingest(odb, b.data, b.len, 5, NULL));
	list_objects(st, before, sizeof(before));
	assert_ok(pn_oid_from_hex(OID_A, 40, &a));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t piece = 1; piece <= 4096; piece *= 64) {
			const struct pn_error *e;

			craft(cases[i].c, &b, &at);
			if (cases[i].err[0] == ':')
				snprintf(want, sizeof(want), "pack offset %zu%s", at, cases[i].err);
			else
				snprintf(want, sizeof(want), "%s", cases[i].err);
			e = ingest(odb, b.data, b.len, piece, NULL);
			if (e == NULL || e->code != cases[i].code || strstr(e->msg, want) == NULL)
				fail_msg("case %zu: expected \"%s\", got \"%s\"", i, want, e != NULL ? e->msg : "success");
			list_objects(st, after, sizeof(after));
			assert_string_equal(before, after);
			pn_buf_reset(&got);
			assert_ok(pn_odb_read(odb, &a, NULL, &got));
			assert_string_equal(pn_buf_str(&got), BLOB_A);
		}
	}
	pn_odb_close(odb);
	/* and after reopening */
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	pn_buf_reset(&got);
	assert_ok(pn_odb_read(odb, &a, NULL, &got));
	pn_odb_close(odb);
	pn_buf_release(&b);
	pn_buf_release(&got);
}

/* A REF_DELTA cycle (A on B, B on A, neither in full) cannot be resolved from the pack alone; with A in the
 * store (a thin pack) it can. */
static void
test_ref_cycle(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], want[256];
	struct pn_buf b, got;
	struct pn_odb *odb;
	struct pn_oid oid;
	size_t at;

	(void)state;
	pn_buf_init(&b, 1 << 20, "pack");
	pn_buf_init(&got, 1 << 20, "object");
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	craft(C_REF_CYCLE, &b, &at);
	snprintf(want, sizeof(want), "pack offset %zu: REF_DELTA base " OID_B " cannot be resolved: it is in neither "
	    "this pack nor the store, or part of a delta cycle", at);
	assert_error(ingest(odb, b.data, b.len, 3, NULL), PN_ERR_PARSE, want);
	assert_int_equal(pn_odb_pack_count(odb), 0);
	craft(C_OK_TWO_BLOBS, &b, &at);
	assert_ok(ingest(odb, b.data, b.len, 3, NULL));
	craft(C_REF_CYCLE, &b, &at);
	assert_ok(ingest(odb, b.data, b.len, 3, NULL));
	assert_int_equal(pn_odb_pack_count(odb), 2);
	assert_ok(pn_oid_from_hex(OID_B, 40, &oid));
	assert_ok(pn_odb_read(odb, &oid, NULL, &got));
	assert_string_equal(pn_buf_str(&got), BLOB_B);
	pn_odb_close(odb);
	pn_buf_release(&b);
	pn_buf_release(&got);
}

/* Several packs: reads search all; the same pack twice changes nothing; abort leaves nothing; a pack can be
 * removed; objects persist across reopening. */
static void
test_multiple_packs(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], before[4096], after[4096], path[PN_TEST_PATH_MAX * 4], hex[PN_OID_HEX_MAX];
	struct pn_odb_ingest *ing;
	struct pn_oid p1, p2, p3, oid;
	struct pn_odb *odb;

	(void)state;
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	assert_ok(ingest_file(odb, "small-ofs.pack", 65536, &p1));
	assert_ok(ingest_file(odb, "versions-ref.pack", 0, &p2));
	compare_repo(odb, "small", 1);
	compare_repo(odb, "versions", 5);
	/* the pack's name is its trailer */
	snprintf(path, sizeof(path), "%s/objects/pack-%s.pack", st, pn_oid_to_hex(&p1, hex));
	assert_int_equal(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/objects/pack-%s.pnidx", st, hex);
	assert_int_equal(access(path, R_OK), 0);
	/* again: nothing changes */
	list_objects(st, before, sizeof(before));
	assert_ok(ingest_file(odb, "small-ofs.pack", 7, &p3));
	assert_true(pn_oid_equal(&p1, &p3));
	list_objects(st, after, sizeof(after));
	assert_string_equal(before, after);
	/* abort midway: the temporary goes */
	assert_ok(pn_odb_ingest_begin(odb, &ing));
	assert_ok(pn_odb_ingest_push(ing, "PACK\0\0\0\2\0\0\0\1", 12));
	list_objects(st, after, sizeof(after));
	assert_true(strstr(after, ".tmp-pack-") != NULL);
	pn_odb_ingest_abort(ing);
	list_objects(st, after, sizeof(after));
	assert_string_equal(before, after);
	pn_odb_close(odb);

	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	compare_repo(odb, "small", 1);
	compare_repo(odb, "versions", 7);
	assert_ok(pn_odb_remove_pack(odb, &p2));
	assert_error(pn_odb_remove_pack(odb, &p2), PN_ERR_NOT_FOUND, "is not in the object store");
	assert_ok(pn_oid_from_hex("4b825dc642cb6eb9a060e54bf8d69288fbee4904", 40, &oid));	/* in small */
	assert_true(pn_odb_has(odb, &oid));
	assert_ok(pn_oid_from_hex("1111111111111111111111111111111111111111", 40, &oid));
	assert_false(pn_odb_has(odb, &oid));
	assert_error(pn_odb_stat(odb, &oid, NULL, NULL), PN_ERR_NOT_FOUND,
	    "object 1111111111111111111111111111111111111111 is not in the object store");
	pn_odb_close(odb);
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	compare_repo(odb, "small", 1);
	pn_odb_close(odb);
}

/* Read limits: the caller's buffer ceiling, the object size limit at ingest. */
static void
test_limits(void **state)
{
	char st[PN_TEST_PATH_MAX * 2];
	struct pn_pack_limits l;
	struct pn_odb *odb;
	struct pn_buf b;
	struct pn_oid oid;
	size_t at;

	(void)state;
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	pn_buf_init(&b, 1 << 20, "pack");
	craft(C_OFS_OK, &b, &at);
	assert_ok(ingest(odb, b.data, b.len, 100, NULL));
	pn_buf_release(&b);
	assert_ok(pn_oid_from_hex(OID_B, 40, &oid));
	pn_buf_init(&b, 11, "manifest");
	assert_error(pn_odb_read(odb, &oid, NULL, &b), PN_ERR_TOO_LARGE,
	    "object " OID_B " is 12 bytes, more than the 11 allowed for manifest");
	pn_buf_release(&b);
	pn_buf_init(&b, 12, "manifest");
	assert_ok(pn_odb_read(odb, &oid, NULL, &b));
	pn_buf_release(&b);
	pn_odb_close(odb);

	new_state(st, sizeof(st));
	pn_pack_limits_default(&l);
	l.max_object = 1000;
	assert_ok(pn_odb_open_writer(st, &l, &odb));
	assert_error(ingest_file(odb, "versions-ofs.pack", 65536, NULL), PN_ERR_TOO_LARGE,
	    "exceeds the object size limit of 1000 bytes (PN_PACK_MAX_OBJECT; raise it with --max-object-size");
	pn_odb_close(odb);
}

/* A damaged index or pack is refused when the store is opened, naming the file. */
static void
test_corrupt_store(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], path[PN_TEST_PATH_MAX * 4], hex[PN_OID_HEX_MAX];
	struct pn_odb *odb;
	struct pn_oid p;
	FILE *f;

	(void)state;
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	assert_ok(ingest_file(odb, "small-ofs.pack", 65536, &p));
	pn_odb_close(odb);
	snprintf(path, sizeof(path), "%s/objects/pack-%s.pnidx", st, pn_oid_to_hex(&p, hex));
	assert_non_null(f = fopen(path, "r+b"));
	fseek(f, 1100, SEEK_SET);
	fputc(0x5a, f);
	fclose(f);
	assert_error(pn_odb_open(st, NULL, &odb), PN_ERR_PARSE, "checksum mismatch (the index is corrupt)");
	assert_true(strstr(pn_odb_open(st, NULL, &odb)->msg, hex) != NULL);
	/* a truncated pack file */
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	assert_ok(ingest_file(odb, "small-ofs.pack", 65536, &p));
	pn_odb_close(odb);
	snprintf(path, sizeof(path), "%s/objects/pack-%s.pack", st, hex);
	assert_int_equal(truncate(path, 100), 0);
	assert_error(pn_odb_open(st, NULL, &odb), PN_ERR_PARSE, "100 bytes, its index says");
	/* a state directory that does not exist */
	assert_error(pn_odb_open("/nonexistent/state", NULL, &odb), PN_ERR_ERRNO, "/nonexistent/state/objects");
	assert_error(pn_odb_open_writer("/nonexistent/state", NULL, &odb), PN_ERR_ERRNO, "/nonexistent/state/lock");
}

/*
 * Collision detection, large objects, thin packs, the writer's lock and clean-up, a full disk, old packs.
 */

/* Run a shell command in the test directory; it must succeed. */
static void
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sh(const char *fmt, ...)
{
	char cmd[CMD_MAX * 2], full[CMD_MAX * 3];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd %s && export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t "
	    "GIT_COMMITTER_EMAIL=t@t GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000' "
	    "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null && %s", dir, cmd);
	if (system(full) != 0)
		fail_msg("command failed: %s", cmd);
}

/* The first line of a command's output (run in the test directory), without its LF. */
static void
sh_line(char *out, size_t len, const char *cmd)
{
	char full[CMD_MAX * 2];
	FILE *f;

	snprintf(full, sizeof(full), "cd %s && %s", dir, cmd);
	assert_non_null(f = popen(full, "r"));
	assert_non_null(fgets(out, (int)len, f));
	out[strcspn(out, "\n")] = '\0';
	assert_int_equal(pclose(f), 0);
}

static void
hex_is(const uint8_t *d, const char *want)
{
	struct pn_oid o;
	char hex[PN_OID_HEX_MAX];

	memset(&o, 0, sizeof(o));
	o.len = 20;
	memcpy(o.b, d, 20);
	assert_string_equal(pn_oid_to_hex(&o, hex), want);
}

/* git's own SHA-1 collision sample (t/t0013/shattered-1.pdf, installed by scripts/deps), NULL when absent. */
static int
read_shattered(struct pn_buf *b)
{
	static const char *const where[] = {"build/deps/host", "build/deps/x86_64-musl", "build/deps/aarch64-musl",
	    "build/deps/armel-musl"};
	char path[PN_TEST_PATH_MAX];

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(path, sizeof(path), "%s/share/sha1dc/shattered-1.pdf", where[i]);
		if (pn_file_read(path, b) == NULL)
			return 1;
	}
	return 0;
}

/* sha1dc: the same digests as SHA-1 (FIPS 180 vectors, mbedTLS on random data, git's empty blob), and the
 * SHAttered PDF refused with a clear error, whole or in pieces. */
static void
test_sha1dc(void **state)
{
	uint8_t d[20], m[20], *rnd;
	struct pn_oid oid;
	struct pn_sha1 s;
	struct pn_buf b;
	char line[PN_TEST_PATH_MAX * 2], hex[PN_OID_HEX_MAX];

	(void)state;
	assert_ok(pn_sha1("abc", 3, d, "abc"));
	hex_is(d, "a9993e364706816aba3e25717850c26c9cd0d89d");
	assert_ok(pn_sha1("", 0, d, "empty"));
	hex_is(d, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	assert_ok(pn_odb_hash(PN_OBJ_BLOB, "", 0, &oid));
	assert_string_equal(pn_oid_to_hex(&oid, hex), OID_EMPTY_BLOB);
	assert_non_null(rnd = malloc(100000));
	for (size_t i = 0; i < 100000; i++)
		rnd[i] = (uint8_t)(i * 2654435761u >> 13);
	for (size_t n = 0; n <= 100000; n += 9973) {
		assert_ok(pn_sha1(rnd, n, d, "random"));
		assert_int_equal(mbedtls_sha1(rnd, n, m), 0);
		assert_memory_equal(d, m, 20);
	}
	free(rnd);
	pn_buf_init(&b, 1 << 20, "shattered-1.pdf");
	if (!read_shattered(&b)) {
		pn_buf_release(&b);
		skip();
	}
	assert_int_equal(b.len, 422435);
	assert_error(pn_sha1(b.data, b.len, d, "shattered-1.pdf"), PN_ERR_PARSE,
	    "shattered-1.pdf: SHA-1 collision attack detected (sha1dc)");
	pn_sha1_init(&s);
	for (size_t off = 0; off < b.len; off += 1000)
		pn_sha1_update(&s, b.data + off, b.len - off < 1000 ? b.len - off : 1000);
	assert_error(pn_sha1_final(&s, d, "in pieces"), PN_ERR_PARSE, "collision attack detected");
	/* as a blob, the "blob 422435\0" header shifts the attack's blocks: git and pinion agree on its id */
	snprintf(line, sizeof(line), "%s/shattered.pdf", dir);
	{
		FILE *f = fopen(line, "wb");

		assert_non_null(f);
		assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
		assert_int_equal(fclose(f), 0);
	}
	sh_line(line, sizeof(line), "git hash-object shattered.pdf");
	assert_ok(pn_odb_hash(PN_OBJ_BLOB, b.data, b.len, &oid));
	assert_string_equal(pn_oid_to_hex(&oid, hex), line);
	pn_buf_release(&b);
}

/* Objects over PN_PACK_INMEM_MAX (3 MiB here), one a delta on another and one a delta on that: resolved through
 * spool files, read back equal, and the spools gone. */
static void
test_big_objects(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], after[4096];
	struct rusage before, now;
	struct pn_odb *odb;

	(void)state;
	sh("[ -e big ] || { git init -q -b main big && cd big && head -c 3145728 /dev/urandom >a.bin && cp a.bin b.bin "
	    "&& printf x | dd of=b.bin bs=1 seek=1000 conv=notrunc status=none && cp b.bin c.bin "
	    "&& printf y | dd of=c.bin bs=1 seek=2000000 conv=notrunc status=none && git add -A && git commit -qm big "
	    "&& git -c core.bigFileThreshold=1g repack -adfq --depth=10 && cd .. && git -C big rev-list --objects --all "
	    "| git -C big pack-objects -q --stdout --delta-base-offset >big.pack; }");
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	getrusage(RUSAGE_SELF, &before);
	assert_ok(ingest_file(odb, "big.pack", 65536, NULL));
	getrusage(RUSAGE_SELF, &now);
	/* three 3 MiB objects, two of them deltas: resolving them in memory would take ~9 MiB */
	if (pn_test_slow() == 1 && now.ru_maxrss - before.ru_maxrss > 4 * 1024)
		fail_msg("ingest grew the peak RSS by %ld KiB", now.ru_maxrss - before.ru_maxrss);
	compare_repo(odb, "big", 1);
	list_objects(st, after, sizeof(after));
	assert_null(strstr(after, ".tmp-"));
	pn_odb_close(odb);
}

/* A thin pack (REF_DELTA bases left out because the store has them) is completed with its bases from the
 * store: every object of the new commit reads back, and the completed pack stands on its own. */
static void
test_thin_pack(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], alone[PN_TEST_PATH_MAX * 2], c1[64], c2[64], hex[PN_OID_HEX_MAX];
	struct pn_oid p1, p2, oid;
	struct pn_odb *odb;
	struct pn_buf b;
	struct stat a, t;

	(void)state;
	sh("[ -e thin ] || { git init -q -b main thin && cd thin && for i in $(seq 1 40); do seq $i 3 600 >f$i.yaml; "
	    "done && head -c 2000000 /dev/urandom >big.bin && git add -A && git commit -qm one && sed -i s/^5/five/ "
	    "f7.yaml && printf z | dd of=big.bin bs=1 seek=999 conv=notrunc status=none && git commit -qam two; }");
	sh_line(c1, sizeof(c1), "git -C thin rev-parse HEAD~1");
	sh_line(c2, sizeof(c2), "git -C thin rev-parse HEAD");
	sh("git -C thin rev-list --objects --no-walk %s | git -C thin pack-objects -q --stdout >thin-snap1.pack", c1);
	sh("git -C thin rev-list --objects --no-walk %s | git -C thin pack-objects -q --stdout >thin-snap2.pack", c2);
	sh("printf '%%s\\n^%%s\\n' %s %s | git -C thin pack-objects -q --revs --thin --stdout >thin-2.pack", c2, c1);
	snprintf(st, sizeof(st), "%s/thin-snap2.pack", dir);
	assert_int_equal(stat(st, &a), 0);
	snprintf(st, sizeof(st), "%s/thin-2.pack", dir);
	assert_int_equal(stat(st, &t), 0);
	printf("# thin pack of a one-line and a one-byte change: %lld bytes; the depth-1 snapshot: %lld bytes\n",
	    (long long)t.st_size, (long long)a.st_size);
	/* no base anywhere: refused, naming it */
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	assert_error(ingest_file(odb, "thin-2.pack", 4096, NULL), PN_ERR_PARSE, "in neither this pack nor the store");
	assert_ok(ingest_file(odb, "thin-snap1.pack", 4096, &p1));
	assert_ok(ingest_file(odb, "thin-2.pack", 777, &p2));
	assert_int_equal(pn_odb_pack_count(odb), 2);
	assert_ok(pn_oid_from_hex(c2, 40, &oid));
	pn_buf_init(&b, 8 << 20, "object");
	assert_ok(pn_odb_read(odb, &oid, NULL, &b));
	pn_buf_release(&b);
	pn_odb_close(odb);
	/* the completed pack alone (its files copied into an empty store): the changed objects read back */
	new_state(alone, sizeof(alone));
	sh("mkdir -p %s/objects && cp %s/objects/pack-%s.* %s/objects/", alone + strlen(dir) + 1,
	    st + strlen(dir) + 1, pn_oid_to_hex(&p2, hex), alone + strlen(dir) + 1);
	assert_ok(pn_odb_open(alone, NULL, &odb));
	{
		static const char *const paths[] = {"f7.yaml", "big.bin"};

		for (size_t i = 0; i < 2; i++) {
			char cmd[128], want[64], path[PN_TEST_PATH_MAX * 3];
			struct pn_buf got, exp;

			snprintf(cmd, sizeof(cmd), "git -C thin rev-parse HEAD:%s", paths[i]);
			sh_line(want, sizeof(want), cmd);
			assert_ok(pn_oid_from_hex(want, 40, &oid));
			pn_buf_init(&got, 8 << 20, "object");
			pn_buf_init(&exp, 8 << 20, "object");
			assert_ok(pn_odb_read(odb, &oid, NULL, &got));
			snprintf(path, sizeof(path), "%s/thin/%s", dir, paths[i]);
			assert_ok(pn_file_read(path, &exp));
			assert_int_equal(got.len, exp.len);
			assert_memory_equal(got.data, exp.data, exp.len);
			pn_buf_release(&got);
			pn_buf_release(&exp);
		}
	}
	pn_odb_close(odb);
	/* and the same revision fetched as a whole: compare with the store holding both packs */
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	compare_repo(odb, "thin", 1);
	pn_odb_close(odb);
}

/* One writer at a time; readers take no lock and cannot write. */
static void
test_writer_lock(void **state)
{
	char st[PN_TEST_PATH_MAX * 2];
	struct pn_odb *w, *w2, *r;
	struct pn_odb_ingest *ing;
	struct pn_oid p;

	(void)state;
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &w));
	assert_error(pn_odb_open_writer(st, NULL, &w2), PN_ERR_UNAVAILABLE, "another pinion process is writing to");
	assert_ok(pn_odb_open(st, NULL, &r));
	assert_error(pn_odb_ingest_begin(r, &ing), PN_ERR_INTERNAL, "opened for reading");
	assert_error(pn_odb_prune(r, NULL), PN_ERR_INTERNAL, "opened for reading");
	assert_ok(ingest_file(w, "small-ofs.pack", 65536, &p));
	assert_error(pn_odb_remove_pack(r, &p), PN_ERR_INTERNAL, "opened for reading");
	pn_odb_close(r);
	pn_odb_close(w);
	assert_ok(pn_odb_open_writer(st, NULL, &w2));
	compare_repo(w2, "small", 3);
	pn_odb_close(w2);
}

/* What a crash leaves (temporaries, a pack renamed without its index, the state's own temporaries of a dead
 * process) goes when the next writer opens the store; committed packs and live processes' files stay. */
static void
test_crash_leftovers(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], names[4096], mine[PN_TEST_PATH_MAX * 3];
	struct pn_odb *odb;
	struct pn_oid p;
	FILE *f;

	(void)state;
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	assert_ok(ingest_file(odb, "small-ofs.pack", 65536, &p));
	pn_odb_close(odb);
	sh("cd %s && touch objects/.tmp-pack-AbCdEf objects/.tmp-idx-123456 objects/.tmp-spool-zzzzzz "
	    "objects/pack-1111111111111111111111111111111111111111.pack "
	    "objects/pack-2222222222222222222222222222222222222222.pnidx fetched.tmp.999999999 applied.tmp.4194999 "
	    "notes.tmp.x", st + strlen(dir) + 1);
	snprintf(mine, sizeof(mine), "%s/fetched.tmp.%ld", st, (long)getpid());
	assert_non_null(f = fopen(mine, "w"));
	fclose(f);
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	list_objects(st, names, sizeof(names));
	assert_null(strstr(names, ".tmp-"));
	assert_null(strstr(names, "pack-1111"));
	assert_null(strstr(names, "pack-2222"));
	compare_repo(odb, "small", 3);
	pn_odb_close(odb);
	sh("cd %s && ls -a >../ls-state", st + strlen(dir) + 1);
	snprintf(mine, sizeof(mine), "%s/ls-state", dir);
	{
		struct pn_buf b;

		pn_buf_init(&b, 4096, "listing");
		assert_ok(pn_file_read(mine, &b));
		assert_null(strstr(pn_buf_str(&b), "fetched.tmp.999999999"));
		assert_null(strstr(pn_buf_str(&b), "applied.tmp.4194999"));
		assert_non_null(strstr(pn_buf_str(&b), "notes.tmp.x"));	/* not a pid: not ours */
		snprintf(mine, sizeof(mine), "fetched.tmp.%ld", (long)getpid());
		assert_non_null(strstr(pn_buf_str(&b), mine));	/* a live process's */
		pn_buf_release(&b);
	}
}

/* A full disk (a file size limit here) while the pack is written: a clear error, the store as it was, no
 * temporaries. */
static void
test_disk_full(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], before[4096], after[4096];
	struct rlimit old, small;
	struct sigaction ign, prev;
	struct pn_odb *odb;
	const struct pn_error *e;

	(void)state;
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	assert_ok(ingest_file(odb, "small-ofs.pack", 65536, NULL));
	list_objects(st, before, sizeof(before));
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGXFSZ, &ign, &prev), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_cur = 20000;
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	e = ingest_file(odb, "versions-ofs.pack", 65536, NULL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(sigaction(SIGXFSZ, &prev, NULL), 0);
	assert_error(e, PN_ERR_ERRNO, "disk full or file size limit while writing the pack");
	assert_non_null(strstr(e->msg, "/objects/.tmp-pack-"));
	list_objects(st, after, sizeof(after));
	assert_string_equal(before, after);
	compare_repo(odb, "small", 3);
	pn_odb_close(odb);
}

/* Old packs: the packs a revision needs are marked (tree.h), the rest removed; the newest pack is preferred,
 * so a full snapshot leaves the previous one unmarked. */
static void
test_prune(void **state)
{
	char st[PN_TEST_PATH_MAX * 2], h1[64], h0[64], deep[64], hex[128];
	struct pn_oid c0, c1, cd, p0, p1, pd;
	struct pn_odb *odb;
	size_t removed;

	(void)state;
	sh_line(h1, sizeof(h1), "git -C small rev-parse main");
	sh_line(h0, sizeof(h0), "git -C small rev-parse main~2");
	sh_line(deep, sizeof(deep), "git -C small rev-parse deep-tree");
	sh("for c in %s %s %s; do git -C small rev-list --objects --no-walk $c | git -C small pack-objects -q --stdout "
	    ">snap-$c.pack; done", h0, h1, deep);
	assert_ok(pn_oid_from_hex(h0, 40, &c0));
	assert_ok(pn_oid_from_hex(h1, 40, &c1));
	assert_ok(pn_oid_from_hex(deep, 40, &cd));
	new_state(st, sizeof(st));
	assert_ok(pn_odb_open_writer(st, NULL, &odb));
	snprintf(hex, sizeof(hex), "snap-%s.pack", h0);
	assert_ok(ingest_file(odb, hex, 65536, &p0));
	snprintf(hex, sizeof(hex), "snap-%s.pack", deep);
	assert_ok(ingest_file(odb, hex, 65536, &pd));
	snprintf(hex, sizeof(hex), "snap-%s.pack", h1);
	assert_ok(ingest_file(odb, hex, 65536, &p1));
	assert_int_equal(pn_odb_pack_count(odb), 3);
	/* what main~2 and the 300-deep tree need: their own packs */
	pn_odb_mark_clear(odb);
	assert_ok(pn_tree_mark(odb, &c0));
	assert_ok(pn_tree_mark(odb, &cd));
	assert_ok(pn_odb_prune(odb, &removed));
	assert_int_equal(removed, 1);
	assert_false(pn_odb_has(odb, &c1));
	assert_true(pn_odb_has(odb, &c0));
	assert_true(pn_odb_has(odb, &cd));
	/* main again, then only main: the two others go */
	snprintf(hex, sizeof(hex), "snap-%s.pack", h1);
	assert_ok(ingest_file(odb, hex, 65536, &p1));
	pn_odb_mark_clear(odb);
	assert_ok(pn_tree_mark(odb, &c1));
	assert_ok(pn_odb_prune(odb, &removed));
	assert_int_equal(removed, 2);
	assert_int_equal(pn_odb_pack_count(odb), 1);
	pn_odb_close(odb);
	assert_ok(pn_odb_open(st, NULL, &odb));
	assert_int_equal(pn_odb_pack_count(odb), 1);
	assert_true(pn_odb_has(odb, &c1));
	assert_false(pn_odb_has(odb, &c0));
	/* a missing object is an error, never a reason to remove */
	pn_odb_mark_clear(odb);
	assert_error(pn_tree_mark(odb, &c0), PN_ERR_NOT_FOUND, "is not in the object store");
	pn_odb_close(odb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_ofs),
		cmocka_unit_test(test_small_ref),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_deep_chain),
		cmocka_unit_test(test_chain_limit),
		cmocka_unit_test(test_crafted_ok),
		cmocka_unit_test(test_crafted_bad),
		cmocka_unit_test(test_ref_cycle),
		cmocka_unit_test(test_multiple_packs),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_corrupt_store),
		cmocka_unit_test(test_sha1dc),
		cmocka_unit_test(test_big_objects),
		cmocka_unit_test(test_thin_pack),
		cmocka_unit_test(test_writer_lock),
		cmocka_unit_test(test_crash_leftovers),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_prune),
	};
	return cmocka_run_group_tests_name("odb", tests, setup, teardown);
}
