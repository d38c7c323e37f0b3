/* The strategic-merge schema table (smpschema.h): generated data, kept apart from the walk in smp.c. */
#include "smpschema.h"

#include "../core/banned.h"

const struct pn_smpschema_field pn_smpschema_fields[] = {
	/* 1 admissionregistration.v1.MutatingWebhook */
		{"namespaceSelector", 162, 0, NULL}, {"objectSelector", 162, 0, NULL},
	/* 2 admissionregistration.v1.MutatingWebhookConfiguration */
		{"metadata", 164, 0, NULL}, {"webhooks", 1, PN_SMPSCHEMA_ASSOC, "name"},
	/* 3 admissionregistration.v1.ValidatingWebhook */
		{"namespaceSelector", 162, 0, NULL}, {"objectSelector", 162, 0, NULL},
	/* 4 admissionregistration.v1.ValidatingWebhookConfiguration */
		{"metadata", 164, 0, NULL}, {"webhooks", 3, PN_SMPSCHEMA_ASSOC, "name"},
	/* 5 admissionregistration.v1beta1.MutatingWebhook */
		{"namespaceSelector", 162, 0, NULL}, {"objectSelector", 162, 0, NULL},
	/* 6 admissionregistration.v1beta1.MutatingWebhookConfiguration */
		{"metadata", 164, 0, NULL}, {"webhooks", 5, PN_SMPSCHEMA_ASSOC, "name"},
	/* 7 admissionregistration.v1beta1.ValidatingWebhook */
		{"namespaceSelector", 162, 0, NULL}, {"objectSelector", 162, 0, NULL},
	/* 8 admissionregistration.v1beta1.ValidatingWebhookConfiguration */
		{"metadata", 164, 0, NULL}, {"webhooks", 7, PN_SMPSCHEMA_ASSOC, "name"},
	/* 9 apps.v1.ControllerRevision */ {"metadata", 164, 0, NULL},
	/* 10 apps.v1.DaemonSet */ {"metadata", 164, 0, NULL}, {"spec", 11, 0, NULL}, {"status", 12, 0, NULL},
	/* 11 apps.v1.DaemonSetSpec */ {"selector", 162, 0, NULL}, {"template", 98, 0, NULL},
	/* 12 apps.v1.DaemonSetStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 13 apps.v1.Deployment */ {"metadata", 164, 0, NULL}, {"spec", 14, 0, NULL}, {"status", 15, 0, NULL},
	/* 14 apps.v1.DeploymentSpec */ {"selector", 162, 0, NULL}, {"template", 98, 0, NULL},
	/* 15 apps.v1.DeploymentStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 16 apps.v1.ReplicaSet */ {"metadata", 164, 0, NULL}, {"spec", 17, 0, NULL}, {"status", 18, 0, NULL},
	/* 17 apps.v1.ReplicaSetSpec */ {"selector", 162, 0, NULL}, {"template", 98, 0, NULL},
	/* 18 apps.v1.ReplicaSetStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 19 apps.v1.StatefulSet */ {"metadata", 164, 0, NULL}, {"spec", 20, 0, NULL}, {"status", 21, 0, NULL},
	/* 20 apps.v1.StatefulSetSpec */
		{"selector", 162, 0, NULL}, {"template", 98, 0, NULL}, {"volumeClaimTemplates", 87, 0, NULL},
	/* 21 apps.v1.StatefulSetStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 22 authentication.v1.TokenRequest */ {"metadata", 164, 0, NULL},
	/* 23 authentication.v1.TokenReview */ {"metadata", 164, 0, NULL},
	/* 24 authentication.v1beta1.TokenReview */ {"metadata", 164, 0, NULL},
	/* 25 authorization.v1.LocalSubjectAccessReview */ {"metadata", 164, 0, NULL},
	/* 26 authorization.v1.SelfSubjectAccessReview */ {"metadata", 164, 0, NULL},
	/* 27 authorization.v1.SelfSubjectRulesReview */ {"metadata", 164, 0, NULL},
	/* 28 authorization.v1.SubjectAccessReview */ {"metadata", 164, 0, NULL},
	/* 29 authorization.v1beta1.LocalSubjectAccessReview */ {"metadata", 164, 0, NULL},
	/* 30 authorization.v1beta1.SelfSubjectAccessReview */ {"metadata", 164, 0, NULL},
	/* 31 authorization.v1beta1.SelfSubjectRulesReview */ {"metadata", 164, 0, NULL},
	/* 32 authorization.v1beta1.SubjectAccessReview */ {"metadata", 164, 0, NULL},
	/* 33 autoscaling.v1.HorizontalPodAutoscaler */ {"metadata", 164, 0, NULL},
	/* 34 autoscaling.v1.Scale */ {"metadata", 164, 0, NULL},
	/* 35 autoscaling.v2beta1.ExternalMetricSource */ {"metricSelector", 162, 0, NULL},
	/* 36 autoscaling.v2beta1.ExternalMetricStatus */ {"metricSelector", 162, 0, NULL},
	/* 37 autoscaling.v2beta1.HorizontalPodAutoscaler */
		{"metadata", 164, 0, NULL}, {"spec", 38, 0, NULL}, {"status", 39, 0, NULL},
	/* 38 autoscaling.v2beta1.HorizontalPodAutoscalerSpec */ {"metrics", 40, 0, NULL},
	/* 39 autoscaling.v2beta1.HorizontalPodAutoscalerStatus */ {"currentMetrics", 41, 0, NULL},
	/* 40 autoscaling.v2beta1.MetricSpec */
		{"external", 35, 0, NULL}, {"object", 42, 0, NULL}, {"pods", 44, 0, NULL},
	/* 41 autoscaling.v2beta1.MetricStatus */
		{"external", 36, 0, NULL}, {"object", 43, 0, NULL}, {"pods", 45, 0, NULL},
	/* 42 autoscaling.v2beta1.ObjectMetricSource */ {"selector", 162, 0, NULL},
	/* 43 autoscaling.v2beta1.ObjectMetricStatus */ {"selector", 162, 0, NULL},
	/* 44 autoscaling.v2beta1.PodsMetricSource */ {"selector", 162, 0, NULL},
	/* 45 autoscaling.v2beta1.PodsMetricStatus */ {"selector", 162, 0, NULL},
	/* 46 autoscaling.v2beta2.ExternalMetricSource */ {"metric", 51, 0, NULL},
	/* 47 autoscaling.v2beta2.ExternalMetricStatus */ {"metric", 51, 0, NULL},
	/* 48 autoscaling.v2beta2.HorizontalPodAutoscaler */
		{"metadata", 164, 0, NULL}, {"spec", 49, 0, NULL}, {"status", 50, 0, NULL},
	/* 49 autoscaling.v2beta2.HorizontalPodAutoscalerSpec */ {"metrics", 52, 0, NULL},
	/* 50 autoscaling.v2beta2.HorizontalPodAutoscalerStatus */ {"currentMetrics", 53, 0, NULL},
	/* 51 autoscaling.v2beta2.MetricIdentifier */ {"selector", 162, 0, NULL},
	/* 52 autoscaling.v2beta2.MetricSpec */
		{"external", 46, 0, NULL}, {"object", 54, 0, NULL}, {"pods", 56, 0, NULL},
	/* 53 autoscaling.v2beta2.MetricStatus */
		{"external", 47, 0, NULL}, {"object", 55, 0, NULL}, {"pods", 57, 0, NULL},
	/* 54 autoscaling.v2beta2.ObjectMetricSource */ {"metric", 51, 0, NULL},
	/* 55 autoscaling.v2beta2.ObjectMetricStatus */ {"metric", 51, 0, NULL},
	/* 56 autoscaling.v2beta2.PodsMetricSource */ {"metric", 51, 0, NULL},
	/* 57 autoscaling.v2beta2.PodsMetricStatus */ {"metric", 51, 0, NULL},
	/* 58 batch.v1.CronJob */ {"metadata", 164, 0, NULL}, {"spec", 59, 0, NULL},
	/* 59 batch.v1.CronJobSpec */ {"jobTemplate", 63, 0, NULL},
	/* 60 batch.v1.Job */ {"metadata", 164, 0, NULL}, {"spec", 61, 0, NULL}, {"status", 62, 0, NULL},
	/* 61 batch.v1.JobSpec */ {"selector", 162, 0, NULL}, {"template", 98, 0, NULL},
	/* 62 batch.v1.JobStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 63 batch.v1.JobTemplateSpec */ {"metadata", 164, 0, NULL}, {"spec", 61, 0, NULL},
	/* 64 batch.v1beta1.CronJob */ {"metadata", 164, 0, NULL}, {"spec", 65, 0, NULL},
	/* 65 batch.v1beta1.CronJobSpec */ {"jobTemplate", 66, 0, NULL},
	/* 66 batch.v1beta1.JobTemplateSpec */ {"metadata", 164, 0, NULL}, {"spec", 61, 0, NULL},
	/* 67 certificates.v1.CertificateSigningRequest */ {"metadata", 164, 0, NULL},
	/* 68 certificates.v1beta1.CertificateSigningRequest */ {"metadata", 164, 0, NULL},
	/* 69 coordination.v1.Lease */ {"metadata", 164, 0, NULL},
	/* 70 coordination.v1beta1.Lease */ {"metadata", 164, 0, NULL},
	/* 71 core.v1.Affinity */ {"podAffinity", 92, 0, NULL}, {"podAntiAffinity", 94, 0, NULL},
	/* 72 core.v1.Binding */ {"metadata", 164, 0, NULL},
	/* 73 core.v1.ComponentStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"}, {"metadata", 164, 0, NULL},
	/* 74 core.v1.ConfigMap */ {"metadata", 164, 0, NULL},
	/* 75 core.v1.Container */
		{"env", 0, PN_SMPSCHEMA_ASSOC, "name"}, {"ports", 0, PN_SMPSCHEMA_ASSOC, "containerPort,protocol"},
		{"volumeDevices", 0, PN_SMPSCHEMA_ASSOC, "devicePath"}, {"volumeMounts", 0, PN_SMPSCHEMA_ASSOC, "mountPath"},
	/* 76 core.v1.Endpoints */ {"metadata", 164, 0, NULL},
	/* 77 core.v1.EphemeralContainer */
		{"env", 0, PN_SMPSCHEMA_ASSOC, "name"}, {"volumeDevices", 0, PN_SMPSCHEMA_ASSOC, "devicePath"},
		{"volumeMounts", 0, PN_SMPSCHEMA_ASSOC, "mountPath"},
	/* 78 core.v1.EphemeralVolumeSource */ {"volumeClaimTemplate", 90, 0, NULL},
	/* 79 core.v1.Event */ {"metadata", 164, 0, NULL},
	/* 80 core.v1.LimitRange */ {"metadata", 164, 0, NULL},
	/* 81 core.v1.Namespace */ {"metadata", 164, 0, NULL}, {"status", 82, 0, NULL},
	/* 82 core.v1.NamespaceStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 83 core.v1.Node */ {"metadata", 164, 0, NULL}, {"spec", 84, 0, NULL}, {"status", 85, 0, NULL},
	/* 84 core.v1.NodeSpec */ {"podCIDRs", 0, PN_SMPSCHEMA_ASSOC, NULL},
	/* 85 core.v1.NodeStatus */ {"addresses", 0, PN_SMPSCHEMA_ASSOC, "type"}, {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 86 core.v1.PersistentVolume */ {"metadata", 164, 0, NULL},
	/* 87 core.v1.PersistentVolumeClaim */
		{"metadata", 164, 0, NULL}, {"spec", 88, 0, NULL}, {"status", 89, 0, NULL},
	/* 88 core.v1.PersistentVolumeClaimSpec */ {"selector", 162, 0, NULL},
	/* 89 core.v1.PersistentVolumeClaimStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 90 core.v1.PersistentVolumeClaimTemplate */ {"metadata", 164, 0, NULL}, {"spec", 88, 0, NULL},
	/* 91 core.v1.Pod */ {"metadata", 164, 0, NULL}, {"spec", 95, 0, NULL}, {"status", 96, 0, NULL},
	/* 92 core.v1.PodAffinity */
		{"preferredDuringSchedulingIgnoredDuringExecution", 110, 0, NULL},
		{"requiredDuringSchedulingIgnoredDuringExecution", 93, 0, NULL},
	/* 93 core.v1.PodAffinityTerm */ {"labelSelector", 162, 0, NULL}, {"namespaceSelector", 162, 0, NULL},
	/* 94 core.v1.PodAntiAffinity */
		{"preferredDuringSchedulingIgnoredDuringExecution", 110, 0, NULL},
		{"requiredDuringSchedulingIgnoredDuringExecution", 93, 0, NULL},
	/* 95 core.v1.PodSpec */
		{"affinity", 71, 0, NULL}, {"containers", 75, PN_SMPSCHEMA_ASSOC, "name"},
		{"ephemeralContainers", 77, PN_SMPSCHEMA_ASSOC, "name"}, {"hostAliases", 0, PN_SMPSCHEMA_ASSOC, "ip"},
		{"imagePullSecrets", 0, PN_SMPSCHEMA_ASSOC, "name"}, {"initContainers", 75, PN_SMPSCHEMA_ASSOC, "name"},
		{"topologySpreadConstraints", 108, PN_SMPSCHEMA_ASSOC, "topologyKey,whenUnsatisfiable"},
		{"volumes", 109, PN_SMPSCHEMA_ASSOC, "name"},
	/* 96 core.v1.PodStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"}, {"podIPs", 0, PN_SMPSCHEMA_ASSOC, "ip"},
	/* 97 core.v1.PodTemplate */ {"metadata", 164, 0, NULL}, {"template", 98, 0, NULL},
	/* 98 core.v1.PodTemplateSpec */ {"metadata", 164, 0, NULL}, {"spec", 95, 0, NULL},
	/* 99 core.v1.ReplicationController */
		{"metadata", 164, 0, NULL}, {"spec", 100, 0, NULL}, {"status", 101, 0, NULL},
	/* 100 core.v1.ReplicationControllerSpec */ {"template", 98, 0, NULL},
	/* 101 core.v1.ReplicationControllerStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 102 core.v1.ResourceQuota */ {"metadata", 164, 0, NULL},
	/* 103 core.v1.Secret */ {"metadata", 164, 0, NULL},
	/* 104 core.v1.Service */ {"metadata", 164, 0, NULL}, {"spec", 106, 0, NULL}, {"status", 107, 0, NULL},
	/* 105 core.v1.ServiceAccount */ {"metadata", 164, 0, NULL}, {"secrets", 0, PN_SMPSCHEMA_ASSOC, "name"},
	/* 106 core.v1.ServiceSpec */ {"ports", 0, PN_SMPSCHEMA_ASSOC, "port,protocol"},
	/* 107 core.v1.ServiceStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 108 core.v1.TopologySpreadConstraint */ {"labelSelector", 162, 0, NULL},
	/* 109 core.v1.Volume */ {"ephemeral", 78, 0, NULL},
	/* 110 core.v1.WeightedPodAffinityTerm */ {"podAffinityTerm", 93, 0, NULL},
	/* 111 discovery.v1.EndpointSlice */ {"metadata", 164, 0, NULL},
	/* 112 discovery.v1beta1.EndpointSlice */ {"metadata", 164, 0, NULL},
	/* 113 events.v1.Event */ {"metadata", 164, 0, NULL},
	/* 114 events.v1beta1.Event */ {"metadata", 164, 0, NULL},
	/* 115 extensions.v1beta1.Ingress */ {"metadata", 164, 0, NULL},
	/* 116 flowcontrol.v1beta1.FlowSchema */ {"metadata", 164, 0, NULL},
	/* 117 flowcontrol.v1beta1.PriorityLevelConfiguration */ {"metadata", 164, 0, NULL},
	/* 118 networking.v1.Ingress */ {"metadata", 164, 0, NULL},
	/* 119 networking.v1.IngressClass */ {"metadata", 164, 0, NULL},
	/* 120 networking.v1.NetworkPolicy */ {"metadata", 164, 0, NULL}, {"spec", 124, 0, NULL},
	/* 121 networking.v1.NetworkPolicyEgressRule */ {"to", 123, 0, NULL},
	/* 122 networking.v1.NetworkPolicyIngressRule */ {"from", 123, 0, NULL},
	/* 123 networking.v1.NetworkPolicyPeer */ {"namespaceSelector", 162, 0, NULL}, {"podSelector", 162, 0, NULL},
	/* 124 networking.v1.NetworkPolicySpec */
		{"egress", 121, 0, NULL}, {"ingress", 122, 0, NULL}, {"podSelector", 162, 0, NULL},
	/* 125 networking.v1beta1.Ingress */ {"metadata", 164, 0, NULL},
	/* 126 networking.v1beta1.IngressClass */ {"metadata", 164, 0, NULL},
	/* 127 node.v1.RuntimeClass */ {"metadata", 164, 0, NULL},
	/* 128 node.v1beta1.RuntimeClass */ {"metadata", 164, 0, NULL},
	/* 129 policy.v1.PodDisruptionBudget */
		{"metadata", 164, 0, NULL}, {"spec", 130, 0, NULL}, {"status", 131, 0, NULL},
	/* 130 policy.v1.PodDisruptionBudgetSpec */ {"selector", 162, 0, NULL},
	/* 131 policy.v1.PodDisruptionBudgetStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 132 policy.v1beta1.Eviction */ {"metadata", 164, 0, NULL},
	/* 133 policy.v1beta1.PodDisruptionBudget */
		{"metadata", 164, 0, NULL}, {"spec", 134, 0, NULL}, {"status", 135, 0, NULL},
	/* 134 policy.v1beta1.PodDisruptionBudgetSpec */ {"selector", 162, 0, NULL},
	/* 135 policy.v1beta1.PodDisruptionBudgetStatus */ {"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 136 policy.v1beta1.PodSecurityPolicy */ {"metadata", 164, 0, NULL},
	/* 137 rbac.v1.AggregationRule */ {"clusterRoleSelectors", 162, 0, NULL},
	/* 138 rbac.v1.ClusterRole */ {"aggregationRule", 137, 0, NULL}, {"metadata", 164, 0, NULL},
	/* 139 rbac.v1.ClusterRoleBinding */ {"metadata", 164, 0, NULL},
	/* 140 rbac.v1.Role */ {"metadata", 164, 0, NULL},
	/* 141 rbac.v1.RoleBinding */ {"metadata", 164, 0, NULL},
	/* 142 rbac.v1beta1.AggregationRule */ {"clusterRoleSelectors", 162, 0, NULL},
	/* 143 rbac.v1beta1.ClusterRole */ {"aggregationRule", 142, 0, NULL}, {"metadata", 164, 0, NULL},
	/* 144 rbac.v1beta1.ClusterRoleBinding */ {"metadata", 164, 0, NULL},
	/* 145 rbac.v1beta1.Role */ {"metadata", 164, 0, NULL},
	/* 146 rbac.v1beta1.RoleBinding */ {"metadata", 164, 0, NULL},
	/* 147 scheduling.v1.PriorityClass */ {"metadata", 164, 0, NULL},
	/* 148 scheduling.v1beta1.PriorityClass */ {"metadata", 164, 0, NULL},
	/* 149 storage.v1.CSIDriver */ {"metadata", 164, 0, NULL},
	/* 150 storage.v1.CSINode */ {"metadata", 164, 0, NULL}, {"spec", 151, 0, NULL},
	/* 151 storage.v1.CSINodeSpec */ {"drivers", 0, PN_SMPSCHEMA_ASSOC, "name"},
	/* 152 storage.v1.StorageClass */ {"metadata", 164, 0, NULL},
	/* 153 storage.v1.VolumeAttachment */ {"metadata", 164, 0, NULL},
	/* 154 storage.v1beta1.CSIDriver */ {"metadata", 164, 0, NULL},
	/* 155 storage.v1beta1.CSINode */ {"metadata", 164, 0, NULL}, {"spec", 156, 0, NULL},
	/* 156 storage.v1beta1.CSINodeSpec */ {"drivers", 0, PN_SMPSCHEMA_ASSOC, "name"},
	/* 157 storage.v1beta1.CSIStorageCapacity */ {"metadata", 164, 0, NULL}, {"nodeTopology", 162, 0, NULL},
	/* 158 storage.v1beta1.StorageClass */ {"metadata", 164, 0, NULL},
	/* 159 storage.v1beta1.VolumeAttachment */ {"metadata", 164, 0, NULL},
	/* 160 io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition */
		{"metadata", 164, 0, NULL},
	/* 161 io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.CustomResourceDefinition */
		{"metadata", 164, 0, NULL},
	/* 162 meta.v1.LabelSelector */ {"matchExpressions", 163, 0, NULL},
	/* 163 meta.v1.LabelSelectorRequirement */ {"key", 0, PN_SMPSCHEMA_ASSOC, "key"},
	/* 164 meta.v1.ObjectMeta */ {"finalizers", 0, PN_SMPSCHEMA_ASSOC, NULL}, {"ownerReferences", 0, PN_SMPSCHEMA_ASSOC, "uid"},
	/* 165 io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService */
		{"metadata", 164, 0, NULL}, {"status", 166, 0, NULL},
	/* 166 io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIServiceStatus */
		{"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
	/* 167 io.k8s.kube-aggregator.pkg.apis.apiregistration.v1beta1.APIService */
		{"metadata", 164, 0, NULL}, {"status", 168, 0, NULL},
	/* 168 io.k8s.kube-aggregator.pkg.apis.apiregistration.v1beta1.APIServiceStatus */
		{"conditions", 0, PN_SMPSCHEMA_ASSOC, "type"},
};

/* Fields of each definition: [first, first + count) in pn_smpschema_fields; definition 0 is a schema without strategies. */
const struct pn_smpschema_def pn_smpschema_defs[] = {
	{0, 0},
	{0, 2}, {2, 2}, {4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 2}, {14, 2}, {16, 1}, {17, 3}, {20, 2}, {22, 1},
	{23, 3}, {26, 2}, {28, 1}, {29, 3}, {32, 2}, {34, 1}, {35, 3}, {38, 3}, {41, 1}, {42, 1}, {43, 1}, {44, 1},
	{45, 1}, {46, 1}, {47, 1}, {48, 1}, {49, 1}, {50, 1}, {51, 1}, {52, 1}, {53, 1}, {54, 1}, {55, 1}, {56, 1},
	{57, 3}, {60, 1}, {61, 1}, {62, 3}, {65, 3}, {68, 1}, {69, 1}, {70, 1}, {71, 1}, {72, 1}, {73, 1}, {74, 3},
	{77, 1}, {78, 1}, {79, 1}, {80, 3}, {83, 3}, {86, 1}, {87, 1}, {88, 1}, {89, 1}, {90, 2}, {92, 1}, {93, 3},
	{96, 2}, {98, 1}, {99, 2}, {101, 2}, {103, 1}, {104, 2}, {106, 1}, {107, 1}, {108, 1}, {109, 1}, {110, 2},
	{112, 1}, {113, 2}, {115, 1}, {116, 4}, {120, 1}, {121, 3}, {124, 1}, {125, 1}, {126, 1}, {127, 2},
	{129, 1}, {130, 3}, {133, 1}, {134, 2}, {136, 1}, {137, 3}, {140, 1}, {141, 1}, {142, 2}, {144, 3},
	{147, 2}, {149, 2}, {151, 2}, {153, 8}, {161, 2}, {163, 2}, {165, 2}, {167, 3}, {170, 1}, {171, 1},
	{172, 1}, {173, 1}, {174, 3}, {177, 2}, {179, 1}, {180, 1}, {181, 1}, {182, 1}, {183, 1}, {184, 1},
	{185, 1}, {186, 1}, {187, 1}, {188, 1}, {189, 1}, {190, 1}, {191, 1}, {192, 1}, {193, 2}, {195, 1},
	{196, 1}, {197, 2}, {199, 3}, {202, 1}, {203, 1}, {204, 1}, {205, 1}, {206, 3}, {209, 1}, {210, 1},
	{211, 1}, {212, 3}, {215, 1}, {216, 1}, {217, 1}, {218, 1}, {219, 2}, {221, 1}, {222, 1}, {223, 1},
	{224, 1}, {225, 2}, {227, 1}, {228, 1}, {229, 1}, {230, 1}, {231, 1}, {232, 1}, {233, 2}, {235, 1},
	{236, 1}, {237, 1}, {238, 1}, {239, 2}, {241, 1}, {242, 2}, {244, 1}, {245, 1}, {246, 1}, {247, 1},
	{248, 1}, {249, 1}, {250, 2}, {252, 2}, {254, 1}, {255, 2}, {257, 1},
};

const struct pn_smpschema_type pn_smpschema_types[] = {
	{"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", 2},
	{"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", 4},
	{"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", 6},
	{"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", 8},
	{"apiextensions.k8s.io/v1", "CustomResourceDefinition", 160},
	{"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 161},
	{"apiregistration.k8s.io/v1", "APIService", 165}, {"apiregistration.k8s.io/v1beta1", "APIService", 167},
	{"apps/v1", "ControllerRevision", 9}, {"apps/v1", "DaemonSet", 10}, {"apps/v1", "Deployment", 13},
	{"apps/v1", "ReplicaSet", 16}, {"apps/v1", "StatefulSet", 19},
	{"authentication.k8s.io/v1", "TokenRequest", 22}, {"authentication.k8s.io/v1", "TokenReview", 23},
	{"authentication.k8s.io/v1beta1", "TokenReview", 24},
	{"authorization.k8s.io/v1", "LocalSubjectAccessReview", 25},
	{"authorization.k8s.io/v1", "SelfSubjectAccessReview", 26},
	{"authorization.k8s.io/v1", "SelfSubjectRulesReview", 27},
	{"authorization.k8s.io/v1", "SubjectAccessReview", 28},
	{"authorization.k8s.io/v1beta1", "LocalSubjectAccessReview", 29},
	{"authorization.k8s.io/v1beta1", "SelfSubjectAccessReview", 30},
	{"authorization.k8s.io/v1beta1", "SelfSubjectRulesReview", 31},
	{"authorization.k8s.io/v1beta1", "SubjectAccessReview", 32},
	{"autoscaling/v1", "HorizontalPodAutoscaler", 33}, {"autoscaling/v1", "Scale", 34},
	{"autoscaling/v2beta1", "HorizontalPodAutoscaler", 37},
	{"autoscaling/v2beta2", "HorizontalPodAutoscaler", 48}, {"batch/v1", "CronJob", 58}, {"batch/v1", "Job", 60},
	{"batch/v1beta1", "CronJob", 64}, {"certificates.k8s.io/v1", "CertificateSigningRequest", 67},
	{"certificates.k8s.io/v1beta1", "CertificateSigningRequest", 68}, {"coordination.k8s.io/v1", "Lease", 69},
	{"coordination.k8s.io/v1beta1", "Lease", 70}, {"discovery.k8s.io/v1", "EndpointSlice", 111},
	{"discovery.k8s.io/v1beta1", "EndpointSlice", 112}, {"events.k8s.io/v1", "Event", 113},
	{"events.k8s.io/v1beta1", "Event", 114}, {"extensions/v1beta1", "Ingress", 115},
	{"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", 116},
	{"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", 117},
	{"networking.k8s.io/v1", "Ingress", 118}, {"networking.k8s.io/v1", "IngressClass", 119},
	{"networking.k8s.io/v1", "NetworkPolicy", 120}, {"networking.k8s.io/v1beta1", "Ingress", 125},
	{"networking.k8s.io/v1beta1", "IngressClass", 126}, {"node.k8s.io/v1", "RuntimeClass", 127},
	{"node.k8s.io/v1beta1", "RuntimeClass", 128}, {"policy/v1", "PodDisruptionBudget", 129},
	{"policy/v1beta1", "Eviction", 132}, {"policy/v1beta1", "PodDisruptionBudget", 133},
	{"policy/v1beta1", "PodSecurityPolicy", 136}, {"rbac.authorization.k8s.io/v1", "ClusterRole", 138},
	{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", 139}, {"rbac.authorization.k8s.io/v1", "Role", 140},
	{"rbac.authorization.k8s.io/v1", "RoleBinding", 141},
	{"rbac.authorization.k8s.io/v1beta1", "ClusterRole", 143},
	{"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", 144},
	{"rbac.authorization.k8s.io/v1beta1", "Role", 145}, {"rbac.authorization.k8s.io/v1beta1", "RoleBinding", 146},
	{"scheduling.k8s.io/v1", "PriorityClass", 147}, {"scheduling.k8s.io/v1beta1", "PriorityClass", 148},
	{"storage.k8s.io/v1", "CSIDriver", 149}, {"storage.k8s.io/v1", "CSINode", 150},
	{"storage.k8s.io/v1", "StorageClass", 152}, {"storage.k8s.io/v1", "VolumeAttachment", 153},
	{"storage.k8s.io/v1beta1", "CSIDriver", 154}, {"storage.k8s.io/v1beta1", "CSINode", 155},
	{"storage.k8s.io/v1beta1", "CSIStorageCapacity", 157}, {"storage.k8s.io/v1beta1", "StorageClass", 158},
	{"storage.k8s.io/v1beta1", "VolumeAttachment", 159}, {"v1", "Binding", 72}, {"v1", "ComponentStatus", 73},
	{"v1", "ConfigMap", 74}, {"v1", "Endpoints", 76}, {"v1", "Event", 79}, {"v1", "LimitRange", 80},
	{"v1", "Namespace", 81}, {"v1", "Node", 83}, {"v1", "PersistentVolume", 86},
	{"v1", "PersistentVolumeClaim", 87}, {"v1", "Pod", 91}, {"v1", "PodTemplate", 97},
	{"v1", "ReplicationController", 99}, {"v1", "ResourceQuota", 102}, {"v1", "Secret", 103},
	{"v1", "Service", 104}, {"v1", "ServiceAccount", 105},
};

const size_t pn_smpschema_ntypes = sizeof(pn_smpschema_types) / sizeof(pn_smpschema_types[0]);

const size_t pn_smpschema_ndefs = sizeof(pn_smpschema_defs) / sizeof(pn_smpschema_defs[0]);

const char pn_smpschema_subnames[] =
	"admissionregistration.v1.MutatingWebhook\0+ValidatingWebhook\0"
	"admissionregistration.v1beta1.MutatingWebhook\0+ValidatingWebhook\0apps.v1.DaemonSetSpec\0"
	"+DaemonSetStatus\0+DeploymentSpec\0+DeploymentStatus\0+ReplicaSetSpec\0+ReplicaSetStatus\0"
	"+StatefulSetSpec\0+StatefulSetStatus\0autoscaling.v2beta1.ExternalMetricSource\0"
	"+ExternalMetricStatus\0+HorizontalPodAutoscalerSpec\0+HorizontalPodAutoscalerStatus\0+MetricSpec\0"
	"+MetricStatus\0+ObjectMetricSource\0+ObjectMetricStatus\0+PodsMetricSource\0+PodsMetricStatus\0"
	"autoscaling.v2beta2.ExternalMetricSource\0+ExternalMetricStatus\0+HorizontalPodAutoscalerSpec\0"
	"+HorizontalPodAutoscalerStatus\0+MetricIdentifier\0+MetricSpec\0+MetricStatus\0+ObjectMetricSource\0"
	"+ObjectMetricStatus\0+PodsMetricSource\0+PodsMetricStatus\0batch.v1.CronJobSpec\0+JobSpec\0"
	"+JobStatus\0+JobTemplateSpec\0batch.v1beta1.CronJobSpec\0+JobTemplateSpec\0core.v1.Affinity\0"
	"+Container\0+EphemeralContainer\0+EphemeralVolumeSource\0+NamespaceStatus\0+NodeSpec\0+NodeStatus\0"
	"+PersistentVolumeClaimSpec\0+PersistentVolumeClaimStatus\0+PersistentVolumeClaimTemplate\0"
	"+PodAffinity\0+PodAffinityTerm\0+PodAntiAffinity\0+PodSpec\0+PodStatus\0+PodTemplateSpec\0"
	"+ReplicationControllerSpec\0+ReplicationControllerStatus\0+ServiceSpec\0+ServiceStatus\0"
	"+TopologySpreadConstraint\0+Volume\0+WeightedPodAffinityTerm\0"
	"networking.v1.NetworkPolicyEgressRule\0+NetworkPolicyIngressRule\0+NetworkPolicyPeer\0"
	"+NetworkPolicySpec\0policy.v1.PodDisruptionBudgetSpec\0+PodDisruptionBudgetStatus\0"
	"policy.v1beta1.PodDisruptionBudgetSpec\0+PodDisruptionBudgetStatus\0rbac.v1.AggregationRule\0"
	"rbac.v1beta1.AggregationRule\0storage.v1.CSINodeSpec\0storage.v1beta1.CSINodeSpec\0"
	"meta.v1.LabelSelector\0+LabelSelectorRequirement\0+ObjectMeta\0apiregistration.v1.APIServiceStatus\0"
	"apiregistration.v1beta1.APIServiceStatus\0";
