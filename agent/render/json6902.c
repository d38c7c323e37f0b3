/*
 * JSON patch (see json6902.h): evanphx/json-patch v4.12.0's Patch.Apply re-done over cJSON, with its messages,
 * then the float64 round trip kustomize puts every patched object through.
 */
#include "json6902.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../core/banned.h"

/* Digits of the shortest float64 that reads back the same: never more than 17. */
#define DBL_DIGITS_MAX 17
/* Room for a float64 printed in full fixed notation below 1e21, or in exponent notation. */
#define NUM_TEXT_MAX 64

struct jp {
	const char *what;
	size_t op;
	size_t copied;		/* nodes added by copy operations so far */
	char msg[PN_ERROR_MSG_MAX];	/* json-patch's inner error text */
};

static const struct pn_error *
fail(struct jp *p, enum pn_err_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static const struct pn_error *
fail(struct jp *p, enum pn_err_code code, const char *fmt, ...)
{
	char buf[PN_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pn_error_fmt(code, "%s: operation %zu: %s", p->what, p->op, buf);
}

static void
inner(struct jp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
inner(struct jp *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

/* Go's strconv.Atoi: optional sign, decimal digits (leading zeros allowed), int64 range. 0 ok, -1 bad. */
static int
atoi_go(struct jp *p, const char *s, long long *out)
{
	const char *d = s;
	unsigned long long v = 0, lim;
	int neg = 0;

	if (*d == '+' || *d == '-')
		neg = *d++ == '-';
	if (*d == '\0') {
		inner(p, "strconv.Atoi: parsing \"%s\": invalid syntax", s);
		return -1;
	}
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; *d != '\0'; d++) {
		if (*d < '0' || *d > '9') {
			inner(p, "strconv.Atoi: parsing \"%s\": invalid syntax", s);
			return -1;
		}
		if (v > (lim - (unsigned long long)(*d - '0')) / 10) {
			/* keep scanning: a later non-digit makes it a syntax error in Go too */
			const char *e = d;

			while (*e >= '0' && *e <= '9')
				e++;
			if (*e != '\0')
				inner(p, "strconv.Atoi: parsing \"%s\": invalid syntax", s);
			else
				inner(p, "strconv.Atoi: parsing \"%s\": value out of range", s);
			return -1;
		}
		v = v * 10 + (unsigned long long)(*d - '0');
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

/* RFC 6901 unescaping in one pass, as Go's strings.NewReplacer("~1", "/", "~0", "~") does it. */
static char *
decode_token(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '~' && i + 1 < len && (s[i + 1] == '1' || s[i + 1] == '0')) {
			*o++ = s[i + 1] == '1' ? '/' : '~';
			i++;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static size_t
array_len(const cJSON *a)
{
	return (size_t)cJSON_GetArraySize(a);
}

/* An array element by Go index (negative from the end); NULL with p->msg set when out of range. */
static cJSON *
array_get(struct jp *p, cJSON *a, const char *key, long long *idx_out)
{
	long long idx, len = (long long)array_len(a);

	if (atoi_go(p, key, &idx) == -1)
		return NULL;
	if (idx < 0) {
		if (idx < -len) {
			inner(p, "Unable to access invalid index: %lld: invalid index referenced", idx);
			return NULL;
		}
		idx += len;
	}
	if (idx >= len) {
		inner(p, "Unable to access invalid index: %lld: invalid index referenced", idx);
		return NULL;
	}
	*idx_out = idx;
	return cJSON_GetArrayItem(a, (int)idx);
}

/* findObject: the container of the path's last token, and that token decoded. NULL when a step is missing. */
static const struct pn_error *
find_object(struct jp *p, cJSON *root, const char *path, cJSON **con, char **key, size_t *depth)
{
	const char *seg, *slash, *last;
	cJSON *cur = root;

	*con = NULL;
	*key = NULL;
	*depth = 0;
	if ((last = strrchr(path, '/')) == NULL)
		return NULL;
	seg = strchr(path, '/') + 1;	/* the text before the first '/' is ignored, as Go's split[1:] does */
	while (seg <= last) {
		char *tok;
		cJSON *next;
		long long idx;

		slash = strchr(seg, '/');
		if ((tok = decode_token(seg, (size_t)(slash - seg))) == NULL)
			return pn_error_fmt(PN_ERR_NOMEM, "%s: out of memory", p->what);
		if (cJSON_IsArray(cur))
			next = array_get(p, cur, tok, &idx);
		else
			next = cJSON_GetObjectItemCaseSensitive(cur, tok);
		free(tok);
		if (next == NULL || !(cJSON_IsObject(next) || cJSON_IsArray(next)))
			return NULL;
		cur = next;
		(*depth)++;
		seg = slash + 1;
	}
	if ((*key = decode_token(last + 1, strlen(last + 1))) == NULL)
		return pn_error_fmt(PN_ERR_NOMEM, "%s: out of memory", p->what);
	*con = cur;
	return NULL;
}

/* container.get: *val NULL for a missing object key or a null (Go's nil); -1 with p->msg on a bad index. */
static int
con_get(struct jp *p, cJSON *con, const char *key, cJSON **val)
{
	long long idx;

	if (cJSON_IsArray(con)) {
		if ((*val = array_get(p, con, key, &idx)) == NULL)
			return -1;
	} else {
		*val = cJSON_GetObjectItemCaseSensitive(con, key);
	}
	if (*val != NULL && cJSON_IsNull(*val))
		*val = NULL;
	return 0;
}

/* container.add: takes val (NULL means null) in every case. -1 with p->msg set, or -2 out of memory. */
static int
con_add(struct jp *p, cJSON *con, const char *key, cJSON *val)
{
	long long idx, sz;

	if (val == NULL && (val = cJSON_CreateNull()) == NULL)
		return -2;
	if (!cJSON_IsArray(con)) {
		if (cJSON_GetObjectItemCaseSensitive(con, key) != NULL)
			return cJSON_ReplaceItemInObjectCaseSensitive(con, key, val) ? 0 : (cJSON_Delete(val), -2);
		return cJSON_AddItemToObject(con, key, val) ? 0 : (cJSON_Delete(val), -2);
	}
	if (strcmp(key, "-") == 0)
		return cJSON_AddItemToArray(con, val) ? 0 : (cJSON_Delete(val), -2);
	if (atoi_go(p, key, &idx) == -1) {
		char tmp[PN_ERROR_MSG_MAX];

		memcpy(tmp, p->msg, sizeof(tmp));
		inner(p, "value was not a proper array index: '%s': %s", key, tmp);
		cJSON_Delete(val);
		return -1;
	}
	sz = (long long)array_len(con) + 1;
	if (idx >= sz || (idx < 0 && idx < -sz)) {
		inner(p, "Unable to access invalid index: %lld: invalid index referenced", idx);
		cJSON_Delete(val);
		return -1;
	}
	if (idx < 0)
		idx += sz;
	return cJSON_InsertItemInArray(con, (int)idx, val) ? 0 : (cJSON_Delete(val), -2);
}

/* container.remove: detaches and returns the value through *out when out is not NULL, else frees it. */
static int
con_remove(struct jp *p, cJSON *con, const char *key, cJSON **out)
{
	long long idx, len;
	cJSON *it;

	if (!cJSON_IsArray(con)) {
		if ((it = cJSON_DetachItemFromObjectCaseSensitive(con, key)) == NULL) {
			inner(p, "Unable to remove nonexistent key: %s: missing value", key);
			return -1;
		}
	} else {
		if (atoi_go(p, key, &idx) == -1)
			return -1;
		len = (long long)array_len(con);
		if (idx >= len || (idx < 0 && idx < -len)) {
			inner(p, "Unable to access invalid index: %lld: invalid index referenced", idx);
			return -1;
		}
		if (idx < 0)
			idx += len;
		it = cJSON_DetachItemFromArray(con, (int)idx);
	}
	if (out != NULL)
		*out = it;
	else
		cJSON_Delete(it);
	return 0;
}

/* lazyNode.equal: numbers by their JSON text, nulls equal to nulls. */
static int
equal(const cJSON *a, const cJSON *b)
{
	const cJSON *c, *d;

	if (a == NULL || cJSON_IsNull(a))
		return b == NULL || cJSON_IsNull(b);
	if (b == NULL)
		return 0;
	if (cJSON_IsObject(a)) {
		if (!cJSON_IsObject(b) || cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		for (c = a->child; c != NULL; c = c->next)
			if ((d = cJSON_GetObjectItemCaseSensitive(b, c->string)) == NULL || !equal(c, d))
				return 0;
		return 1;
	}
	if (cJSON_IsArray(a)) {
		if (!cJSON_IsArray(b) || cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		for (c = a->child, d = b->child; c != NULL; c = c->next, d = d->next)
			if (!equal(c, d))
				return 0;
		return 1;
	}
	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsString(a) || cJSON_IsRaw(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	return 1;
}

static size_t
depth_of(const cJSON *n)
{
	size_t d = 0, cd;
	const cJSON *c;

	if (!cJSON_IsObject(n) && !cJSON_IsArray(n))
		return 0;
	for (c = n->child; c != NULL; c = c->next)
		if ((cd = depth_of(c)) > d)
			d = cd;
	return d + 1;
}

static size_t
count_nodes(const cJSON *n)
{
	size_t k = 1;
	const cJSON *c;

	for (c = n != NULL ? n->child : NULL; c != NULL; c = c->next)
		k += count_nodes(c);
	return k;
}

static const struct pn_error *
nomem(struct jp *p)
{
	return pn_error_fmt(PN_ERR_NOMEM, "%s: out of memory", p->what);
}

/* Check that a value placed `at` levels down keeps the object within PN_JSON6902_MAX_DEPTH. */
static const struct pn_error *
check_depth(struct jp *p, size_t at, const cJSON *val)
{
	if (at + 1 + depth_of(val) > PN_JSON6902_MAX_DEPTH)
		return fail(p, PN_ERR_TOO_LARGE, "the object would nest deeper than %d levels",
		    PN_JSON6902_MAX_DEPTH);
	return NULL;
}

/* Which operation places a value: they word their errors differently. */
enum placer { P_ADD, P_MOVE, P_COPY };

/* add, and the second half of move and copy: val is taken. */
static const struct pn_error *
place(struct jp *p, cJSON *root, const char *path, cJSON *val, enum placer who)
{
	const struct pn_error *err;
	cJSON *con;
	char *key;
	size_t depth;
	int r;

	if ((err = find_object(p, root, path, &con, &key, &depth)) != NULL) {
		cJSON_Delete(val);
		return err;
	}
	if (con == NULL) {
		cJSON_Delete(val);
		if (who == P_ADD)
			return fail(p, PN_ERR_PARSE, "add operation does not apply: doc is missing path: \"%s\": "
			    "missing value", path);
		return fail(p, PN_ERR_PARSE, "%s operation does not apply: doc is missing destination path: %s: "
		    "missing value", who == P_MOVE ? "move" : "copy", path);
	}
	if ((err = check_depth(p, depth, val)) != NULL) {
		cJSON_Delete(val);
		free(key);
		return err;
	}
	r = con_add(p, con, key, val);
	free(key);
	if (r == -2)
		return nomem(p);
	if (r == -1 && who == P_COPY)
		return fail(p, PN_ERR_PARSE, "error while adding value during copy: %s", p->msg);
	if (r == -1)
		return fail(p, PN_ERR_PARSE, "error in %s for path: '%s': %s", who == P_ADD ? "add" : "move", path,
		    p->msg);
	return NULL;
}

static const struct pn_error *
op_value(struct jp *p, const cJSON *op, cJSON **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, "value");

	*out = NULL;
	if (v != NULL && !cJSON_IsNull(v) && (*out = cJSON_Duplicate(v, 1)) == NULL)
		return nomem(p);
	return NULL;
}

static const struct pn_error *
apply_one(struct jp *p, cJSON *root, const cJSON *op)
{
	const struct pn_error *err = NULL;
	const char *kind = pn_jstr(op, "op"), *path = pn_jstr(op, "path"), *from = pn_jstr(op, "from");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
	cJSON *con, *val = NULL, *cur;
	char *key = NULL;
	size_t depth;

	if (kind == NULL)
		kind = "unknown";
	if (strcmp(kind, "add") == 0) {
		if (path == NULL)
			return fail(p, PN_ERR_PARSE, "add operation failed to decode path: missing value");
		if ((err = op_value(p, op, &val)) != NULL)
			return err;
		return place(p, root, path, val, P_ADD);
	}
	if (strcmp(kind, "remove") == 0) {
		if (path == NULL)
			return fail(p, PN_ERR_PARSE, "remove operation failed to decode path: missing value");
		if ((err = find_object(p, root, path, &con, &key, &depth)) != NULL)
			return err;
		if (con == NULL)
			return fail(p, PN_ERR_PARSE, "remove operation does not apply: doc is missing path: \"%s\": "
			    "missing value", path);
		if (con_remove(p, con, key, NULL) == -1)
			err = fail(p, PN_ERR_PARSE, "error in remove for path: '%s': %s", path, p->msg);
		free(key);
		return err;
	}
	if (strcmp(kind, "replace") == 0) {
		if (path == NULL)
			return fail(p, PN_ERR_PARSE, "replace operation failed to decode path: operation missing path "
			    "field: missing value");
		if (path[0] == '\0') {
			if (cJSON_IsArray(value))
				return fail(p, PN_ERR_PARSE, "json: cannot unmarshal array into Go value of type "
				    "map[string]interface {}");
			if (!cJSON_IsObject(value))
				return NULL;	/* json-patch wraps a nil error here: nothing happens */
			if ((err = check_depth(p, 0, value)) != NULL)
				return err;
			if ((val = cJSON_Duplicate(value, 1)) == NULL)
				return nomem(p);
			while ((cur = root->child) != NULL)
				cJSON_Delete(cJSON_DetachItemViaPointer(root, cur));
			root->child = val->child;
			val->child = NULL;
			cJSON_Delete(val);
			return NULL;
		}
		if ((err = find_object(p, root, path, &con, &key, &depth)) != NULL)
			return err;
		if (con == NULL)
			return fail(p, PN_ERR_PARSE, "replace operation does not apply: doc is missing path: %s: "
			    "missing value", path);
		if (con_get(p, con, key, &cur) == -1) {
			free(key);
			return fail(p, PN_ERR_PARSE, "replace operation does not apply: doc is missing key: %s: "
			    "missing value", path);
		}
		if ((err = op_value(p, op, &val)) != NULL || (err = check_depth(p, depth, val)) != NULL) {
			cJSON_Delete(val);
			free(key);
			return err;
		}
		if (val == NULL && (val = cJSON_CreateNull()) == NULL) {
			free(key);
			return nomem(p);
		}
		if (cJSON_IsArray(con)) {
			long long idx;

			(void)array_get(p, con, key, &idx);
			cJSON_ReplaceItemInArray(con, (int)idx, val);
		} else if (cJSON_GetObjectItemCaseSensitive(con, key) != NULL) {
			cJSON_ReplaceItemInObjectCaseSensitive(con, key, val);
		} else if (!cJSON_AddItemToObject(con, key, val)) {
			cJSON_Delete(val);
			err = nomem(p);
		}
		free(key);
		return err;
	}
	if (strcmp(kind, "move") == 0 || strcmp(kind, "copy") == 0) {
		int move = kind[0] == 'm';

		if (from == NULL)
			return fail(p, PN_ERR_PARSE, "%s operation failed to decode from: operation, missing from "
			    "field: missing value", kind);
		if ((err = find_object(p, root, from, &con, &key, &depth)) != NULL)
			return err;
		if (con == NULL)
			return fail(p, PN_ERR_PARSE, "%s operation does not apply: doc is missing from path: %s: "
			    "missing value", kind, from);
		if (con_get(p, con, key, &cur) == -1) {
			err = move ? fail(p, PN_ERR_PARSE, "error in move for path: '%s': %s", key, p->msg) :
			    fail(p, PN_ERR_PARSE, "error in copy for from: '%s': %s", from, p->msg);
			free(key);
			return err;
		}
		if (move) {
			if (con_remove(p, con, key, &val) == -1) {
				err = fail(p, PN_ERR_PARSE, "error in move for path: '%s': %s", key, p->msg);
				free(key);
				return err;
			}
			if (cJSON_IsNull(val)) {
				cJSON_Delete(val);
				val = NULL;
			}
		} else if (cur != NULL) {
			p->copied += count_nodes(cur);
			if (p->copied > PN_JSON6902_MAX_COPY_NODES) {
				free(key);
				return fail(p, PN_ERR_TOO_LARGE, "copy operations added more than %zu nodes",
				    PN_JSON6902_MAX_COPY_NODES);
			}
			if ((val = cJSON_Duplicate(cur, 1)) == NULL) {
				free(key);
				return nomem(p);
			}
		}
		free(key);
		if (path == NULL) {
			cJSON_Delete(val);
			return move ? fail(p, PN_ERR_PARSE, "move operation failed to decode path: operation missing "
			    "path field: missing value") :
			    fail(p, PN_ERR_PARSE, "copy operation failed to decode path: missing value");
		}
		return place(p, root, path, val, move ? P_MOVE : P_COPY);
	}
	if (strcmp(kind, "test") == 0) {
		if (path == NULL)
			return fail(p, PN_ERR_PARSE, "test operation failed to decode path: operation missing path "
			    "field: missing value");
		if (path[0] == '\0')
			return equal(root, value) ? NULL : fail(p, PN_ERR_PARSE, "testing value  failed: test failed");
		if ((err = find_object(p, root, path, &con, &key, &depth)) != NULL)
			return err;
		if (con == NULL)
			return fail(p, PN_ERR_PARSE, "test operation does not apply: is missing path: %s: missing "
			    "value", path);
		if (con_get(p, con, key, &cur) == -1)
			err = fail(p, PN_ERR_PARSE, "error in test for path: '%s': %s", path, p->msg);
		else if (cur == NULL ? !(value == NULL || cJSON_IsNull(value)) : (value == NULL || !equal(cur, value)))
			err = fail(p, PN_ERR_PARSE, "testing value %s failed: test failed", path);
		free(key);
		return err;
	}
	return fail(p, PN_ERR_PARSE, "Unexpected kind: %s", kind);
}

/* Go's encoding/json text for a float64: shortest digits, fixed below 1e21 and from 1e-6, else exponent. */
static void
go_float(double x, char *out, size_t size)
{
	char e[NUM_TEXT_MAX], digits[DBL_DIGITS_MAX + 2], *mant, *exp_s;
	int prec, n = 0, i;
	long ex;
	size_t pos = 0;
	double ax = fabs(x);

	if (size < NUM_TEXT_MAX)
		PN_BUG("go_float buffer");
	for (prec = 1; prec <= DBL_DIGITS_MAX; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, x);
		if (strtod(e, NULL) == x)
			break;
	}
	mant = e[0] == '-' ? e + 1 : e;
	exp_s = strchr(mant, 'e');
	ex = strtol(exp_s + 1, NULL, 10);
	for (i = 0; mant + i < exp_s; i++)
		if (mant[i] != '.')
			digits[n++] = mant[i];
	digits[n] = '\0';
	if (signbit(x))
		out[pos++] = '-';
	if (ax == 0) {
		out[pos++] = '0';
	} else if (ax < 1e-6 || ax >= 1e21) {
		out[pos++] = digits[0];
		if (n > 1) {
			out[pos++] = '.';
			for (i = 1; i < n; i++)
				out[pos++] = digits[i];
		}
		snprintf(out + pos, size - pos, "e%c%ld", ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
		return;
	} else if (ex >= 0) {
		for (i = 0; i < n || i <= ex; i++) {
			if (i == ex + 1)
				out[pos++] = '.';
			out[pos++] = i < n ? digits[i] : '0';
		}
	} else {
		out[pos++] = '0';
		out[pos++] = '.';
		for (i = 0; i < -ex - 1; i++)
			out[pos++] = '0';
		for (i = 0; i < n; i++)
			out[pos++] = digits[i];
	}
	out[pos] = '\0';
}

/* Every number through a float64, as kustomize's JSON round trip does. Depth is bounded by the checks above. */
static const struct pn_error *
round_trip(struct jp *p, cJSON *n)
{
	cJSON *c;

	for (c = n->child; c != NULL; c = c->next) {
		if (cJSON_IsRaw(c)) {
			char text[NUM_TEXT_MAX], *end, *copy;
			double d;

			d = strtod(c->valuestring, &end);
			if (*end != '\0' || !isfinite(d))
				continue;
			go_float(d, text, sizeof(text));
			if (strcmp(text, c->valuestring) == 0)
				continue;
			if ((copy = malloc(strlen(text) + 1)) == NULL)
				return nomem(p);
			memcpy(copy, text, strlen(text) + 1);
			cJSON_free(c->valuestring);
			c->valuestring = copy;
		} else if (cJSON_IsNumber(c)) {
			/* from ops the caller parsed as JSON: make it the raw number yaml.h promises */
			char text[NUM_TEXT_MAX], *copy;

			if (!isfinite(c->valuedouble))
				continue;
			go_float(c->valuedouble, text, sizeof(text));
			if ((copy = malloc(strlen(text) + 1)) == NULL)
				return nomem(p);
			memcpy(copy, text, strlen(text) + 1);
			c->type = cJSON_Raw | (c->type & cJSON_StringIsConst);
			c->valuestring = copy;
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			const struct pn_error *err = round_trip(p, c);

			if (err != NULL)
				return err;
		}
	}
	return NULL;
}

const struct pn_error *
pn_json6902_apply(cJSON *target, const cJSON *ops, const char *what)
{
	const struct pn_error *err;
	struct jp p;
	const cJSON *op;

	memset(&p, 0, sizeof(p));
	p.what = what != NULL ? what : "patch";
	if (!cJSON_IsObject(target))
		return pn_error_fmt(PN_ERR_PARSE, "%s: the target of a JSON patch must be a map", p.what);
	if (!cJSON_IsArray(ops))
		return pn_error_fmt(PN_ERR_PARSE, "%s: json: cannot unmarshal %s into Go value of type "
		    "jsonpatch.Patch", p.what, cJSON_IsObject(ops) ? "object" : "value");
	for (op = ops->child; op != NULL; op = op->next, p.op++) {
		if (!cJSON_IsObject(op))
			return fail(&p, PN_ERR_PARSE, "json: cannot unmarshal %s into Go value of type "
			    "jsonpatch.Operation", cJSON_IsArray(op) ? "array" : "value");
		if ((err = apply_one(&p, target, op)) != NULL)
			return err;
	}
	return round_trip(&p, target);
}
