#!/usr/bin/env python3
"""`pinion build` with Flux's postBuild substitution and a Flux Kustomization, `build --state-dir` from the object
store after a real fetch, and `sync --once --substitute` into the API emulator.

kubectl cannot substitute, so the expected output of the substitution cases is written out here, derived from
kustomize-controller's code (fluxcd/pkg kustomize SubstituteVariables and envsubst; see agent/render/subst.h):
build, then per object AsYAML → envsubst → YAMLToJSON, then commonMetadata. `build --state-dir --path` is compared
with `kubectl kustomize` of a git checkout of the fetched commit.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("build_subst")
W = pntest.workdir("build-subst")
PINION = pntest.pinion()
EXAMPLE = pntest.ROOT / "configs" / "example-repo"
EX_DATA = 65

files = {str(f.relative_to(EXAMPLE)): f.read_text() for f in sorted(EXAMPLE.rglob("*")) if f.is_file()}
files.update({
    # an overlay with a base next to it, a generated ConfigMap (hash suffix and name references) and images
    "overlays/prod/kustomization.yaml":
        "resources: [../../apps/homepage]\nnamePrefix: prod-\ncommonLabels: {env: prod}\n"
        "configMapGenerator:\n- name: extra\n  literals: [LEVEL=info, yes=y]\n"
        "images:\n- name: ghcr.io/gethomepage/homepage\n  newTag: v0.9.0\n",
    # the app a Flux Kustomization substitutes
    "apps/web/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml, configmap.yaml]\n",
    "apps/web/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: ${APP}
spec:
  replicas: ${REPLICAS:=1}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ghcr.io/example/${APP}:${TAG:-latest}
          env:
            - {name: DOMAIN, value: "${APP}.${DOMAIN}"}
            - {name: DEBUG, value: "${DEBUG}"}
            - {name: SCRIPT, value: "echo $${HOME} $$USER"}
""",
    "apps/web/configmap.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: web-scripts
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  run.sh: |
    echo ${HOME} $${X}
""",
})

KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: web, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/web
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  targetNamespace: web
  commonMetadata:
    labels: {app.kubernetes.io/part-of: "${APP}"}
  postBuild:
    substitute:
      APP: web
      DOMAIN: example.com
      DEBUG: "yes"
    substituteFrom:
      - {kind: ConfigMap, name: cluster-settings}
"""
SETTINGS = "# what cluster-settings holds\nREPLICAS=2\nDOMAIN=overridden-by-the-kustomization.org\n"

# What kustomize-controller applies for KS with REPLICAS=2 from cluster-settings and TAG=1.2.3, printed as
# kubectl prints (legacy order). Worked out from Flux's code:
#  - the ConfigMap opts out (annotation): ${HOME} and $${X} stay as written;
#  - commonMetadata is set after substitution, so its "${APP}" stays;
#  - "${APP}.${DOMAIN}" was printed plainly, substituted, read back: a string;
#  - DEBUG=yes: `value: yes` reads back (go-yaml v2) as the boolean true;
#  - "$${HOME} $$USER": $$ is one $ in plain text;
#  - replicas: ${REPLICAS:=1} with REPLICAS=2 reads back as the integer 2.
WANT = """apiVersion: v1
data:
  run.sh: |
    echo ${HOME} $${X}
kind: ConfigMap
metadata:
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
  labels:
    app.kubernetes.io/part-of: ${APP}
  name: web-scripts
  namespace: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/name: web
    app.kubernetes.io/part-of: ${APP}
  name: web
  namespace: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - env:
        - name: DOMAIN
          value: web.example.com
        - name: DEBUG
          value: true
        - name: SCRIPT
          value: echo ${HOME} $USER
        image: ghcr.io/example/web:1.2.3
        name: web
"""


def pinion(*args):
    return pntest.run([PINION] + [str(a) for a in args])


def git(*args):
    return pntest.run(["git"] + [str(a) for a in args], check=True,
                      env=dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(W))).stdout


repos = W / "repos"
bare = gitpeers.make_bare_repo(files, repos, "homelab")
head = git("-C", bare, "rev-parse", "refs/heads/main").strip()
checkout = W / "checkout"
git("clone", "-q", bare, checkout)
(W / "ks.yaml").write_text(KS)
(W / "settings.env").write_text(SETTINGS)
http = gitpeers.GitHTTP(W / "http", repos)
http.start()
state = W / "state"
flags = ["--flux-kustomization", W / "ks.yaml", "--substitute-file", W / "settings.env", "--substitute", "TAG=1.2.3"]


@t.case("build --flux-kustomization --substitute-file --substitute prints what Flux applies")
def _():
    p = pinion("build", *flags, checkout)
    assert p.returncode == 0, p.stderr
    assert p.stdout == WANT, p.stdout
    assert "substituteFrom (ConfigMap/cluster-settings) needs a cluster" in p.stderr, p.stderr


@t.case("without postBuild nothing is substituted: ${...} and $${...} stay as written")
def _():
    p = pinion("build", checkout / "apps" / "web")
    assert p.returncode == 0, p.stderr
    assert "replicas: ${REPLICAS:=1}" in p.stdout and "echo $${HOME} $$USER" in p.stdout, p.stdout


@t.case("--strict-substitute: an unset variable is an error naming the object and the variable")
def _():
    p = pinion("build", "--strict-substitute", "--flux-kustomization", W / "ks.yaml", checkout)
    assert p.returncode == 0, p.stderr   # REPLICAS and TAG are unset but have defaults
    (W / "ks-nodebug.yaml").write_text(KS.replace('      DEBUG: "yes"\n', ""))
    p = pinion("build", "--strict-substitute", "--flux-kustomization", W / "ks-nodebug.yaml", checkout)
    assert p.returncode == EX_DATA, (p.returncode, p.stderr)
    assert 'apps/v1 Deployment web/web: variable substitution failed: variable not set (strict mode): "DEBUG"' \
        in p.stderr, p.stderr
    assert p.stdout == ""


@t.case("a substitution that breaks the YAML is an error naming the object")
def _():
    p = pinion("build", *flags, "--substitute", "DOMAIN=x\"", "--substitute", "TAG=a: b", checkout)
    assert p.returncode == EX_DATA, (p.returncode, p.stderr)
    assert "apps/v1 Deployment web/web" in p.stderr, p.stderr


@t.case("--path and the Kustomization's spec.path must agree")
def _():
    p = pinion("build", *flags, "--path", "apps/homepage", checkout)
    assert p.returncode == 64 and "differ" in p.stderr, (p.returncode, p.stderr)
    p = pinion("build", *flags, "--path", "./apps/web/", checkout)
    assert p.returncode == 0 and p.stdout == WANT, p.stderr


@t.case("pinion fetch from git http-backend, then build --state-dir with the Kustomization prints the same")
def _():
    p = pinion("fetch", "--url", http.url("homelab"), "--branch", "main", "--state-dir", state)
    assert p.returncode == 0 and p.stdout == "main@sha1:%s\n" % head, (p.stdout, p.stderr)
    p = pinion("build", "--state-dir", state, *flags)
    assert p.returncode == 0, p.stderr
    assert p.stdout == WANT, p.stdout


for path in ["apps/homepage", "overlays/prod", "clusters/demo/flux-system"]:
    @t.case("build --state-dir --path %s equals kubectl kustomize of a checkout of the commit" % path)
    def _(path=path):
        if not pntest.have("kubectl"):
            raise pntest.Skip("kubectl not installed")
        k = pntest.run(["kubectl", "kustomize", checkout / path],
                       env=dict(os.environ, KUBECONFIG="/dev/null", HOME=str(W)))
        assert k.returncode == 0, k.stderr
        p = pinion("build", "--state-dir", state, "--path", path)
        assert p.returncode == 0, p.stderr
        assert p.stdout == k.stdout, "pinion:\n%s\nkubectl:\n%s" % (p.stdout, k.stdout)
        assert pinion("build", checkout / path).stdout == k.stdout


@t.case("build --state-dir errors: no fetched revision, a path that is not there")
def _():
    p = pinion("build", "--state-dir", W / "empty-state", "--path", "apps")
    assert p.returncode == EX_DATA and "no fetched revision" in p.stderr, (p.returncode, p.stderr)
    p = pinion("build", "--state-dir", state, "--path", "apps/nothing")
    assert p.returncode != 0 and "apps/nothing" in p.stderr, (p.returncode, p.stderr)


emu = kubeemu.KubeEmu(W / "kube")
emu.start()
sync_args = ["sync", "--once", "--url", http.url("homelab"), "--branch", "main", "--path", "./apps/web",
             "--kubeconfig", emu.kubeconfig, "--state-dir", W / "state-sync", "--name", "web"]


@t.case("sync --once --strict-substitute with a variable missing applies nothing")
def _():
    p = pinion(*sync_args, "--strict-substitute", "--substitute", "APP=web")
    assert p.returncode == EX_DATA, (p.returncode, p.stderr)
    assert 'apps/v1 Deployment web: variable substitution failed: variable not set (strict mode): "DOMAIN"' \
        in p.stderr, p.stderr
    st, _, _ = emu.request("GET", "/apis/apps/v1/namespaces/default/deployments/web")
    assert st == 404, st


@t.case("sync --once --substitute-file --substitute applies the substituted objects")
def _():
    p = pinion(*sync_args, "--substitute-file", W / "settings.env", "--substitute", "APP=web",
               "--substitute", "TAG=1.2.3", "--substitute", 'DEBUG="on"', "--substitute", "DOMAIN=example.com")
    assert p.returncode == 0, p.stderr
    st, _, d = emu.request("GET", "/apis/apps/v1/namespaces/default/deployments/web")
    assert st == 200, (st, d)
    assert d["spec"]["replicas"] == 2, d["spec"]
    c = d["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == "ghcr.io/example/web:1.2.3", c
    # quotes inside the value keep a string, Flux's documented way
    assert {e["name"]: e["value"] for e in c["env"]} == {
        "DOMAIN": "web.example.com", "DEBUG": "on", "SCRIPT": "echo ${HOME} $USER"}, json.dumps(c["env"])
    st, _, cm = emu.request("GET", "/api/v1/namespaces/default/configmaps/web-scripts")
    assert st == 200 and cm["data"]["run.sh"] == "echo ${HOME} $${X}\n", cm


emu.stop()
http.stop()
t.done()
