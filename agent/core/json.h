/*
 * Small readers of cJSON objects that every stage needs: a member that must be a string.
 */
#ifndef PN_JSON_H
#define PN_JSON_H

#include <cjson/cJSON.h>

/* The string member `name` of obj: NULL when obj is no object, has no such member, or the member is no
 * string (null, a number, a map...). The pointer belongs to obj. */
const char *pn_jstr(const cJSON *obj, const char *name);

/* pn_jstr(), with "" instead of NULL. */
const char *pn_jstr_or_empty(const cJSON *obj, const char *name);

#endif
