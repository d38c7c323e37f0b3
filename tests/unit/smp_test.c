/*
 * Strategic merge patch: every expected result below is what `kubectl kustomize` (kustomize v5.5.0) printed for
 * the same resource and patch (a kustomization with `resources: [dep.yaml]` and `patches: [{path: patch.yaml}]`),
 * converted to JSON. Errors carry kubectl's message.
 */
#include "pn_test.h"

#include <stdio.h>

#include "../../agent/render/smp.h"
#include "../../agent/render/yaml.h"

struct smp_case {
	const char *name;
	const char *target;
	const char *patch;
	const char *expect;	/* JSON; NULL when an error is expected */
	const char *error;	/* substring of the PN_ERR_PARSE message */
};

static const struct smp_case cases[] = {
	{
		"image_by_name",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: app, image: \"app:1\", args: [a]}, {name: side, "
		    "image: \"side:1\"}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: side, image: \"side:2\"}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"image\": \"side:2\", \"name\": \"side\"}, "
		    "{\"args\": [\"a\"], \"image\": \"app:1\", \"name\": \"app\"}]}}}}", NULL,
	},
	{
		"add_env_var",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: app, env: [{name: A, value: \"1\"}, {name: B, "
		    "value: \"2\"}]}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: app, env: [{name: C, value: \"3\"}, {name: A, "
		    "value: \"9\"}]}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"env\": [{\"name\": \"C\", \"value\": \"3\"}, "
		    "{\"name\": \"A\", \"value\": \"9\"}, {\"name\": \"B\", \"value\": \"2\"}], \"name\": \"app\"}]}}}}", NULL,
	},
	{
		"delete_container",
		"{apiVersion: apps/v1, kind: DaemonSet, metadata: {name: d}, "
		    "spec: {template: {spec: {containers: [{name: a, image: a}, {name: b, image: b}, {name: c, "
		    "image: c}]}}}}",
		"{apiVersion: apps/v1, kind: DaemonSet, metadata: {name: d}, "
		    "spec: {template: {spec: {containers: [{name: b, $patch: delete}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"DaemonSet\", \"metadata\": {\"name\": \"d\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"image\": \"a\", \"name\": \"a\"}, {\"image\": \"c\", "
		    "\"name\": \"c\"}]}}}}", NULL,
	},
	{
		"replace_list",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {volumes: [{name: v1, emptyDir: {}}, {name: v2, emptyDir: {}}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {volumes: [{name: v3, emptyDir: {}}, {$patch: replace}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"volumes\": [{\"emptyDir\": {}, \"name\": \"v3\"}]}}}}", NULL,
	},
	{
		"crd_list_replaced",
		"{apiVersion: example.com/v1, kind: Foo, metadata: {name: f, finalizers: [a]}, "
		    "spec: {containers: [{name: a, image: a}], list: [1, 2]}}",
		"{apiVersion: example.com/v1, kind: Foo, metadata: {name: f, finalizers: [b]}, "
		    "spec: {containers: [{name: b, image: b}], list: [3]}}",
		"{\"apiVersion\": \"example.com/v1\", \"kind\": \"Foo\", \"metadata\": {\"finalizers\": [\"b\"], \"name\": \"f\"}, "
		    "\"spec\": {\"containers\": [{\"image\": \"b\", \"name\": \"b\"}], \"list\": [3]}}", NULL,
	},
	{
		"null_deletes",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, labels: {a: \"1\", b: \"2\"}}, "
		    "spec: {replicas: 3, paused: true}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, labels: {a: null, c: \"3\"}}, "
		    "spec: {replicas: null, missing: null}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"labels\": {\"b\": \"2\", \"c\": \"3\"}, "
		    "\"name\": \"web\"}, \"spec\": {\"paused\": true}}", NULL,
	},
	{
		"merge_order",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, finalizers: [a, b]}, "
		    "spec: {template: {spec: {containers: [{name: a, image: \"a:1\", ports: [{containerPort: 80, "
		    "protocol: TCP}, {containerPort: 90}]}, {name: b, image: \"b:1\"}, {name: c, image: \"c:1\"}], "
		    "tolerations: [{key: k1}, {key: k2}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, finalizers: [c, a]}, "
		    "spec: {template: {spec: {containers: [{name: c, image: \"c:2\"}, {name: z, image: \"z:1\"}, "
		    "{name: a, ports: [{containerPort: 70}, {containerPort: 90, name: p90}]}], "
		    "tolerations: [{key: k3}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"finalizers\": [\"c\", \"a\", \"b\"], "
		    "\"name\": \"web\"}, \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"image\": \"c:2\", \"name\": \"c\"}, "
		    "{\"image\": \"z:1\", \"name\": \"z\"}, {\"image\": \"a:1\", \"name\": \"a\", \"ports\": [{\"containerPort\": 70}, "
		    "{\"containerPort\": 80, \"protocol\": \"TCP\"}, {\"containerPort\": 90, \"name\": \"p90\"}]}, "
		    "{\"image\": \"b:1\", \"name\": \"b\"}], \"tolerations\": [{\"key\": \"k3\"}]}}}}", NULL,
	},
	{
		"element_replace_ignored",
		"{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: s}, "
		    "spec: {template: {spec: {containers: [{name: a, image: \"a:1\", args: [x]}], "
		    "initContainers: [{name: i, image: \"i:1\"}]}}}}",
		"{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: s}, "
		    "spec: {template: {spec: {containers: [{name: a, image: \"a:2\", $patch: replace}], "
		    "initContainers: [{$patch: merge}, {name: j, image: \"j:1\"}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"StatefulSet\", \"metadata\": {\"name\": \"s\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"args\": [\"x\"], \"image\": \"a:1\", \"name\": \"a\"}], "
		    "\"initContainers\": [{\"image\": \"j:1\", \"name\": \"j\"}, {\"image\": \"i:1\", \"name\": \"i\"}]}}}}", NULL,
	},
	{
		"map_directives",
		"{apiVersion: batch/v1, kind: Job, metadata: {name: j}, "
		    "spec: {template: {spec: {nodeSelector: {a: \"1\", b: \"2\"}, affinity: {nodeAffinity: {x: 1}}, "
		    "securityContext: {runAsUser: 1, fsGroup: 2}}}}}",
		"{apiVersion: batch/v1, kind: Job, metadata: {name: j}, "
		    "spec: {template: {spec: {nodeSelector: {b: null, c: \"3\", $patch: merge}, "
		    "affinity: {$patch: delete}, securityContext: {$patch: replace, runAsNonRoot: true}}}}}",
		"{\"apiVersion\": \"batch/v1\", \"kind\": \"Job\", \"metadata\": {\"name\": \"j\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"nodeSelector\": {\"a\": \"1\", \"c\": \"3\"}, "
		    "\"securityContext\": {\"runAsNonRoot\": true}}}}}", NULL,
	},
	{
		"delete_object",
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: \"1\"}}",
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, $patch: delete}",
		"{}", NULL,
	},
	{
		"service_ports",
		"{apiVersion: v1, kind: Service, metadata: {name: svc}, spec: {ports: [{port: 80, "
		    "targetPort: 8080, name: http}, {port: 53, protocol: UDP, name: dns}, {port: 53, protocol: TCP, "
		    "name: dnst}]}}",
		"{apiVersion: v1, kind: Service, metadata: {name: svc}, spec: {ports: [{port: 443, name: https}, "
		    "{port: 53, protocol: UDP, name: dns2}, {port: 80, targetPort: 9090}]}}",
		"{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"svc\"}, "
		    "\"spec\": {\"ports\": [{\"name\": \"https\", \"port\": 443}, {\"name\": \"http\", \"port\": 80, "
		    "\"targetPort\": 9090}, {\"name\": \"dns2\", \"port\": 53, \"protocol\": \"UDP\"}, {\"name\": \"dnst\", "
		    "\"port\": 53, \"protocol\": \"TCP\"}]}}", NULL,
	},
	{
		"directives_kept",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}, "
		    "template: {spec: {containers: [{name: a}, {name: b}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {strategy: {$retainKeys: [type], type: Recreate}, "
		    "template: {spec: {$setElementOrder/containers: [{name: b}, {name: a}], containers: [{name: b, "
		    "image: x}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"strategy\": {\"$retainKeys\": [\"type\"], \"rollingUpdate\": {\"maxSurge\": 1}, "
		    "\"type\": \"Recreate\"}, \"template\": {\"spec\": {\"$setElementOrder/containers\": [{\"name\": \"b\"}, "
		    "{\"name\": \"a\"}], \"containers\": [{\"image\": \"x\", \"name\": \"b\"}, {\"name\": \"a\"}]}}}}", NULL,
	},
	{
		"new_map_cleaned",
		"{apiVersion: example.com/v1, kind: Foo, metadata: {name: f}}",
		"{apiVersion: example.com/v1, kind: Foo, metadata: {name: f}, spec: {a: 1, b: null, "
		    "c: {$patch: delete}, d: {$patch: replace, x: 1}}}",
		"{\"apiVersion\": \"example.com/v1\", \"kind\": \"Foo\", \"metadata\": {\"name\": \"f\"}, \"spec\": {\"a\": 1, "
		    "\"d\": {\"x\": 1}}}", NULL,
	},
	{
		"cronjob_nested",
		"{apiVersion: batch/v1, kind: CronJob, metadata: {name: cj}, "
		    "spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a, "
		    "volumeMounts: [{mountPath: /x, name: x}]}]}}}}}}",
		"{apiVersion: batch/v1, kind: CronJob, metadata: {name: cj}, "
		    "spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a, "
		    "volumeMounts: [{mountPath: /y, name: y}, {mountPath: /x, readOnly: true}]}]}}}}}}",
		"{\"apiVersion\": \"batch/v1\", \"kind\": \"CronJob\", \"metadata\": {\"name\": \"cj\"}, "
		    "\"spec\": {\"jobTemplate\": {\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"a\", "
		    "\"volumeMounts\": [{\"mountPath\": \"/y\", \"name\": \"y\"}, {\"mountPath\": \"/x\", \"name\": \"x\", "
		    "\"readOnly\": true}]}]}}}}}}", NULL,
	},
	{
		"list_directive_nonmerge_kept",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {tolerations: [{key: a}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {tolerations: [{key: b}, {$patch: replace}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"tolerations\": [{\"key\": \"b\"}, {\"$patch\": \"replace\"}]}}}}", NULL,
	},
	{
		"wrong_kind",
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: \"1\"}}",
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: [x]}",
		NULL, "wrong node kind: expected MappingNode but got SequenceNode",
	},
	{
		"unknown_strategy",
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: \"1\"}}",
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {$patch: foo}}",
		NULL, "unknown patch strategy 'foo'",
	},
	{
		"unknown_list_strategy",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{$patch: nope}]}}}}",
		NULL, "unknown patch strategy 'nope'",
	},
	{
		"dest_empty_element_dropped",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a}, {}, {name: b}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 2}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"replicas\": 2, \"template\": {\"spec\": {\"containers\": [{\"name\": \"a\"}]}}}}", NULL,
	},
	{
		"patch_element_without_key",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a, image: a}, {name: b, image: b}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{image: x}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": []}}}}", NULL,
	},
	{
		"delete_absent_element",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a, image: a}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: zz, $patch: delete}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"image\": \"a\", \"name\": \"a\"}]}}}}", NULL,
	},
	{
		"finalizers_null_and_dups",
		"{apiVersion: v1, kind: Namespace, metadata: {name: n, finalizers: [a, b, a]}}",
		"{apiVersion: v1, kind: Namespace, metadata: {name: n, finalizers: [b, c, c]}}",
		"{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"finalizers\": [\"b\", \"c\", \"a\"], "
		    "\"name\": \"n\"}}", NULL,
	},
	{
		"dest_list_null",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: null}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a, image: a}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"image\": \"a\", \"name\": \"a\"}]}}}}", NULL,
	},
	{
		"delete_list_primitive",
		"{apiVersion: v1, kind: Namespace, metadata: {name: n, finalizers: [a, b]}}",
		"{apiVersion: v1, kind: Namespace, metadata: {name: n, finalizers: null}}",
		"{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"n\"}}", NULL,
	},
	{
		"delete_from_primitive_list_kept",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a, args: [x, y]}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a, $deleteFromPrimitiveList/args: [x]}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"$deleteFromPrimitiveList/args\": [\"x\"], "
		    "\"args\": [\"x\", \"y\"], \"name\": \"a\"}]}}}}", NULL,
	},
	{
		"image_pull_secrets",
		"{apiVersion: v1, kind: ServiceAccount, metadata: {name: sa}, imagePullSecrets: [{name: a}], "
		    "secrets: [{name: s1}]}",
		"{apiVersion: v1, kind: ServiceAccount, metadata: {name: sa}, imagePullSecrets: [{name: b}], "
		    "secrets: [{name: s2}]}",
		"{\"apiVersion\": \"v1\", \"imagePullSecrets\": [{\"name\": \"b\"}], \"kind\": \"ServiceAccount\", "
		    "\"metadata\": {\"name\": \"sa\"}, \"secrets\": [{\"name\": \"s2\"}, {\"name\": \"s1\"}]}", NULL,
	},
	{
		"pod_volumes_and_mounts",
		"{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {volumes: [{name: data, "
		    "persistentVolumeClaim: {claimName: c}}], containers: [{name: app, volumeMounts: [{name: data, "
		    "mountPath: /data}]}]}}",
		"{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {volumes: [{name: data, "
		    "persistentVolumeClaim: null, emptyDir: {}}], containers: [{name: app, "
		    "volumeMounts: [{name: data, mountPath: /data, subPath: x}, {name: tmp, mountPath: /tmp}]}]}}",
		"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, "
		    "\"spec\": {\"containers\": [{\"name\": \"app\", \"volumeMounts\": [{\"mountPath\": \"/data\", \"name\": \"data\", "
		    "\"subPath\": \"x\"}, {\"mountPath\": \"/tmp\", \"name\": \"tmp\"}]}], \"volumes\": [{\"emptyDir\": {}, "
		    "\"name\": \"data\"}]}}", NULL,
	},
	{
		"scalar_vs_map",
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: \"1\"}}",
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: {b: c}}}",
		NULL, "wrong node kind: expected ScalarNode but got MappingNode",
	},
	{
		"list_vs_scalar",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: x}}}}",
		NULL, "wrong node kind: expected SequenceNode but got ScalarNode",
	},
	{
		"ports_multi_patch_only_port",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a, ports: [{containerPort: 53, protocol: UDP}, "
		    "{containerPort: 53, protocol: TCP}]}]}}}}",
		"{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, "
		    "spec: {template: {spec: {containers: [{name: a, ports: [{containerPort: 53, name: dns}]}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"a\", \"ports\": [{\"containerPort\": 53, "
		    "\"protocol\": \"UDP\"}, {\"containerPort\": 53, \"protocol\": \"TCP\"}]}]}}}}", NULL,
	},
	{
		"crd_embedded_pod_template",
		"{apiVersion: argoproj.io/v1alpha1, kind: Rollout, metadata: {name: r}, "
		    "spec: {template: {spec: {containers: [{name: a, image: a}, {name: b, image: b}]}}}}",
		"{apiVersion: argoproj.io/v1alpha1, kind: Rollout, metadata: {name: r}, "
		    "spec: {template: {spec: {containers: [{name: b, image: b2}]}}}}",
		"{\"apiVersion\": \"argoproj.io/v1alpha1\", \"kind\": \"Rollout\", \"metadata\": {\"name\": \"r\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"image\": \"b2\", \"name\": \"b\"}]}}}}", NULL,
	},
	{
		"key_number_vs_string",
		"{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 80, name: a}]}}",
		"{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: \"80\", name: b}]}}",
		"{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"s\"}, "
		    "\"spec\": {\"ports\": [{\"name\": \"b\", \"port\": \"80\"}]}}", NULL,
	},
	{
		"added_element_directive_elided",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"b\", \"image\": \"x:1\"}], "
		    "\"tolerations\": []}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\", "
		    "\"finalizers\": [\"f2\"]}, \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"c\", "
		    "\"image\": \"x:1\", \"env\": [{\"name\": \"C\", \"value\": \"2\", \"$patch\": \"merge\"}]}, {\"name\": \"c\", "
		    "\"image\": null, \"ports\": [], \"env\": [{\"name\": \"B\"}]}, {\"name\": \"d\", \"env\": [{\"name\": \"C\", "
		    "\"value\": \"1\"}], \"args\": [\"p\", \"r\"], \"$patch\": \"delete\"}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"finalizers\": [\"f2\"], "
		    "\"name\": \"web\"}, \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"env\": [{\"name\": \"C\", "
		    "\"value\": \"2\"}], \"image\": \"x:1\", \"name\": \"c\"}, {\"image\": \"x:1\", \"name\": \"b\"}], "
		    "\"tolerations\": []}}}}", NULL,
	},
	{
		"added_replace_element_nulls_cleared",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\", "
		    "\"labels\": {\"a\": \"1\"}, \"finalizers\": [\"f2\", \"f3\", \"f1\"]}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"d\", \"image\": \"y:2\", \"env\": []}, "
		    "{\"name\": \"c\", \"image\": null, \"$patch\": \"replace\"}, {\"name\": \"d\", \"image\": \"x:1\", "
		    "\"env\": [{\"name\": \"B\"}], \"ports\": null}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"finalizers\": [\"f2\", \"f3\", \"f1\"], "
		    "\"labels\": {\"a\": \"1\"}, \"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"env\": [{\"name\": \"B\"}], \"image\": \"x:1\", "
		    "\"name\": \"d\", \"ports\": null}, {\"name\": \"c\"}]}}}}", NULL,
	},
	{
		"added_env_merge_directive_elided",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\", "
		    "\"labels\": {\"a\": \"1\"}}, \"spec\": {\"template\": {\"spec\": {\"containers\": []}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"}, "
		    "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"d\", \"image\": \"y:2\"}, {\"name\": \"a\", "
		    "\"env\": [{\"name\": \"A\", \"value\": \"1\", \"$patch\": \"merge\"}, {\"name\": \"C\", \"value\": \"1\"}, "
		    "{\"name\": \"B\", \"value\": \"2\"}], \"args\": [\"q\"]}, {\"name\": \"b\", \"image\": \"x:1\", "
		    "\"ports\": [{\"containerPort\": 80, \"protocol\": \"TCP\"}]}], \"nodeSelector\": {\"a\": null}, "
		    "\"volumes\": [{\"name\": \"v1\", \"emptyDir\": {}}]}}}}",
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"labels\": {\"a\": \"1\"}, "
		    "\"name\": \"web\"}, \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"image\": \"y:2\", \"name\": \"d\"}, "
		    "{\"args\": [\"q\"], \"env\": [{\"name\": \"A\", \"value\": \"1\"}, {\"name\": \"C\", \"value\": \"1\"}, {\"name\": \"B\", "
		    "\"value\": \"2\"}], \"name\": \"a\"}, {\"image\": \"x:1\", \"name\": \"b\", \"ports\": [{\"containerPort\": 80, "
		    "\"protocol\": \"TCP\"}]}], \"nodeSelector\": {}, \"volumes\": [{\"emptyDir\": {}, \"name\": \"v1\"}]}}}}", NULL,
	},
};

/* Trees equal: maps by key (order free), lists in order, numbers by their JSON text. */
static int
same(const cJSON *a, const cJSON *b)
{
	const cJSON *c, *d;

	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsObject(a)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		for (c = a->child; c != NULL; c = c->next)
			if ((d = cJSON_GetObjectItemCaseSensitive(b, c->string)) == NULL || !same(c, d))
				return 0;
		return 1;
	}
	if (cJSON_IsArray(a)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		for (c = a->child, d = b->child; c != NULL; c = c->next, d = d->next)
			if (!same(c, d))
				return 0;
		return 1;
	}
	if (cJSON_IsString(a) || cJSON_IsRaw(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	return 1;
}

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct smp_case *c = &cases[i];
		cJSON *target = one_doc(c->target), *patch = one_doc(c->patch);
		const struct pn_error *err = pn_smp_apply(target, patch, "patch.yaml", NULL);

		print_message("case %s\n", c->name);
		if (c->expect == NULL) {
			assert_error(err, PN_ERR_PARSE, c->error);
		} else {
			cJSON *want = one_doc(c->expect);

			assert_ok(err);
			if (!same(target, want)) {
				char *got = cJSON_PrintUnformatted(target);

				fail_msg("case %s: got %s", c->name, got);
			}
			cJSON_Delete(want);
		}
		cJSON_Delete(target);
		cJSON_Delete(patch);
	}
}

/* Errors name the patch they come from. */
static void
test_error_names_patch(void **state)
{
	cJSON *t = one_doc("{kind: ConfigMap, data: {a: b}}"), *p = one_doc("{kind: ConfigMap, data: {$patch: x}}");

	(void)state;
	assert_error(pn_smp_apply(t, p, "overlay/patch.yaml v1 ConfigMap c", NULL), PN_ERR_PARSE,
	    "overlay/patch.yaml v1 ConfigMap c: unknown patch strategy 'x'");
	cJSON_Delete(t);
	cJSON_Delete(p);
}

static void
test_not_maps(void **state)
{
	cJSON *t = cJSON_CreateArray(), *p = one_doc("{a: 1}");

	(void)state;
	assert_error(pn_smp_apply(t, p, "p", NULL), PN_ERR_PARSE, "must be maps");
	cJSON_Delete(t);
	cJSON_Delete(p);
}

/* Nesting past PN_SMP_MAX_DEPTH is refused, not recursed into. */
static void
test_depth_limit(void **state)
{
	cJSON *t = cJSON_CreateObject(), *p = cJSON_CreateObject(), *ct = t, *cp = p;
	int i;

	(void)state;
	for (i = 0; i < PN_SMP_MAX_DEPTH + 10; i++) {
		ct = cJSON_AddObjectToObject(ct, "a");
		cp = cJSON_AddObjectToObject(cp, "a");
	}
	cJSON_AddStringToObject(cp, "x", "y");
	assert_error(pn_smp_apply(t, p, "deep", NULL), PN_ERR_TOO_LARGE, "deep: nested deeper than");
	cJSON_Delete(t);
	cJSON_Delete(p);
}

/* A merged list longer than PN_SMP_MAX_LIST is refused (the merge is quadratic). */
static void
test_list_limit(void **state)
{
	cJSON *t = one_doc("{apiVersion: v1, kind: Pod, spec: {containers: []}}");
	cJSON *p = one_doc("{apiVersion: v1, kind: Pod, spec: {containers: [{name: a}]}}");
	cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(t, "spec"), "containers");
	int i;

	(void)state;
	for (i = 0; i <= PN_SMP_MAX_LIST; i++) {
		char name[32];
		cJSON *c = cJSON_CreateObject();

		snprintf(name, sizeof(name), "c%d", i);
		cJSON_AddStringToObject(c, "name", name);
		cJSON_AddItemToArray(list, c);
	}
	assert_error(pn_smp_apply(t, p, "big", NULL), PN_ERR_TOO_LARGE, "more than");
	cJSON_Delete(t);
	cJSON_Delete(p);
}

/* A huge map patched by a huge patch is refused: the merge looks names up linearly (PN_SMP_MAX_MAP_WORK). */
static void
test_map_limit(void **state)
{
	cJSON *t = cJSON_CreateObject(), *p = cJSON_CreateObject();
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "k%d", i);
		cJSON_AddStringToObject(t, name, "a");
		cJSON_AddStringToObject(p, name, "b");
	}
	assert_error(pn_smp_apply(t, p, "big", NULL), PN_ERR_TOO_LARGE, "too large to merge");
	cJSON_Delete(t);
	cJSON_Delete(p);
}

/* The patch is not changed by applying it (it may be applied to several targets). */
static void
test_patch_unchanged(void **state)
{
	const char *pt = "{apiVersion: apps/v1, kind: Deployment, spec: {template: {spec: {containers: "
	    "[{name: a, $patch: delete}, {$patch: replace}], volumes: [{$patch: replace}]}}}}";
	cJSON *t = one_doc("{apiVersion: apps/v1, kind: Deployment, spec: {template: {spec: {containers: [{name: a}], "
	    "volumes: [{name: v}]}}}}");
	cJSON *p = one_doc(pt), *p0 = one_doc(pt);

	(void)state;
	assert_ok(pn_smp_apply(t, p, "p", NULL));
	assert_true(same(p, p0));
	cJSON_Delete(t);
	cJSON_Delete(p);
	cJSON_Delete(p0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_error_names_patch),
		cmocka_unit_test(test_not_maps),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_list_limit),
		cmocka_unit_test(test_map_limit),
		cmocka_unit_test(test_patch_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
