/*
 * The API emulator for unit tests (tests/peers/kube_emulator.py, started by tests/lib/kube_fixture.py) in a
 * private directory under build/test, and clients of it through the kubeconfigs the fixture writes there.
 */
#ifndef PN_TEST_KUBE_H
#define PN_TEST_KUBE_H

#include "peer.h"

#include "../../agent/apply/kapi.h"
#include "../../agent/apply/kubeconfig.h"

struct pn_test_kube {
	char dir[PN_TEST_PATH_MAX];
	pid_t pid;
	int port;
	struct pn_kapi *k;	/* admin, from k3s.yaml */
};

/* A client from DIR/<kubeconfig>: "k3s.yaml", "files.yaml", "token.yaml", "badtoken.yaml". */
static inline struct pn_kapi *
pn_test_kube_client(const struct pn_test_kube *fx, const char *kubeconfig)
{
	char path[PN_TEST_PATH_MAX * 2];
	struct pn_kubeconfig *kc = NULL;
	struct pn_kapi *k = NULL;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, kubeconfig);
	assert_ok(pn_kubeconfig_load(path, NULL, &kc));
	assert_ok(pn_kapi_new(kc, NULL, &k));
	pn_kubeconfig_free(kc);
	return k;
}

/* Start the emulator in build/test/<name>-XXXXXX, with an admin client in fx->k: 0, or -1. */
static inline int
pn_test_kube_start(struct pn_test_kube *fx, const char *name)
{
	char py[] = "python3", script[] = "tests/lib/kube_fixture.py", o_dir[] = "--dir";
	char *argv[] = {py, script, o_dir, fx->dir, NULL};

	if (pn_test_tmpdir(name, fx->dir, sizeof(fx->dir)) != 0)
		return -1;
	fx->pid = pn_test_spawn(argv, fx->dir, &fx->port);
	if (fx->pid <= 0)
		return -1;
	fx->k = pn_test_kube_client(fx, "k3s.yaml");
	return 0;
}

static inline void
pn_test_kube_stop(struct pn_test_kube *fx)
{
	pn_kapi_free(fx->k);
	pn_test_stop(fx->pid);
	pn_test_rmtree(fx->dir);
}

#endif
