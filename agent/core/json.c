#include "json.h"

#include "banned.h"

const char *
pn_jstr(const cJSON *obj, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

const char *
pn_jstr_or_empty(const cJSON *obj, const char *name)
{
	const char *s = pn_jstr(obj, name);

	return s != NULL ? s : "";
}
