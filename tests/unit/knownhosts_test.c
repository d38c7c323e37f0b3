/*
 * known_hosts parsing and host matching, table-driven: every case is pushed whole and then one byte at a time.
 * Hashed names are computed here with HMAC-SHA1 and also made by the real `ssh-keygen -H`.
 */
#include "pn_test.h"
#include "peer.h"

#include <mbedtls/base64.h>
#include <mbedtls/md.h>

#include "../../agent/source/knownhosts.h"

/* Public keys made with ssh-keygen once (their private halves were thrown away), with the fingerprints
 * `ssh-keygen -lf` printed for them. */
#define E1_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKny4gd6VUrXB20O6RBLd5rtp6PPoX4qCAw8XfQ5prUS" \
	"5pN4yG9+weXqnCGo5ASF0ZHG31f2cCY5HQrT3hkMNjA="
#define E1_FP "SHA256:CigcalK/9y3t7aqqOs/XgGBr48NH+4+UidQfTZvuuys"
#define E2_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBATeGLhER3Am0jL2UGeoRZ/319URCqAhZdfyMZkYk4D5" \
	"DKOnQVZNcP0uo10bOb3XKMWw6EudyKJfbjGK1tgMEMM="
#define E2_FP "SHA256:wQ4OR1A0vW/iqHt46k2MOEN3Um3HoqZ1HgqaGBBjwfs"
#define R1_B64 "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDs/p+XxkbzyN3vTQkGdwwBX3YIDZ5fotRcLUTx0uW2iF7FmYbF8+VJfI0SoP+TjBw" \
	"muBHxeWgKUsY8amdQijjuIV3J1LV7VHPypfVPNRqrwkDS4NslL1djmHBU95PkDuj0ApV7HfT51P98FP3F26KZFOYZcYsWz53MnPARzR" \
	"ghxw=="
#define R1_FP "SHA256:/asGnvZ4k3Y+iQyJg3rVqqdXIYTH/ytFjYG6LpRvJTY"
#define D1_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIIRVeCD41v70ssoLGn4a/5VtxgrJZolP8OzCrA4/EzLx"
#define D1_FP "SHA256:Yy+WQ8EdeWrtsHou+CbUc9W08JYSzp8JMsFhQJ6ZAC4"
#define E3_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBKR7TL/3cPusnD52/YvkGwA/o+xaEq32mF3Wxx2kPF5W" \
	"/1BRW5G834S+r0JvugDUcjgCghUgWtWwquxl2T9C1BLIk7d303YiM1jvXbOalSVDqyaxHT0LeENmF+UKQ69ozA=="
#define E3_FP "SHA256:mavcaOUjHu21jQgloh3kU7gniK3U7VbuWyRwXm3U50c"
#define E1 "ecdsa-sha2-nistp256 " E1_B64
#define E2 "ecdsa-sha2-nistp256 " E2_B64
#define E3 "ecdsa-sha2-nistp384 " E3_B64
#define R1 "ssh-rsa " R1_B64
#define D1 "ssh-ed25519 " D1_B64

#define ALL_METHODS "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256"
#define BLOB_MAX 1024

/* Which test key a case offers as the server's. */
enum offer { NONE, OFF_E1, OFF_E2, OFF_R1, OFF_E3 };

struct kh_case {
	const char *name;
	const char *text;
	const char *host, *port;
	enum pn_err_code code;		/* 0: parses */
	const char *needle;		/* in the parse error, or in the methods error when keys is -1 */
	int keys;			/* keys kept for the host; -1: methods fail */
	const char *methods;		/* expected host key methods */
	enum offer offer;		/* key the server offers: checked with verify */
	const char *verify;		/* NULL: accepted; else a needle of the AUTH error */
	const char *verify2;		/* a second needle */
};

static const struct kh_case cases[] = {
	{"plain", "github.com " E1 "\n", "github.com", "22", 0, NULL, 1, "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"plain, other key offered (changed key)", "github.com " E1 "\n", "github.com", "22", 0, NULL, 1,
	    "ecdsa-sha2-nistp256", OFF_E2, "HOST KEY MISMATCH for github.com: the server offered ecdsa-sha2-nistp256 "
	    E2_FP, "lists ecdsa-sha2-nistp256 " E1_FP " (line 1)"},
	{"comments, blank lines, tabs, a comment field", "# ssh-keyscan github.com\n\n   \n\t github.com\t" E1
	    " the comment\n", "github.com", "22", 0, NULL, 1, "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"comma list", "gitlab.com,github.com,140.82.121.4 " E1 "\n", "github.com", "22", 0, NULL, 1,
	    "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"comma list, address", "gitlab.com,github.com,140.82.121.4 " E1 "\n", "140.82.121.4", "22", 0, NULL, 1,
	    "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"host not listed: every method, unknown host", "gitlab.com " E1 "\n", "github.com", "22", 0, NULL, 0,
	    ALL_METHODS, OFF_E2, "unknown host github.com: it is not in test", "ecdsa-sha2-nistp256 " E2_FP},
	{"empty file", "", "github.com", "22", 0, NULL, 0, ALL_METHODS, OFF_R1, "the server offered ssh-rsa " R1_FP,
	    "ssh-keyscan -t ecdsa,rsa github.com >> test"},
	{"[host]:port", "[git.example.com]:2222 " R1 "\n", "git.example.com", "2222", 0, NULL, 1,
	    "rsa-sha2-512,rsa-sha2-256", OFF_R1, NULL, NULL},
	{"[host]:port, unknown: keyscan with -p", "[git.example.com]:2222 " R1 "\n", "git.example.com", "2223", 0,
	    NULL, 0, ALL_METHODS, OFF_R1, "unknown host [git.example.com]:2223",
	    "ssh-keyscan -t ecdsa,rsa -p 2223 git.example.com"},
	{"[host]:port does not match port 22", "[git.example.com]:2222 " R1 "\n", "git.example.com", "22", 0, NULL,
	    0, ALL_METHODS, NONE, NULL, NULL},
	{"plain name does not match another port", "git.example.com " R1 "\n", "git.example.com", "2222", 0, NULL,
	    0, ALL_METHODS, NONE, NULL, NULL},
	{"[host]:22 is not how port 22 is written", "[git.example.com]:22 " R1 "\n", "git.example.com", "22", 0,
	    NULL, 0, ALL_METHODS, NONE, NULL, NULL},
	{"IPv6 literal with a port", "[::1]:2222 " E1 "\n", "::1", "2222", 0, NULL, 1, "ecdsa-sha2-nistp256",
	    OFF_E1, NULL, NULL},
	{"names compare without case", "GitHub.COM " E1 "\n", "gitHUB.com", "22", 0, NULL, 1, "ecdsa-sha2-nistp256",
	    OFF_E1, NULL, NULL},
	{"wildcard *", "*.example.com " E1 "\n", "git.example.com", "22", 0, NULL, 1, "ecdsa-sha2-nistp256", OFF_E1,
	    NULL, NULL},
	{"wildcard * needs the dot", "*.example.com " E1 "\n", "example.com", "22", 0, NULL, 0, ALL_METHODS, NONE,
	    NULL, NULL},
	{"wildcard ?", "git?.example.com " E1 "\n", "git7.example.com", "22", 0, NULL, 1, "ecdsa-sha2-nistp256",
	    OFF_E1, NULL, NULL},
	{"wildcard ? is one character", "git?.example.com " E1 "\n", "git.example.com", "22", 0, NULL, 0,
	    ALL_METHODS, NONE, NULL, NULL},
	{"wildcard in [host]:port", "[*.example.com]:2222 " E1 "\n", "git.example.com", "2222", 0, NULL, 1,
	    "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"several stars backtrack", "*a*b*c " E1 "\n", "xxaxxbxxbxc", "22", 0, NULL, 1, "ecdsa-sha2-nistp256", NONE,
	    NULL, NULL},
	{"negation rules a line out", "*.example.com,!evil.example.com " E1 "\n", "evil.example.com", "22", 0, NULL,
	    0, ALL_METHODS, NONE, NULL, NULL},
	{"negation leaves others", "*.example.com,!evil.example.com " E1 "\n", "good.example.com", "22", 0, NULL, 1,
	    "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"negation alone matches nothing", "!evil.example.com " E1 "\n", "good.example.com", "22", 0, NULL, 0,
	    ALL_METHODS, NONE, NULL, NULL},
	{"@revoked key refused", "@revoked * " E2 "\ngithub.com " E1 "\n", "github.com", "22", 0, NULL, 2,
	    "ecdsa-sha2-nistp256", OFF_E2, "is marked @revoked in test line 1", E2_FP},
	{"@revoked does not hide the good key", "@revoked * " E2 "\ngithub.com " E1 "\n", "github.com", "22", 0, NULL,
	    2, "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"@revoked wins over a plain line for the same key", "github.com " E1 "\n@revoked github.com " E1 "\n",
	    "github.com", "22", 0, NULL, 2, "ecdsa-sha2-nistp256", OFF_E1, "marked @revoked in test line 2", NULL},
	{"@cert-authority is ignored", "@cert-authority *.example.com " E1 "\n", "git.example.com", "22", 0, NULL, 0,
	    ALL_METHODS, OFF_E1, "unknown host git.example.com", NULL},
	{"only ed25519: the hint", "github.com " D1 "\n", "github.com", "22", 0,
	    "test lists only ssh-ed25519 host keys for github.com", -1, NULL, NONE, NULL, NULL},
	{"only ed25519 on a port: the hint with -p", "[127.0.0.1]:2222 " D1 "\n[127.0.0.1]:2222 " D1 "\n",
	    "127.0.0.1", "2222", 0, "add them with `ssh-keyscan -t ecdsa,rsa -p 2222 127.0.0.1 >> test`", -1, NULL,
	    NONE, NULL, NULL},
	{"ed25519 and rsa: rsa only", "github.com " D1 "\ngithub.com " R1 "\n", "github.com", "22", 0, NULL, 2,
	    "rsa-sha2-512,rsa-sha2-256", OFF_R1, NULL, NULL},
	{"rsa, then ecdsa: ecdsa preferred", "github.com " R1 "\ngithub.com " E3 "\ngithub.com " E1 "\n", "github.com",
	    "22", 0, NULL, 3, "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,rsa-sha2-512,rsa-sha2-256", OFF_E3, NULL, NULL},
	{"CRLF line ends", "github.com " E1 "\r\ngitlab.com " R1 "\r\n", "github.com", "22", 0, NULL, 1,
	    "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"no newline at the end", "gitlab.com " R1 "\ngithub.com " E1, "github.com", "22", 0, NULL, 1,
	    "ecdsa-sha2-nistp256", OFF_E1, NULL, NULL},
	{"other hosts' unknown key types are kept opaque", "github.com " E1 "\nx.example sk-ssh-ed25519@openssh.com "
	    "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t\n", "github.com", "22", 0, NULL, 1, "ecdsa-sha2-nistp256", NONE,
	    NULL, NULL},

	/* malformed lines: errors name the file and line */
	{"bad base64", "github.com ecdsa-sha2-nistp256 AAAA!!!!\n", "github.com", "22", PN_ERR_PARSE,
	    "test line 1: bad base64", 0, NULL, NONE, NULL, NULL},
	{"bad base64 on another host's line", "# keys\ngitlab.com ssh-rsa AAAAB3NzaC1yc2E%%%\ngithub.com " E1 "\n",
	    "github.com", "22", PN_ERR_PARSE, "test line 2: bad base64", 0, NULL, NONE, NULL, NULL},
	{"missing key", "github.com ecdsa-sha2-nistp256\n", "github.com", "22", PN_ERR_PARSE,
	    "line 1: missing base64 key", 0, NULL, NONE, NULL, NULL},
	{"missing type", "\n\ngithub.com   \n", "github.com", "22", PN_ERR_PARSE, "test line 3: missing key type", 0,
	    NULL, NONE, NULL, NULL},
	{"marker without hosts", "@revoked\n", "github.com", "22", PN_ERR_PARSE, "marker without host patterns", 0,
	    NULL, NONE, NULL, NULL},
	{"unknown marker", "@trusted github.com " E1 "\n", "github.com", "22", PN_ERR_PARSE,
	    "unknown marker \"@trusted\"", 0, NULL, NONE, NULL, NULL},
	{"type does not match the key", "github.com ssh-rsa " E1_B64 "\n", "github.com", "22", PN_ERR_PARSE,
	    "the key is not of the type ssh-rsa", 0, NULL, NONE, NULL, NULL},
	{"key shorter than its type", "github.com ssh-rsa AAAAB3Nz\n", "github.com", "22", PN_ERR_PARSE,
	    "not of the type", 0, NULL, NONE, NULL, NULL},
	{"key of 2 bytes", "github.com ssh-rsa AAA=\n", "github.com", "22", PN_ERR_PARSE, "too short", 0, NULL, NONE,
	    NULL, NULL},
	{"SSH-1 key", "github.com 2048 35 2382371932\n", "github.com", "22", PN_ERR_PARSE, "protocol 1", 0, NULL,
	    NONE, NULL, NULL},
	{"control character", "github.com\x01 " E1 "\n", "github.com", "22", PN_ERR_PARSE,
	    "control character at column 11", 0, NULL, NONE, NULL, NULL},
	{"NUL byte", "github.com " E1 "\n# \0\n", "github.com", "22", PN_ERR_PARSE, "line 2: control character", 0,
	    NULL, NONE, NULL, NULL},
	{"hashed: short salt", "|1|AAAA|AAAA " E1 "\n", "github.com", "22", PN_ERR_PARSE,
	    "salt and hash must be 20 bytes", 0, NULL, NONE, NULL, NULL},
	{"hashed: bad base64", "|1|A!AA|AAAA " E1 "\n", "github.com", "22", PN_ERR_PARSE, "bad base64", 0, NULL,
	    NONE, NULL, NULL},
	{"hashed: no hash", "|1|AAAAAAAAAAAAAAAAAAAAAAAAAAA= " E1 "\n", "github.com", "22", PN_ERR_PARSE,
	    "without its hash", 0, NULL, NONE, NULL, NULL},
	{"hashed: unknown kind", "|2|AAAA|AAAA " E1 "\n", "github.com", "22", PN_ERR_PARSE, "unknown kind", 0, NULL,
	    NONE, NULL, NULL},
	{"type name too long", "github.com aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa AAAA\n",
	    "github.com", "22", PN_ERR_PARSE, "key type longer than", 0, NULL, NONE, NULL, NULL},
};

static const char *
offer_b64(enum offer o)
{
	switch (o) {
	case OFF_E1: return E1_B64;
	case OFF_E2: return E2_B64;
	case OFF_R1: return R1_B64;
	case OFF_E3: return E3_B64;
	default: return NULL;
	}
}

static size_t
decode(const char *b64, unsigned char *out, size_t len)
{
	size_t olen = 0;

	assert_int_equal(mbedtls_base64_decode(out, len, &olen, (const unsigned char *)b64, strlen(b64)), 0);
	return olen;
}

/* Parse text (len bytes) pushed in pieces of `piece` bytes. */
static const struct pn_error *
parse(struct pn_knownhosts *kh, const char *text, size_t len, const char *host, const char *port, size_t piece)
{
	const struct pn_error *err;

	assert_ok(pn_knownhosts_init(kh, host, port, "test"));
	for (size_t off = 0; off < len; off += piece) {
		size_t n = len - off < piece ? len - off : piece;

		if ((err = pn_knownhosts_push(kh, text + off, n)) != NULL)
			return err;
	}
	return pn_knownhosts_finish(kh);
}

static size_t
case_len(const struct kh_case *c)
{
	/* the NUL-byte case carries one NUL inside its text */
	return strcmp(c->name, "NUL byte") == 0 ? strlen(c->text) + 2 : strlen(c->text);
}

static void
run_case(const struct kh_case *c, size_t piece)
{
	struct pn_knownhosts kh;
	const struct pn_error *err;
	char methods[PN_KNOWNHOSTS_METHODS_MAX];
	unsigned char blob[BLOB_MAX];

	if (piece == SIZE_MAX || piece == 1)
		print_message("# %s (pieces of %zd)\n", c->name, piece == SIZE_MAX ? (ssize_t)-1 : (ssize_t)piece);
	err = parse(&kh, c->text, case_len(c), c->host, c->port, piece);
	if (c->code != 0) {
		assert_error(err, c->code, c->needle);
		/* the error sticks */
		assert_ptr_not_equal(pn_knownhosts_push(&kh, "\n", 1), NULL);
		pn_knownhosts_release(&kh);
		return;
	}
	assert_ok(err);
	if (c->keys < 0) {
		assert_error(pn_knownhosts_hostkey_methods(&kh, methods, sizeof(methods)), PN_ERR_UNSUPPORTED,
		    c->needle);
		pn_knownhosts_release(&kh);
		return;
	}
	assert_int_equal(pn_knownhosts_count(&kh), (size_t)c->keys);
	assert_ok(pn_knownhosts_hostkey_methods(&kh, methods, sizeof(methods)));
	assert_string_equal(methods, c->methods);
	if (c->offer != NONE) {
		size_t n = decode(offer_b64(c->offer), blob, sizeof(blob));

		if (c->verify == NULL) {
			assert_ok(pn_knownhosts_verify(&kh, blob, n));
		} else {
			err = pn_knownhosts_verify(&kh, blob, n);
			assert_error(err, PN_ERR_AUTH, c->verify);
			if (c->verify2 != NULL)
				assert_error(err, PN_ERR_AUTH, c->verify2);
		}
	}
	pn_knownhosts_release(&kh);
}

static void
test_table_whole(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], SIZE_MAX);
}

static void
test_table_bytewise(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], 1);
}

static void
test_table_pieces(void **state)
{
	(void)state;
	for (size_t piece = 2; piece < 100; piece += 7)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			run_case(&cases[i], piece);
}

/* "|1|" base64(salt) "|" base64(HMAC-SHA1(salt, name)), as ssh-keygen -H writes it. */
static void
hashed_name(const char *name, unsigned char salt_byte, char *out, size_t len)
{
	unsigned char salt[PN_KNOWNHOSTS_HASH_LEN], mac[PN_KNOWNHOSTS_HASH_LEN], s64[64], m64[64];
	size_t sl, ml;

	memset(salt, salt_byte, sizeof(salt));
	salt[0] = 0x42;
	assert_int_equal(mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), salt, sizeof(salt),
	    (const unsigned char *)name, strlen(name), mac), 0);
	assert_int_equal(mbedtls_base64_encode(s64, sizeof(s64), &sl, salt, sizeof(salt)), 0);
	assert_int_equal(mbedtls_base64_encode(m64, sizeof(m64), &ml, mac, sizeof(mac)), 0);
	snprintf(out, len, "|1|%s|%s", (const char *)s64, (const char *)m64);
}

static void
test_hashed(void **state)
{
	static const struct {
		const char *hashed_for, *host, *port;
		int match;
	} t[] = {
		{"github.com", "github.com", "22", 1},
		{"github.com", "GitHub.com", "22", 1},	/* looked up lower-case, as ssh does */
		{"github.com", "gitlab.com", "22", 0},
		{"[127.0.0.1]:2222", "127.0.0.1", "2222", 1},
		{"[127.0.0.1]:2222", "127.0.0.1", "22", 0},
		{"127.0.0.1", "127.0.0.1", "2222", 0},
	};
	char text[1024], name[256];
	struct pn_knownhosts kh;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hashed_name(t[i].hashed_for, (unsigned char)i, name, sizeof(name));
		snprintf(text, sizeof(text), "%s %s\n", name, E1);
		assert_ok(parse(&kh, text, strlen(text), t[i].host, t[i].port, SIZE_MAX));
		assert_int_equal(pn_knownhosts_count(&kh), (size_t)t[i].match);
		pn_knownhosts_release(&kh);
	}
}

/* The real ssh-keygen -H hashes a file; pinion must find the hosts in it. */
static void
test_hashed_by_ssh_keygen(void **state)
{
	char dir[PN_TEST_PATH_MAX], path[PN_TEST_PATH_MAX + 32], cmd[PN_TEST_PATH_MAX * 3];
	struct pn_knownhosts kh;
	FILE *f;

	(void)state;
	if (system("ssh-keygen -? >/dev/null 2>&1; command -v ssh-keygen >/dev/null") != 0)
		skip();
	assert_int_equal(pn_test_tmpdir("knownhosts", dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "github.com %s\n[127.0.0.1]:2222 %s\n[127.0.0.1]:2222 %s\n", E1, R1, E3);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -H -f %s >/dev/null 2>&1", path);
	assert_int_equal(system(cmd), 0);
	assert_ok(pn_knownhosts_load(&kh, path, "127.0.0.1", "2222"));
	assert_int_equal(pn_knownhosts_count(&kh), 2);
	assert_string_equal(pn_knownhosts_key(&kh, 0)->type, "ssh-rsa");
	assert_string_equal(pn_knownhosts_key(&kh, 1)->type, "ecdsa-sha2-nistp384");
	pn_knownhosts_release(&kh);
	assert_ok(pn_knownhosts_load(&kh, path, "github.com", NULL));
	assert_int_equal(pn_knownhosts_count(&kh), 1);
	assert_int_equal(pn_knownhosts_key(&kh, 0)->line, 1);
	pn_knownhosts_release(&kh);
	pn_test_rmtree(dir);
}

static void
test_fingerprint(void **state)
{
	static const struct {
		const char *b64, *fp, *type;
	} t[] = {
		{E1_B64, E1_FP, "ecdsa-sha2-nistp256"},
		{R1_B64, R1_FP, "ssh-rsa"},
		{D1_B64, D1_FP, "ssh-ed25519"},
		{E3_B64, E3_FP, "ecdsa-sha2-nistp384"},
	};
	unsigned char blob[BLOB_MAX];
	char fp[PN_KNOWNHOSTS_FP_LEN], type[PN_KNOWNHOSTS_TYPE_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = decode(t[i].b64, blob, sizeof(blob));

		pn_knownhosts_fingerprint(blob, n, fp);
		assert_string_equal(fp, t[i].fp);
		pn_knownhosts_blob_type(blob, n, type);
		assert_string_equal(type, t[i].type);
	}
	/* blobs that do not start with a sane type name */
	pn_knownhosts_blob_type((const unsigned char *)"\0\0\0\x09ssh", 7, type);
	assert_string_equal(type, "?");
	pn_knownhosts_blob_type((const unsigned char *)"\0\0", 2, type);
	assert_string_equal(type, "?");
	pn_knownhosts_blob_type((const unsigned char *)"\0\0\0\x03s\nh", 7, type);
	assert_string_equal(type, "s?h");
}

static void
test_cert_authority_count(void **state)
{
	const char *text = "github.com " E1 "\n@cert-authority *.example.com " E1 "\n@cert-authority *.example.com "
	    E2 "\n";
	struct pn_knownhosts kh;
	size_t first = 0;

	(void)state;
	assert_ok(parse(&kh, text, strlen(text), "git.example.com", "22", SIZE_MAX));
	assert_int_equal(pn_knownhosts_ca_lines(&kh, &first), 2);
	assert_int_equal(first, 2);
	assert_int_equal(pn_knownhosts_count(&kh), 0);
	pn_knownhosts_release(&kh);
}

static void
test_line_too_long(void **state)
{
	const size_t n = PN_KNOWNHOSTS_LINE_MAX + 1;
	char *text = malloc(n + 64);
	struct pn_knownhosts kh;

	(void)state;
	assert_non_null(text);
	memset(text, '#', n);
	text[n] = '\n';
	/* exactly the limit is fine (a comment line) */
	assert_ok(parse(&kh, text + 1, n, "github.com", "22", SIZE_MAX));
	pn_knownhosts_release(&kh);
	assert_error(parse(&kh, text, n + 1, "github.com", "22", SIZE_MAX), PN_ERR_TOO_LARGE,
	    "test line 1: longer than 16384 bytes");
	pn_knownhosts_release(&kh);
	assert_error(parse(&kh, text, n + 1, "github.com", "22", 1000), PN_ERR_TOO_LARGE,
	    "test line 1: longer than 16384 bytes");
	pn_knownhosts_release(&kh);
	/* without a newline at all */
	assert_error(parse(&kh, text, n, "github.com", "22", 3), PN_ERR_TOO_LARGE, "longer than");
	pn_knownhosts_release(&kh);
	free(text);
}

static void
test_too_many_lines(void **state)
{
	const size_t n = PN_KNOWNHOSTS_LINES_MAX + 1;
	char *text = malloc(n);
	struct pn_knownhosts kh;

	(void)state;
	assert_non_null(text);
	memset(text, '\n', n);
	assert_ok(parse(&kh, text, n - 1, "github.com", "22", SIZE_MAX));
	pn_knownhosts_release(&kh);
	assert_error(parse(&kh, text, n, "github.com", "22", 4096), PN_ERR_TOO_LARGE, "more than 100000 lines");
	pn_knownhosts_release(&kh);
	free(text);
}

static void
test_file_too_large(void **state)
{
	const size_t chunk = 65536;
	char *text = malloc(chunk);
	struct pn_knownhosts kh;
	const struct pn_error *err = NULL;
	size_t total = 0;

	(void)state;
	assert_non_null(text);
	/* long comment lines, so the line limit is not what stops it */
	for (size_t i = 0; i < chunk; i++)
		text[i] = i % 8192 == 8191 ? '\n' : '#';
	assert_ok(pn_knownhosts_init(&kh, "github.com", "22", "test"));
	while (err == NULL && total <= PN_KNOWNHOSTS_FILE_MAX) {
		err = pn_knownhosts_push(&kh, text, chunk);
		total += chunk;
	}
	assert_int_equal(total, (size_t)PN_KNOWNHOSTS_FILE_MAX + chunk);
	assert_error(err, PN_ERR_TOO_LARGE, "larger than 4194304 bytes");
	pn_knownhosts_release(&kh);
	free(text);
}

static void
test_too_many_keys(void **state)
{
	char line[512];
	struct pn_knownhosts kh;
	const struct pn_error *err = NULL;
	int i;

	(void)state;
	snprintf(line, sizeof(line), "github.com %s\n", E1);
	assert_ok(pn_knownhosts_init(&kh, "github.com", "22", "test"));
	for (i = 0; i <= PN_KNOWNHOSTS_HOST_KEYS_MAX && err == NULL; i++)
		err = pn_knownhosts_push(&kh, line, strlen(line));
	assert_int_equal(i, PN_KNOWNHOSTS_HOST_KEYS_MAX + 1);
	assert_error(err, PN_ERR_TOO_LARGE, "test line 65: more than 64 keys for github.com");
	pn_knownhosts_release(&kh);
}

static void
test_load_errors(void **state)
{
	struct pn_knownhosts kh;
	char name[400];

	(void)state;
	assert_error(pn_knownhosts_load(&kh, "/nonexistent/known_hosts", "github.com", "22"), PN_ERR_ERRNO,
	    "open known_hosts /nonexistent/known_hosts");
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_error(pn_knownhosts_init(&kh, name, "2222", "test"), PN_ERR_USAGE, "host name longer than");
	assert_error(pn_knownhosts_init(&kh, "", "22", "test"), PN_ERR_USAGE, "no host name");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_whole),
		cmocka_unit_test(test_table_bytewise),
		cmocka_unit_test(test_table_pieces),
		cmocka_unit_test(test_hashed),
		cmocka_unit_test(test_hashed_by_ssh_keygen),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_cert_authority_count),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_too_many_lines),
		cmocka_unit_test(test_file_too_large),
		cmocka_unit_test(test_too_many_keys),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
