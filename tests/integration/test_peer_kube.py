#!/usr/bin/env python3
"""The Kubernetes API emulator (tests/peers/kube_emulator.py) against the real kubectl and raw HTTPS.

Every kubectl call gets its own kubeconfig copy and --cache-dir (pntest.kubectl): /usr/bin/kubectl may be a
dispatcher that picks its version from the server's /version. Without kubectl those cases SKIP.
"""
import atexit
import base64
import http.client
import json
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
sys.path.insert(0, str(HERE.parent / "peers"))
import pntest  # noqa: E402
from kubeemu import KubeEmu  # noqa: E402

t = pntest.TAP("peer-kube")
WD = pntest.workdir("peer-kube")
(WD / "tokens.csv").write_text('tok-bob,bob,uid-bob,"dev,qa"\n')
K = KubeEmu(WD / "emu", tokens=["tok-admin"], token_file=WD / "tokens.csv")
K.start()
atexit.register(K.stop)             # also when something outside a case raises
HAVE_KUBECTL = pntest.have("kubectl")
_kc_n = [0]


def kc(*args, stdin=None):
    """One kubectl call with its own kubeconfig copy and cache directory."""
    if not HAVE_KUBECTL:
        raise pntest.Skip("kubectl not installed")
    _kc_n[0] += 1
    d = WD / ("kc%02d" % _kc_n[0])
    cfg = K.copy_kubeconfig(d / "config")
    return pntest.kubectl(cfg, list(args), d / "cache", input=stdin, timeout=60 * pntest.SLOW)


def kc_ok(*args, stdin=None):
    p = kc(*args, stdin=stdin)
    assert p.returncode == 0, "kubectl %s failed (%d):\n%s\n%s" % (" ".join(args), p.returncode, p.stdout, p.stderr)
    return p.stdout


def kc_json(*args):
    return json.loads(kc_ok(*(list(args) + ["-o", "json"])))


def manifest(*docs):
    """Multi-document YAML from dicts: JSON documents are valid YAML; the leading '---' keeps kubectl from
    sniffing the stream as one JSON document."""
    return "---\n" + "\n---\n".join(json.dumps(d) for d in docs) + "\n"


def write(name, *docs):
    p = WD / name
    p.write_text(manifest(*docs))
    return str(p)


def eq(a, b, what=""):
    assert a == b, "%s: expected %r, got %r" % (what, b, a)


def ns_obj(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def deploy(name="web", ns="demo", replicas=2, image="nginx:1.27", labels=None, extra_labels=None):
    labels = labels or {"app": name}
    md = {"name": name, "namespace": ns, "labels": dict(labels, **(extra_labels or {}))}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": md,
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name, "image": image,
                                                           "ports": [{"containerPort": 80}]}]}}}}


def service(name="web", ns="demo"):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80}]}}


def configmap(name="web-config", ns="demo", data=None):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "labels": {"app": "web"}},
            "data": data or {"a": "1"}}


def req(method, path, body=None, headers=None, **kw):
    return K.request(method, path, body, headers, **kw)


def ensure_ns(name):
    st, _, b = K.apply("/api/v1/namespaces/" + name, ns_obj(name))
    assert st in (200, 201), b


# ---------------------------------------------------------------------------------------------------------------
# The peer itself: process, files, TLS, authentication
# ---------------------------------------------------------------------------------------------------------------
@t.case("emulator writes DIR/port and DIR/pid and listens on 127.0.0.1 only")
def _():
    eq(int((K.dir / "pid").read_text()), K.proc.pid, "pid file")
    eq(int((K.dir / "port").read_text()), K.port, "port file")
    socket.create_connection(("127.0.0.1", K.port), timeout=5).close()
    for fam, addr in ((socket.AF_INET6, "::1"),):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            assert s.connect_ex((addr, K.port)) != 0, "also listening on %s" % addr
        finally:
            s.close()


@t.case("kubeconfig has the k3s.yaml layout: base64 CA, leaf + CA chain, SEC1 EC key")
def _():
    text = K.kubeconfig.read_text()
    assert text.startswith("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: "), text[:120]
    assert "    server: https://127.0.0.1:%d\n  name: default\n" % K.port in text
    assert "current-context: default\nkind: Config\npreferences: {}\nusers:\n- name: default\n  user:\n" in text

    def field(name):
        line = next(l for l in text.splitlines() if l.strip().startswith(name + ":"))
        return base64.b64decode(line.split(":", 1)[1].strip()).decode()
    assert field("certificate-authority-data").count("BEGIN CERTIFICATE") == 1
    eq(field("client-certificate-data").count("BEGIN CERTIFICATE"), 2, "client cert blocks (leaf + client CA)")
    assert field("client-key-data").startswith("-----BEGIN EC PRIVATE KEY-----")
    eq(K.kubeconfig.stat().st_mode & 0o777, 0o600, "kubeconfig mode")


@t.case("TLS 1.2 negotiates ECDHE-ECDSA-AES-GCM; TLS 1.3 works; serving cert has localhost/kubernetes SANs")
def _():
    for host in ("localhost", "kubernetes", "127.0.0.1"):
        ctx = K.ssl_context()
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection(("127.0.0.1", K.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as s:      # hostname checked against the SANs
                eq(s.version(), "TLSv1.2", "version")
                assert s.cipher()[0].startswith("ECDHE-ECDSA-AES") and "GCM" in s.cipher()[0], s.cipher()
    ctx = K.ssl_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with socket.create_connection(("127.0.0.1", K.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            eq(s.version(), "TLSv1.3", "version")


@t.case("no credentials: 401 Unauthorized Status; wrong token: 401; token and client cert authenticate")
def _():
    st, h, b = req("GET", "/api/v1/namespaces", cert=False)
    eq(st, 401, "status")
    eq(h["content-type"], "application/json", "content type")
    eq(b, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized",
           "reason": "Unauthorized", "code": 401}, "body")
    eq(req("GET", "/version", headers={"Authorization": "Bearer nope"}, cert=False)[0], 401, "bad token")
    eq(req("GET", "/api/v1/namespaces", headers={"Authorization": "Bearer tok-admin"}, cert=False)[0], 200, "token")
    eq(req("GET", "/api/v1/namespaces")[0], 200, "client cert")


@t.case("authenticated user without system:masters gets 403 Forbidden; discovery stays allowed")
def _():
    hb = {"Authorization": "Bearer tok-bob"}
    eq(req("GET", "/api/v1", headers=hb, cert=False)[0], 200, "discovery")
    st, _, b = req("GET", "/api/v1/namespaces/default/configmaps/x", headers=hb, cert=False)
    eq(st, 403, "status")
    eq(b["message"], 'configmaps "x" is forbidden: User "bob" cannot get resource "configmaps" in API group "" in '
                     'the namespace "default"', "message")
    cert, key = K.make_client_cert("carol", "carol", "dev")
    st, _, b = K.request("GET", "/api/v1/namespaces", conn=K.connect(cert_file=cert, key_file=key))
    eq((st, b["reason"]), (403, "Forbidden"), "cert user")


@t.case("a client cert from an untrusted CA fails the TLS handshake")
def _():
    from kubeemu import make_ca
    make_ca(K.dir, "rogue-ca", "rogue")
    cert, key = K.make_client_cert("mallory", "system:admin", "system:masters", ca="rogue-ca")
    try:
        K.request("GET", "/api/v1/namespaces", conn=K.connect(cert_file=cert, key_file=key))
    except (ssl.SSLError, ConnectionError, OSError):
        return
    raise AssertionError("request with an untrusted client cert succeeded")


@t.case("/version is k3s v1.32; keep-alive: several answers with Content-Length on one connection")
def _():
    conn = K.connect()
    try:
        for _ in range(3):
            st, h, b = K.request("GET", "/version", conn=conn)
            eq((st, b["gitVersion"], b["major"], b["minor"]), (200, "v1.32.4+k3s1", "1", "32"), "version")
            assert int(h["content-length"]) > 0
        st, h, _ = K.request("GET", "/api/v1/namespaces", conn=conn)
        eq(st, 200, "list on the same connection")
    finally:
        conn.close()


@t.case("discovery: legacy documents; unknown GV is text 404; unknown resource in a known GV is a JSON 404")
def _():
    st, h, b = req("GET", "/apis/nope.example.com/v1")
    eq((st, h["content-type"], b), (404, "text/plain; charset=utf-8", "404 page not found\n"), "unknown GV")
    eq(req("GET", "/apis/apps/v2")[0], 404, "unknown version")
    st, h, b = req("GET", "/api/v1/widgets")
    eq((st, h["content-type"], b["message"], b["details"]),
       (404, "application/json", "the server could not find the requested resource", {}), "unknown resource")
    _, _, apis = req("GET", "/apis")
    gvs = {v["groupVersion"] for g in apis["groups"] for v in g["versions"]}
    for gv in ("apps/v1", "batch/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "policy/v1",
               "apiextensions.k8s.io/v1", "storage.k8s.io/v1", "admissionregistration.k8s.io/v1",
               "coordination.k8s.io/v1", "helm.cattle.io/v1"):
        assert gv in gvs, gv
    _, _, apps = req("GET", "/apis/apps/v1")
    d = next(r for r in apps["resources"] if r["name"] == "deployments")
    eq((d["kind"], d["namespaced"], d["singularName"], d["shortNames"]), ("Deployment", True, "deployment",
                                                                          ["deploy"]), "deployments")
    assert {"deployments/status", "deployments/scale"} <= {r["name"] for r in apps["resources"]}
    _, _, core = req("GET", "/api/v1")
    kinds = {r["kind"] for r in core["resources"] if "/" not in r["name"]}
    assert {"Namespace", "ConfigMap", "Secret", "Service", "ServiceAccount", "Pod", "PersistentVolumeClaim",
            "PersistentVolume", "Event"} <= kinds, kinds
    st, _, oa = req("GET", "/openapi/v3")
    assert "apis/apps/v1" in oa["paths"] and "api/v1" in oa["paths"]
    st, _, doc = req("GET", oa["paths"]["apis/apps/v1"]["serverRelativeURL"])
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]


@t.case("a second emulator started with --no-helm-crd does not serve helm.cattle.io")
def _():
    with KubeEmu(WD / "emu2", helm_crd=False) as k2:
        st, _, b = k2.request("GET", "/apis/helm.cattle.io/v1")
        eq((st, b), (404, "404 page not found\n"), "helm.cattle.io/v1")
        eq(k2.request("GET", "/apis/apps/v1")[0], 200, "apps/v1")


# ---------------------------------------------------------------------------------------------------------------
# Server-side apply over raw HTTPS
# ---------------------------------------------------------------------------------------------------------------
@t.case("SSA: 201 on create, 200 no-op keeps resourceVersion and managedFields time; JSON body")
def _():
    ensure_ns("raw")
    path = "/api/v1/namespaces/raw/configmaps/c1"
    st, _, a = K.apply(path, configmap("c1", "raw"), manager="pinion")
    eq(st, 201, "create")
    md = a["metadata"]
    assert md["uid"] and md["creationTimestamp"] and md["resourceVersion"], md
    eq(md["managedFields"][0]["manager"], "pinion", "manager")
    eq(md["managedFields"][0]["operation"], "Apply", "operation")
    eq(md["managedFields"][0]["fieldsV1"], {"f:data": {"f:a": {}}, "f:metadata": {"f:labels": {"f:app": {}}}}, "set")
    time.sleep(1.1)
    st, _, b = K.apply(path, configmap("c1", "raw"), manager="pinion")
    eq(st, 200, "re-apply")
    eq(b["metadata"]["resourceVersion"], md["resourceVersion"], "no-op RV")
    eq(b["metadata"]["managedFields"], md["managedFields"], "no-op managedFields")
    st, _, c = K.apply(path, configmap("c1", "raw", {"a": "2"}), manager="pinion")
    eq(st, 200, "update")
    assert int(c["metadata"]["resourceVersion"]) > int(md["resourceVersion"])
    assert "generation" not in c["metadata"], "ConfigMaps do not track generation"


@t.case("SSA dryRun=All persists nothing; a would-be create has uid but no resourceVersion")
def _():
    path = "/api/v1/namespaces/raw/configmaps/dry"
    st, _, b = K.apply(path, configmap("dry", "raw"), dry_run=True)
    eq(st, 201, "dry create status")
    assert b["metadata"].get("uid") and "resourceVersion" not in b["metadata"], b["metadata"]
    eq(req("GET", path)[0], 404, "not persisted")
    K.apply(path, configmap("dry", "raw"))
    _, _, before = req("GET", path)
    st, _, b = K.apply(path, configmap("dry", "raw", {"a": "changed"}), dry_run=True)
    eq((st, b["data"]["a"]), (200, "changed"), "dry update answer")
    _, _, after = req("GET", path)
    eq(after, before, "object after dry-run update")


@t.case("SSA request validation: 422 fieldManager, 400 version/name/namespace/managedFields, 415, 404 namespace")
def _():
    path = "/api/v1/namespaces/raw/configmaps/v"
    body = json.dumps(configmap("v", "raw"))
    ap = {"Content-Type": "application/apply-patch+yaml"}
    st, _, b = req("PATCH", path, body, ap)
    eq((st, b["reason"], b["message"]), (422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                         'Required value: is required for apply patch'), "no fieldManager")
    bad = configmap("v", "raw")
    bad["apiVersion"] = "apps/v1"
    st, _, b = K.apply(path, bad)
    eq((st, b["message"]), (400, "Incorrect version specified in apply patch. Specified patch version: apps/v1, "
                                 "expected: v1"), "apiVersion")
    st, _, b = K.apply(path, configmap("other", "raw"))
    eq((st, b["message"]), (400, "the name of the object (other) does not match the name on the URL (v)"), "name")
    st, _, b = K.apply(path, configmap("v", "elsewhere"))
    eq((st, b["message"]), (400, "the namespace of the provided object does not match the namespace sent on the "
                                 "request"), "namespace")
    mf = configmap("v", "raw")
    mf["metadata"]["managedFields"] = [{"manager": "x"}]
    st, _, b = K.apply(path, mf)
    eq((st, b["message"]), (400, "metadata.managedFields must be nil"), "managedFields")
    st, _, b = req("PATCH", path + "?fieldManager=t", body, {"Content-Type": "application/yaml"})
    eq((st, b["reason"]), (415, "UnsupportedMediaType"), "content type")
    assert b["message"].startswith("the body of the request was in an unknown format - accepted media types "
                                   "include: application/json-patch+json, application/merge-patch+json, "
                                   "application/apply-patch+yaml"), b["message"]
    st, _, b = K.apply("/api/v1/namespaces/missing/configmaps/v", configmap("v", "missing"))
    eq((st, b), (404, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": 'namespaces "missing" not found', "reason": "NotFound",
                       "details": {"name": "missing", "kind": "namespaces"}, "code": 404}), "missing namespace")
    st, _, b = K.apply("/api/v1/namespaces/missing/configmaps/v", configmap("v", "missing"), dry_run=True)
    eq(st, 404, "missing namespace under dryRun")
    st, _, b = req("PATCH", path + "?fieldManager=t", "kind: ConfigMap\n", ap)
    eq(st, 400, "non-JSON YAML body")


@t.case("unknown field in an apply body: 500 with reason \"\" and the typed-patch message")
def _():
    d = deploy("uf", "raw")
    d["spec"]["foo"] = 1
    st, _, b = K.apply("/apis/apps/v1/namespaces/raw/deployments/uf", d)
    eq((st, b.get("reason", ""), b["message"]),
       (500, "", "failed to create typed patch object (raw/uf; apps/v1, Kind=Deployment): .spec.foo: field not "
                 "declared in schema"), "unknown field")
    d = deploy("uf", "raw")
    d["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    st, _, b = K.apply("/apis/apps/v1/namespaces/raw/deployments/uf", d)
    assert st == 500 and b["message"].endswith('.spec.template.spec.containers[name="uf"].imagee: field not '
                                               'declared in schema'), b


@t.case("SSA defaults: Deployment strategy/limits/imagePullPolicy, Service clusterIP/ports, generation 1")
def _():
    st, _, d = K.apply("/apis/apps/v1/namespaces/raw/deployments/d1",
                       deploy("d1", "raw", image="registry.local:5000/app"))
    eq(st, 201, "create")
    s = d["spec"]
    eq(s["strategy"], {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}, "strat")
    eq((s["revisionHistoryLimit"], s["progressDeadlineSeconds"]), (10, 600), "limits")
    c = s["template"]["spec"]["containers"][0]
    eq((c["imagePullPolicy"], c["terminationMessagePath"], c["terminationMessagePolicy"], c["ports"][0]["protocol"]),
       ("Always", "/dev/termination-log", "File", "TCP"), "container defaults")
    eq(d["metadata"]["generation"], 1, "generation")
    st, _, v = K.apply("/api/v1/namespaces/raw/services/s1", service("s1", "raw"))
    sp = v["spec"]
    assert sp["clusterIP"].startswith("10.43.") and sp["clusterIPs"] == [sp["clusterIP"]], sp
    eq((sp["type"], sp["sessionAffinity"], sp["ports"][0]["protocol"], sp["ports"][0]["targetPort"]),
       ("ClusterIP", "None", "TCP", 80), "service defaults")


@t.case("immutable fields: 422 for Deployment selector, Service clusterIP, Job template")
def _():
    d = deploy("d1", "raw", labels={"app": "web2"})
    st, _, b = K.apply("/apis/apps/v1/namespaces/raw/deployments/d1", d)
    eq((st, b["reason"]), (422, "Invalid"), "selector")
    eq(b["message"], 'Deployment.apps "d1" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
                     'map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field '
                     'is immutable', "selector message")
    eq((b["details"]["kind"], b["details"]["group"], b["details"]["causes"][0]["field"]),
       ("Deployment", "apps", "spec.selector"), "details")
    s = service("s1", "raw")
    s["spec"]["clusterIP"] = "10.43.0.99"
    st, _, b = K.apply("/api/v1/namespaces/raw/services/s1", s, force=True)
    eq((st, b["message"]), (422, 'Service "s1" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.43.0.99"}'
                                 ': may not change once set'), "clusterIP")
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": "raw"},
           "spec": {"template": {"spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "m", "image": "busybox:1"}]}}}}
    st, _, b = K.apply("/apis/batch/v1/namespaces/raw/jobs/migrate", job)
    eq(st, 201, "job create")
    eq(K.apply("/apis/batch/v1/namespaces/raw/jobs/migrate", job)[0], 200, "job re-apply")
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:2"
    st, _, b = K.apply("/apis/batch/v1/namespaces/raw/jobs/migrate", job)
    eq(st, 422, "job template")
    assert b["message"].startswith('Job.batch "migrate" is invalid: spec.template: Invalid value: ') and \
        b["message"].endswith("field is immutable"), b["message"]


@t.case("SSA conflicts: Update manager prints 'using apiVersion'; force moves ownership; N conflicts grouped")
def _():
    path = "/apis/apps/v1/namespaces/raw/deployments/d1"
    st, _, b = req("PATCH", path + "?fieldManager=kubectl-edit", {"spec": {"replicas": 5}},
                   {"Content-Type": "application/merge-patch+json"})
    eq((st, b["spec"]["replicas"]), (200, 5), "merge patch")
    st, _, b = K.apply(path, deploy("d1", "raw", image="registry.local:5000/app"))
    eq((st, b["message"]), (409, 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: '
                                 '.spec.replicas'), "conflict")
    eq(b["details"], {"causes": [{"reason": "FieldManagerConflict", "message": 'conflict with "kubectl-edit" using '
                                  'apps/v1', "field": ".spec.replicas"}]}, "details")
    other = deploy("d1", "raw", replicas=7, image="other:1")
    st, _, b = K.apply(path, other, manager="other")
    eq(st, 409, "two managers")
    eq(b["message"], 'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\n'
                     'conflicts with "test":\n- .spec.template.spec.containers[name="d1"].image', "2 conflicts")
    st, _, b = K.apply(path, other, manager="other", force=True)
    eq((st, b["spec"]["replicas"]), (200, 7), "forced")
    own = {e["manager"]: e["fieldsV1"] for e in b["metadata"]["managedFields"]}
    assert "f:replicas" in own["other"]["f:spec"], own
    assert "kubectl-edit" not in own, "kubectl-edit lost its only field"
    assert "f:image" not in json.dumps(own["test"]), own["test"]


@t.case("SSA: a field the manager stops applying is removed unless another manager owns it")
def _():
    path = "/api/v1/namespaces/raw/configmaps/own"
    K.apply(path, configmap("own", "raw", {"a": "1", "b": "2", "shared": "s"}), manager="m1")
    K.apply(path, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "own"},
                   "data": {"shared": "s", "c": "3"}}, manager="m2")
    st, _, b = K.apply(path, configmap("own", "raw", {"a": "1"}), manager="m1")
    eq((st, b["data"]), (200, {"a": "1", "shared": "s", "c": "3"}), "data after m1 dropped b and shared")


@t.case("SSA: generation bumps on spec changes only")
def _():
    path = "/apis/apps/v1/namespaces/raw/deployments/gen"
    _, _, b = K.apply(path, deploy("gen", "raw"))
    eq(b["metadata"]["generation"], 1, "create")
    _, _, b = K.apply(path, deploy("gen", "raw", extra_labels={"x": "y"}))
    eq(b["metadata"]["generation"], 1, "label change")
    _, _, b = K.apply(path, deploy("gen", "raw", extra_labels={"x": "y"}, image="nginx:1.28"))
    eq(b["metadata"]["generation"], 2, "image change")


@t.case("status: settable through the control interface and PATCH /status; apply leaves it alone")
def _():
    path = "/apis/apps/v1/namespaces/raw/deployments/gen"
    o = K.set_status("apps/v1", "Deployment", "gen", {
        "observedGeneration": 2, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2,
        "conditions": [{"type": "Available", "status": "True"}]}, namespace="raw")
    eq(o["status"]["readyReplicas"], 2, "control")
    mf = [e for e in o["metadata"]["managedFields"] if e["manager"] == "k3s"][0]
    eq((mf["operation"], mf["subresource"]), ("Update", "status"), "status manager")
    st, _, b = req("PATCH", path + "/status", {"status": {"readyReplicas": 1}},
                   {"Content-Type": "application/merge-patch+json"})
    eq((st, b["status"]["readyReplicas"], b["status"]["replicas"]), (200, 1, 2), "status subresource")
    d = deploy("gen", "raw", extra_labels={"x": "y"}, image="nginx:1.28")
    d["status"] = {"readyReplicas": 9}
    st, _, b = K.apply(path, d)
    eq((st, b["status"]["readyReplicas"]), (200, 1), "apply ignores status")
    st, _, b = req("GET", path + "/scale")
    eq((st, b["kind"], b["spec"]["replicas"], b["status"]["selector"]), (200, "Scale", 2, "app=gen"), "scale")


@t.case("LIST: label selectors (=, ==, !=, in, notin, exists, !exists), <Kind>List, pagination")
def _():
    ensure_ns("sel")
    for n, labels in (("a", {"tier": "fe", "env": "prod"}), ("b", {"tier": "be", "env": "prod"}),
                      ("c", {"tier": "be"}), ("d", {})):
        K.apply("/api/v1/namespaces/sel/configmaps/" + n, {"apiVersion": "v1", "kind": "ConfigMap",
                                                          "metadata": {"name": n, "labels": labels}})

    def names(sel):
        from urllib.parse import quote
        st, _, b = req("GET", "/api/v1/namespaces/sel/configmaps?labelSelector=" + quote(sel))
        assert st == 200, b
        return [i["metadata"]["name"] for i in b["items"] if i["metadata"]["name"] != "kube-root-ca.crt"]
    eq(names("tier=be"), ["b", "c"], "=")
    eq(names("tier==fe"), ["a"], "==")
    eq(names("tier!=be"), ["a", "d"], "!=")
    eq(names("tier in (fe,be),env"), ["a", "b"], "in + exists")
    eq(names("tier notin (fe)"), ["b", "c", "d"], "notin")
    eq(names("!env"), ["c", "d"], "!exists")
    st, _, b = req("GET", "/api/v1/namespaces/sel/configmaps")
    eq((b["kind"], b["apiVersion"]), ("ConfigMapList", "v1"), "list kind")
    assert b["metadata"]["resourceVersion"] and "kind" not in b["items"][0] and "apiVersion" not in b["items"][0]
    st, _, b = req("GET", "/api/v1/configmaps?labelSelector=tier")
    eq(sorted(i["metadata"]["namespace"] + "/" + i["metadata"]["name"] for i in b["items"]),
       ["sel/a", "sel/b", "sel/c"], "all namespaces")
    st, _, p1 = req("GET", "/api/v1/namespaces/sel/configmaps?limit=2")
    eq((len(p1["items"]), p1["metadata"]["remainingItemCount"]), (2, 3), "page 1")
    st, _, p2 = req("GET", "/api/v1/namespaces/sel/configmaps?limit=2&continue=" + p1["metadata"]["continue"])
    eq([i["metadata"]["name"] for i in p2["items"]], ["c", "d"], "page 2")
    st, _, b = req("GET", "/api/v1/namespaces/sel/configmaps?labelSelector=a%20b")
    eq(st, 400, "bad selector")
    st, _, b = req("GET", "/api/v1/namespaces/sel/configmaps?fieldSelector=metadata.name%3Da")
    eq([i["metadata"]["name"] for i in b["items"]], ["a"], "field selector")


@t.case("DELETE: Success Status with plural kind (body or query options); 404 NotFound body afterwards")
def _():
    path = "/api/v1/namespaces/sel/configmaps/a"
    uid = req("GET", path)[2]["metadata"]["uid"]
    st, _, b = req("DELETE", path, {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"})
    eq((st, b), (200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                       "details": {"name": "a", "kind": "configmaps", "uid": uid}}), "delete")
    st, _, b = req("GET", path)
    eq((st, b), (404, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": 'configmaps "a" not found', "reason": "NotFound",
                       "details": {"name": "a", "kind": "configmaps"}, "code": 404}), "get after delete")
    st, _, b = req("DELETE", "/apis/apps/v1/namespaces/raw/deployments/gen?propagationPolicy=Foreground")
    eq((st, b["details"]["group"], b["details"]["kind"]), (200, "apps", "deployments"), "query options")
    st, _, b = req("DELETE", "/apis/apps/v1/namespaces/raw/deployments/gen")
    eq((st, b["message"]), (404, 'deployments.apps "gen" not found'), "second delete")


@t.case("namespaces: protected ones give 403; Terminating refuses creates (403) then disappears with content")
def _():
    st, _, b = req("DELETE", "/api/v1/namespaces/default")
    eq((st, b["message"]), (403, 'namespaces "default" is forbidden: this namespace may not be deleted'), "default")
    K.configure(namespaceDeleteDelay=1.0)
    ensure_ns("term")
    K.apply("/api/v1/namespaces/term/configmaps/keep", configmap("keep", "term"))
    st, _, b = req("DELETE", "/api/v1/namespaces/term")
    eq((st, b["kind"], b["status"]["phase"]), (200, "Namespace", "Terminating"), "first delete")
    assert b["metadata"]["deletionTimestamp"]
    st, _, b = req("DELETE", "/api/v1/namespaces/term")
    eq((st, b["reason"]), (409, "Conflict"), "second delete")
    st, _, b = K.apply("/api/v1/namespaces/term/configmaps/new", configmap("new", "term"))
    eq((st, b["message"]), (403, 'configmaps "new" is forbidden: unable to create new content in namespace term '
                                 'because it is being terminated'), "create")
    eq(b["details"]["causes"][0]["reason"], "NamespaceTerminating", "cause")
    eq(K.apply("/api/v1/namespaces/term/configmaps/keep", configmap("keep", "term", {"a": "2"}))[0], 200, "update")
    deadline = time.monotonic() + 10
    while req("GET", "/api/v1/namespaces/term")[0] != 404:
        assert time.monotonic() < deadline, "namespace never went away"
        time.sleep(0.1)
    eq(req("GET", "/api/v1/namespaces/term/configmaps/keep")[0], 404, "content removed")
    K.configure(namespaceDeleteDelay=0.5)


@t.case("CRD: served after a configurable delay (text 404 before), Established/NamesAccepted; CRs apply")
def _():
    K.configure(crdEstablishDelay=0.5)
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "gizmos.late.example.com"},
           "spec": {"group": "late.example.com", "scope": "Cluster",
                    "names": {"kind": "Gizmo", "plural": "gizmos"},
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "schema": {"openAPIV3Schema": {"type": "object",
                                                                 "x-kubernetes-preserve-unknown-fields": True}}}]}}
    st, _, b = K.apply("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.late.example.com", crd)
    eq(st, 201, "crd create")
    eq(req("GET", "/apis/late.example.com/v1")[2], "404 page not found\n", "not served yet")
    deadline = time.monotonic() + 10
    while req("GET", "/apis/late.example.com/v1")[0] != 200:
        assert time.monotonic() < deadline, "CRD never served"
        time.sleep(0.05)
    K.configure(crdEstablishDelay=0)
    _, _, b = req("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.late.example.com")
    conds = {c["type"]: c["status"] for c in b["status"]["conditions"]}
    eq(conds, {"NamesAccepted": "True", "Established": "True"}, "conditions")
    _, _, rl = req("GET", "/apis/late.example.com/v1")
    eq([(r["name"], r["namespaced"], r["kind"]) for r in rl["resources"]], [("gizmos", False, "Gizmo")], "resources")
    st, _, g = K.apply("/apis/late.example.com/v1/gizmos/g1", {"apiVersion": "late.example.com/v1", "kind": "Gizmo",
                                                              "metadata": {"name": "g1"}, "spec": {"n": 1}})
    eq((st, g["metadata"]["generation"]), (201, 1), "CR create")
    st, _, lst = req("GET", "/apis/late.example.com/v1/gizmos")
    eq((lst["kind"], lst["items"][0]["kind"]), ("GizmoList", "Gizmo"), "CR list items keep kind")
    st, _, b = req("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.late.example.com")
    eq(st, 200, "crd delete")
    deadline = time.monotonic() + 10
    while req("GET", "/apis/late.example.com/v1")[0] != 404:
        assert time.monotonic() < deadline, "CRD never went away"
        time.sleep(0.05)


@t.case("watch: ADDED, MODIFIED, DELETED as chunked JSON lines; 410 Expired ERROR after compaction")
def _():
    ensure_ns("w")
    _, _, lst = req("GET", "/api/v1/namespaces/w/configmaps")
    rv = lst["metadata"]["resourceVersion"]
    conn = K.connect(timeout=10)
    conn.request("GET", "/api/v1/namespaces/w/configmaps?watch=true&timeoutSeconds=3&resourceVersion=" + rv)
    r = conn.getresponse()
    eq((r.status, r.getheader("Transfer-Encoding")), (200, "chunked"), "watch response")

    def writes():
        time.sleep(0.2)
        K.apply("/api/v1/namespaces/w/configmaps/x", configmap("x", "w"))
        K.apply("/api/v1/namespaces/w/configmaps/x", configmap("x", "w", {"a": "2"}))
        req("DELETE", "/api/v1/namespaces/w/configmaps/x")
    th = threading.Thread(target=writes)
    th.start()
    events = [json.loads(r.readline()) for _ in range(3)]
    th.join()
    conn.close()
    eq([(e["type"], e["object"]["metadata"]["name"], e["object"]["kind"]) for e in events],
       [("ADDED", "x", "ConfigMap"), ("MODIFIED", "x", "ConfigMap"), ("DELETED", "x", "ConfigMap")], "events")
    K.compact()
    conn = K.connect(timeout=10)
    conn.request("GET", "/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=" + rv)
    r = conn.getresponse()
    ev = json.loads(r.readline())
    conn.close()
    eq((r.status, ev["type"], ev["object"]["code"], ev["object"]["reason"]), (200, "ERROR", 410, "Expired"), "410")


@t.case("faults: 429 with Retry-After, 503, connection close, hang; counted per method and path prefix")
def _():
    K.fault("GET", "/api/v1/namespaces/raw/configmaps", "429", count=1, retry_after=2)
    K.fault("PATCH", "/apis/apps", "503", count=2)
    st, h, b = req("GET", "/api/v1/namespaces/raw/configmaps")
    eq((st, h.get("retry-after"), b["reason"], b["details"]["retryAfterSeconds"]), (429, "2", "TooManyRequests", 2),
       "429")
    eq(req("GET", "/api/v1/namespaces/raw/configmaps")[0], 200, "429 used up")
    eq(req("GET", "/apis/apps/v1/namespaces/raw/deployments")[0], 200, "other method unaffected")
    for _ in range(2):
        eq(K.apply("/apis/apps/v1/namespaces/raw/deployments/d9", deploy("d9", "raw"))[0], 503, "503")
    eq(K.apply("/apis/apps/v1/namespaces/raw/deployments/d9", deploy("d9", "raw"))[0], 201, "503 used up")
    K.fault("*", "/version", "close")
    try:
        req("GET", "/version")
        raise AssertionError("close fault answered")
    except (ConnectionError, OSError, http.client.HTTPException):
        pass
    K.fault("GET", "/version", "hang", seconds=5)
    t0 = time.monotonic()
    try:
        K.request("GET", "/version", conn=K.connect(timeout=0.5))
        raise AssertionError("hang fault answered")
    except (TimeoutError, OSError):
        pass
    assert time.monotonic() - t0 < 3
    eq(req("GET", "/version")[0], 200, "after faults")
    K.clear_faults()


@t.case("request log: one JSON line per request with method, path, query, headers, status, body")
def _():
    mark = K.mark()
    K.apply("/api/v1/namespaces/raw/configmaps/logged", configmap("logged", "raw"), manager="logtest")
    recs = K.requests(mark)
    eq(len(recs), 1, "entries")
    r = recs[0]
    eq((r["method"], r["path"], r["query"], r["status"]),
       ("PATCH", "/api/v1/namespaces/raw/configmaps/logged", "fieldManager=logtest&force=false", 201), "entry")
    eq(r["headers"]["Content-Type"], "application/apply-patch+yaml", "content type")
    eq(json.loads(r["body"])["metadata"]["name"], "logged", "body")
    assert r["user"] == "system:admin" and r["bodyTruncated"] is False, r
    faults = [x for x in K.requests() if x.get("fault")]
    assert {"close", "hang"} <= {x["fault"] for x in faults}, faults


# ---------------------------------------------------------------------------------------------------------------
# The real kubectl
# ---------------------------------------------------------------------------------------------------------------
APP = None


@t.case("kubectl version shows the emulator's server version")
def _():
    out = kc_ok("version")
    assert "Server Version: v1.32.4+k3s1" in out, out


@t.case("kubectl get ns lists default, kube-system, kube-public")
def _():
    out = kc_ok("get", "ns")
    for n in ("default", "kube-system", "kube-public"):
        assert n in out, out
    assert "Active" in out, out


@t.case("kubectl apply --server-side: 201 on create, 200 on re-apply with unchanged resourceVersions")
def _():
    global APP
    APP = write("app.yaml", ns_obj("demo"), deploy(), service(), configmap())
    mark = K.mark()
    out = kc_ok("apply", "--server-side", "-f", APP)
    eq(out.count("serverside-applied"), 4, "output")
    patches = [(r["path"], r["status"]) for r in K.requests(mark) if r["method"] == "PATCH"]
    eq([s for _, s in patches], [201] * 4, "first apply")
    before = kc_json("get", "-n", "demo", "deploy/web", "svc/web", "cm/web-config")
    mark = K.mark()
    kc_ok("apply", "--server-side", "-f", APP)
    eq([r["status"] for r in K.requests(mark) if r["method"] == "PATCH"], [200] * 4, "re-apply")
    after = kc_json("get", "-n", "demo", "deploy/web", "svc/web", "cm/web-config")
    eq([i["metadata"]["resourceVersion"] for i in after["items"]],
       [i["metadata"]["resourceVersion"] for i in before["items"]], "resourceVersions")


@t.case("kubectl get -o json shows server defaults (strategy, imagePullPolicy, clusterIP, protocol)")
def _():
    d = kc_json("get", "-n", "demo", "deployment", "web")
    eq(d["spec"]["strategy"]["type"], "RollingUpdate", "strategy")
    eq(d["spec"]["strategy"]["rollingUpdate"], {"maxUnavailable": "25%", "maxSurge": "25%"}, "rollingUpdate")
    eq(d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent", "imagePullPolicy")
    s = kc_json("get", "-n", "demo", "service", "web")
    assert s["spec"]["clusterIP"].startswith("10.43."), s["spec"]
    eq(s["spec"]["ports"][0]["protocol"], "TCP", "protocol")


OTHER = {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "demo", "labels": {"owner": "other"}}}


@t.case("kubectl: a field owned only by another manager survives a re-apply by the first manager")
def _():
    kc_ok("apply", "--server-side", "--field-manager=other", "-f", write("other1.yaml", OTHER))
    kc_ok("apply", "--server-side", "-f", APP)
    d = kc_json("get", "-n", "demo", "deployment", "web")
    eq(d["metadata"]["labels"], {"app": "web", "owner": "other"}, "labels")


@t.case("kubectl: --field-manager=other changing replicas conflicts; --force-conflicts moves ownership")
def _():
    other = json.loads(json.dumps(OTHER))
    other["spec"] = {"replicas": 3}
    f = write("other2.yaml", other)
    p = kc("apply", "--server-side", "--field-manager=other", "-f", f)
    assert p.returncode != 0 and "conflict" in p.stderr, p.stderr
    assert 'conflict with "kubectl": .spec.replicas' in p.stderr, p.stderr
    kc_ok("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", f)
    d = kc_json("get", "-n", "demo", "deployment", "web", "--show-managed-fields")
    eq(d["spec"]["replicas"], 3, "replicas")
    own = {e["manager"]: e["fieldsV1"] for e in d["metadata"]["managedFields"]}
    assert "f:replicas" in own["other"]["f:spec"], own["other"]
    assert "f:replicas" not in own["kubectl"]["f:spec"], own["kubectl"]


@t.case("kubectl: generation bumps on a spec change, not on a metadata-only change")
def _():
    g0 = kc_json("get", "-n", "demo", "deployment", "web")["metadata"]["generation"]
    d = deploy(extra_labels={"extra": "1"})
    del d["spec"]["replicas"]               # replicas now belong to "other"
    kc_ok("apply", "--server-side", "-f", write("gen1.yaml", d))
    eq(kc_json("get", "-n", "demo", "deployment", "web")["metadata"]["generation"], g0, "label change")
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    kc_ok("apply", "--server-side", "-f", write("gen2.yaml", d))
    eq(kc_json("get", "-n", "demo", "deployment", "web")["metadata"]["generation"], g0 + 1, "image change")


@t.case("kubectl get -l app=web selects by label")
def _():
    out = kc_ok("get", "-n", "demo", "deploy,svc,cm", "-l", "app=web", "-o", "name")
    eq(sorted(out.split()), ["configmap/web-config", "deployment.apps/web", "service/web"], "objects")
    out = kc_ok("get", "-n", "demo", "cm", "-l", "app!=web", "-o", "name")
    eq(out.split(), ["configmap/kube-root-ca.crt"], "!=")


@t.case("kubectl delete removes the object; get then reports NotFound")
def _():
    out = kc_ok("delete", "-n", "demo", "configmap", "web-config")
    assert 'configmap "web-config" deleted' in out, out
    p = kc("get", "-n", "demo", "configmap", "web-config")
    assert p.returncode != 0 and 'configmaps "web-config" not found' in p.stderr, p.stderr


@t.case("kubectl: a CRD applied, then a custom resource of it in a second call")
def _():
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "shortNames": ["wd"]},
                    "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                                  "schema": {"openAPIV3Schema": {"type": "object",
                                                                 "x-kubernetes-preserve-unknown-fields": True}}}]}}
    kc_ok("apply", "--server-side", "-f", write("crd.yaml", crd))
    cr = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "demo"},
          "spec": {"size": 3}}
    out = kc_ok("apply", "--server-side", "-f", write("cr.yaml", cr))
    assert "widget.example.com/w1 serverside-applied" in out, out
    eq(kc_json("get", "-n", "demo", "wd", "w1")["spec"], {"size": 3}, "custom resource")


@t.case("kubectl: an unknown kind gives 'no matches for kind' / 'ensure CRDs are installed first'")
def _():
    g = {"apiVersion": "nothing.example.org/v1", "kind": "Gadget", "metadata": {"name": "g", "namespace": "demo"}}
    p = kc("apply", "--server-side", "-f", write("gadget.yaml", g))
    assert p.returncode != 0, p.stdout
    assert 'no matches for kind "Gadget" in version "nothing.example.org/v1"' in p.stderr, p.stderr
    assert "ensure CRDs are installed first" in p.stderr, p.stderr


@t.case("kubectl: a missing namespace gives NotFound")
def _():
    p = kc("apply", "--server-side", "-f", write("missing.yaml", configmap("c", "missing")))
    assert p.returncode != 0 and 'Error from server (NotFound): namespaces "missing" not found' in p.stderr, p.stderr


@t.case("kubectl --dry-run=server persists nothing")
def _():
    mark = K.mark()
    out = kc_ok("apply", "--server-side", "--dry-run=server", "-f", write("dry.yaml", configmap("dry", "demo")))
    assert "(server dry run)" in out, out
    assert any(r["method"] == "PATCH" and "dryRun=All" in r["query"] for r in K.requests(mark))
    p = kc("get", "-n", "demo", "configmap", "dry")
    assert p.returncode != 0 and "NotFound" in p.stderr, p.stderr


@t.case("kubectl delete namespace waits until it is gone")
def _():
    kc_ok("delete", "namespace", "demo", "--timeout=20s")
    p = kc("get", "namespace", "demo")
    assert p.returncode != 0 and 'namespaces "demo" not found' in p.stderr, p.stderr


@t.case("emulator log has no tracebacks")
def _():
    err = (K.dir / "emulator.stderr").read_text()
    assert "Traceback" not in err, err


K.stop()
t.done()
