/*
 * YAML in (see yaml.h for the typing contract). Three layers, each a few functions:
 *   push/finish  cut the byte stream into kyaml's "---" pieces, folding "\r\n" on the way;
 *   parse_piece  runs libyaml's event parser over one piece and builds its first document with an explicit
 *                stack of open collections (no recursion on input depth);
 *   scalar_item  types a scalar with yamltype.c (go-yaml's resolve(), Go's strconv and time rules in C).
 */
#include "yaml.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "yamlout.h"
#include "yamltype.h"

#include "../core/banned.h"

/* Room for any number or timestamp text made here ("-18446744073709551615", "2020-01-01T10:00:00.123456789+24:00"). */
#define PN_YAML_TEXT_MAX 64
/* The float64 shortest round-trip form never needs more significant digits than this. */
#define DBL_SHORTEST_MAX 17

struct keyline {
	const char *key;	/* the object's own copy (item->string) */
	size_t line;
	size_t seq;
};

/* An open mapping or sequence. Its node is not yet in its parent: it is added when the collection ends. */
struct frame {
	cJSON *node;
	int is_map;
	long anchor;		/* index in the anchor table, or -1 */
	size_t line;		/* where it starts */
	size_t nodes;		/* nodes in this subtree so far, itself included (what an alias of it costs) */
	size_t height;		/* collection levels in this subtree, itself included */
	/* mappings only */
	int have_key;		/* the next value belongs to `key` */
	int key_merge;		/* the key is a merge key "<<" */
	char *key;
	size_t key_line;
	struct keyline *keys;	/* explicit keys, for the duplicate check and merges */
	size_t nkeys, capkeys;
	cJSON *merges;		/* array of source mappings from "<<", in precedence order */
};

struct anchor {
	char *name;
	cJSON *node;		/* NULL while the anchored collection is still open */
	size_t nodes, height;
};

/* frames allocated first; the stack doubles up to the depth limit */
#define PN_YAML_STACK_INITIAL 16

struct pn_yaml {
	char *file;
	struct pn_yaml_limits lim;
	struct pn_buf buf;	/* bytes not yet cut into pieces, "\r\n" folded to "\n" */
	size_t start;		/* the current piece begins here in buf */
	size_t scan;		/* where to look on for "\n---", relative to start */
	size_t line;		/* file line where the current piece begins */
	size_t total;		/* bytes pushed */
	int held_cr;		/* the last push ended in '\r': it may begin "\r\n" */
	int finished;
	size_t pieces, ndocs;
	struct pn_yaml_doc *queue;
	size_t qhead, qlen, qcap;
	int failed;
	struct pn_error err;
	/* the document being built */
	struct frame *stack;
	size_t depth, stack_cap;
	struct anchor *anchors;
	size_t nanchors;
	cJSON *graveyard;	/* anchored nodes kept outside the tree (keys, merge sources) */
	cJSON *root;
	size_t root_line, alias_nodes, line0, keyseq;
};

/* An error "FILE:LINE: message". */
static const struct pn_error *at(const struct pn_yaml *y, enum pn_err_code code, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static const struct pn_error *
at(const struct pn_yaml *y, enum pn_err_code code, size_t line, const char *fmt, ...)
{
	char msg[PN_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line == 0)
		return pn_error_fmt(code, "%s: %s", y->file, msg);
	return pn_error_fmt(code, "%s:%zu: %s", y->file, line, msg);
}

static const struct pn_error *
nomem(const struct pn_yaml *y)
{
	return pn_error_fmt(PN_ERR_NOMEM, "%s: out of memory", y->file);
}

/* Go's encoding/json text for a finite float64: shortest round-trip digits, 'e' form below 1e-6 and from
 * 1e21 on ("1e+21", "1e-7"), else plain decimals ("1000", "0.000001"). */
static void
go_json_float(double f, char *out, size_t cap)
{
	char tmp[PN_YAML_TEXT_MAX], digits[DBL_SHORTEST_MAX + 1];
	int nd = 0, exp10;
	size_t o = 0;
	const char *s;

	if (f == 0) {
		snprintf(out, cap, "%s", signbit(f) ? "-0" : "0");
		return;
	}
	for (int prec = 1; prec <= DBL_SHORTEST_MAX; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	for (s = tmp + (tmp[0] == '-'); *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	exp10 = (int)strtol(s + 1, NULL, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (f < 0)
		out[o++] = '-';
	if (fabs(f) < 1e-6 || fabs(f) >= 1e21) {
		out[o++] = digits[0];
		if (nd > 1) {
			out[o++] = '.';
			for (int k = 1; k < nd; k++)
				out[o++] = digits[k];
		}
		snprintf(out + o, cap - o, exp10 < 0 ? "e-%d" : "e+%02d", abs(exp10));
		return;
	}
	if (exp10 < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int k = 0; k < -exp10 - 1; k++)
			out[o++] = '0';
		for (int k = 0; k < nd; k++)
			out[o++] = digits[k];
	} else {
		for (int k = 0; k <= exp10; k++)
			out[o++] = k < nd ? digits[k] : '0';
		if (nd > exp10 + 1) {
			out[o++] = '.';
			for (int k = exp10 + 1; k < nd; k++)
				out[o++] = digits[k];
		}
	}
	out[o] = '\0';
}

/* Go's base64.StdEncoding.DecodeString: padding required, '\r' and '\n' skipped. Returns the length, or -1. */
static long
base64_decode(const char *s, size_t len, unsigned char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long acc = 0;
	long o = 0;
	int q = 0, pad = 0;

	for (size_t k = 0; k < len; k++) {
		const char *c;

		if (s[k] == '\r' || s[k] == '\n')
			continue;
		if (s[k] == '=') {
			if (q < 2 || q + pad >= 4)
				return -1;
			pad++;
			continue;
		}
		if (pad > 0 || (c = memchr(alphabet, s[k], 64)) == NULL || s[k] == '\0')
			return -1;
		acc = acc << 6 | (unsigned long)(c - alphabet);
		if (++q == 4) {
			out[o++] = (unsigned char)(acc >> 16);
			out[o++] = (unsigned char)(acc >> 8);
			out[o++] = (unsigned char)acc;
			q = 0;
			acc = 0;
		}
	}
	if (q != 0 && q + pad != 4)
		return -1;
	if (q == 2)
		out[o++] = (unsigned char)(acc >> 4);
	if (q == 3) {
		out[o++] = (unsigned char)(acc >> 10);
		out[o++] = (unsigned char)(acc >> 2);
	}
	return o;
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 when invalid (Go's rules). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, lo = s[0] == 0xE0 ? 0xA0 : 0x80, hi = s[0] == 0xED ? 0x9F : 0xBF;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, lo = s[0] == 0xF0 ? 0x90 : 0x80, hi = s[0] == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return len;
}

/* A !!binary value: decoded, then made valid UTF-8 as Go's JSON encoder does (bad bytes become U+FFFD). */
static const struct pn_error *
binary_string(const struct pn_yaml *y, const char *v, size_t len, size_t line, cJSON **out)
{
	unsigned char *raw = malloc(len / 4 * 3 + 3);
	char *text = NULL;
	long n;
	size_t o = 0;

	if (raw == NULL || (text = malloc(len / 4 * 9 + 10)) == NULL) {
		free(raw);
		return nomem(y);
	}
	if ((n = base64_decode(v, len, raw)) < 0 || memchr(raw, '\0', (size_t)n) != NULL) {
		free(raw);
		free(text);
		return at(y, PN_ERR_PARSE, line, n < 0 ? "!!binary value contains invalid base64 data" :
		    "!!binary value holds a NUL byte, which pinion cannot carry");
	}
	for (size_t k = 0; k < (size_t)n;) {
		size_t l = utf8_len(raw + k, (size_t)n - k);

		if (l == 0) {
			memcpy(text + o, "\xEF\xBF\xBD", 3);
			o += 3;
			k++;
		} else {
			memcpy(text + o, raw + k, l);
			o += l;
			k += l;
		}
	}
	text[o] = '\0';
	*out = cJSON_CreateString(text);
	free(raw);
	free(text);
	return *out == NULL ? nomem(y) : NULL;
}

/* The cJSON item for a scalar event (*out), or for a mapping key (key != NULL) its text in *key, malloc'd: then
 * only what a string key can be is accepted. */
static const struct pn_error *
scalar_item(struct pn_yaml *y, const yaml_event_t *ev, char **key, cJSON **out)
{
	int is_key = key != NULL;
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length, line = y->line0 + ev->start_mark.line;
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.style == YAML_ANY_SCALAR_STYLE;
	char tag[PN_YAML_TEXT_MAX], num[PN_YAML_TEXT_MAX];
	struct pn_yamltype_value r;

	*out = NULL;
	if (is_key)
		*key = NULL;
	if (len > y->lim.max_scalar)
		return at(y, PN_ERR_TOO_LARGE, line, "a scalar of %zu bytes exceeds the limit of %zu", len,
		    y->lim.max_scalar);
	if (memchr(v, '\0', len) != NULL)
		return at(y, PN_ERR_PARSE, line, "a string holds a NUL character, which pinion cannot carry");
	pn_yamltype_short_tag((const char *)ev->data.scalar.tag, tag, sizeof(tag));
	if ((tag[0] == '\0' && !plain) || strcmp(tag, "!!str") == 0) {
		r.kind = PN_YAMLTYPE_STR;
	} else if (strcmp(tag, "!!binary") == 0) {
		if (is_key)
			return at(y, PN_ERR_PARSE, line, "a !!binary mapping key is not supported");
		return binary_string(y, v, len, line, out);
	} else if (tag[0] != '\0' && strcmp(tag, "!!bool") != 0 && strcmp(tag, "!!int") != 0 &&
	    strcmp(tag, "!!float") != 0 && strcmp(tag, "!!timestamp") != 0 && strcmp(tag, "!!null") != 0) {
		r.kind = PN_YAMLTYPE_STR;	/* a tag go-yaml cannot resolve (!foo, !!set, ...): the text as it is */
	} else {
		pn_yamltype_resolve(v, tag[0] == '\0' || strcmp(tag, "!!timestamp") == 0, y->lim.goyaml_v2, &r);
		if (tag[0] != '\0' && strcmp(tag, pn_yamltype_kind_tag(r.kind)) != 0) {
			if (strcmp(tag, "!!float") == 0 && r.kind == PN_YAMLTYPE_INT) {
				r.kind = PN_YAMLTYPE_FLOAT;
				r.f = (double)r.i;
			} else {
				return at(y, PN_ERR_PARSE, line, "cannot decode %s `%.64s` as a %s",
				    pn_yamltype_kind_tag(r.kind), v, tag);
			}
		}
	}
	if (is_key && r.kind != PN_YAMLTYPE_STR) {
		/* sigs.k8s.io/yaml turns int and bool keys (and timestamps, which go-yaml v2 leaves as text) into
		 * strings; kustomize's encoder refuses them all */
		if (!y->lim.goyaml_v2 || r.kind == PN_YAMLTYPE_NULL || r.kind == PN_YAMLTYPE_UINT)
			return at(y, PN_ERR_PARSE, line, "mapping key `%.64s` is a %s, not a string (%s cannot "
			    "encode it)", v, pn_yamltype_kind_tag(r.kind), y->lim.goyaml_v2 ? "Flux" : "kustomize");
		if (r.kind == PN_YAMLTYPE_INT)
			snprintf(num, sizeof(num), "%" PRId64, r.i);
		else if (r.kind == PN_YAMLTYPE_FLOAT && isfinite(r.f))	/* as float32, as go-yaml prints them */
			pn_yamlout_format_float(r.f, 32, num);
		else if (r.kind == PN_YAMLTYPE_FLOAT)
			snprintf(num, sizeof(num), "%s", isnan(r.f) ? ".nan" : r.f > 0 ? ".inf" : "-.inf");
		*key = strdup(r.kind == PN_YAMLTYPE_INT || r.kind == PN_YAMLTYPE_FLOAT ? num :
		    r.kind == PN_YAMLTYPE_BOOL ? (r.b ? "true" : "false") : v);
		return *key == NULL ? nomem(y) : NULL;
	}
	if (is_key) {
		*key = strdup(v);
		return *key == NULL ? nomem(y) : NULL;
	}
	switch (r.kind) {
	case PN_YAMLTYPE_STR:
		*out = cJSON_CreateString(v);
		break;
	case PN_YAMLTYPE_NULL:
		*out = cJSON_CreateNull();
		break;
	case PN_YAMLTYPE_BOOL:
		*out = cJSON_CreateBool(r.b);
		break;
	case PN_YAMLTYPE_TIME:
		*out = cJSON_CreateString(y->lim.goyaml_v2 ? v : r.text);
		break;
	case PN_YAMLTYPE_INT:
	case PN_YAMLTYPE_UINT:
	case PN_YAMLTYPE_FLOAT:
		if (r.kind == PN_YAMLTYPE_FLOAT && !isfinite(r.f))
			return at(y, PN_ERR_PARSE, line, "`%.64s` is not a number JSON can carry (kustomize rejects "
			    "it too)", v);
		if (r.kind == PN_YAMLTYPE_INT)
			snprintf(num, sizeof(num), "%" PRId64, r.i);
		else if (r.kind == PN_YAMLTYPE_UINT)
			snprintf(num, sizeof(num), "%" PRIu64, r.u);
		else
			go_json_float(r.f, num, sizeof(num));
		*out = cJSON_CreateRaw(num);
		break;
	}
	return *out == NULL ? nomem(y) : NULL;
}

/* ---- building a document from events ---- */

static void
frame_release(struct frame *f)
{
	struct keyline *keys = f->keys;
	size_t cap = f->capkeys;

	cJSON_Delete(f->node);
	cJSON_Delete(f->merges);
	free(f->key);
	memset(f, 0, sizeof(*f));
	/* the key table stays for the next mapping at this depth (one allocation per depth and file, not per
	 * mapping); pn_yaml_free() frees it */
	f->keys = keys;
	f->capkeys = cap;
}

/* Drop everything of the document being built (after it was queued, or on error). */
static void
doc_reset(struct pn_yaml *y)
{
	while (y->depth > 0)
		frame_release(&y->stack[--y->depth]);
	for (size_t k = 0; k < y->nanchors; k++)
		free(y->anchors[k].name);
	y->nanchors = 0;
	cJSON_Delete(y->graveyard);
	y->graveyard = NULL;
	cJSON_Delete(y->root);
	y->root = NULL;
	y->alias_nodes = 0;
	y->keyseq = 0;
}

/* Reserve an anchor at the start of its node; its node is filled in when the node is complete. */
static const struct pn_error *
anchor_open(struct pn_yaml *y, const char *name, size_t line, long *idx)
{
	struct anchor *a;

	*idx = -1;
	if (name == NULL)
		return NULL;
	if (y->nanchors >= PN_YAML_MAX_ANCHORS)
		return at(y, PN_ERR_TOO_LARGE, line, "more than %d anchors in one document", PN_YAML_MAX_ANCHORS);
	if (y->anchors == NULL && (y->anchors = calloc(PN_YAML_MAX_ANCHORS, sizeof(*y->anchors))) == NULL)
		return nomem(y);
	a = &y->anchors[y->nanchors];
	if ((a->name = strdup(name)) == NULL)
		return nomem(y);
	a->node = NULL;
	*idx = (long)y->nanchors++;
	return NULL;
}

static void
anchor_close(struct pn_yaml *y, long idx, cJSON *node, size_t nodes, size_t height)
{
	if (idx < 0)
		return;
	y->anchors[idx].node = node;
	y->anchors[idx].nodes = nodes;
	y->anchors[idx].height = height;
}

/* Keep `node` alive until the document ends, outside the tree (what an anchor may point at). */
static const struct pn_error *
bury(struct pn_yaml *y, cJSON *node)
{
	if (y->graveyard == NULL && (y->graveyard = cJSON_CreateArray()) == NULL) {
		cJSON_Delete(node);
		return nomem(y);
	}
	cJSON_AddItemToArray(y->graveyard, node);
	return NULL;
}

/* Copy of an anchored node, charged to the alias budget. */
static const struct pn_error *
copy_node(struct pn_yaml *y, const cJSON *node, size_t nodes, size_t line, cJSON **out)
{
	*out = NULL;
	if (nodes > y->lim.max_alias_nodes - y->alias_nodes)
		return at(y, PN_ERR_TOO_LARGE, line, "aliases and merges expand to more than %zu nodes",
		    y->lim.max_alias_nodes);
	y->alias_nodes += nodes;
	if ((*out = cJSON_Duplicate(node, 1)) == NULL)
		return nomem(y);
	return NULL;
}

/* A "<<" value: a mapping, or a sequence of mappings, taken apart into the frame's source list. */
static const struct pn_error *
merge_add(struct pn_yaml *y, struct frame *f, cJSON *v, size_t nodes, int anchored, size_t line)
{
	const struct pn_error *err;
	cJSON *c;

	if (f->merges != NULL)
		return cJSON_Delete(v), at(y, PN_ERR_PARSE, line, "duplicate merge key");
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return cJSON_Delete(v), at(y, PN_ERR_PARSE, line, "map merge requires map or sequence of maps as the value");
	if (anchored) {	/* the anchor points at v: merge a copy, keep v */
		cJSON *copy;

		if ((err = copy_node(y, v, nodes, line, &copy)) != NULL)
			return cJSON_Delete(v), err;
		if ((err = bury(y, v)) != NULL)
			return cJSON_Delete(copy), err;
		v = copy;
	}
	if (cJSON_IsArray(v)) {
		for (c = v->child; c != NULL; c = c->next)
			if (!cJSON_IsObject(c))
				return cJSON_Delete(v), at(y, PN_ERR_PARSE, line,
				    "map merge requires map or sequence of maps as the value");
		f->merges = v;
	} else {
		if ((f->merges = cJSON_CreateArray()) == NULL)
			return cJSON_Delete(v), nomem(y);
		cJSON_AddItemToArray(f->merges, v);
	}
	return NULL;
}

/* A complete value (owned) goes into the open collection, or becomes the root. */
static const struct pn_error *
add_value(struct pn_yaml *y, cJSON *v, size_t nodes, size_t height, int anchored, size_t line)
{
	struct frame *f;

	if (y->depth == 0) {
		y->root = v;
		y->root_line = line;
		return NULL;
	}
	f = &y->stack[y->depth - 1];
	f->nodes += nodes;
	if (height + 1 > f->height)
		f->height = height + 1;
	if (!f->is_map) {
		cJSON_AddItemToArray(f->node, v);
		return NULL;
	}
	f->have_key = 0;
	if (f->key_merge) {
		free(f->key);
		f->key = NULL;
		f->key_merge = 0;
		return merge_add(y, f, v, nodes, anchored, f->key_line);
	}
	if (f->nkeys == f->capkeys) {
		size_t cap = f->capkeys != 0 ? f->capkeys * 2 : 8;
		struct keyline *k = realloc(f->keys, cap * sizeof(*k));

		if (k == NULL)
			return cJSON_Delete(v), nomem(y);
		f->keys = k;
		f->capkeys = cap;
	}
	/* the item takes the key (cJSON_AddItemToObject would copy it: a malloc and a free per key) */
	if (!(v->type & cJSON_StringIsConst))
		free(v->string);
	v->string = f->key;
	v->type &= ~cJSON_StringIsConst;
	f->key = NULL;
	if (!cJSON_AddItemToArray(f->node, v))
		return cJSON_Delete(v), nomem(y);
	f->keys[f->nkeys++] = (struct keyline){v->string, f->key_line, y->keyseq++};
	return NULL;
}

static int
keyline_cmp(const void *a, const void *b)
{
	const struct keyline *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int
keyline_cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct keyline *)a)->key, ((const struct keyline *)b)->key);
}

/* Duplicate keys are an error; then the merge sources fill in the keys the mapping does not write. */
static const struct pn_error *
map_finish(struct pn_yaml *y, struct frame *f)
{
	struct keyline *src = NULL;
	size_t nsrc = 0, seq = 0;
	cJSON *m, *c;

	if (f->nkeys > 1)
		qsort(f->keys, f->nkeys, sizeof(*f->keys), keyline_cmp);
	for (size_t k = f->nkeys; k-- > 1;) {
		if (strcmp(f->keys[k - 1].key, f->keys[k].key) != 0)
			continue;
		if (!y->lim.goyaml_v2)
			return at(y, PN_ERR_PARSE, f->keys[k].line, "duplicate key: mapping key \"%.128s\" already "
			    "defined at line %zu", f->keys[k].key, f->keys[k - 1].line);
		/* go-yaml v2 keeps the last value: drop the earlier item, point its entry at the live key */
		for (c = f->node->child; c != NULL && c->string != f->keys[k - 1].key; c = c->next)
			;
		cJSON_Delete(cJSON_DetachItemViaPointer(f->node, c));
		f->keys[k - 1].key = f->keys[k].key;
	}
	if (f->merges == NULL)
		return NULL;
	for (m = f->merges->child; m != NULL; m = m->next)
		for (c = m->child; c != NULL; c = c->next)
			nsrc++;
	if (nsrc == 0)
		return NULL;
	if ((src = malloc(nsrc * sizeof(*src))) == NULL)
		return nomem(y);
	nsrc = 0;
	for (m = f->merges->child; m != NULL; m = m->next)
		for (c = m->child; c != NULL; c = c->next)
			src[nsrc++] = (struct keyline){c->string, 0, seq++};
	qsort(src, nsrc, sizeof(*src), keyline_cmp);
	for (size_t k = 0; k < nsrc; k++) {
		struct keyline probe = {src[k].key, 0, 0};

		if (k > 0 && strcmp(src[k - 1].key, src[k].key) == 0)
			continue;	/* an earlier source has it */
		if (f->nkeys > 0 && bsearch(&probe, f->keys, f->nkeys, sizeof(*f->keys), keyline_cmp_key) != NULL)
			continue;	/* the mapping writes it */
		src[k].line = 1;	/* taken */
	}
	/* move the taken items, in source order, out of their sources */
	for (m = f->merges->child; m != NULL; m = m->next) {
		cJSON *next;

		for (c = m->child; c != NULL; c = next) {
			struct keyline probe = {c->string, 0, 0}, *hit;

			next = c->next;
			hit = bsearch(&probe, src, nsrc, sizeof(*src), keyline_cmp_key);
			while (hit != NULL && hit > src && strcmp(hit[-1].key, c->string) == 0)
				hit--;
			if (hit != NULL && hit->line == 1) {
				hit->line = 0;
				cJSON_AddItemToArray(f->node, cJSON_DetachItemViaPointer(m, c));
			}
		}
	}
	free(src);
	return NULL;
}

/* The open mapping on top waits for a key: the next node is one. */
static int
want_key(const struct pn_yaml *y)
{
	return y->depth > 0 && y->stack[y->depth - 1].is_map && !y->stack[y->depth - 1].have_key;
}

static const struct pn_error *
on_scalar(struct pn_yaml *y, const yaml_event_t *ev)
{
	const char *anchor = (const char *)ev->data.scalar.anchor, *tag = (const char *)ev->data.scalar.tag;
	size_t line = y->line0 + ev->start_mark.line;
	const struct pn_error *err;
	cJSON *v;
	long idx;

	if (want_key(y)) {
		struct frame *f = &y->stack[y->depth - 1];

		/* go-yaml's isMerge: "<<" written plainly, or tagged !!merge */
		f->key_merge = (tag == NULL && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    strcmp((const char *)ev->data.scalar.value, "<<") == 0) ||
		    (tag != NULL && strcmp(tag, PN_YAMLTYPE_TAG_PREFIX "merge") == 0);
		f->key_line = line;
		f->have_key = 1;
		free(f->key);
		if ((err = scalar_item(y, ev, &f->key, &v)) != NULL)
			return err;
		if (anchor == NULL)
			return NULL;
		/* an anchored key: its node is kept for the aliases of it */
		if ((v = cJSON_CreateString(f->key)) == NULL)
			return nomem(y);
		if ((err = anchor_open(y, anchor, line, &idx)) != NULL)
			return cJSON_Delete(v), err;
		anchor_close(y, idx, v, 1, 0);
		return bury(y, v);
	}
	if ((err = scalar_item(y, ev, NULL, &v)) != NULL)
		return err;
	if ((err = anchor_open(y, anchor, line, &idx)) != NULL)
		return cJSON_Delete(v), err;
	anchor_close(y, idx, v, 1, 0);
	return add_value(y, v, 1, 0, idx >= 0, line);
}

static const struct pn_error *
on_alias(struct pn_yaml *y, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t line = y->line0 + ev->start_mark.line;
	const struct pn_error *err;
	struct anchor *a = NULL;
	cJSON *v;

	for (size_t k = y->nanchors; k-- > 0;) {
		if (strcmp(y->anchors[k].name, name) == 0) {
			a = &y->anchors[k];
			break;
		}
	}
	if (a == NULL)
		return at(y, PN_ERR_PARSE, line, "unknown anchor '%.64s' referenced", name);
	if (a->node == NULL)
		return at(y, PN_ERR_PARSE, line, "anchor '%.64s' is used inside its own node", name);
	if (want_key(y)) {
		struct frame *f = &y->stack[y->depth - 1];

		if (!cJSON_IsString(a->node))
			return at(y, PN_ERR_PARSE, line, "mapping key *%.64s is not a string", name);
		if ((err = copy_node(y, a->node, 1, line, &v)) != NULL)
			return err;
		free(f->key);
		f->key = strdup(v->valuestring);
		cJSON_Delete(v);
		if (f->key == NULL)
			return nomem(y);
		f->key_merge = 0;
		f->key_line = line;
		f->have_key = 1;
		return NULL;
	}
	if (y->depth + a->height > y->lim.max_depth)
		return at(y, PN_ERR_TOO_LARGE, line, "alias *%.64s nests deeper than %zu levels", name,
		    y->lim.max_depth);
	if ((err = copy_node(y, a->node, a->nodes, line, &v)) != NULL)
		return err;
	return add_value(y, v, a->nodes, a->height, 0, line);
}

static const struct pn_error *
on_start(struct pn_yaml *y, int is_map, const char *anchor, size_t line)
{
	struct frame *f;

	if (want_key(y))
		return at(y, PN_ERR_PARSE, line, "a mapping key must be a string, not a %s", is_map ? "mapping" :
		    "sequence");
	if (y->depth >= y->lim.max_depth)
		return at(y, PN_ERR_TOO_LARGE, line, "nesting deeper than %zu levels", y->lim.max_depth);
	if (y->depth == y->stack_cap) {
		/* grown as the document nests: most never pass a few levels, and a full stack per file was a
		 * 12 KiB calloc for every file of a build */
		size_t cap = y->stack_cap == 0 ? PN_YAML_STACK_INITIAL : y->stack_cap * 2;
		struct frame *v;

		if (cap > y->lim.max_depth)
			cap = y->lim.max_depth;
		if ((v = realloc(y->stack, cap * sizeof(*v))) == NULL)
			return nomem(y);
		memset(v + y->stack_cap, 0, (cap - y->stack_cap) * sizeof(*v));
		y->stack = v;
		y->stack_cap = cap;
	}
	f = &y->stack[y->depth];	/* released (frame_release) or new: only its key table is set */
	f->anchor = -1;
	f->is_map = is_map;
	f->nodes = 1;
	f->height = 1;
	f->line = line;
	if ((f->node = is_map ? cJSON_CreateObject() : cJSON_CreateArray()) == NULL)
		return nomem(y);
	y->depth++;
	return anchor_open(y, anchor, line, &f->anchor);
}

static const struct pn_error *
on_end(struct pn_yaml *y)
{
	struct frame *f = &y->stack[y->depth - 1];
	const struct pn_error *err;
	size_t nodes = f->nodes, height = f->height, line = f->line;
	long idx = f->anchor;
	cJSON *node;

	if (f->is_map && (err = map_finish(y, f)) != NULL)
		return err;
	if (f->merges != NULL) {	/* what was not taken may still hold anchored nodes */
		cJSON *m = f->merges;

		f->merges = NULL;
		if ((err = bury(y, m)) != NULL)
			return err;
	}
	node = f->node;
	f->node = NULL;
	frame_release(f);
	y->depth--;
	anchor_close(y, idx, node, nodes, height);
	return add_value(y, node, nodes, height, idx >= 0, line);
}

/* The document is complete: queue it unless it is null. */
static const struct pn_error *
on_doc_end(struct pn_yaml *y)
{
	struct pn_yaml_doc *d;

	if (y->root == NULL || cJSON_IsNull(y->root))
		return NULL;
	if (y->ndocs >= y->lim.max_docs)
		return at(y, PN_ERR_TOO_LARGE, y->root_line, "more than %zu documents in one file", y->lim.max_docs);
	if (y->qlen == y->qcap) {
		if (y->qhead > 0) {
			memmove(y->queue, y->queue + y->qhead, (y->qlen - y->qhead) * sizeof(*y->queue));
			y->qlen -= y->qhead;
			y->qhead = 0;
		} else {
			size_t cap = y->qcap != 0 ? y->qcap * 2 : 16;
			struct pn_yaml_doc *q = realloc(y->queue, cap * sizeof(*q));

			if (q == NULL)
				return nomem(y);
			y->queue = q;
			y->qcap = cap;
		}
	}
	d = &y->queue[y->qlen++];
	d->root = y->root;
	d->line = y->root_line;
	d->piece = y->pieces - 1;
	y->root = NULL;
	y->ndocs++;
	return NULL;
}

static const struct pn_error *
parser_error(const struct pn_yaml *y, const yaml_parser_t *p, const char *data, size_t len)
{
	const char *problem = p->problem != NULL ? p->problem : "invalid YAML";
	size_t line = y->line0;

	if (p->error == YAML_MEMORY_ERROR)
		return nomem(y);
	if (p->error == YAML_READER_ERROR) {	/* only a byte offset is known */
		for (size_t k = 0; k < p->problem_offset && k < len; k++)
			line += data[k] == '\n';
		if (p->problem_value != -1)
			return at(y, PN_ERR_PARSE, line, "%s (#%X)", problem, (unsigned)p->problem_value);
		return at(y, PN_ERR_PARSE, line, "%s", problem);
	}
	line += p->problem_mark.line;
	if (p->context != NULL)
		return at(y, PN_ERR_PARSE, line, "%s (%s at line %zu)", problem, p->context,
		    y->line0 + p->context_mark.line);
	return at(y, PN_ERR_PARSE, line, "%s", problem);
}

/* Parse one piece (starting at file line `line0`) and queue its first document, as kyaml's decoder reads it. */
static const struct pn_error *
parse_piece(struct pn_yaml *y, const char *data, size_t len, size_t line0)
{
	const struct pn_error *err = NULL;
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0;

	if (y->pieces >= y->lim.max_docs)
		return at(y, PN_ERR_TOO_LARGE, line0, "more than %zu documents in one file", y->lim.max_docs);
	y->pieces++;
	if (!yaml_parser_initialize(&p))
		return nomem(y);
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	y->line0 = line0;
	while (!done && err == NULL) {
		if (!yaml_parser_parse(&p, &ev)) {
			err = parser_error(y, &p, data, len);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			err = on_doc_end(y);
			done = 1;	/* the rest of the piece is not read (kyaml decodes one document) */
			break;
		case YAML_SCALAR_EVENT:
			err = on_scalar(y, &ev);
			break;
		case YAML_ALIAS_EVENT:
			err = on_alias(y, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			err = on_start(y, 0, (const char *)ev.data.sequence_start.anchor, line0 + ev.start_mark.line);
			break;
		case YAML_MAPPING_START_EVENT:
			err = on_start(y, 1, (const char *)ev.data.mapping_start.anchor, line0 + ev.start_mark.line);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			err = on_end(y);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	doc_reset(y);
	yaml_parser_delete(&p);
	return err;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* kyaml's splitDocuments: every "\n---<rest of line>\n" ends a piece; <rest> must be blank or a comment. */
static const struct pn_error *
cut(struct pn_yaml *y, int last)
{
	const struct pn_error *err = NULL;

	while (err == NULL) {
		const char *b = pn_buf_str(&y->buf) + y->start, *p, *q, *r, *e;
		size_t n = y->buf.len - y->start, plen, sep_line;

		p = n > y->scan ? memmem(b + y->scan, n - y->scan, "\n---", 4) : NULL;
		q = p != NULL ? memchr(p + 4, '\n', n - (size_t)(p + 4 - b)) : NULL;
		if (q == NULL) {
			y->scan = p != NULL ? (size_t)(p - b) : n > 3 ? n - 3 : 0;
			if (last)
				err = parse_piece(y, b, n, y->line);
			break;
		}
		plen = (size_t)(p - b) + 1;	/* the piece keeps its last '\n' */
		sep_line = y->line;
		for (size_t k = 0; k < plen; k++)
			sep_line += b[k] == '\n';
		for (r = p + 4; r < q && is_space(*r); r++)
			;
		if (r < q && *r != '#') {
			for (e = q; e > r && is_space(e[-1]); e--)
				;
			err = at(y, PN_ERR_PARSE, sep_line, "invalid document separator: %.*s", (int)(e - p - 1), p + 1);
			break;
		}
		if ((err = parse_piece(y, b, plen, y->line)) != NULL)
			break;
		y->line = sep_line + 1;
		y->start += (size_t)(q - b) + 1;
		y->scan = 0;
	}
	if (y->start > 0) {
		pn_buf_consume(&y->buf, y->start);
		y->start = 0;
	}
	return err;
}

/* Remember the first error: every later call returns it again. */
static const struct pn_error *
record(struct pn_yaml *y, const struct pn_error *err)
{
	if (err != NULL && !y->failed) {
		y->failed = 1;
		y->err = *err;
		doc_reset(y);
	}
	return err;
}

static const struct pn_error *
sticky(const struct pn_yaml *y)
{
	return pn_error_fmt(y->err.code, "%s", y->err.msg);
}

void
pn_yaml_limits_init(struct pn_yaml_limits *lim)
{
	memset(lim, 0, sizeof(*lim));	/* every mode flag off, whatever is added later */
	lim->max_file = PN_YAML_MAX_FILE;
	lim->max_scalar = PN_YAML_MAX_SCALAR;
	lim->max_depth = PN_YAML_MAX_DEPTH;
	lim->max_docs = PN_YAML_MAX_DOCS;
	lim->max_alias_nodes = PN_YAML_MAX_ALIAS_NODES;
}

const struct pn_error *
pn_yaml_new(const char *file, const struct pn_yaml_limits *lim, struct pn_yaml **out)
{
	struct pn_yaml *y = calloc(1, sizeof(*y));

	*out = NULL;
	if (y == NULL || (y->file = strdup(file)) == NULL) {
		free(y);
		return pn_error_fmt(PN_ERR_NOMEM, "%s: out of memory", file);
	}
	if (lim != NULL)
		y->lim = *lim;
	else
		pn_yaml_limits_init(&y->lim);
	if (y->lim.max_depth == 0)
		y->lim.max_depth = 1;
	if (y->lim.max_file == SIZE_MAX)
		y->lim.max_file--;
	pn_buf_init(&y->buf, y->lim.max_file + 1, "YAML file");
	y->line = 1;
	*out = y;
	return NULL;
}

void
pn_yaml_free(struct pn_yaml *y)
{
	if (y == NULL)
		return;
	doc_reset(y);
	for (size_t k = y->qhead; k < y->qlen; k++)
		cJSON_Delete(y->queue[k].root);
	free(y->queue);
	free(y->anchors);
	for (size_t k = 0; k < y->stack_cap; k++)
		free(y->stack[k].keys);
	free(y->stack);
	pn_buf_release(&y->buf);
	free(y->file);
	free(y);
}

const struct pn_error *
pn_yaml_push(struct pn_yaml *y, const void *data, size_t len)
{
	const char *s = data;
	const struct pn_error *err;
	size_t o = 0;
	char *dst;

	if (y->failed)
		return sticky(y);
	if (y->finished)
		return record(y, at(y, PN_ERR_INTERNAL, 0, "YAML pushed after the end"));
	if (len == 0)
		return NULL;
	if (len > y->lim.max_file - y->total)
		return record(y, at(y, PN_ERR_TOO_LARGE, 0, "larger than the %zu bytes allowed for a YAML file",
		    y->lim.max_file));
	y->total += len;
	if ((err = pn_buf_reserve(&y->buf, len + 1, &dst)) != NULL)
		return record(y, err);
	if (y->held_cr && s[0] != '\n')
		dst[o++] = '\r';
	y->held_cr = 0;
	for (size_t k = 0; k < len; k++) {
		if (s[k] == '\r' && k + 1 == len)
			y->held_cr = 1;
		else if (!(s[k] == '\r' && s[k + 1] == '\n'))
			dst[o++] = s[k];
	}
	pn_buf_commit(&y->buf, o);
	return record(y, cut(y, 0));
}

const struct pn_error *
pn_yaml_finish(struct pn_yaml *y)
{
	const struct pn_error *err;

	if (y->failed)
		return sticky(y);
	if (y->finished)
		return NULL;
	y->finished = 1;
	if (y->held_cr && (err = pn_buf_addch(&y->buf, '\r')) != NULL)
		return record(y, err);
	y->held_cr = 0;
	if (y->total == 0)
		return NULL;	/* an empty file has no piece at all */
	return record(y, cut(y, 1));
}

int
pn_yaml_next(struct pn_yaml *y, struct pn_yaml_doc *doc)
{
	if (y->qhead == y->qlen)
		return 0;
	*doc = y->queue[y->qhead++];
	if (y->qhead == y->qlen)
		y->qhead = y->qlen = 0;
	return 1;
}

size_t
pn_yaml_pieces(const struct pn_yaml *y)
{
	return y->pieces;
}

void
pn_yaml_docs_release(struct pn_yaml_docs *docs)
{
	for (size_t k = 0; k < docs->n; k++)
		cJSON_Delete(docs->v[k].root);
	free(docs->v);
	docs->v = NULL;
	docs->n = 0;
	docs->pieces = 0;
}

const struct pn_error *
pn_yaml_parse(const char *file, const void *data, size_t len, const struct pn_yaml_limits *lim,
    struct pn_yaml_docs *out)
{
	const struct pn_error *err;
	struct pn_yaml *y;
	struct pn_yaml_doc d;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if ((err = pn_yaml_new(file, lim, &y)) != NULL)
		return err;
	if ((err = pn_yaml_push(y, data, len)) == NULL)
		err = pn_yaml_finish(y);
	while (err == NULL && pn_yaml_next(y, &d)) {
		if (out->n == cap) {
			struct pn_yaml_doc *v;

			cap = cap != 0 ? cap * 2 : 4;
			if ((v = realloc(out->v, cap * sizeof(*v))) == NULL) {
				cJSON_Delete(d.root);
				err = pn_error_fmt(PN_ERR_NOMEM, "%s: out of memory", file);
				break;
			}
			out->v = v;
		}
		out->v[out->n++] = d;
	}
	out->pieces = pn_yaml_pieces(y);
	pn_yaml_free(y);
	if (err != NULL)
		pn_yaml_docs_release(out);
	return err;
}

const char *
pn_yaml_number(const cJSON *item)
{
	return cJSON_IsRaw(item) ? item->valuestring : NULL;
}

const struct pn_error *
pn_yaml_to_json(const cJSON *doc, struct pn_buf *b)
{
	const struct pn_error *err;
	char *s = cJSON_PrintUnformatted(doc);

	if (s == NULL)
		return pn_error_fmt(PN_ERR_NOMEM, "cannot print a document as JSON");
	err = pn_buf_addstr(b, s);
	cJSON_free(s);
	return err;
}
