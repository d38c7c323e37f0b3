/*
 * Field specs: walking a path through an object, and kustomize's built-in tables (see fieldspec.h).
 */
#include "fieldspec.h"

#include <stdio.h>
#include <string.h>

#include "../core/json.h"
#include "../core/banned.h"

const struct pn_fieldspec pn_fieldspec_common_labels[] = {
	{NULL, "v1", "Service", "spec/selector", 1},
	{NULL, "v1", "ReplicationController", "spec/selector", 1},
	{NULL, NULL, "Deployment", "spec/selector/matchLabels", 1},
	{"apps", NULL, "Deployment", "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", 0},
	{"apps", NULL, "Deployment", "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", 0},
	{"apps", NULL, "Deployment", "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", 0},
	{"apps", NULL, "Deployment", "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", 0},
	{"apps", NULL, "Deployment", "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", 0},
	{NULL, NULL, "ReplicaSet", "spec/selector/matchLabels", 1},
	{NULL, NULL, "DaemonSet", "spec/selector/matchLabels", 1},
	{"apps", NULL, "StatefulSet", "spec/selector/matchLabels", 1},
	{"apps", NULL, "StatefulSet", "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", 0},
	{"apps", NULL, "StatefulSet", "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", 0},
	{"apps", NULL, "StatefulSet", "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", 0},
	{"apps", NULL, "StatefulSet", "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", 0},
	{"apps", NULL, "StatefulSet", "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", 0},
	{"batch", NULL, "Job", "spec/selector/matchLabels", 0},
	{"batch", NULL, "CronJob", "spec/jobTemplate/spec/selector/matchLabels", 0},
	{"policy", NULL, "PodDisruptionBudget", "spec/selector/matchLabels", 0},
	{"networking.k8s.io", NULL, "NetworkPolicy", "spec/podSelector/matchLabels", 0},
	{"networking.k8s.io", NULL, "NetworkPolicy", "spec/ingress/from/podSelector/matchLabels", 0},
	{"networking.k8s.io", NULL, "NetworkPolicy", "spec/egress/to/podSelector/matchLabels", 0},
	{NULL, NULL, NULL, "metadata/labels", 1},
	{NULL, "v1", "ReplicationController", "spec/template/metadata/labels", 1},
	{NULL, NULL, "Deployment", "spec/template/metadata/labels", 1},
	{NULL, NULL, "ReplicaSet", "spec/template/metadata/labels", 1},
	{NULL, NULL, "DaemonSet", "spec/template/metadata/labels", 1},
	{"apps", NULL, "StatefulSet", "spec/template/metadata/labels", 1},
	{"apps", NULL, "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", 1},
	{"batch", NULL, "Job", "spec/template/metadata/labels", 1},
	{"batch", NULL, "CronJob", "spec/jobTemplate/metadata/labels", 1},
	{"batch", NULL, "CronJob", "spec/jobTemplate/spec/template/metadata/labels", 1},
	{0}
};
const struct pn_fieldspec pn_fieldspec_template_labels[] = {
	{NULL, NULL, NULL, "metadata/labels", 1},
	{NULL, "v1", "ReplicationController", "spec/template/metadata/labels", 1},
	{NULL, NULL, "Deployment", "spec/template/metadata/labels", 1},
	{NULL, NULL, "ReplicaSet", "spec/template/metadata/labels", 1},
	{NULL, NULL, "DaemonSet", "spec/template/metadata/labels", 1},
	{"apps", NULL, "StatefulSet", "spec/template/metadata/labels", 1},
	{"apps", NULL, "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", 1},
	{"batch", NULL, "Job", "spec/template/metadata/labels", 1},
	{"batch", NULL, "CronJob", "spec/jobTemplate/metadata/labels", 1},
	{"batch", NULL, "CronJob", "spec/jobTemplate/spec/template/metadata/labels", 1},
	{0}
};
const struct pn_fieldspec pn_fieldspec_common_annotations[] = {
	{NULL, NULL, NULL, "metadata/annotations", 1},
	{NULL, "v1", "ReplicationController", "spec/template/metadata/annotations", 1},
	{NULL, NULL, "Deployment", "spec/template/metadata/annotations", 1},
	{NULL, NULL, "ReplicaSet", "spec/template/metadata/annotations", 1},
	{NULL, NULL, "DaemonSet", "spec/template/metadata/annotations", 1},
	{NULL, NULL, "StatefulSet", "spec/template/metadata/annotations", 1},
	{"batch", NULL, "Job", "spec/template/metadata/annotations", 1},
	{"batch", NULL, "CronJob", "spec/jobTemplate/metadata/annotations", 1},
	{"batch", NULL, "CronJob", "spec/jobTemplate/spec/template/metadata/annotations", 1},
	{0}
};
const struct pn_fieldspec pn_fieldspec_images[] = {
	{NULL, NULL, NULL, "spec/containers[]/image", 1},
	{NULL, NULL, NULL, "spec/initContainers[]/image", 1},
	{NULL, NULL, NULL, "spec/template/spec/containers[]/image", 1},
	{NULL, NULL, NULL, "spec/template/spec/initContainers[]/image", 1},
	{0}
};
/* in the order of kustomize's merged config (sorted by kind: its error lists them so) */
const struct pn_fieldspec pn_fieldspec_replicas[] = {
	{NULL, NULL, "Deployment", "spec/replicas", 1},
	{NULL, NULL, "StatefulSet", "spec/replicas", 1},
	{NULL, NULL, "ReplicaSet", "spec/replicas", 1},
	{NULL, NULL, "ReplicationController", "spec/replicas", 1},
	{0}
};
const struct pn_nameref pn_fieldspec_namerefs[] = {
	{{NULL, NULL, "Deployment", NULL, 0}, {NULL, NULL, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", 0}},
	{{NULL, NULL, "ReplicationController", NULL, 0}, {NULL, NULL, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", 0}},
	{{NULL, NULL, "ReplicaSet", NULL, 0}, {NULL, NULL, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", 0}},
	{{NULL, NULL, "StatefulSet", NULL, 0}, {NULL, NULL, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, "v1", "Pod", "spec/volumes/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, "v1", "Pod", "spec/containers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, "v1", "Pod", "spec/initContainers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, "v1", "Pod", "spec/containers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, "v1", "Pod", "spec/initContainers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, "v1", "Pod", "spec/volumes/projected/sources/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/volumes/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/containers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/initContainers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/containers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/initContainers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/volumes/projected/sources/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/volumes/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/containers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/initContainers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/volumes/projected/sources/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/volumes/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/containers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/initContainers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/volumes/projected/sources/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/volumes/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/containers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/initContainers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/volumes/projected/sources/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/volumes/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/containers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/initContainers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/volumes/projected/sources/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/volumes/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/containers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/initContainers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/volumes/projected/sources/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/containers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/initContainers/envFrom/configMapRef/name", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Node", "spec/configSource/configMap", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Role", "rules/resourceNames", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "ClusterRole", "rules/resourceNames", 0}},
	{{NULL, "v1", "ConfigMap", NULL, 0}, {NULL, NULL, "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, "v1", "Pod", "spec/volumes/secret/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, "v1", "Pod", "spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, "v1", "Pod", "spec/initContainers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, "v1", "Pod", "spec/containers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, "v1", "Pod", "spec/initContainers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, "v1", "Pod", "spec/imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, "v1", "Pod", "spec/volumes/projected/sources/secret/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/volumes/secret/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/initContainers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/containers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/initContainers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "PodTemplate", "template/spec/volumes/projected/sources/secret/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/volumes/secret/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/containers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/initContainers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/volumes/projected/sources/secret/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/volumes/secret/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/containers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/initContainers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ReplicaSet", "spec/template/spec/volumes/projected/sources/secret/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/volumes/secret/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/containers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/initContainers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/volumes/projected/sources/secret/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/volumes/secret/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/containers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/initContainers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/volumes/projected/sources/secret/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/volumes/secret/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/containers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/initContainers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/volumes/projected/sources/secret/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/secret/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/projected/sources/secret/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/containers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/initContainers/envFrom/secretRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Ingress", "spec/tls/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Ingress", "metadata/annotations/ingress.kubernetes.io\\/auth-secret", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Ingress", "spec/tls/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ServiceAccount", "imagePullSecrets/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StorageClass", "parameters/secretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StorageClass", "parameters/adminSecretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StorageClass", "parameters/userSecretName", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "StorageClass", "parameters/secretRef", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "Role", "rules/resourceNames", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "ClusterRole", "rules/resourceNames", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {"serving.knative.dev", "v1", "Service", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", 0}},
	{{NULL, "v1", "Secret", NULL, 0}, {NULL, NULL, "PersistentVolume", "spec/azureFile/secretName", 0}},
	{{NULL, "v1", "Service", NULL, 0}, {"apps", NULL, "StatefulSet", "spec/serviceName", 0}},
	{{NULL, "v1", "Service", NULL, 0}, {NULL, NULL, "Ingress", "spec/rules/http/paths/backend/serviceName", 0}},
	{{NULL, "v1", "Service", NULL, 0}, {NULL, NULL, "Ingress", "spec/backend/serviceName", 0}},
	{{NULL, "v1", "Service", NULL, 0}, {NULL, NULL, "Ingress", "spec/rules/http/paths/backend/service/name", 0}},
	{{NULL, "v1", "Service", NULL, 0}, {NULL, NULL, "Ingress", "spec/defaultBackend/service/name", 0}},
	{{NULL, "v1", "Service", NULL, 0}, {"apiregistration.k8s.io", NULL, "APIService", "spec/service/name", 0}},
	{{NULL, "v1", "Service", NULL, 0}, {"admissionregistration.k8s.io", NULL, "ValidatingWebhookConfiguration", "webhooks/clientConfig/service", 0}},
	{{NULL, "v1", "Service", NULL, 0}, {"admissionregistration.k8s.io", NULL, "MutatingWebhookConfiguration", "webhooks/clientConfig/service", 0}},
	{{"rbac.authorization.k8s.io", NULL, "Role", NULL, 0}, {"rbac.authorization.k8s.io", NULL, "RoleBinding", "roleRef/name", 0}},
	{{"rbac.authorization.k8s.io", NULL, "ClusterRole", NULL, 0}, {"rbac.authorization.k8s.io", NULL, "RoleBinding", "roleRef/name", 0}},
	{{"rbac.authorization.k8s.io", NULL, "ClusterRole", NULL, 0}, {"rbac.authorization.k8s.io", NULL, "ClusterRoleBinding", "roleRef/name", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {"rbac.authorization.k8s.io", NULL, "RoleBinding", "subjects", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {"rbac.authorization.k8s.io", NULL, "ClusterRoleBinding", "subjects", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {NULL, NULL, "Pod", "spec/serviceAccountName", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/serviceAccountName", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/serviceAccountName", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {NULL, NULL, "ReplicationController", "spec/template/spec/serviceAccountName", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/serviceAccountName", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/serviceAccountName", 0}},
	{{NULL, "v1", "ServiceAccount", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/serviceAccountName", 0}},
	{{NULL, "v1", "PersistentVolumeClaim", NULL, 0}, {NULL, NULL, "Pod", "spec/volumes/persistentVolumeClaim/claimName", 0}},
	{{NULL, "v1", "PersistentVolumeClaim", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/volumes/persistentVolumeClaim/claimName", 0}},
	{{NULL, "v1", "PersistentVolumeClaim", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/volumes/persistentVolumeClaim/claimName", 0}},
	{{NULL, "v1", "PersistentVolumeClaim", NULL, 0}, {NULL, NULL, "ReplicationController", "spec/template/spec/volumes/persistentVolumeClaim/claimName", 0}},
	{{NULL, "v1", "PersistentVolumeClaim", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName", 0}},
	{{NULL, "v1", "PersistentVolumeClaim", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/volumes/persistentVolumeClaim/claimName", 0}},
	{{NULL, "v1", "PersistentVolumeClaim", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/volumes/persistentVolumeClaim/claimName", 0}},
	{{NULL, "v1", "PersistentVolume", NULL, 0}, {NULL, NULL, "PersistentVolumeClaim", "spec/volumeName", 0}},
	{{NULL, "v1", "PersistentVolume", NULL, 0}, {NULL, NULL, "ClusterRole", "rules/resourceNames", 0}},
	{{"storage.k8s.io", "v1", "StorageClass", NULL, 0}, {NULL, NULL, "PersistentVolume", "spec/storageClassName", 0}},
	{{"storage.k8s.io", "v1", "StorageClass", NULL, 0}, {NULL, NULL, "PersistentVolumeClaim", "spec/storageClassName", 0}},
	{{"storage.k8s.io", "v1", "StorageClass", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName", 0}},
	{{"scheduling.k8s.io", "v1", "PriorityClass", NULL, 0}, {NULL, NULL, "Pod", "spec/priorityClassName", 0}},
	{{"scheduling.k8s.io", "v1", "PriorityClass", NULL, 0}, {NULL, NULL, "StatefulSet", "spec/template/spec/priorityClassName", 0}},
	{{"scheduling.k8s.io", "v1", "PriorityClass", NULL, 0}, {NULL, NULL, "Deployment", "spec/template/spec/priorityClassName", 0}},
	{{"scheduling.k8s.io", "v1", "PriorityClass", NULL, 0}, {NULL, NULL, "ReplicationController", "spec/template/spec/priorityClassName", 0}},
	{{"scheduling.k8s.io", "v1", "PriorityClass", NULL, 0}, {NULL, NULL, "CronJob", "spec/jobTemplate/spec/template/spec/priorityClassName", 0}},
	{{"scheduling.k8s.io", "v1", "PriorityClass", NULL, 0}, {NULL, NULL, "Job", "spec/template/spec/priorityClassName", 0}},
	{{"scheduling.k8s.io", "v1", "PriorityClass", NULL, 0}, {NULL, NULL, "DaemonSet", "spec/template/spec/priorityClassName", 0}},
	{{"networking.k8s.io/v1", "v1", "IngressClass", NULL, 0}, {NULL, NULL, "Ingress", "spec/ingressClassName", 0}},
	{{"admissionregistration.k8s.io", NULL, "ValidatingAdmissionPolicy", NULL, 0}, {"admissionregistration.k8s.io", NULL, "ValidatingAdmissionPolicyBinding", "spec/policyName", 0}},
	{{0}, {0}}
};

/* apiVersion and kind of the cluster-scoped kinds kyaml knows. */
static const struct { const char *api, *kind; } cluster_scoped[] = {
	{"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"},
	{"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
	{"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"},
	{"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"},
	{"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
	{"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"},
	{"apiregistration.k8s.io/v1", "APIService"},
	{"apiregistration.k8s.io/v1beta1", "APIService"},
	{"certificates.k8s.io/v1", "CertificateSigningRequest"},
	{"certificates.k8s.io/v1beta1", "CertificateSigningRequest"},
	{"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"},
	{"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"},
	{"networking.k8s.io/v1", "IngressClass"},
	{"networking.k8s.io/v1beta1", "IngressClass"},
	{"node.k8s.io/v1", "RuntimeClass"},
	{"node.k8s.io/v1beta1", "RuntimeClass"},
	{"policy/v1beta1", "PodSecurityPolicy"},
	{"rbac.authorization.k8s.io/v1", "ClusterRole"},
	{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
	{"rbac.authorization.k8s.io/v1beta1", "ClusterRole"},
	{"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"},
	{"scheduling.k8s.io/v1", "PriorityClass"},
	{"scheduling.k8s.io/v1beta1", "PriorityClass"},
	{"storage.k8s.io/v1", "CSIDriver"},
	{"storage.k8s.io/v1", "CSINode"},
	{"storage.k8s.io/v1", "StorageClass"},
	{"storage.k8s.io/v1", "VolumeAttachment"},
	{"storage.k8s.io/v1beta1", "CSIDriver"},
	{"storage.k8s.io/v1beta1", "CSINode"},
	{"storage.k8s.io/v1beta1", "StorageClass"},
	{"storage.k8s.io/v1beta1", "VolumeAttachment"},
	{"v1", "ComponentStatus"},
	{"v1", "Namespace"},
	{"v1", "Node"},
	{"v1", "NodeProxyOptions"},
	{"v1", "PersistentVolume"},
};

void
pn_fieldspec_split_gv(const char *api, char *g, char *v, size_t cap)
{
	const char *slash = strchr(api, '/');

	if (slash == NULL) {
		snprintf(g, cap, "%s", "");
		snprintf(v, cap, "%s", api);
	} else {
		snprintf(g, cap, "%.*s", (int)(slash - api), api);
		snprintf(v, cap, "%s", slash + 1);
	}
}

int
pn_fieldspec_selects_id(const struct pn_fieldspec *fs, const char *api_version, const char *kind)
{
	const char *slash, *v;
	size_t glen;

	if (fs->kind != NULL && fs->kind[0] != '\0' && strcmp(fs->kind, kind) != 0)
		return 0;
	/* the apiVersion's group and version compared where they stand (this runs for every rule and object) */
	slash = strchr(api_version, '/');
	glen = slash != NULL ? (size_t)(slash - api_version) : 0;
	v = slash != NULL ? slash + 1 : api_version;
	if (fs->group != NULL && fs->group[0] != '\0' &&
	    (strlen(fs->group) != glen || memcmp(fs->group, api_version, glen) != 0))
		return 0;
	if (fs->version != NULL && fs->version[0] != '\0' && strcmp(fs->version, v) != 0)
		return 0;
	return 1;
}

void
pn_fieldspec_gv(const cJSON *obj, char *g, char *v, size_t cap)
{
	pn_fieldspec_split_gv(pn_jstr_or_empty(obj, "apiVersion"), g, v, cap);
}

int
pn_fieldspec_selects(const struct pn_fieldspec *fs, const cJSON *obj)
{
	return pn_fieldspec_selects_id(fs, pn_jstr_or_empty(obj, "apiVersion"), pn_jstr_or_empty(obj, "kind"));
}

int
pn_fieldspec_cluster_scoped_id(const char *api_version, const char *kind)
{
	for (size_t i = 0; i < sizeof(cluster_scoped) / sizeof(cluster_scoped[0]); i++)
		if (strcmp(cluster_scoped[i].api, api_version) == 0 && strcmp(cluster_scoped[i].kind, kind) == 0)
			return 1;
	return 0;
}

int
pn_fieldspec_cluster_scoped(const cJSON *obj)
{
	return pn_fieldspec_cluster_scoped_id(pn_jstr_or_empty(obj, "apiVersion"), pn_jstr_or_empty(obj, "kind"));
}

struct walk {
	char buf[PN_FIELDSPEC_MAX_PATH];
	const char *seg[PN_FIELDSPEC_MAX_SEGMENTS];
	int list[PN_FIELDSPEC_MAX_SEGMENTS];	/* written "name[]": a list, never created */
	size_t n;
	int create;
	pn_fieldspec_fn fn;
	const void *ctx;
};

/* Walk segments [i, n) from node; the depth is bounded by the number of segments. */
static const struct pn_error *
walk(const struct walk *w, cJSON *node, size_t i)
{
	const struct pn_error *err;
	cJSON *f;

	if (cJSON_IsArray(node)) {
		for (cJSON *e = node->child; e != NULL; e = e->next)
			if ((err = walk(w, e, i)) != NULL)
				return err;
		return NULL;
	}
	if (!cJSON_IsObject(node))
		return NULL;
	f = cJSON_GetObjectItemCaseSensitive(node, w->seg[i]);
	if (i + 1 == w->n)
		return w->fn(node, w->seg[i], f, w->create, w->ctx);
	if (f == NULL || cJSON_IsNull(f)) {
		cJSON *m;

		if (!w->create || w->list[i])
			return NULL;
		if ((m = cJSON_CreateObject()) == NULL)
			return pn_error(PN_ERR_NOMEM);
		if (f != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(node, w->seg[i], m);
		else
			cJSON_AddItemToObject(node, w->seg[i], m);
		f = m;
	}
	return walk(w, f, i + 1);
}

const struct pn_error *
pn_fieldspec_walk(cJSON *obj, const struct pn_fieldspec *fs, pn_fieldspec_fn fn, const void *ctx)
{
	struct walk w = {.create = fs->create, .fn = fn, .ctx = ctx};
	const char *p = fs->path;
	size_t o = 0, start = 0;
	int is_list;

	if (strlen(p) >= sizeof(w.buf))
		return pn_error_fmt(PN_ERR_PARSE, "field spec path %.200s... is longer than %d bytes", p,
		    PN_FIELDSPEC_MAX_PATH);
	for (;; p++) {
		if (*p == '\\' && p[1] == '/') {
			w.buf[o++] = '/';
			p++;
			continue;
		}
		if (*p != '/' && *p != '\0') {
			w.buf[o++] = *p;
			continue;
		}
		is_list = o - start >= 2 && w.buf[o - 2] == '[' && w.buf[o - 1] == ']';
		if (is_list)
			o -= 2;
		w.buf[o++] = '\0';
		if (o - 1 > start) {
			/* check before writing: list[] and seg[] hold PN_FIELDSPEC_MAX_SEGMENTS entries */
			if (w.n == PN_FIELDSPEC_MAX_SEGMENTS)
				return pn_error_fmt(PN_ERR_PARSE, "field spec path %.200s has more than %d parts",
				    fs->path, PN_FIELDSPEC_MAX_SEGMENTS);
			w.list[w.n] = is_list;
			w.seg[w.n++] = w.buf + start;
		}
		start = o;
		if (*p == '\0')
			break;
	}
	if (w.n == 0)
		return NULL;
	return walk(&w, obj, 0);
}

const struct pn_error *
pn_fieldspec_walk_all(cJSON *obj, const struct pn_fieldspec *table, pn_fieldspec_fn fn, const void *ctx)
{
	const struct pn_error *err;

	for (; table->path != NULL; table++)
		if (pn_fieldspec_selects(table, obj) && (err = pn_fieldspec_walk(obj, table, fn, ctx)) != NULL)
			return err;
	return NULL;
}
