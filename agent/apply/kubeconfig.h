/*
 * kubeconfig: where the API server is and how pinion proves who it is.
 *
 * Which file: `--kubeconfig` > $KUBECONFIG > /etc/rancher/k3s/k3s.yaml (k3s writes it, mode 0600). kubectl
 * merges every file of a ':'-separated $KUBECONFIG; pinion reads only the first one and says so in a notice:
 * an agent is pointed at one cluster, and a merged view would hide which file a credential came from.
 *
 * In a pod (KUBERNETES_SERVICE_HOST/PORT set) with neither --kubeconfig nor $KUBECONFIG, the service account is
 * used instead (pn_kubeconfig_in_cluster), as client-go does.
 *
 * What is read: `current-context` (or the context --context names) → its context's cluster and user, as
 * kubectl does, from the shape k3s and
 * clientcmd write (kube-api.md §6):
 *   cluster: server, certificate-authority-data | certificate-authority (file);
 *            insecure-skip-tls-verify: true is refused (pinion always verifies the server).
 *   user:    client-certificate-data | client-certificate, client-key-data | client-key (PEM chain and key),
 *            token | tokenFile (bearer).
 * Inline `*-data` wins over the file form (kubectl warns and does the same). Relative file paths are relative to
 * the kubeconfig's directory, as kubectl resolves them. `tokenFile` wins over `token` (client-go uses the file and
 * re-reads it); the file is read once per load, so a rotated token is picked up at the next load.
 * exec and auth-provider plugins, basic auth, proxy-url and tls-server-name are refused as unsupported rather than
 * ignored.
 *
 * Errors name the file, the YAML line and the field ("kubeconfig /etc/rancher/k3s/k3s.yaml line 12: user
 * \"default\": client-key-data: not valid base64"); values of secret fields never appear in errors or logs, and
 * keys and tokens are wiped from memory when the kubeconfig is freed.
 */
#ifndef PN_KUBECONFIG_H
#define PN_KUBECONFIG_H

#include <stddef.h>

#include "../core/error.h"

/* The default file: where k3s writes its admin kubeconfig. */
#define PN_KUBECONFIG_DEFAULT "/etc/rancher/k3s/k3s.yaml"
/* Ceiling on a kubeconfig file: k3s's is ~3 KiB; a hand-kept file with dozens of clusters stays far below. */
#define PN_KUBECONFIG_MAX (1024 * 1024)
/* Ceiling on a tokenFile: a projected service-account token is ~1 KiB; OIDC tokens a few KiB. */
#define PN_KUBECONFIG_TOKEN_MAX (64 * 1024)

struct pn_kubeconfig {
	char *path;		/* the file it came from ("(inline)" when parsed from memory), for messages */
	char *context;		/* current-context */
	char *cluster_name;
	char *user_name;
	char *server;		/* "https://127.0.0.1:6443", as written */
	/* Trust anchors: decoded certificate-authority-data, or a file; both NULL: the system bundle. */
	char *ca_pem;
	size_t ca_pem_len;
	char *ca_file;
	/* Client certificate chain and key: decoded *-data, or files; all NULL without client certificate. */
	char *cert_pem;
	size_t cert_pem_len;
	char *cert_file;
	char *key_pem;		/* secret */
	size_t key_pem_len;
	char *key_file;
	char *token;		/* secret; bearer token from token or tokenFile, NULL without */
};

/* The kubeconfig to use: `flag` (--kubeconfig) when not NULL or empty, else the first entry of $KUBECONFIG,
 * else PN_KUBECONFIG_DEFAULT. The caller frees it with free(). */
const struct pn_error *pn_kubeconfig_locate(const char *flag, char **out);

/* Read and parse the file at `path`, with `context` (NULL: its current-context; kubectl's --context). The caller
 * frees it with pn_kubeconfig_free(). */
const struct pn_error *pn_kubeconfig_load(const char *path, const char *context, struct pn_kubeconfig **out);

/* Parse a kubeconfig held in memory. `path` names it in messages and anchors relative file paths (NULL:
 * "(inline)", relative paths are then relative to the working directory). The caller frees it with
 * pn_kubeconfig_free(). */
const struct pn_error *pn_kubeconfig_parse(const char *text, size_t len, const char *path, const char *context,
    struct pn_kubeconfig **out);

/* Where a pod finds its service account (client-go's rest.InClusterConfig). */
#define PN_KUBECONFIG_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Whether KUBERNETES_SERVICE_HOST and _PORT are set: pinion runs in a pod. */
int pn_kubeconfig_in_cluster_env(void);

/* The in-cluster configuration as client-go builds it: server https://host:port, the CA sa_dir/ca.crt, the
 * bearer token from sa_dir/token (read at each call: the kubelet rotates it). The caller frees it with
 * pn_kubeconfig_free(). */
const struct pn_error *pn_kubeconfig_in_cluster(const char *sa_dir, const char *host, const char *port,
    struct pn_kubeconfig **out);

/* Wipe the secrets and free. NULL is allowed. */
void pn_kubeconfig_free(struct pn_kubeconfig *kc);

#endif
