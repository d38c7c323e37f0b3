/* Taking over fields other managers applied (see takeover.h). */
#include "takeover.h"

#include <string.h>

#include "../core/json.h"
#include "../core/banned.h"

static const char *const managers[] = {
	"kubectl", "kubectl-client-side-apply", "before-first-apply", "kustomize-controller",
};

int
pn_takeover_manager(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(managers) / sizeof(managers[0]); i++)
		if (strcmp(name, managers[i]) == 0)
			return 1;
	return 0;
}

static int
set_str(cJSON *o, const char *key, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	return cJSON_AddStringToObject(o, key, value) != NULL;
}

/* The union of two fieldsV1 sets into dst (objects of "f:x" / "k:{...}" / "." keys). */
static int
merge_fields(cJSON *dst, const cJSON *src)
{
	for (const cJSON *c = src != NULL ? src->child : NULL; c != NULL; c = c->next) {
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, c->string), *copy;

		if (d != NULL) {
			if (cJSON_IsObject(d) && cJSON_IsObject(c) && !merge_fields(d, c))
				return 0;
			continue;
		}
		if ((copy = cJSON_Duplicate(c, 1)) == NULL || !cJSON_AddItemToObject(dst, c->string, copy)) {
			cJSON_Delete(copy);
			return 0;
		}
	}
	return 1;
}

/* pinion's Apply entry for this apiVersion in list, or NULL. */
static cJSON *
own_entry(cJSON *list, const char *manager, const char *api_version)
{
	cJSON *e;

	cJSON_ArrayForEach(e, list) {
		const char *m = pn_jstr(e, "manager"), *op = pn_jstr(e, "operation"), *av = pn_jstr(e, "apiVersion");

		if (m != NULL && strcmp(m, manager) == 0 && op != NULL && strcmp(op, "Apply") == 0 && av != NULL &&
		    api_version != NULL && strcmp(av, api_version) == 0 && pn_jstr(e, "subresource") == NULL)
			return e;
	}
	return NULL;
}

const struct pn_error *
pn_takeover_patch(const cJSON *live, const char *manager, char **out)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(live, "metadata"), *mf, *e;
	const cJSON *annos = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	const char *rv = pn_jstr(md, "resourceVersion");
	int taken = 0, last_applied = cJSON_GetObjectItemCaseSensitive(annos, PN_TAKEOVER_LAST_APPLIED) != NULL;
	cJSON *patch = NULL, *list = NULL, *op;

	*out = NULL;
	mf = cJSON_GetObjectItemCaseSensitive(md, "managedFields");
	if ((list = cJSON_CreateArray()) == NULL)
		goto nomem;
	cJSON_ArrayForEach(e, mf) {
		const char *m = pn_jstr(e, "manager"), *av = pn_jstr(e, "apiVersion");
		cJSON *own, *copy;

		if (!pn_takeover_manager(m) || pn_jstr(e, "subresource") != NULL || av == NULL ||
		    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(e, "fieldsV1"))) {
			if ((copy = cJSON_Duplicate(e, 1)) == NULL || !cJSON_AddItemToArray(list, copy)) {
				cJSON_Delete(copy);
				goto nomem;
			}
			continue;
		}
		taken = 1;
		if ((own = own_entry(list, manager, av)) == NULL) {
			/* the first one taken becomes pinion's entry */
			if ((copy = cJSON_Duplicate(e, 1)) == NULL || !cJSON_AddItemToArray(list, copy))  {
				cJSON_Delete(copy);
				goto nomem;
			}
			if (!set_str(copy, "manager", manager) || !set_str(copy, "operation", "Apply"))
				goto nomem;
			continue;
		}
		if (!merge_fields(cJSON_GetObjectItemCaseSensitive(own, "fieldsV1"),
		    cJSON_GetObjectItemCaseSensitive(e, "fieldsV1")))
			goto nomem;
	}
	/* pinion's own Apply entries listed later than a taken one: fold them into the first */
	if (taken) {
		cJSON *x = list->child;

		while (x != NULL) {
			cJSON *next = x->next, *own;
			const char *m = pn_jstr(x, "manager"), *op2 = pn_jstr(x, "operation");

			if (m != NULL && strcmp(m, manager) == 0 && op2 != NULL && strcmp(op2, "Apply") == 0 &&
			    (own = own_entry(list, manager, pn_jstr(x, "apiVersion"))) != NULL && own != x) {
				if (!merge_fields(cJSON_GetObjectItemCaseSensitive(own, "fieldsV1"),
				    cJSON_GetObjectItemCaseSensitive(x, "fieldsV1")))
					goto nomem;
				cJSON_Delete(cJSON_DetachItemViaPointer(list, x));
			}
			x = next;
		}
	}
	if (!taken && !last_applied) {
		cJSON_Delete(list);
		return NULL;
	}
	if ((patch = cJSON_CreateArray()) == NULL)
		goto nomem;
	if (rv != NULL) {
		if ((op = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(patch, op) ||
		    cJSON_AddStringToObject(op, "op", "test") == NULL ||
		    cJSON_AddStringToObject(op, "path", "/metadata/resourceVersion") == NULL ||
		    cJSON_AddStringToObject(op, "value", rv) == NULL)
			goto nomem;
	}
	if (taken) {
		if ((op = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(patch, op) ||
		    cJSON_AddStringToObject(op, "op", "replace") == NULL ||
		    cJSON_AddStringToObject(op, "path", "/metadata/managedFields") == NULL ||
		    !cJSON_AddItemToObject(op, "value", list))
			goto nomem;
		list = NULL;
	}
	if (last_applied) {
		if ((op = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(patch, op) ||
		    cJSON_AddStringToObject(op, "op", "remove") == NULL ||
		    cJSON_AddStringToObject(op, "path", "/metadata/annotations/kubectl.kubernetes.io~1last-applied-"
		    "configuration") == NULL)
			goto nomem;
	}
	if ((*out = cJSON_PrintUnformatted(patch)) == NULL)
		goto nomem;
	cJSON_Delete(list);
	cJSON_Delete(patch);
	return NULL;
nomem:
	cJSON_Delete(list);
	cJSON_Delete(patch);
	return pn_error(PN_ERR_NOMEM);
}
