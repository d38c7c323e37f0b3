/*
 * kstatus rules on objects, and pn_health_wait() against the API emulator (tests/peers/kube_emulator.py, started
 * by tests/lib/kube_fixture.py): an object a "controller" makes ready while the wait polls, a timeout naming
 * the objects not ready, a Failed object, a refused read.
 */
#include "pn_test.h"
#include "kube.h"

#include <sys/wait.h>

#include "../../agent/apply/health.h"
#include "../../agent/render/yaml.h"
#include "../../platform/clock.h"

#define DEPLOY(name)                                                                               \
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" name "\","           \
	"\"namespace\":\"default\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"" name "\"}},"     \
	"\"template\":{\"metadata\":{\"labels\":{\"app\":\"" name "\"}},\"spec\":{\"containers\":"        \
	"[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}"
#define DPATH(name) "/apis/apps/v1/namespaces/default/deployments/" name
#define JOB_PATH "/apis/batch/v1/namespaces/default/jobs/job"
#define JOB                                                                                        \
	"{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"job\",\"namespace\":"      \
	"\"default\"},\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":"     \
	"[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}"
#define READY                                                                                      \
	"{\"observedGeneration\":1,\"replicas\":1,\"updatedReplicas\":1,\"readyReplicas\":1,"                \
	"\"availableReplicas\":1,\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"},"          \
	"{\"type\":\"Progressing\",\"status\":\"True\",\"reason\":\"NewReplicaSetAvailable\"}]}"

static struct pn_test_kube fx;

/* kstatus rules (kube-api.md §7), one object per row: its status and the start of the reason. */
static void
test_rules(void **state)
{
	static const struct {
		const char *obj;
		enum pn_health want;
		const char *why;
	} cases[] = {
		{"{\"kind\":\"ConfigMap\"}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"ConfigMap\",\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"}}",
		    PN_HEALTH_TERMINATING, "being deleted"},
		{"{\"kind\":\"Deployment\",\"metadata\":{\"generation\":2},\"status\":{\"observedGeneration\":1}}",
		    PN_HEALTH_IN_PROGRESS, "generation 2 not observed yet"},
		{"{\"kind\":\"Deployment\",\"spec\":{\"replicas\":2}}", PN_HEALTH_IN_PROGRESS, "0/2 replicas updated"},
		{"{\"kind\":\"Deployment\",\"spec\":{\"replicas\":2},\"status\":{\"replicas\":2,\"updatedReplicas\":2,"
		    "\"availableReplicas\":1,\"readyReplicas\":1}}", PN_HEALTH_IN_PROGRESS, "1/2 replicas available"},
		{"{\"kind\":\"Deployment\",\"spec\":{\"replicas\":2},\"status\":{\"replicas\":2,\"updatedReplicas\":2,"
		    "\"availableReplicas\":2,\"readyReplicas\":2,\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"}]}}",
		    PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"Deployment\",\"status\":{\"conditions\":[{\"type\":\"Progressing\",\"status\":\"False\","
		    "\"reason\":\"ProgressDeadlineExceeded\"}]}}", PN_HEALTH_FAILED, "progress deadline exceeded"},
		{"{\"kind\":\"StatefulSet\",\"spec\":{\"replicas\":1},\"status\":{\"readyReplicas\":1,\"replicas\":1,"
		    "\"currentReplicas\":1,\"currentRevision\":\"a\",\"updateRevision\":\"a\"}}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"StatefulSet\",\"spec\":{\"replicas\":3},\"status\":{\"readyReplicas\":1}}",
		    PN_HEALTH_IN_PROGRESS, "1/3 replicas ready"},
		{"{\"kind\":\"StatefulSet\",\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\"}}}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"Job\",\"status\":{\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\",\"reason\":"
		    "\"BackoffLimitExceeded\"}]}}", PN_HEALTH_FAILED, "failed: BackoffLimitExceeded"},
		{"{\"kind\":\"Job\",\"status\":{\"startTime\":\"x\"}}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"PersistentVolumeClaim\",\"status\":{\"phase\":\"Pending\"}}", PN_HEALTH_IN_PROGRESS,
		    "phase Pending, not Bound"},
		{"{\"kind\":\"CustomResourceDefinition\",\"status\":{\"conditions\":[{\"type\":\"Established\",\"status\":"
		    "\"True\"}]}}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"HelmChart\",\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"message\":"
		    "\"install failed\"}]}}", PN_HEALTH_IN_PROGRESS, "condition Ready is False: install failed"},
		{"{\"kind\":\"Widget\",\"status\":{\"conditions\":[{\"type\":\"Stalled\",\"status\":\"True\"}]}}",
		    PN_HEALTH_FAILED, "stalled"},
		{"{\"kind\":\"Widget\"}", PN_HEALTH_CURRENT, ""},
		{"{\"kind\":\"Service\",\"spec\":{\"type\":\"LoadBalancer\"}}", PN_HEALTH_IN_PROGRESS, "no cluster IP yet"},
	};
	char why[PN_HEALTH_WHY_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *o = cJSON_Parse(cases[i].obj);
		enum pn_health h;

		assert_non_null(o);
		h = pn_health_of(o, why, sizeof(why));
		if (h != cases[i].want || strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
			fail_msg("case %zu: %s \"%s\", want %s \"%s\"", i, pn_health_name(h), why,
			    pn_health_name(cases[i].want), cases[i].why);
		cJSON_Delete(o);
	}
}

/* Regression: counts from the API are untrusted; a 30-digit or non-integer count was summed digit by digit into
 * a signed overflow. Now it counts as absent (spec.replicas defaults to 1), through both readers. */
static void
test_huge_numbers(void **state)
{
	static const char *yaml[] = {
		"kind: Deployment\nspec:\n  replicas: 123456789012345678901234567890\n",
		"kind: Deployment\nspec:\n  replicas: -123456789012345678901234567890\n",
		"kind: Deployment\nspec:\n  replicas: 1.5\n",
	};
	char why[PN_HEALTH_WHY_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(yaml) / sizeof(yaml[0]); i++) {
		struct pn_yaml_docs docs;

		assert_ok(pn_yaml_parse("obj.yaml", yaml[i], strlen(yaml[i]), NULL, &docs));
		assert_int_equal(docs.n, 1);
		assert_int_equal(pn_health_of(docs.v[0].root, why, sizeof(why)), PN_HEALTH_IN_PROGRESS);
		assert_string_equal(why, "0/1 replicas updated");
		pn_yaml_docs_release(&docs);
	}
	cJSON *o = cJSON_Parse("{\"kind\":\"Deployment\",\"spec\":{\"replicas\":1e30}}");
	assert_non_null(o);
	assert_int_equal(pn_health_of(o, why, sizeof(why)), PN_HEALTH_IN_PROGRESS);
	assert_string_equal(why, "0/1 replicas updated");
	cJSON_Delete(o);
}

/* --health-check as flux create kustomization writes it: "<Kind>/<name>.<namespace>", "<Kind>/<name>" for a
 * cluster-scoped object (whose name may have dots). */
static void
test_check_names(void **state)
{
	static const struct {
		const char *spec, *kind, *ns, *name;
		int want;	/* -1: PN_ERR_USAGE */
	} cases[] = {
		{"Deployment/web.lab", "Deployment", "lab", "web", 1},
		{"Deployment/web.lab", "Deployment", "other", "web", 0},
		{"Deployment/web.lab", "StatefulSet", "lab", "web", 0},
		{"Deployment/web", "Deployment", "lab", "web", 0},
		{"Deploy/web.lab", "Deployment", "lab", "web", 0},
		{"Namespace/lab", "Namespace", NULL, "lab", 1},
		{"ClusterRole/a.b.c", "ClusterRole", NULL, "a.b.c", 1},
		{"ConfigMap/a.b.lab", "ConfigMap", "lab", "a.b", 1},
		{"Deployment", "Deployment", "lab", "web", -1},
		{"/web.lab", "Deployment", "lab", "web", -1},
		{"Deployment/", "Deployment", "lab", "web", -1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int yes = 7;
		const struct pn_error *err = pn_health_check_names(cases[i].spec, cases[i].kind, cases[i].ns,
		    cases[i].name, &yes);

		if (cases[i].want < 0)
			assert_error(err, PN_ERR_USAGE, "not <Kind>/<name>.<namespace>");
		else if (err != NULL || yes != cases[i].want)
			fail_msg("case %zu: %s: %d, want %d", i, cases[i].spec, yes, cases[i].want);
	}
}

/* A request through k that must answer 2xx. */
static void
call(struct pn_kapi *k, const char *method, const char *path, const char *ctype, const char *body)
{
	struct pn_kapi_reply r;

	pn_kapi_reply_init(&r, k);
	assert_ok(pn_kapi_do(k, method, path, ctype, body, body != NULL ? strlen(body) : 0, &r));
	if (r.status / 100 != 2)
		fail_msg("%s %s: %d %.*s", method, path, r.status, (int)r.body.len, r.body.data);
	pn_kapi_reply_release(&r);
}

static void
create(const char *path, const char *json)
{
	char p[PN_TEST_PATH_MAX];

	snprintf(p, sizeof(p), "%s?fieldManager=test", path);
	call(fx.k, "PATCH", p, "application/apply-patch+yaml", json);
}

/* Set .status as a controller would (the emulator's control endpoint). */
static void
set_status(struct pn_kapi *k, const char *kind, const char *api_version, const char *name, const char *status)
{
	char body[1024];

	snprintf(body, sizeof(body), "{\"apiVersion\":\"%s\",\"kind\":\"%s\",\"name\":\"%s\",\"namespace\":"
	    "\"default\",\"status\":%s}", api_version, kind, name, status);
	call(k, "POST", "/_emu/status", "application/json", body);
}

static int
setup(void **state)
{
	(void)state;
	return pn_test_kube_start(&fx, "health");
}

static int
teardown(void **state)
{
	(void)state;
	pn_test_kube_stop(&fx);
	return 0;
}

/* A Deployment the "controller" (a child process, its own client) makes ready while the wait polls: read
 * InProgress, then Current after one poll interval. */
static void
test_wait_ready(void **state)
{
	struct pn_health_target v[] = {{DPATH("up"), "apps/v1 Deployment default/up", NULL, PN_HEALTH_FAILED}};
	uint64_t t0;
	pid_t pid;
	int status;

	(void)state;
	create(DPATH("up"), DEPLOY("up"));
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		struct pn_kapi *k;

		pn_test_sleep_ms(300);
		k = pn_test_kube_client(&fx, "k3s.yaml");
		set_status(k, "Deployment", "apps/v1", "up", READY);
		pn_kapi_free(k);
		_exit(0);
	}
	t0 = pn_clock_mono_ms();
	assert_ok(pn_health_wait(fx.k, v, 1, 60000 * (uint64_t)pn_test_slow(), NULL, NULL));
	assert_true(pn_clock_mono_ms() - t0 >= PN_HEALTH_POLL_MS);
	assert_int_equal(v[0].health, PN_HEALTH_CURRENT);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The time is up: the error names every object not ready and why, the ready ones not; a missing object is
 * "not found". */
static void
test_wait_timeout(void **state)
{
	struct pn_health_target v[] = {
		{DPATH("idle"), "apps/v1 Deployment default/idle", NULL, PN_HEALTH_CURRENT},
		{"/api/v1/namespaces/default/configmaps/nope", "v1 ConfigMap default/nope", NULL, PN_HEALTH_CURRENT},
		{"/api/v1/namespaces/default", "v1 Namespace default", NULL, PN_HEALTH_FAILED},
	};
	const struct pn_error *err;

	(void)state;
	create(DPATH("idle"), DEPLOY("idle"));
	err = pn_health_wait(fx.k, v, 3, 0, NULL, NULL);
	assert_error(err, PN_ERR_UNAVAILABLE, "health check timed out after 0 s, not ready: apps/v1 Deployment "
	    "default/idle: 0/1 replicas updated; v1 ConfigMap default/nope: not found");
	assert_null(strstr(err->msg, "Namespace"));
	assert_int_equal(v[0].health, PN_HEALTH_IN_PROGRESS);
	assert_int_equal(v[1].health, PN_HEALTH_IN_PROGRESS);
	assert_int_equal(v[2].health, PN_HEALTH_CURRENT);
}

/* A Failed object ends the wait at once, however long it could have lasted. */
static void
test_wait_failed(void **state)
{
	struct pn_health_target v[] = {{JOB_PATH, "batch/v1 Job default/job", NULL, PN_HEALTH_CURRENT}};
	uint64_t t0;

	(void)state;
	create(JOB_PATH, JOB);
	set_status(fx.k, "Job", "batch/v1", "job", "{\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\","
	    "\"reason\":\"BackoffLimitExceeded\"}]}");
	t0 = pn_clock_mono_ms();
	assert_error(pn_health_wait(fx.k, v, 1, 60000, NULL, NULL), PN_ERR_REJECTED,
	    "health check failed: batch/v1 Job default/job: failed: BackoffLimitExceeded");
	assert_true(pn_clock_mono_ms() - t0 < PN_HEALTH_POLL_MS);
	assert_int_equal(v[0].health, PN_HEALTH_FAILED);
}

static const struct pn_error *
refused_here(void *ctx, const struct pn_health_target *t, const struct pn_kapi_reply *reply)
{
	*(int *)ctx = reply->status;
	return pn_error_fmt(PN_ERR_REJECTED, "refused %s", t->id);
}

/* A read answered neither 200 nor 404 ends the wait with the caller's error, or the server's naming the id. */
static void
test_wait_refused(void **state)
{
	static const char fault[] = "{\"method\":\"GET\",\"path\":\"" DPATH("idle") "\",\"action\":\"403\"}";
	struct pn_health_target v[] = {{DPATH("idle"), "apps/v1 Deployment default/idle", NULL, PN_HEALTH_CURRENT}};
	int status = 0;

	(void)state;
	call(fx.k, "POST", "/_emu/faults", "application/json", fault);
	assert_error(pn_health_wait(fx.k, v, 1, 60000, refused_here, &status), PN_ERR_REJECTED,
	    "refused apps/v1 Deployment default/idle");
	assert_int_equal(status, 403);
	call(fx.k, "POST", "/_emu/faults", "application/json", fault);
	assert_error(pn_health_wait(fx.k, v, 1, 60000, NULL, NULL), PN_ERR_REJECTED,
	    "apps/v1 Deployment default/idle: 403");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_check_names),
		cmocka_unit_test(test_wait_ready),
		cmocka_unit_test(test_wait_timeout),
		cmocka_unit_test(test_wait_failed),
		cmocka_unit_test(test_wait_refused),
	};
	return cmocka_run_group_tests_name("health", tests, setup, teardown);
}
