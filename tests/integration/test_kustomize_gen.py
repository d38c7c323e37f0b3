#!/usr/bin/env python3
"""Generated kustomize trees, rendered by pinion and by `kubectl kustomize` and compared byte for byte.

A seeded generator (PN_GEN_SEED, default 1; PN_GEN_TREES, default 240) writes trees over the renderer-core
features: resources (files, directories, nested kustomizations), components, namespace, namePrefix/nameSuffix
with the references that follow them, labels (includeSelectors/includeTemplates), commonLabels,
commonAnnotations, images, replicas, patches (strategic merge and JSON 6902, inline and from files, targets by
name, regex, kind, labelSelector), patchesStrategicMerge, patchesJson6902, configMapGenerator and
secretGenerator (literals, files, envs, behaviors across an overlay, options, generatorOptions,
disableNameSuffixHash), and YAML scalars that need kustomize's typing and quoting. Each tree is one case: the
outputs must be equal, or both must fail. kubectl missing: every case is skipped with that reason. A failing
case prints its seed and keeps its tree under the work directory.

# pn-test: slow
"""
import os
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import pntest  # noqa: E402

t = pntest.TAP("kustomize-gen")
W = pntest.workdir("kustomize-gen")
PINION = pntest.pinion()
SEED = int(os.environ.get("PN_GEN_SEED", "1"))
TREES = int(os.environ.get("PN_GEN_TREES", "240"))

# YAML scalars whose typing or quoting differs between YAML 1.1, 1.2 and JSON
TRICKY = ["yes", "no", "on", "off", "y", "n", "true", "false", "null", "~", "0755", "0x1F", "1.0", "1e3",
          "12345", "-7", "2020-01-01", "a: b", "#hash", "*star", "&amp", "!bang", "%pct", "@at", "`tick",
          "x,y", "[1]", "{a}", "- dash", "? q", "tab\there", " lead", "trail ", "", "multi\nline\n",
          "no final newline\nsecond", "a long value " * 9, "quote's", 'dq"x', "back\\slash", "ünïcödé",
          "3.14159", ".5", "+1", "1_000", "0o17", "0b101", "08", "=", "<<"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.files = {}

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    def scalar(self):
        return self.pick(TRICKY) if self.chance(0.6) else "v%d" % self.r.randrange(1000)

    @staticmethod
    def q(s):
        """A YAML double-quoted scalar (always a string)."""
        out = []
        for ch in s:
            if ch == "\\":
                out.append("\\\\")
            elif ch == '"':
                out.append('\\"')
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\t":
                out.append("\\t")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def add(self, path, text):
        self.files[path] = text

    def deployment(self, name, app, cm=None, secret=None, image="nginx:1.25", sa=None, pvc=None):
        env = ""
        if cm:
            env += ("        envFrom:\n        - configMapRef:\n            name: %s\n" % cm)
        if secret:
            env += ("        env:\n        - name: PASSWORD\n          valueFrom:\n            secretKeyRef:\n"
                    "              name: %s\n              key: password\n" % secret)
        vols = ""
        if cm and self.chance(0.5):
            vols = "      volumes:\n      - name: cfg\n        configMap:\n          name: %s\n" % cm
        if pvc:
            vols = vols or "      volumes:\n"
            vols += "      - name: data\n        persistentVolumeClaim:\n          claimName: %s\n" % pvc
        return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  labels:\n    app: %s\nspec:\n"
                "  replicas: %d\n  selector:\n    matchLabels:\n      app: %s\n  template:\n    metadata:\n"
                "      labels:\n        app: %s\n    spec:\n%s      containers:\n      - name: main\n"
                "        image: %s\n        ports:\n        - containerPort: %d\n%s%s" %
                (name, app, self.r.randrange(1, 4), app, app,
                 ("      serviceAccountName: %s\n" % sa) if sa else "", image, self.r.randrange(80, 9000),
                 env, vols))

    def service(self, name, app):
        return ("apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\nspec:\n  selector:\n    app: %s\n"
                "  ports:\n  - port: %d\n    targetPort: %d\n" % (name, app, self.r.randrange(80, 9000),
                                                                  self.r.randrange(80, 9000)))

    def configmap(self, name):
        data = "".join("  k%d: %s\n" % (i, self.q(self.scalar()) if self.chance(0.7) else self.scalar_plain())
                       for i in range(self.r.randrange(1, 5)))
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n%s" % (name, data)

    def scalar_plain(self):
        """A plain scalar that stays a string in YAML 1.1 and 1.2 (ConfigMap data must be strings)."""
        return self.pick(["plain", "hello world", "a-b_c.d", "v%d" % self.r.randrange(99), "x:y", "path/to/x"])

    def generator(self, name, dirpath, behavior=None):
        g = "- name: %s\n" % name
        if behavior:
            g += "  behavior: %s\n" % behavior
        if self.chance(0.7):
            g += "  literals:\n" + "".join("  - %s\n" % self.q("L%d=%s" % (i, self.scalar()))
                                           for i in range(self.r.randrange(1, 4)))
        if self.chance(0.4):
            fname = "cfg-%s.txt" % name
            self.add("%s/%s" % (dirpath, fname), self.pick(["plain text\n", "a: 1\nb: [2]\n", "no newline",
                                                             "line1\nline2\n", "x" * 120 + "\n"]))
            g += "  files:\n  - %s\n" % fname if self.chance(0.5) else "  files:\n  - key-%s=%s\n" % (name, fname)
        if self.chance(0.3):
            fname = "vars-%s.env" % name
            self.add("%s/%s" % (dirpath, fname), "".join("E%d=%s\n" % (i, self.pick(["1", "x y", "a=b", "", "yes"]))
                                                       for i in range(self.r.randrange(1, 4))))
            g += "  envs:\n  - %s\n" % fname
        if "literals" not in g and "files" not in g and "envs" not in g:
            g += "  literals:\n  - A=1\n"
        if self.chance(0.2):
            g += "  options:\n    disableNameSuffixHash: true\n"
        if self.chance(0.2):
            g += "  options:\n    labels:\n      gen: %s\n" % name if "options" not in g else ""
        return g

    def base(self, d, app):
        res = []
        cm = secret = sa = pvc = None
        k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        self.add("%s/deployment.yaml" % d, None)  # placeholder, filled below
        gens = ""
        if self.chance(0.6):
            cm = "%s-config" % app
            gens += "configMapGenerator:\n" + self.generator(cm, d)
        if self.chance(0.4):
            secret = "%s-secret" % app
            gens += ("secretGenerator:\n- name: %s\n  literals:\n  - password=%s\n" %
                     (secret, self.q(self.scalar())[1:-1].replace("\\", "") or "x"))
            if self.chance(0.3):
                gens += "  type: Opaque\n"
        if self.chance(0.3):
            sa = "%s-sa" % app
            self.add("%s/sa.yaml" % d, "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: %s\n" % sa)
            self.add("%s/rb.yaml" % d, "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n"
                     "  name: %s-rb\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: %s-role\n"
                     "subjects:\n- kind: ServiceAccount\n  name: %s\n" % (app, app, sa))
            self.add("%s/role.yaml" % d, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n"
                     "  name: %s-role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get]\n" % app)
            res += ["sa.yaml", "rb.yaml", "role.yaml"]
        if self.chance(0.3):
            pvc = "%s-data" % app
            self.add("%s/pvc.yaml" % d, "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: %s\n"
                     "spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n" % pvc)
            res.append("pvc.yaml")
        self.files["%s/deployment.yaml" % d] = self.deployment(app, app, cm, secret, sa=sa, pvc=pvc,
                                                               image=self.pick(["nginx:1.25", "nginx",
                                                                                "ghcr.io/x/y:v1"]))
        res.insert(0, "deployment.yaml")
        if self.chance(0.7):
            self.add("%s/service.yaml" % d, self.service(app, app))
            res.append("service.yaml")
        if self.chance(0.4):
            self.add("%s/plain-cm.yaml" % d, self.configmap("%s-plain" % app))
            res.append("plain-cm.yaml")
        if self.chance(0.3):
            # a nested directory with its own kustomization
            sub = "%s/extra" % d
            self.add("%s/kustomization.yaml" % sub, "resources:\n- cm.yaml\n" +
                     ("commonLabels:\n  tier: extra\n" if self.chance(0.5) else ""))
            self.add("%s/cm.yaml" % sub, self.configmap("%s-extra" % app))
            res.append("extra")
        self.r.shuffle(res)
        k += "resources:\n" + "".join("- %s\n" % x for x in res)
        k += gens
        if self.chance(0.3):
            k += "generatorOptions:\n  disableNameSuffixHash: %s\n" % self.pick(["true", "false"])
        if self.chance(0.3):
            k += "commonLabels:\n  team: %s\n" % self.pick(["a", "b", "c"])
        if self.chance(0.25):
            k += ("labels:\n- pairs:\n    owner: %s\n  includeSelectors: %s\n  includeTemplates: %s\n" %
                  (self.pick(["x", "y"]), self.pick(["true", "false"]), self.pick(["true", "false"])))
        if self.chance(0.3):
            k += "namePrefix: %s-\n" % self.pick(["p", "base", "a1"])
        if self.chance(0.3):
            k += "images:\n- name: nginx\n  newTag: \"%s\"\n" % self.pick(["1.26", "latest", "1.27-alpine"])
        self.add("%s/kustomization.yaml" % d, k)
        return cm, secret

    def component(self, d):
        k = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        choice = self.r.randrange(3)
        if choice == 0:
            k += "commonAnnotations:\n  component: %s\n" % self.q(self.scalar())
        elif choice == 1:
            k += ("patches:\n- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n"
                  "      path: /metadata/annotations\n      value:\n        from-component: \"yes\"\n")
        else:
            self.add("%s/extra-cm.yaml" % d, self.configmap("component-cm"))
            k += "resources:\n- extra-cm.yaml\n"
        self.add("%s/kustomization.yaml" % d, k)

    def overlay(self, d, app, base_cm):
        k = "resources:\n- ../base\n"
        if self.chance(0.5):
            k += "namespace: %s\n" % self.pick(["prod", "dev", "team-a"])
        if self.chance(0.4):
            k += "nameSuffix: -%s\n" % self.pick(["v2", "x", "prod"])
        if self.chance(0.3):
            k += "namePrefix: %s-\n" % self.pick(["o", "ov"])
        if self.chance(0.4):
            k += "commonAnnotations:\n  note: %s\n" % self.q(self.scalar())
        if self.chance(0.3):
            k += "replicas:\n- name: %s\n  count: %d\n" % (app, self.r.randrange(0, 6))
        if self.chance(0.3):
            k += "images:\n- name: nginx\n  newName: registry.local/nginx\n"
        patches = []
        if self.chance(0.4):
            patches.append("- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n"
                           "      name: %s\n    spec:\n      template:\n        spec:\n          containers:\n"
                           "          - name: main\n            resources:\n              limits:\n"
                           "                memory: 128Mi\n" % app)
        if self.chance(0.3):
            patches.append("- target:\n    kind: Deployment\n    name: %s\n  patch: |-\n    - op: replace\n"
                           "      path: /spec/replicas\n      value: %d\n" % (self.pick([app, app[:2] + ".*"]),
                                                                         self.r.randrange(1, 9)))
        if self.chance(0.25):
            self.add("%s/patch-labels.yaml" % d, "- op: add\n  path: /metadata/labels/patched\n  value: \"true\"\n")
            patches.append("- path: patch-labels.yaml\n  target:\n    labelSelector: app=%s\n" % app)
        if self.chance(0.2):
            self.add("%s/smp.yaml" % d, "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n"
                     "spec:\n  type: NodePort\n" % app)
            if "service.yaml" in self.files.get("%s/../base/kustomization.yaml" % d, "") or \
                    ("base/service.yaml" in " ".join(self.files)):
                k += "patchesStrategicMerge:\n- smp.yaml\n"
        if self.chance(0.2):
            self.add("%s/j6902.yaml" % d, "- op: add\n  path: /spec/template/metadata/annotations\n"
                     "  value:\n    j: \"6902\"\n")
            k += ("patchesJson6902:\n- target:\n    group: apps\n    version: v1\n    kind: Deployment\n"
                  "    name: %s\n  path: j6902.yaml\n" % app)
        if patches:
            k += "patches:\n" + "".join(patches)
        if base_cm and self.chance(0.5):
            k += "configMapGenerator:\n" + self.generator(base_cm, d, behavior=self.pick(["merge", "replace"]))
        if self.chance(0.3):
            self.component("%s/../comp" % d)
            k += "components:\n- ../comp\n"
        self.add("%s/kustomization.yaml" % d, k)

    def tree(self):
        app = self.pick(["web", "api", "db", "cache", "worker"]) + str(self.r.randrange(10))
        cm, _ = self.base("base", app)
        if self.chance(0.75):
            self.overlay("overlay", app, cm)
            return "overlay"
        return "base"


def write(root, files):
    for rel, text in files.items():
        p = Path(os.path.normpath(root / rel))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


if not pntest.have("kubectl"):
    for i in range(TREES):
        t.skip("tree %d" % i, "kubectl not installed: it is the oracle")
    t.done()
    sys.exit(0)

stats = {"equal": 0, "both-fail": 0, "docs": 0}
for i in range(TREES):
    seed = SEED * 100000 + i

    @t.case("tree %d (seed %d)" % (i, seed))
    def _(seed=seed):
        g = Gen(seed)
        entry = g.tree()
        root = W / ("tree-%d" % seed)
        write(root, g.files)
        theirs = pntest.run(["kubectl", "kustomize", str(root / entry)],
                            env=dict(os.environ, KUBECONFIG="/dev/null"))
        ours = pntest.run([PINION, "build", str(root / entry)])
        if theirs.returncode != 0:
            assert ours.returncode != 0, "kubectl fails (%s), pinion does not" % theirs.stderr.strip()
            # kustomize's type errors are reproduced word for word
            if "invalid Kustomization: json:" in theirs.stderr:
                want = theirs.stderr[theirs.stderr.index("invalid Kustomization: json:"):].strip().rstrip('"')
                assert want in ours.stderr, (want, ours.stderr)
            stats["both-fail"] += 1
        else:
            assert ours.returncode == 0, "pinion fails: %s" % ours.stderr.strip()
            assert ours.stdout == theirs.stdout, "outputs differ for %s" % root
            stats["equal"] += 1
            stats["docs"] += ours.stdout.count("\n---\n") + 1
        shutil.rmtree(root)

t.note("%(equal)d trees equal (%(docs)d documents), %(both-fail)d failing in both" % stats)
t.done()
