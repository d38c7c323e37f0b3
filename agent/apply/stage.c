/* Flux's apply stages and ReconcileOrder (see stage.h). */
#include "stage.h"

#include <string.h>

#include "../core/banned.h"

/* Flux's first stage (fluxcd/pkg ssa/utils IsClusterDefinition), in ReconcileOrder. */
static const struct {
	const char *group;	/* the group of apiVersion, "" for core */
	const char *kind;
} stage1_kinds[] = {
	{"apiextensions.k8s.io", "CustomResourceDefinition"},
	{"", "Namespace"},
	{"rbac.authorization.k8s.io", "ClusterRole"},
};

/* Flux's ReconcileOrder (fluxcd/pkg ssa/sort.go): these kinds first, in this order; then every other kind by
 * group and kind; the admission webhooks last. */
static const char *const first_kinds[] = {
	"CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterClass", "RuntimeClass", "PriorityClass",
	"StorageClass", "VolumeSnapshotClass", "IngressClass", "GatewayClass", "ClusterRoleBinding", "ResourceQuota",
	"ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Service", "LimitRange", "Deployment",
	"StatefulSet", "CronJob", "PodDisruptionBudget",
};
#define PN_STAGE_ORDER_OTHER ((int)(sizeof(first_kinds) / sizeof(first_kinds[0])))

/* Whether apiVersion's group is `group` ("" for core "v1"). */
static int
in_group(const char *api_version, const char *group)
{
	const char *slash = strchr(api_version, '/');
	size_t glen = strlen(group);

	if (slash == NULL)
		return glen == 0;
	return (size_t)(slash - api_version) == glen && strncmp(api_version, group, glen) == 0;
}

int
pn_stage_of(const char *api_version, const char *kind)
{
	int stage = strlen(kind) > 5 && strcmp(kind + strlen(kind) - 5, "Class") == 0 ? 3 : 2;

	for (size_t i = 0; i < sizeof(stage1_kinds) / sizeof(*stage1_kinds); i++) {
		if (strcmp(kind, stage1_kinds[i].kind) == 0 && in_group(api_version, stage1_kinds[i].group)) {
			stage = 1;
		}
	}
	return stage;
}

int
pn_stage_kind_order(const char *kind)
{
	for (int i = 0; i < PN_STAGE_ORDER_OTHER; i++)
		if (strcmp(kind, first_kinds[i]) == 0)
			return i;
	if (strcmp(kind, "MutatingWebhookConfiguration") == 0 || strcmp(kind, "ValidatingWebhookConfiguration") == 0)
		return PN_STAGE_ORDER_OTHER + 1;
	return PN_STAGE_ORDER_OTHER;
}

int
pn_stage_kind_cmp(const char *api_version_x, const char *kind_x, const char *api_version_y, const char *kind_y)
{
	int ox = pn_stage_kind_order(kind_x), oy = pn_stage_kind_order(kind_y), c;

	if (ox != oy)
		return ox < oy ? -1 : 1;
	if (ox == PN_STAGE_ORDER_OTHER) {
		const char *gx = strchr(api_version_x, '/'), *gy = strchr(api_version_y, '/');
		size_t lx = gx != NULL ? (size_t)(gx - api_version_x) : 0, ly = gy != NULL ?
		    (size_t)(gy - api_version_y) : 0;

		if ((c = strncmp(api_version_x, api_version_y, lx < ly ? lx : ly)) != 0)
			return c;
		if (lx != ly)
			return lx < ly ? -1 : 1;
	}
	return strcmp(kind_x, kind_y);
}
