#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../platform/atomic.h"
#include "../core/buf.h"
#include "../core/file.h"
#include "../core/banned.h"

#define PN_STATE_PATH_MAX 4096
#define PN_STATE_SHA1_MARK "sha1:"

static const char *
slot_name(enum pn_state_slot slot)
{
	switch (slot) {
	case PN_STATE_FETCHED:
		return "fetched";
	case PN_STATE_APPLIED:
		return "applied";
	default:
		return "source";
	}
}

static const struct pn_error *
slot_path(const char *dir, enum pn_state_slot slot, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", dir, slot_name(slot));

	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "state directory path too long: %s", dir);
	return NULL;
}

const struct pn_error *
pn_state_prepare(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return pn_error_errno_fmt("create state directory %s", dir);
	if (stat(dir, &st) == -1)
		return pn_error_errno_fmt("state directory %s", dir);
	if (!S_ISDIR(st.st_mode))
		return pn_error_fmt(PN_ERR_USAGE, "state directory %s is not a directory", dir);
	return NULL;
}

const struct pn_error *
pn_state_get(const char *dir, enum pn_state_slot slot, char *buf, size_t len, int *found)
{
	char path[PN_STATE_PATH_MAX];
	const struct pn_error *err;
	struct pn_buf b;
	size_t n;

	*found = 0;
	if (len > 0)
		buf[0] = '\0';
	if ((err = slot_path(dir, slot, path, sizeof(path))) != NULL)
		return err;
	pn_buf_init(&b, PN_STATE_REVISION_MAX, "revision file");
	if ((err = pn_file_read(path, &b)) != NULL) {
		pn_buf_release(&b);
		if (err->code == PN_ERR_ERRNO && errno == ENOENT)
			return NULL;
		return err;
	}
	n = b.len;
	if (n == 0 || b.data[n - 1] != '\n' || memchr(b.data, '\n', n - 1) != NULL || memchr(b.data, '\0', n)) {
		pn_buf_release(&b);
		return pn_error_fmt(PN_ERR_PARSE, "%s: not a one-line revision file (remove it to start over)", path);
	}
	if (n > len) {
		pn_buf_release(&b);
		return pn_error_fmt(PN_ERR_TOO_LARGE, "%s: revision longer than %zu bytes", path, len - 1);
	}
	memcpy(buf, b.data, n - 1);
	buf[n - 1] = '\0';
	*found = 1;
	pn_buf_release(&b);
	return NULL;
}

const struct pn_error *
pn_state_set(const char *dir, enum pn_state_slot slot, const char *revision)
{
	char path[PN_STATE_PATH_MAX], line[PN_STATE_REVISION_MAX + 1];
	const struct pn_error *err;
	size_t n = strlen(revision);

	if (n == 0 || n >= PN_STATE_REVISION_MAX || strchr(revision, '\n') != NULL)
		return pn_error_fmt(PN_ERR_INTERNAL, "bad revision for %s", slot_name(slot));
	if ((err = slot_path(dir, slot, path, sizeof(path))) != NULL)
		return err;
	memcpy(line, revision, n);
	line[n] = '\n';
	return pn_atomic_write(path, line, n + 1, 0600);
}

const struct pn_error *
pn_state_clear(const char *dir, enum pn_state_slot slot)
{
	char path[PN_STATE_PATH_MAX];
	const struct pn_error *err;

	if ((err = slot_path(dir, slot, path, sizeof(path))) != NULL)
		return err;
	if (unlink(path) == -1) {
		if (errno == ENOENT)
			return NULL;
		return pn_error_errno_fmt("remove %s", path);
	}
	return pn_atomic_sync_dir(path);
}

const struct pn_error *
pn_state_revision_oid(const char *revision, struct pn_oid *oid)
{
	const char *p = strstr(revision, PN_STATE_SHA1_MARK);
	const char *last = p;

	while (p != NULL) {
		last = p;
		p = strstr(p + 1, PN_STATE_SHA1_MARK);
	}
	if (last == NULL)
		return pn_error_fmt(PN_ERR_PARSE, "revision \"%s\" carries no sha1: object id", revision);
	last += strlen(PN_STATE_SHA1_MARK);
	return pn_oid_from_hex(last, strlen(last), oid);
}

const struct pn_error *
pn_state_branch_revision(const char *branch, const struct pn_oid *oid, char *buf, size_t len)
{
	char hex[PN_OID_HEX_MAX];
	int n = snprintf(buf, len, "%s@" PN_STATE_SHA1_MARK "%s", branch, pn_oid_to_hex(oid, hex));

	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "revision for branch \"%s\" too long", branch);
	return NULL;
}

const struct pn_error *
pn_state_revision(const char *name, const struct pn_oid *oid, char *buf, size_t len)
{
	char hex[PN_OID_HEX_MAX];
	int n;

	if (name == NULL || name[0] == '\0')
		n = snprintf(buf, len, PN_STATE_SHA1_MARK "%s", pn_oid_to_hex(oid, hex));
	else
		n = snprintf(buf, len, "%s@" PN_STATE_SHA1_MARK "%s", name, pn_oid_to_hex(oid, hex));
	if (n < 0 || (size_t)n >= len)
		return pn_error_fmt(PN_ERR_TOO_LARGE, "revision for \"%.64s\" too long", name != NULL ? name : "");
	return NULL;
}
