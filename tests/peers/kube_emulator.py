#!/usr/bin/env python3
"""kube_emulator: a Kubernetes API server emulator (k3s v1.32 flavour) for pinion's tests.

Spec: /work/shared/reference/kube-api.md ("§n" below); docs: tests/peers/KUBE.md. Python 3 standard library only.

    python3 kube_emulator.py --dir DIR [--cert F --key F --client-ca F --server-ca F] [--token T] [--token-file F]
                             [--no-helm-crd] [--crd-establish-delay S] [--namespace-delete-delay S]

Binds 127.0.0.1 port 0 only, then writes DIR/pid and DIR/port; every request is logged to DIR/requests.jsonl.
SIGTERM stops it. What it is: one in-memory store behind the HTTP shapes a client sees (discovery, OpenAPI, SSA with
managedFields, list/watch/delete, Status bodies). What it is not: controllers, admission webhooks, real schemas.
"""
import argparse
import base64
import bisect
import copy
import csv
import datetime
import gzip
import hashlib
import json
import os
import random
import re
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.4+k3s1",
           "gitCommit": "1b5ee4fa9ea6a41c0f4aa8b2ac1e8d3a7ac8e9b0", "gitTreeState": "clean",
           "buildDate": "2025-04-23T18:53:40Z", "goVersion": "go1.23.6", "compiler": "gc", "platform": "linux/amd64"}
LOG_BODY_LIMIT = 64 * 1024    # request bodies in requests.jsonl are cut here ("bodyTruncated": true)
EVENT_LOG_MAX = 10000         # watch history kept; older resourceVersions are "compacted" (410 Expired)
GZIP_MIN = 128 * 1024         # the apiserver gzips bigger responses when the client sends Accept-Encoding: gzip
STD_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
MISSING = object()
SET = "set"                   # list type marker: listType=set (items are "v:" path elements)

# ---------------------------------------------------------------------------------------------------------------
# Resource catalogue (§1). Flags: a = category "all", g = tracks metadata.generation, d = DELETE returns the object.
# ---------------------------------------------------------------------------------------------------------------
_BUILTIN = """
v1                              Namespace                      namespaces                     C ns      status,finalize  -
v1                              ConfigMap                      configmaps                     N cm      -                -
v1                              Endpoints                      endpoints                      N ep      -                -
v1                              Event                          events                         N ev      -                -
v1                              Node                           nodes                          C no      status,proxy     -
v1                              PersistentVolumeClaim          persistentvolumeclaims         N pvc     status           -
v1                              PersistentVolume               persistentvolumes              C pv      status           -
v1                              Pod                            pods                           N po      status,log,exec,eviction,binding  ad
v1                              Secret                         secrets                        N -       -                -
v1                              ServiceAccount                 serviceaccounts                N sa      token            d
v1                              Service                        services                       N svc     status,proxy     a
apps/v1                         ControllerRevision             controllerrevisions            N -       -                -
apps/v1                         DaemonSet                      daemonsets                     N ds      status           ag
apps/v1                         Deployment                     deployments                    N deploy  status,scale     ag
apps/v1                         ReplicaSet                     replicasets                    N rs      status,scale     ag
apps/v1                         StatefulSet                    statefulsets                   N sts     status,scale     ag
autoscaling/v2                  HorizontalPodAutoscaler        horizontalpodautoscalers       N hpa     status           ag
batch/v1                        CronJob                        cronjobs                       N cj      status           ag
batch/v1                        Job                            jobs                           N -       status           ag
networking.k8s.io/v1            IngressClass                   ingressclasses                 C -       -                -
networking.k8s.io/v1            Ingress                        ingresses                      N ing     status           g
networking.k8s.io/v1            NetworkPolicy                  networkpolicies                N netpol  -                g
policy/v1                       PodDisruptionBudget            poddisruptionbudgets           N pdb     status           g
rbac.authorization.k8s.io/v1    ClusterRoleBinding             clusterrolebindings            C -       -                -
rbac.authorization.k8s.io/v1    ClusterRole                    clusterroles                   C -       -                -
rbac.authorization.k8s.io/v1    RoleBinding                    rolebindings                   N -       -                -
rbac.authorization.k8s.io/v1    Role                           roles                          N -       -                -
storage.k8s.io/v1               StorageClass                   storageclasses                 C sc      -                d
admissionregistration.k8s.io/v1 MutatingWebhookConfiguration   mutatingwebhookconfigurations  C -       -                g
admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration validatingwebhookconfigurations C -      -                g
apiextensions.k8s.io/v1         CustomResourceDefinition       customresourcedefinitions      C crd,crds status          g
scheduling.k8s.io/v1            PriorityClass                  priorityclasses                C pc      -                -
coordination.k8s.io/v1          Lease                          leases                         N -       -                -
"""


class Res:
    """One served resource (plural) of one group/version."""

    def __init__(self, gv, kind, plural, namespaced, short=(), subres=(), flags="", crd=None, singular=None,
                 list_kind=None, categories=None):
        self.group, _, self.version = gv.rpartition("/")
        self.kind, self.plural, self.namespaced = kind, plural, namespaced
        self.short, self.subres, self.crd = list(short), list(subres), crd
        self.singular = singular or kind.lower()
        self.list_kind = list_kind or kind + "List"
        self.categories = categories if categories is not None else (["all"] if "a" in flags else [])
        self.generation = "g" in flags or crd is not None
        self.returns_deleted = "d" in flags

    gv = property(lambda s: s.group + "/" + s.version if s.group else s.version)
    qual = property(lambda s: s.plural + "." + s.group if s.group else s.plural)       # NotFound messages
    qualkind = property(lambda s: s.kind + "." + s.group if s.group else s.kind)       # Invalid messages
    builtin = property(lambda s: s.crd is None)
    status_sub = property(lambda s: "status" in s.subres)


def _builtins():
    out = []
    for line in _BUILTIN.strip().splitlines():
        gv, kind, plural, scope, short, sub, flags = line.split()
        out.append(Res(gv, kind, plural, scope == "N", [] if short == "-" else short.split(","),
                       [] if sub == "-" else sub.split(","), flags))
    return out


def version_key(v):
    """Kubernetes version priority: GA > beta > alpha, higher numbers first, others last (sorted by name)."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", v)
    if not m:
        return (3, 0, 0, v)
    return ({None: 0, "beta": 1, "alpha": 2}[m[2]], -int(m[1]), -int(m[3] or 0), v)


# ---------------------------------------------------------------------------------------------------------------
# Status bodies (§3)
# ---------------------------------------------------------------------------------------------------------------
class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=()):
        super().__init__(message)
        self.code, self.reason, self.message, self.details, self.headers = code, reason, message, details, headers

    def body(self):
        return status_body("Failure", self.code, self.reason, self.message, self.details)


def _details(name=None, group=None, kind=None, uid=None, causes=None, retry=None):
    d = {"name": name, "group": group, "kind": kind, "uid": uid, "causes": causes, "retryAfterSeconds": retry}
    return {k: v for k, v in d.items() if v}          # omitempty, as Go does


def status_body(status, code, reason, message, details):
    b = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": status}
    if message:
        b["message"] = message
    if reason:
        b["reason"] = reason
    if details is not None:
        b["details"] = details
    if code:
        b["code"] = code
    return b


def not_found(res, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (res.qual, name), _details(name, res.group, res.plural))


def ns_not_found(ns):
    return ApiError(404, "NotFound", 'namespaces "%s" not found' % ns, _details(ns, None, "namespaces"))


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


def conflict_rv(res, name):
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has been modified; please '
                    'apply your changes to the latest version and try again' % (res.qual, name),
                    _details(name, res.group, res.plural))


def gofmt(v):
    """Go %#v-ish rendering of simple values, as field errors print them (§2 "Invalid objects")."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "map[string]string{%s}" % ", ".join("%s:%s" % (json.dumps(k), gofmt(v[k])) for k in sorted(v))
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "[]string{%s}" % ", ".join(json.dumps(x) for x in v)
    return str(v) if not isinstance(v, list) else json.dumps(v)


def fe_invalid(field, value, msg):
    return (field, "FieldValueInvalid", "Invalid value: %s: %s" % (value if isinstance(value, RawGo) else gofmt(value), msg))


def fe_required(field, msg=""):
    return (field, "FieldValueRequired", "Required value" + (": " + msg if msg else ""))


def fe_unsupported(field, value, allowed):
    return (field, "FieldValueNotSupported", "Unsupported value: %s: supported values: %s"
            % (gofmt(value), ", ".join(json.dumps(a) for a in allowed)))


class RawGo(str):
    """A value already rendered the way Go's %#v would."""


def invalid(res, name, errs):
    msgs = ["%s: %s" % (f, m) for f, _, m in errs]
    msg = '%s "%s" is invalid: %s' % (res.qualkind, name, msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]")
    causes = [{"reason": r, "message": m, "field": f} for f, r, m in errs]
    return ApiError(422, "Invalid", msg, _details(name, res.group, res.kind, causes=causes))


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def jdump(v):
    return json.dumps(v, separators=(",", ":"), sort_keys=True)


# ---------------------------------------------------------------------------------------------------------------
# Structured-merge-diff in miniature: field sets, list types, merge (§2 "Server-side apply")
# A field set is a Python set of paths; a path is a tuple of FieldsV1 path elements: 'f:name', 'k:{"name":"web"}'
# (associative-list item), 'v:"x"' (set item). Schema knowledge is a small table of the list types and atomic maps
# of built-in kinds; custom resources get atomic lists (the CRD default without x-kubernetes-list-type).
# ---------------------------------------------------------------------------------------------------------------
KEY_DEFAULTS = {"protocol": "TCP"}
_CONTAINERS = ("containers", "initContainers", "ephemeralContainers")
_ATOMIC = {"selector", "podSelector", "namespaceSelector", "labelSelector", "nodeSelector", "roleRef"}


class Schema:
    def __init__(self, res):
        self.builtin, self.kind = res.builtin, res.kind

    def list_type(self, sp):
        """sp: schema path (field names, '[]' for list items). Returns key field tuple, SET, or None (atomic)."""
        last = sp[-1] if sp else ""
        if sp == ("metadata", "finalizers"):
            return SET
        if sp == ("metadata", "ownerReferences"):
            return ("uid",)
        if not self.builtin:
            return None
        if self.kind == "Namespace" and sp == ("spec", "finalizers"):
            return SET
        if last in _CONTAINERS:
            return ("name",)
        if len(sp) >= 3 and sp[-3] in _CONTAINERS and sp[-2] == "[]":
            return {"ports": ("containerPort", "protocol"), "env": ("name",), "volumeMounts": ("mountPath",),
                    "volumeDevices": ("devicePath",), "resizePolicy": ("resourceName",)}.get(last)
        if len(sp) >= 2 and sp[-2] == "spec" and last in ("volumes", "hostAliases", "imagePullSecrets",
                                                           "topologySpreadConstraints"):
            return {"volumes": ("name",), "hostAliases": ("ip",), "imagePullSecrets": ("name",),
                    "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable")}[last]
        if self.kind == "Service" and sp == ("spec", "ports"):
            return ("port", "protocol")
        if sp[:1] == ("status",) and last == "conditions":
            return ("type",)
        return None

    def atomic(self, sp):
        return self.builtin and len(sp) > 1 and sp[-1] in _ATOMIC


def item_key(item, keys):
    return {k: item.get(k, KEY_DEFAULTS.get(k)) for k in keys if k in item or k in KEY_DEFAULTS}


def fieldset(obj, schema, update=False):
    """The set of paths obj sets. Apply sets hold leaves and list items; Update sets (update=True) also mark maps."""
    out = set()

    def walk(v, fp, sp):
        if isinstance(v, dict) and not schema.atomic(sp):
            if not v:
                if fp:
                    out.add(fp)
                return
            if update and len(fp) > 1:
                out.add(fp)
            for k, c in v.items():
                walk(c, fp + ("f:" + k,), sp + (k,))
        elif isinstance(v, list) and v:
            lt = schema.list_type(sp)
            if lt == SET:
                out.update(fp + ("v:" + jdump(x),) for x in v)
            elif lt and all(isinstance(x, dict) for x in v):
                for x in v:
                    pe = "k:" + jdump(item_key(x, lt))
                    out.add(fp + (pe,))
                    for k, c in x.items():
                        walk(c, fp + (pe, "f:" + k), sp + ("[]", k))
            else:
                out.add(fp)
        elif fp:
            out.add(fp)

    walk(obj, (), ())
    return out


def get_at(obj, path):
    cur = obj
    for pe in path:
        t, v = pe[0], pe[2:]
        if t == "f":
            if not isinstance(cur, dict) or v not in cur:
                return MISSING
            cur = cur[v]
        elif t == "k":
            key = json.loads(v)
            if not isinstance(cur, list):
                return MISSING
            cur = next((x for x in cur if isinstance(x, dict) and item_key(x, key) == key), MISSING)
            if cur is MISSING:
                return cur
        elif t == "v":
            val = json.loads(v)
            if not isinstance(cur, list) or val not in cur:
                return MISSING
            cur = val
        else:
            return MISSING
    return cur


def remove_at(obj, path):
    """Remove the field at path; then drop maps/lists that became empty (omitempty), keeping top-level fields."""
    chain = [obj]
    for pe in path[:-1]:
        nxt = get_at(chain[-1], (pe,))
        if nxt is MISSING or not isinstance(nxt, (dict, list)):
            return
        chain.append(nxt)
    parent, pe = chain[-1], path[-1]
    if pe.startswith("f:") and isinstance(parent, dict):
        parent.pop(pe[2:], None)
    elif pe.startswith("k:") and isinstance(parent, list):
        key = json.loads(pe[2:])
        parent[:] = [x for x in parent if not (isinstance(x, dict) and item_key(x, key) == key)]
    elif pe.startswith("v:") and isinstance(parent, list):
        val = json.loads(pe[2:])
        parent[:] = [x for x in parent if x != val]
    for i in range(len(chain) - 1, 1, -1):      # chain[i] is the container at path[:i]; keep top-level fields
        if chain[i]:
            break
        holder, hpe = chain[i - 1], path[i - 1]
        if hpe.startswith("f:") and isinstance(holder, dict):
            holder.pop(hpe[2:], None)
        elif isinstance(holder, list):
            holder[:] = [x for x in holder if x is not chain[i]]


def merge(live, cfg, schema, sp=()):
    """Merge an applied config into the live object: maps recursively, associative lists and sets by key (the item
    order follows structured-merge-diff: shared items in config order, live-only items keep their place)."""
    if isinstance(cfg, dict) and isinstance(live, dict) and not schema.atomic(sp):
        out = dict(live)
        for k, c in cfg.items():
            out[k] = merge(live[k], c, schema, sp + (k,)) if k in live else copy.deepcopy(c)
        return out
    if isinstance(cfg, list) and isinstance(live, list):
        lt = schema.list_type(sp)
        if lt == SET:
            keyf = jdump
        elif lt and all(isinstance(x, dict) for x in cfg + live):
            def keyf(x):
                return jdump(item_key(x, lt))
        else:
            return copy.deepcopy(cfg)
        lk, rk = [keyf(x) for x in live], [keyf(x) for x in cfg]
        lmap, rset = dict(zip(lk, live)), set(rk)
        shared = [k for k in rk if k in lmap]
        nxt = shared.pop(0) if shared else None
        out, done, li, ri = [], set(), 0, 0

        def take(r):
            lt_item = lmap.get(rk[r], MISSING)
            return copy.deepcopy(cfg[r]) if lt_item is MISSING else merge(lt_item, cfg[r], schema, sp + ("[]",))

        while li < len(lk) or ri < len(rk):
            if li < len(lk) and ri < len(rk):
                if lk[li] == rk[ri]:
                    out.append(take(ri))
                    done.add(rk[ri])
                    li, ri = li + 1, ri + 1
                    nxt = shared.pop(0) if shared else None
                    continue
                if lk[li] in rset and nxt is not None and nxt != lk[li]:
                    li += 1
                    continue
            if li < len(lk):
                if lk[li] not in rset:
                    out.append(live[li])
                    li += 1
                    continue
                if lk[li] in done:
                    li += 1
                    continue
            if ri < len(rk):
                out.append(take(ri))
                done.add(rk[ri])
                if nxt == rk[ri]:
                    nxt = shared.pop(0) if shared else None
                ri += 1
        return out
    return copy.deepcopy(cfg)


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_patch(target, patch, schema, sp=()):
    """Strategic merge patch, simplified: merge patch plus key-merged associative lists (no $patch directives)."""
    if isinstance(patch, dict) and isinstance(target, dict):
        out = dict(target)
        for k, v in patch.items():
            if k.startswith("$"):
                continue
            if v is None:
                out.pop(k, None)
            else:
                out[k] = strategic_patch(target.get(k, MISSING), v, schema, sp + (k,))
        return out
    if isinstance(patch, list) and isinstance(target, list) and schema.list_type(sp) not in (None, SET):
        return merge(target, patch, schema, sp)
    return copy.deepcopy(patch) if not isinstance(patch, dict) else merge_patch({}, patch)


def json_patch(doc, ops):
    """RFC 6902 (add, remove, replace, test, move, copy)."""
    doc = copy.deepcopy(doc)

    def split(p):
        return [s.replace("~1", "/").replace("~0", "~") for s in p.split("/")[1:]]

    def walk(path):
        cur = doc
        for s in path[:-1]:
            cur = cur[int(s)] if isinstance(cur, list) else cur[s]
        return cur, path[-1]

    def get(p):
        cur = doc
        for s in split(p):
            cur = cur[int(s)] if isinstance(cur, list) else cur[s]
        return cur

    def add(p, val):
        parent, last = walk(split(p))
        if isinstance(parent, list):
            parent.insert(len(parent) if last == "-" else int(last), val)
        else:
            parent[last] = val

    def remove(p):
        parent, last = walk(split(p))
        return parent.pop(int(last)) if isinstance(parent, list) else parent.pop(last)

    try:
        for op in ops:
            o, p = op["op"], op["path"]
            if o == "add":
                add(p, copy.deepcopy(op["value"]))
            elif o == "remove":
                remove(p)
            elif o == "replace":
                remove(p)
                add(p, copy.deepcopy(op["value"]))
            elif o == "test":
                if get(p) != op["value"]:
                    raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request")
            elif o in ("move", "copy"):
                v = get(op["from"])
                if o == "move":
                    remove(op["from"])
                add(p, copy.deepcopy(v))
            else:
                raise bad_request("Unexpected kind: %s" % o)
    except (KeyError, IndexError, ValueError, TypeError) as e:
        raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request: %s" % e)
    return doc


def encode_fields(paths):
    root = {}
    for p in paths:
        node = root
        for pe in p:
            node = node.setdefault(pe, {})
        node["."] = {}

    def fin(n):
        out = {".": {}} if "." in n and len(n) > 1 else {}
        for k in sorted(k for k in n if k != "."):
            out[k] = fin(n[k])
        return out
    return fin(root)


def decode_fields(tree, prefix=()):
    out = set()
    for k, v in (tree or {}).items():
        if k == ".":
            out.add(prefix)
        elif not v:
            out.add(prefix + (k,))
        else:
            out |= decode_fields(v, prefix + (k,))
    return out


def path_str(p):
    """structured-merge-diff path syntax: .spec.template.spec.containers[name="web"].image"""
    s = ""
    for pe in p:
        t, v = pe[0], pe[2:]
        if t == "f":
            s += "." + v
        elif t == "k":
            key = json.loads(v)
            s += "[" + ",".join("%s=%s" % (k, json.dumps(key[k])) for k in sorted(key)) + "]"
        else:
            s += "[=" + v + "]"
    return s


def decode_managed(obj):
    out = []
    for e in (obj or {}).get("metadata", {}).get("managedFields") or []:
        if isinstance(e, dict) and e.get("manager") is not None:
            out.append({"manager": e["manager"], "operation": e.get("operation", "Update"),
                        "apiVersion": e.get("apiVersion", ""), "time": e.get("time"),
                        "subresource": e.get("subresource", ""), "set": decode_fields(e.get("fieldsV1"))})
    return out


def encode_managed(entries):
    def ts(e):
        return e["time"] or ""
    out = []
    for e in sorted((e for e in entries if e["set"]),
                    key=lambda e: (e["operation"], ts(e), e["manager"], e["apiVersion"], e["subresource"])):
        d = {"manager": e["manager"], "operation": e["operation"], "apiVersion": e["apiVersion"], "time": e["time"],
             "fieldsType": "FieldsV1", "fieldsV1": encode_fields(e["set"])}
        if e["subresource"]:
            d["subresource"] = e["subresource"]
        out.append(d)
    return out


_SYSTEM_META = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
                "deletionTimestamp", "deletionGracePeriodSeconds", "name", "namespace")


def strip_for_set(obj):
    """Fields never tracked in managedFields (AM internal/stripmeta.go)."""
    o = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    if isinstance(o.get("metadata"), dict):
        o["metadata"] = {k: v for k, v in o["metadata"].items() if k not in _SYSTEM_META}
        if not o["metadata"]:
            del o["metadata"]
    return o


def content(obj):
    """The object minus what changes on every write; equal content means a no-op."""
    o = dict(obj)
    o["metadata"] = {k: v for k, v in obj.get("metadata", {}).items()
                     if k not in ("managedFields", "resourceVersion", "generation")}
    return o


def spec_part(obj):
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def manager_name(e):
    s = json.dumps(e["manager"])
    if e["subresource"]:
        s += " with subresource %s" % json.dumps(e["subresource"])
    return s + (" using " + e["apiVersion"] if e["operation"] == "Update" else "")


def conflict_error(conflicts):
    causes = [{"reason": "FieldManagerConflict", "message": "conflict with %s" % manager_name(e), "field": path_str(p)}
              for e, p in conflicts]
    if len(conflicts) == 1:
        msg = "Apply failed with 1 conflict: conflict with %s: %s" % (manager_name(conflicts[0][0]),
                                                                      path_str(conflicts[0][1]))
    else:
        groups = {}
        for e, p in conflicts:
            groups.setdefault(manager_name(e), []).append(path_str(p))
        lines = []
        for m in sorted(groups):
            lines.append("conflicts with %s:" % m)
            lines += ["- " + p for p in groups[m]]
        msg = "Apply failed with %d conflicts: %s" % (len(conflicts), "\n".join(lines))
    return ApiError(409, "Conflict", msg, {"causes": causes})


def differs(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return False       # a map node (list item, struct): only its presence counts; leaves are compared
    return a != b


# ---------------------------------------------------------------------------------------------------------------
# Defaults, validation, unknown fields (per built-in kind)
# ---------------------------------------------------------------------------------------------------------------
def pull_policy(image):
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def default_pod_template(tpl):
    tpl.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    default_pod_spec(tpl.setdefault("spec", {}))


def default_pod_spec(ps):
    for k, v in (("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30), ("dnsPolicy", "ClusterFirst"),
                 ("securityContext", {}), ("schedulerName", "default-scheduler")):
        ps.setdefault(k, v)
    for c in (ps.get("containers") or []) + (ps.get("initContainers") or []):
        if not isinstance(c, dict):
            continue
        c.setdefault("imagePullPolicy", pull_policy(str(c.get("image", ""))))
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("resources", {})
        for p in c.get("ports") or []:
            isinstance(p, dict) and p.setdefault("protocol", "TCP")
        for pk in ("livenessProbe", "readinessProbe", "startupProbe"):
            pr = c.get(pk)
            if isinstance(pr, dict):
                for k, v in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                             ("failureThreshold", 3)):
                    pr.setdefault(k, v)
                if isinstance(pr.get("httpGet"), dict):
                    pr["httpGet"].setdefault("scheme", "HTTP")
    for v in ps.get("volumes") or []:
        for src in ("configMap", "secret", "projected"):
            if isinstance(v, dict) and isinstance(v.get(src), dict):
                v[src].setdefault("defaultMode", 420)


def known_fields():
    pod = ("activeDeadlineSeconds affinity automountServiceAccountToken containers dnsConfig dnsPolicy "
           "enableServiceLinks ephemeralContainers hostAliases hostIPC hostNetwork hostPID hostUsers hostname "
           "imagePullSecrets initContainers nodeName nodeSelector os overhead preemptionPolicy priority "
           "priorityClassName readinessGates resourceClaims resources restartPolicy runtimeClassName schedulerName "
           "schedulingGates securityContext serviceAccount serviceAccountName setHostnameAsFQDN shareProcessNamespace "
           "subdomain terminationGracePeriodSeconds tolerations topologySpreadConstraints volumes")
    ctr = ("args command env envFrom image imagePullPolicy lifecycle livenessProbe name ports readinessProbe "
           "resizePolicy resources restartPolicy securityContext startupProbe stdin stdinOnce terminationMessagePath "
           "terminationMessagePolicy tty volumeDevices volumeMounts workingDir")
    spec = {
        "Deployment": "minReadySeconds paused progressDeadlineSeconds replicas revisionHistoryLimit selector "
                      "strategy template",
        "StatefulSet": "minReadySeconds ordinals persistentVolumeClaimRetentionPolicy podManagementPolicy replicas "
                       "revisionHistoryLimit selector serviceName template updateStrategy volumeClaimTemplates",
        "DaemonSet": "minReadySeconds revisionHistoryLimit selector template updateStrategy",
        "Job": "activeDeadlineSeconds backoffLimit backoffLimitPerIndex completionMode completions managedBy "
               "manualSelector maxFailedIndexes parallelism podFailurePolicy podReplacementPolicy selector "
               "successPolicy suspend template ttlSecondsAfterFinished",
        "Service": "allocateLoadBalancerNodePorts clusterIP clusterIPs externalIPs externalName externalTrafficPolicy "
                   "healthCheckNodePort internalTrafficPolicy ipFamilies ipFamilyPolicy loadBalancerClass "
                   "loadBalancerIP loadBalancerSourceRanges ports publishNotReadyAddresses selector sessionAffinity "
                   "sessionAffinityConfig trafficDistribution type",
        "Namespace": "finalizers", "Pod": pod}
    top = {"ConfigMap": "data binaryData immutable", "Secret": "data stringData type immutable",
           "ServiceAccount": "secrets imagePullSecrets automountServiceAccountToken", "Role": "rules",
           "ClusterRole": "rules aggregationRule", "RoleBinding": "subjects roleRef",
           "ClusterRoleBinding": "subjects roleRef",
           "StorageClass": "provisioner parameters reclaimPolicy mountOptions allowVolumeExpansion volumeBindingMode "
                           "allowedTopologies",
           "MutatingWebhookConfiguration": "webhooks", "ValidatingWebhookConfiguration": "webhooks",
           "PriorityClass": "value globalDefault description preemptionPolicy", "Endpoints": "subsets",
           "ControllerRevision": "data revision"}
    return ({k: set(v.split()) for k, v in spec.items()}, {k: set(v.split()) for k, v in top.items()},
            set(pod.split()), set(ctr.split()))


SPEC_FIELDS, TOP_FIELDS, POD_FIELDS, CONTAINER_FIELDS = known_fields()
META_FIELDS = set("name generateName namespace selfLink uid resourceVersion generation creationTimestamp "
                  "deletionTimestamp deletionGracePeriodSeconds labels annotations ownerReferences finalizers "
                  "managedFields".split())
_TEMPLATE_PATH = {"Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"),
                  "DaemonSet": ("spec", "template"), "ReplicaSet": ("spec", "template"), "Job": ("spec", "template"),
                  "CronJob": ("spec", "jobTemplate", "spec", "template")}


def unknown_fields(obj, res):
    """Paths of fields a built-in schema does not declare (a small table: top level, metadata, specs, containers)."""
    if not res.builtin or res.kind == "Event":
        return []
    bad = []
    top = {"apiVersion", "kind", "metadata"} | TOP_FIELDS.get(res.kind, {"spec", "status"})
    bad += ["." + k for k in obj if k not in top]
    bad += [".metadata." + k for k in (obj.get("metadata") or {}) if k not in META_FIELDS]
    spec = obj.get("spec")
    if isinstance(spec, dict) and res.kind in SPEC_FIELDS:
        bad += [".spec." + k for k in spec if k not in SPEC_FIELDS[res.kind]]
    pod_path = ("spec",) if res.kind == "Pod" else (_TEMPLATE_PATH.get(res.kind, ()) + ("spec",))
    ps = get_at(obj, tuple("f:" + k for k in pod_path)) if len(pod_path) > 1 or res.kind == "Pod" else MISSING
    if isinstance(ps, dict):
        pfx = "." + ".".join(pod_path)
        if res.kind != "Pod":
            bad += [pfx + "." + k for k in ps if k not in POD_FIELDS]
        for ck in _CONTAINERS:
            for c in ps.get(ck) or []:
                if isinstance(c, dict):
                    bad += ['%s.%s[name=%s].%s' % (pfx, ck, json.dumps(c.get("name", "")), k)
                            for k in c if k not in CONTAINER_FIELDS]
    return sorted(bad)


_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUB = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NAME_MSG = {
    "label": "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    "1035": "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
            "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
            "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    "sub": "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
           "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"}


def go_selector(sel):
    if not isinstance(sel, dict):
        return RawGo("(*v1.LabelSelector)(nil)")
    ml = sel.get("matchLabels")
    mls = "map[string]string(nil)" if not ml else gofmt(ml)
    me = sel.get("matchExpressions")
    if not me:
        mes = "[]v1.LabelSelectorRequirement(nil)"
    else:
        mes = "[]v1.LabelSelectorRequirement{%s}" % ", ".join(
            'v1.LabelSelectorRequirement{Key:%s, Operator:%s, Values:%s}' % (
                json.dumps(r.get("key", "")), json.dumps(r.get("operator", "")),
                gofmt(r.get("values")) if r.get("values") else "[]string(nil)") for r in me)
    return RawGo("v1.LabelSelector{MatchLabels:%s, MatchExpressions:%s}" % (mls, mes))


def selector_matches_labels(sel, labels):
    if not isinstance(sel, dict):
        return False
    reqs = [(k, "=", {v}) for k, v in (sel.get("matchLabels") or {}).items()]
    for r in sel.get("matchExpressions") or []:
        op = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}.get(r.get("operator"), "?")
        reqs.append((r.get("key"), op, set(r.get("values") or [])))
    return labels_match(labels or {}, reqs)


def validate(obj, old, res):
    """422 Invalid checks: names, a few required fields, and the immutable fields of §2's table."""
    errs, name, spec = [], obj["metadata"].get("name", ""), obj.get("spec") or {}
    rule = "label" if res.kind == "Namespace" else "1035" if res.kind == "Service" else \
        None if res.group == "rbac.authorization.k8s.io" else "sub"
    rx = {"label": _DNS1123_LABEL, "1035": _DNS1035_LABEL, "sub": _DNS1123_SUB}.get(rule)
    if rx and not rx.match(name):
        errs.append(fe_invalid("metadata.name", name, _NAME_MSG[rule]))
    if res.kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        sel, tpl = spec.get("selector"), spec.get("template") or {}
        labels = (tpl.get("metadata") or {}).get("labels") or {}
        if not sel:
            errs.append(fe_required("spec.selector"))
        elif not selector_matches_labels(sel, labels):
            errs.append(fe_invalid("spec.template.metadata.labels", labels, "`selector` does not match template "
                                                                            "`labels`"))
        if isinstance(spec.get("replicas"), int) and spec["replicas"] < 0:
            errs.append(fe_invalid("spec.replicas", spec["replicas"], "must be greater than or equal to 0"))
        if old is not None and res.kind != "ReplicaSet" and (old.get("spec") or {}).get("selector") != sel:
            errs.append(fe_invalid("spec.selector", go_selector(sel), "field is immutable"))
    if res.kind in _TEMPLATE_PATH:
        ps = get_at(obj, tuple("f:" + k for k in _TEMPLATE_PATH[res.kind] + ("spec",)))
        pfx = ".".join(_TEMPLATE_PATH[res.kind]) + ".spec"
        if not isinstance(ps, dict) or not ps.get("containers"):
            errs.append(fe_required(pfx + ".containers"))
        else:
            for i, c in enumerate(ps["containers"]):
                for f in ("name", "image"):
                    if not (isinstance(c, dict) and c.get(f)):
                        errs.append(fe_required("%s.containers[%d].%s" % (pfx, i, f)))
            if res.kind == "Job" and ps.get("restartPolicy") not in ("OnFailure", "Never"):
                errs.append(fe_unsupported(pfx + ".restartPolicy", ps.get("restartPolicy"), ["OnFailure", "Never"]))
    if res.kind == "Job" and old is not None and spec.get("template") != (old.get("spec") or {}).get("template"):
        errs.append(fe_invalid("spec.template", RawGo("core.PodTemplateSpec{...}"), "field is immutable"))
    if res.kind == "Service":
        if spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None" and not spec.get("ports"):
            errs.append(fe_required("spec.ports"))
        oip = (old or {}).get("spec", {}).get("clusterIP")
        if old is not None and oip and spec.get("clusterIP") != oip:
            errs.append(fe_invalid("spec.clusterIPs[0]", [spec.get("clusterIP", "")], "may not change once set"))
    if res.kind == "CustomResourceDefinition":
        names = spec.get("names") or {}
        if name != "%s.%s" % (names.get("plural"), spec.get("group")):
            errs.append(fe_invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))
        for i, v in enumerate(spec.get("versions") or []):
            if not (v.get("schema") or {}).get("openAPIV3Schema"):
                errs.append(fe_required("spec.versions[%d].schema.openAPIV3Schema" % i, "schemas are required"))
        if not spec.get("versions"):
            errs.append(fe_required("spec.versions", "must have exactly one version marked as storage version"))
    if errs:
        raise invalid(res, name, errs)


# ---------------------------------------------------------------------------------------------------------------
# Label and field selectors (§5)
# ---------------------------------------------------------------------------------------------------------------
def parse_label_selector(s):
    parts, depth, cur = [], 0, ""
    for ch in s or "":
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    reqs = []
    for part in (p.strip() for p in parts):
        if not part:
            if s and s.strip():
                raise bad_request("unable to parse requirement: found '', expected: identifier")
            continue
        m = re.fullmatch(r"([A-Za-z0-9_./-]+)\s+(in|notin)\s*\(([^()]*)\)", part)
        if m:
            reqs.append((m[1], m[2], {v.strip() for v in m[3].split(",")}))
            continue
        m = re.fullmatch(r"([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)", part)
        if m:
            reqs.append((m[1], "!=" if m[2] == "!=" else "=", {m[3]}))
        elif re.fullmatch(r"!\s*[A-Za-z0-9_./-]+", part):
            reqs.append((part[1:].strip(), "!", set()))
        elif re.fullmatch(r"[A-Za-z0-9_./-]+", part):
            reqs.append((part, "exists", set()))
        else:
            raise bad_request("unable to parse requirement: invalid label selector: %s" % json.dumps(part))
    return reqs


def labels_match(labels, reqs):
    for k, op, vals in reqs:
        has = k in labels
        if op == "=" and not (has and labels[k] in vals):
            return False
        if op == "!=" and has and labels[k] in vals:
            return False
        if op == "in" and not (has and labels[k] in vals):
            return False
        if op == "notin" and has and labels[k] in vals:
            return False
        if op == "exists" and not has:
            return False
        if op == "!" and has:
            return False
    return True


_FIELD_LABELS = {"Pod": {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                         "status.phase", "status.podIP", "status.nominatedNodeName"},
                 "Event": {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                           "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                           "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"},
                 "Secret": {"type"}, "Namespace": {"status.phase"}, "Node": {"spec.unschedulable"}}


def parse_field_selector(s, res):
    reqs = []
    for term in (t.strip() for t in (s or "").split(",") if t.strip()):
        m = re.fullmatch(r"([^=!]+?)\s*(==|=|!=)\s*(.*)", term)
        if not m:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (s, term))
        field = m[1]
        if field not in ("metadata.name", "metadata.namespace") and field not in _FIELD_LABELS.get(res.kind, ()):
            if res.builtin:
                raise bad_request('field label not supported: %s' % field)
            raise bad_request('"%s" is not a known field selector: only "metadata.name", "metadata.namespace"' % field)
        reqs.append((field, m[2] != "!=", m[3]))
    return reqs


def fields_match(obj, reqs):
    for field, eq, val in reqs:
        cur = obj
        for k in field.split("."):
            cur = cur.get(k, "") if isinstance(cur, dict) else ""
        cur = "" if cur is None else str(cur).lower() if isinstance(cur, bool) else str(cur)
        if (cur == val) != eq:
            return False
    return True


# ---------------------------------------------------------------------------------------------------------------
# Presentation: field order as Go writes typed objects; tables for kubectl get (server-side printing)
# ---------------------------------------------------------------------------------------------------------------
_META_ORDER = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
               "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
               "ownerReferences", "finalizers", "managedFields"]


def sort_keys(v):
    if isinstance(v, dict):
        return {k: sort_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [sort_keys(x) for x in v]
    return v


def present(obj, res, in_list=False):
    """Built-ins: kind, apiVersion, metadata in Go field order, status last (list items carry no kind/apiVersion).
    Custom resources are unstructured: Go writes map keys sorted, and the object keeps kind/apiVersion in lists."""
    o = copy.deepcopy(obj)
    o["apiVersion"] = res.gv
    if not res.builtin:
        return sort_keys(o)
    meta = o.get("metadata", {})
    m = {k: meta[k] for k in _META_ORDER if k in meta}
    m.update({k: v for k, v in meta.items() if k not in m})
    out = {} if in_list else {"kind": res.kind, "apiVersion": res.gv}
    out["metadata"] = m
    out.update({k: v for k, v in o.items() if k not in ("kind", "apiVersion", "metadata", "status")})
    if "status" in o:
        out["status"] = o["status"]
    return out


def human_age(ts):
    try:
        t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return "<unknown>"
    s = max(0, int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()))
    if s < 120:
        return "%ds" % s
    m, h, d = s // 60, s // 3600, s // 86400
    if m < 10:
        return "%dm%ds" % (m, s % 60)
    if h < 3:
        return "%dm" % m
    if h < 8:
        return "%dh%dm" % (h, m % 60)
    if h < 48:
        return "%dh" % h
    if d < 8:
        return "%dd%dh" % (d, h % 24)
    return "%dd" % d if d < 730 else "%dy" % (d // 365)


def table_columns(res):
    extra = {"Namespace": ["Status"], "ConfigMap": ["Data"], "Secret": ["Type", "Data"],
             "Service": ["Type", "Cluster-IP", "External-IP", "Port(s)"],
             "Deployment": ["Ready", "Up-to-date", "Available"], "Pod": ["Ready", "Status", "Restarts"],
             "StatefulSet": ["Ready"], "CustomResourceDefinition": []}.get(res.kind, [])
    cols = ["Name"] + extra + (["Created At"] if res.kind == "CustomResourceDefinition" else ["Age"])
    return [{"name": c, "type": "string", "format": "name" if c == "Name" else "", "description": c, "priority": 0}
            for c in cols]


def table_cells(res, o):
    md, spec, st = o.get("metadata", {}), o.get("spec") or {}, o.get("status") or {}
    k = res.kind
    if k == "Namespace":
        extra = [st.get("phase", "")]
    elif k in ("ConfigMap", "Secret"):
        extra = ([o.get("type", "")] if k == "Secret" else []) + [len(o.get("data") or {}) + len(o.get("binaryData") or {})]
    elif k == "Service":
        ports = ",".join("%s%s/%s" % (p.get("port"), ":%s" % p["nodePort"] if p.get("nodePort") else "",
                                      p.get("protocol", "TCP")) for p in spec.get("ports") or [])
        extra = [spec.get("type", ""), spec.get("clusterIP", "<none>"), "<none>", ports or "<none>"]
    elif k == "Deployment":
        extra = ["%d/%d" % (st.get("readyReplicas", 0), spec.get("replicas", 1)), st.get("updatedReplicas", 0),
                 st.get("availableReplicas", 0)]
    elif k == "StatefulSet":
        extra = ["%d/%d" % (st.get("readyReplicas", 0), spec.get("replicas", 1))]
    elif k == "Pod":
        cs = st.get("containerStatuses") or []
        extra = ["%d/%d" % (sum(1 for c in cs if c.get("ready")), len(spec.get("containers") or [])),
                 st.get("phase", "Pending"), sum(c.get("restartCount", 0) for c in cs)]
    else:
        extra = []
    return [md.get("name")] + extra + [md.get("creationTimestamp") if k == "CustomResourceDefinition"
                                       else human_age(md.get("creationTimestamp"))]


def table(res, objs, rv, include):
    rows = []
    for o in objs:
        if include == "None":
            ob = None
        elif include == "Object":
            ob = present(o, res)
        else:
            ob = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                  "metadata": {k: v for k, v in present(o, res)["metadata"].items()}}
        row = {"cells": table_cells(res, o)}
        if ob is not None:
            row["object"] = ob
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": str(rv)},
            "columnDefinitions": table_columns(res), "rows": rows}


# ---------------------------------------------------------------------------------------------------------------
# The store: objects, resourceVersion counter, watch event log, side effects of controllers k3s would run
# ---------------------------------------------------------------------------------------------------------------
def helm_crds():
    def crd(plural, kind, group="helm.cattle.io"):
        return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": "%s.%s" % (plural, group)},
                "spec": {"group": group, "names": {"kind": kind, "listKind": kind + "List", "plural": plural,
                                                   "singular": kind.lower()},
                         "scope": "Namespaced",
                         "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                                       "schema": {"openAPIV3Schema": {"type": "object",
                                                                      "x-kubernetes-preserve-unknown-fields": True}}}]}}
    return [crd("helmcharts", "HelmChart"), crd("helmchartconfigs", "HelmChartConfig")]


class Emu:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.data = {}                  # (group, plural) -> {(namespace, name): stored object}
        self.rv = 100
        self.events, self.event_rvs = [], []     # (rv, type, (group, plural), namespace, obj, old)
        self.compacted = 0
        self.faults = []
        self.stopping = threading.Event()
        self.builtin = _builtins()
        self.crd_delay, self.ns_delay = opts.crd_establish_delay, opts.namespace_delete_delay
        self.tokens = {}
        for t in opts.token or []:
            self.tokens[t] = ("admin", ["system:masters"])
        if opts.token_file:
            for line in open(opts.token_file):
                cols = next(csv.reader([line.strip()])) if line.strip() else []
                if len(cols) >= 2:
                    self.tokens[cols[0]] = (cols[1], cols[3].split(",") if len(cols) > 3 and cols[3] else [])
        self.ca_pem = open(opts.server_ca).read() if opts.server_ca and os.path.exists(opts.server_ca) else ""
        self.log = open(os.path.join(opts.dir, "requests.jsonl"), "a", buffering=1)
        self.log_lock = threading.Lock()
        self.bootstrap()

    # ---- registry ------------------------------------------------------------------------------------------
    def resources(self):
        with self.lock:
            out = list(self.builtin)
            for crd in self.data.get(("apiextensions.k8s.io", "customresourcedefinitions"), {}).values():
                if any(c.get("type") == "Established" and c.get("status") == "True"
                       for c in (crd.get("status") or {}).get("conditions") or []):
                    out += crd_resources(crd)
            return out

    def groups(self):
        """[(group, [versions, preferred first])] in discovery order: built-in groups, then CRD groups sorted."""
        seen = {}
        for r in self.resources():
            seen.setdefault(r.group, [])
            if r.version not in seen[r.group]:
                seen[r.group].append(r.version)
        builtin_groups = [r.group for r in self.builtin]
        order = sorted(seen, key=lambda g: (g not in builtin_groups,
                                            builtin_groups.index(g) if g in builtin_groups else 0, g))
        return [(g, sorted(seen[g], key=version_key)) for g in order]

    def gv_resources(self, group, version):
        rs = [r for r in self.resources() if r.group == group and r.version == version]
        return rs or None

    def res_for(self, api_version, kind):
        g, _, v = api_version.rpartition("/")
        return next((r for r in self.gv_resources(g, v) or [] if r.kind == kind), None)

    # ---- storage -------------------------------------------------------------------------------------------
    def table(self, res):
        return self.data.setdefault((res.group, res.plural), {})

    def get(self, res, ns, name):
        return self.table(res).get((ns or "", name))

    def next_rv(self):
        self.rv += 1
        return self.rv

    def emit(self, etype, res, obj, old=None):
        rv = int(obj["metadata"].get("resourceVersion") or self.rv)
        self.events.append((rv, etype, (res.group, res.plural), obj["metadata"].get("namespace", ""),
                            copy.deepcopy(obj), old))
        self.event_rvs.append(rv)
        if len(self.events) > EVENT_LOG_MAX:
            drop = len(self.events) - EVENT_LOG_MAX
            self.compacted = max(self.compacted, self.event_rvs[drop - 1])
            del self.events[:drop], self.event_rvs[:drop]
        self.cond.notify_all()

    def put(self, res, obj, created):
        """Persist obj (already with metadata filled) under a new resourceVersion; emit the watch event."""
        md = obj["metadata"]
        key = (md.get("namespace", ""), md["name"])
        old = self.table(res).get(key)
        md["resourceVersion"] = str(self.next_rv())
        if md.get("deletionTimestamp") and not md.get("finalizers") and not created and res.kind != "Namespace":
            return self.remove(res, obj)
        self.table(res)[key] = obj
        self.emit("ADDED" if created else "MODIFIED", res, obj, old)
        return obj

    def remove(self, res, obj):
        md = obj["metadata"]
        self.table(res).pop((md.get("namespace", ""), md["name"]), None)
        obj = copy.deepcopy(obj)
        md = obj["metadata"]
        md["resourceVersion"] = str(self.next_rv())
        self.emit("DELETED", res, obj)
        if res.kind == "CustomResourceDefinition":
            for r in crd_resources(obj):
                self.data.pop((r.group, r.plural), None)
        self.cascade(md.get("uid"))
        return obj

    def cascade(self, uid):
        """The garbage collector, synchronously: delete dependents whose ownerReferences name uid."""
        if not uid:
            return
        for r in self.resources():
            for o in list(self.table(r).values()):
                if any(ref.get("uid") == uid for ref in o["metadata"].get("ownerReferences") or []):
                    self.remove(r, o)

    def system_write(self, res, obj, manager="k3s", subresource="", created=False):
        """A write done by a k3s controller: Update entry in managedFields, new resourceVersion."""
        old = self.get(res, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        entries = decode_managed(obj)
        update_managed(entries, old, obj, Schema(res), manager, res.gv, subresource)
        obj["metadata"]["managedFields"] = encode_managed(entries)
        return self.put(res, obj, created)

    def create_system(self, res, obj):
        md = obj.setdefault("metadata", {})
        md.setdefault("uid", str(uuid.uuid4()))
        md.setdefault("creationTimestamp", now())
        obj["apiVersion"], obj["kind"] = res.gv, res.kind
        apply_defaults(obj, None, res, self, False)
        if res.generation:
            md["generation"] = 1
        return self.system_write(res, obj, created=True)

    def bootstrap(self):
        with self.lock:
            for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
                self.create_system(self.builtin_res("Namespace"), {"metadata": {"name": ns}})
                self.namespace_created(ns)
            self.create_system(self.builtin_res("Service"), {
                "metadata": {"name": "kubernetes", "namespace": "default",
                             "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": "10.43.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                               "targetPort": 6443}]}})
            self.create_system(self.builtin_res("StorageClass"), {
                "metadata": {"name": "local-path",
                             "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
                "volumeBindingMode": "WaitForFirstConsumer"})
            if not self.opts.no_helm_crd:
                for crd in helm_crds():
                    o = self.create_system(self.builtin_res("CustomResourceDefinition"), crd)
                    self.establish_crd(o["metadata"]["name"], True)

    def builtin_res(self, kind):
        return next(r for r in self.builtin if r.kind == kind)

    def namespace_created(self, name):
        """What kube-controller-manager does for a new namespace: the default ServiceAccount and kube-root-ca.crt."""
        self.create_system(self.builtin_res("ServiceAccount"), {"metadata": {"name": "default", "namespace": name}})
        self.create_system(self.builtin_res("ConfigMap"), {
            "metadata": {"name": "kube-root-ca.crt", "namespace": name,
                         "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to "
                                         "verify the kube-apiserver when using internal endpoints such as the "
                                         "internal service IP or kubernetes.default.svc. No other usage is "
                                         "guaranteed across distributions of Kubernetes clusters."}},
            "data": {"ca.crt": self.ca_pem}})

    def finalize_namespace(self, name):
        """The namespace controller: delete all content, then the namespace (asynchronously after a DELETE)."""
        with self.lock:
            for r in self.resources():
                if r.namespaced:
                    for (ns, _), o in list(self.table(r).items()):
                        if ns == name:
                            self.remove(r, o)
            nsres = self.builtin_res("Namespace")
            o = self.get(nsres, None, name)
            if o is not None and o["metadata"].get("deletionTimestamp"):
                self.remove(nsres, o)

    def finalize_crd(self, name):
        with self.lock:
            crdres = self.builtin_res("CustomResourceDefinition")
            o = self.get(crdres, None, name)
            if o is None:
                return
            for r in crd_resources(o):
                for obj in list(self.table(r).values()):
                    self.remove(r, obj)
            self.remove(crdres, o)

    def establish_crd(self, name, immediately=False):
        with self.lock:
            crdres = self.builtin_res("CustomResourceDefinition")
            o = self.get(crdres, None, name)
            if o is None or o["metadata"].get("deletionTimestamp"):
                return
            o = copy.deepcopy(o)
            st, spec, t = o.setdefault("status", {}), o["spec"], now()
            names = dict(spec.get("names") or {})
            st["acceptedNames"] = names
            conds = {c["type"]: c for c in st.get("conditions") or []}
            conds["NamesAccepted"] = conds.get("NamesAccepted") or {
                "type": "NamesAccepted", "status": "True", "lastTransitionTime": t, "reason": "NoConflicts",
                "message": "no conflicts found"}
            est = conds.get("Established")
            if immediately and (not est or est["status"] != "True"):
                conds["Established"] = {"type": "Established", "status": "True", "lastTransitionTime": t,
                                        "reason": "InitialNamesAccepted",
                                        "message": "the initial names have been accepted"}
            elif not est:
                conds["Established"] = {"type": "Established", "status": "False", "lastTransitionTime": t,
                                        "reason": "Installing", "message": "the initial names have been accepted"}
            st["conditions"] = [conds["NamesAccepted"], conds["Established"]]
            stored = st.get("storedVersions") or []
            for v in spec.get("versions") or []:
                if v.get("storage") and v.get("name") not in stored:
                    stored.append(v["name"])
            st["storedVersions"] = stored
            if content(o) != content(self.get(crdres, None, name)):
                self.system_write(crdres, o, subresource="status")
        if not immediately:
            t = threading.Timer(self.crd_delay, self.establish_crd, (name, True))
            t.daemon = True
            t.start()

    def allocate_ip(self, want=None):
        used = {(o.get("spec") or {}).get("clusterIP") for o in self.table(self.builtin_res("Service")).values()}
        if want:
            return want if want not in used else None
        while True:
            ip = "10.43.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
            if ip not in used:
                return ip

    def take_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if f["method"] in ("*", method) and path.startswith(f.get("path", "/")) and f["count"] != 0:
                    f["count"] -= 1
                    f["hits"] = f.get("hits", 0) + 1
                    return dict(f)
        return None


def crd_resources(crd):
    spec, names = crd.get("spec") or {}, (crd.get("spec") or {}).get("names") or {}
    out = []
    for v in spec.get("versions") or []:
        if v.get("served"):
            subres = [s for s in ("status", "scale") if s in (v.get("subresources") or {})]
            out.append(Res(spec["group"] + "/" + v["name"], names.get("kind", ""), names.get("plural", ""),
                           spec.get("scope") == "Namespaced", names.get("shortNames") or [], subres, "",
                           crd=crd["metadata"]["name"], singular=names.get("singular"),
                           list_kind=names.get("listKind"), categories=names.get("categories") or []))
    return out


def apply_defaults(obj, old, res, emu, dry_run):
    """Server defaults (the registry defaulters of §2): what `kubectl get -o json` shows but nobody applied."""
    k, md = res.kind, obj["metadata"]
    spec = obj.setdefault("spec", {}) if k in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job",
                                                  "CronJob", "Service", "Namespace", "PersistentVolumeClaim",
                                                  "CustomResourceDefinition") else obj.get("spec")
    if k in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        if k != "DaemonSet":
            spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        if k == "Deployment":
            st = spec.setdefault("strategy", {})
            st.setdefault("type", "RollingUpdate")
            if st["type"] == "RollingUpdate":
                ru = st.setdefault("rollingUpdate", {})
                ru.setdefault("maxUnavailable", "25%")
                ru.setdefault("maxSurge", "25%")
            spec.setdefault("progressDeadlineSeconds", 600)
        elif k == "StatefulSet":
            spec.setdefault("podManagementPolicy", "OrderedReady")
            us = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
            if us.get("type") == "RollingUpdate":
                us.setdefault("rollingUpdate", {"partition": 0})
            spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
        elif k == "DaemonSet":
            us = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
            if us.get("type") == "RollingUpdate":
                us.setdefault("rollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})
        default_pod_template(spec.setdefault("template", {}))
        obj.setdefault("status", {})
    elif k == "Job":
        for f, v in (("parallelism", 1), ("completions", 1), ("backoffLimit", 6), ("completionMode", "NonIndexed"),
                     ("suspend", False), ("podReplacementPolicy", "TerminatingOrFailed")):
            spec.setdefault(f, v)
        tpl = spec.setdefault("template", {})
        default_pod_template(tpl)
        if not spec.get("manualSelector"):
            labels = {"batch.kubernetes.io/controller-uid": md["uid"], "batch.kubernetes.io/job-name": md["name"],
                      "controller-uid": md["uid"], "job-name": md["name"]}
            spec.setdefault("selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": md["uid"]}})
            tl = tpl["metadata"].setdefault("labels", {})
            for lk, lv in labels.items():
                tl.setdefault(lk, lv)
        obj.setdefault("status", {})
    elif k == "CronJob":
        for f, v in (("concurrencyPolicy", "Allow"), ("suspend", False), ("successfulJobsHistoryLimit", 3),
                     ("failedJobsHistoryLimit", 1)):
            spec.setdefault(f, v)
        jt = spec.setdefault("jobTemplate", {})
        jt.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        default_pod_template(jt.setdefault("spec", {}).setdefault("template", {}))
        obj.setdefault("status", {})
    elif k == "Pod":
        default_pod_spec(spec if isinstance(spec, dict) else obj.setdefault("spec", {}))
        obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
    elif k == "Service":
        t = spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        ospec = (old or {}).get("spec") or {}
        for p in spec.get("ports") or []:
            if isinstance(p, dict):
                p.setdefault("protocol", "TCP")
                p.setdefault("targetPort", p.get("port"))
                if t in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
                    prev = next((q.get("nodePort") for q in ospec.get("ports") or []
                                 if q.get("port") == p.get("port") and q.get("nodePort")), None)
                    p["nodePort"] = prev or random.randint(30000, 32767)
        if t != "ExternalName":
            if not spec.get("clusterIP") and ospec.get("clusterIP"):
                spec["clusterIP"] = ospec["clusterIP"]          # patchAllocatedValues: keep the allocated IP
            if not spec.get("clusterIP"):
                spec["clusterIP"] = emu.allocate_ip()
            elif spec["clusterIP"] != "None" and not old:
                if emu.allocate_ip(spec["clusterIP"]) is None:
                    raise invalid(res, md["name"], [fe_invalid("spec.clusterIPs", [spec["clusterIP"]],
                                                               "failed to allocate IP %s: provided IP is already "
                                                               "allocated" % spec["clusterIP"])])
            spec["clusterIPs"] = [spec["clusterIP"]]
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
            if t in ("NodePort", "LoadBalancer"):
                spec.setdefault("externalTrafficPolicy", "Cluster")
            if t == "LoadBalancer":
                spec.setdefault("allocateLoadBalancerNodePorts", True)
        obj.setdefault("status", {"loadBalancer": {}})
    elif k == "Namespace":
        md.setdefault("labels", {})["kubernetes.io/metadata.name"] = md["name"]
        spec.setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {})
        obj["status"]["phase"] = "Terminating" if md.get("deletionTimestamp") else "Active"
    elif k == "Secret":
        obj.setdefault("type", "Opaque")
        sd = obj.pop("stringData", None)
        if isinstance(sd, dict):
            data = obj.setdefault("data", {})
            for sk, sv in sd.items():
                data[sk] = base64.b64encode(str(sv).encode()).decode()
    elif k == "PersistentVolumeClaim":
        spec.setdefault("volumeMode", "Filesystem")
        spec.setdefault("storageClassName", "local-path")
        obj.setdefault("status", {"phase": "Pending"})
    elif k == "Ingress":
        obj.setdefault("status", {"loadBalancer": {}})
    elif k == "CustomResourceDefinition":
        spec.setdefault("conversion", {"strategy": "None"})
        names = spec.setdefault("names", {})
        if names.get("kind"):
            names.setdefault("listKind", names["kind"] + "List")
            names.setdefault("singular", names["kind"].lower())
        obj.setdefault("status", {"acceptedNames": {"kind": "", "plural": ""}, "conditions": [],
                                  "storedVersions": []})


def update_managed(entries, old, new, schema, manager, api_version, subresource):
    """managedFields for an Update operation: the manager takes every field it changed (others lose them)."""
    old_b, new_b = strip_for_set(old) if old else {}, strip_for_set(new)
    new_set = fieldset(new_b, schema, update=True)
    changed = {p for p in new_set if get_at(old_b, p) != get_at(new_b, p) or not old}
    removed = fieldset(old_b, schema, update=True) - new_set if old else set()
    me = next((e for e in entries if e["manager"] == manager and e["operation"] == "Update"
               and e["apiVersion"] == api_version and e["subresource"] == subresource), None)
    for e in entries:
        e["set"] -= changed | removed
    if changed or (me and me["set"]):
        if me is None:
            me = {"manager": manager, "operation": "Update", "apiVersion": api_version, "time": now(),
                  "subresource": subresource, "set": set()}
            entries.append(me)
        if changed:
            me["time"] = now()
        me["set"] |= changed
    entries[:] = [e for e in entries if e["set"]]


# ---------------------------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------------------------
class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if not isinstance(e, (ssl.SSLError, ConnectionError, TimeoutError, OSError)):
            traceback.print_exc()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300                 # idle keep-alive connections are closed after this

    def setup(self):
        raw = self.request
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # headers and body go out as separate writes
        raw.settimeout(10)        # the TLS handshake runs here, in the connection's thread, not in accept()
        self.request = self.connection = self.server.tls.wrap_socket(raw, server_side=True)
        super().setup()

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # ---- plumbing ------------------------------------------------------------------------------------------
    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                n = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def write_log(self, code, fault=None):
        emu = self.server.emu
        if self.upath.startswith("/_emu/"):
            return
        hdrs = {h: self.headers[h] for h in ("User-Agent", "Content-Type", "Accept", "Accept-Encoding",
                                             "Kubectl-Command") if self.headers.get(h) is not None}
        if self.headers.get("Authorization"):
            hdrs["Authorization"] = self.headers["Authorization"].split(" ")[0] + " <redacted>"
        rec = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
               "method": self.command, "path": self.upath, "query": self.rawq, "headers": hdrs,
               "user": getattr(self, "user", None) and self.user[0], "status": code,
               "body": self.body[:LOG_BODY_LIMIT].decode("utf-8", "replace"), "bodyBytes": len(self.body),
               "bodyTruncated": len(self.body) > LOG_BODY_LIMIT}
        if fault:
            rec["fault"] = fault
        with emu.log_lock:
            emu.log.write(json.dumps(rec) + "\n")

    def reply(self, code, body, ctype="application/json", headers=()):
        if not isinstance(body, bytes):
            body = (json.dumps(body, separators=(",", ":")) + "\n").encode()
        hdrs = [("Audit-Id", str(uuid.uuid4())), ("Cache-Control", "no-cache, private"), ("Content-Type", ctype)]
        hdrs += list(headers)
        if len(body) > GZIP_MIN and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            hdrs.append(("Content-Encoding", "gzip"))
        hdrs.append(("Content-Length", str(len(body))))
        self.write_log(code)
        self.send_response_only(code)
        self.send_header("Date", self.date_time_string())
        for k, v in hdrs:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def not_found_text(self):
        self.reply(404, b"404 page not found\n", "text/plain; charset=utf-8", [("X-Content-Type-Options", "nosniff")])

    def dispatch(self):
        u = urlsplit(self.path)
        self.upath, self.rawq = u.path, u.query
        self.q = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        self.body, self.user = self.read_body(), None
        emu = self.server.emu
        fault = None if self.upath.startswith("/_emu/") else emu.take_fault(self.command, self.upath)
        if fault:
            return self.do_fault(fault)
        try:
            self.user = self.authenticate()
            if self.user is None:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            self.route()
        except ApiError as e:
            self.reply(e.code, e.body(), headers=e.headers)
        except (ConnectionError, ssl.SSLError, TimeoutError):
            self.close_connection = True
        except Exception as e:            # an emulator bug: answer like the apiserver would, and say so on stderr
            traceback.print_exc()
            self.reply(500, status_body("Failure", 500, "InternalError", "Internal error occurred: %s" % e, None))

    def do_fault(self, f):
        act = str(f["action"])
        if act in ("hang", "close"):
            self.write_log(0, act)
            if act == "hang":
                self.server.emu.stopping.wait(float(f.get("seconds", 60)))
            self.close_connection = True
            try:
                self.request.shutdown(2)
            except OSError:
                pass
            return
        if act == "truncate":
            # a dropped connection mid-response: the status line, the headers and half a JSON body, then the
            # connection closes; the request itself is not carried out
            self.write_log(200, act)
            part = b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Succ'
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                                 % (2 * len(part)) + part)
                self.wfile.flush()
                self.request.shutdown(2)
            except OSError:
                pass
            self.close_connection = True
            return
        code = int(act)
        reason = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
                  409: "Conflict", 410: "Expired"}.get(code, "")
        msg = f.get("message") or {429: "Too many requests, please try again later.",
                                   500: "Internal error occurred: injected fault",
                                   503: "the server is currently unable to handle the request"}.get(code, "fault")
        retry = f.get("retryAfter", 1 if code == 429 else None)
        hdrs = [("Retry-After", str(retry))] if retry is not None else []
        body = status_body("Failure", code, reason, msg, _details(retry=retry) if retry else None)
        self.reply(code, body, headers=hdrs)

    def authenticate(self):
        """x509 client cert (verified by the TLS layer against the client CA) or a static Bearer token."""
        cert = self.request.getpeercert()
        if cert:
            subj = [v for rdn in cert.get("subject", ()) for v in rdn]
            cn = next((v for k, v in subj if k == "commonName"), "")
            return cn, [v for k, v in subj if k == "organizationName"]
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.server.emu.tokens.get(auth[7:].strip())
        return None

    def authorize(self, res, verb, ns, name, sub):
        user, groups = self.user
        if "system:masters" in groups:
            return
        what = res.plural + ("/" + sub if sub else "")
        where = ' in the namespace "%s"' % ns if ns else " at the cluster scope"
        subject = '%s "%s"' % (res.qual, name) if name else res.qual
        raise ApiError(403, "Forbidden", '%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s"%s'
                       % (subject, user, verb, what, res.group, where), _details(name, res.group, res.plural))

    def parse_json_body(self, what="body"):
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if self.command in ("POST", "PUT") and ctype not in ("", "application/json", "application/yaml", "*/*"):
            # protobuf (kubectl's typed `create` generators) and CBOR cannot be decoded without the schemas
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                           "accepted media types include: application/json, application/yaml")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise bad_request("error decoding %s: the emulator accepts JSON only (JSON is valid YAML): %s" % (what, e))

    # ---- routing -------------------------------------------------------------------------------------------
    def route(self):
        emu, p, m = self.server.emu, self.upath, self.command
        if p.startswith("/_emu/"):
            self.require_admin()
            return self.control(p[6:])
        if m in ("GET", "HEAD") and p in ("/version", "/version/"):
            return self.reply(200, VERSION)
        if m in ("GET", "HEAD") and p in ("/healthz", "/livez", "/readyz"):
            return self.reply(200, b"ok", "text/plain; charset=utf-8")
        if m == "GET" and p in ("/api", "/api/"):
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % self.server.server_address[1]}]})
        if m == "GET" and p in ("/apis", "/apis/"):
            return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                    "groups": [group_doc(g, vs) for g, vs in emu.groups() if g]})
        if m == "GET" and p.startswith("/openapi/v3"):
            return self.openapi_v3(p[len("/openapi/v3"):].strip("/"))
        if m == "GET" and p == "/openapi/v2":
            # kubectl only falls back to v2 (protobuf) for kinds /openapi/v3 lacks: an empty, valid Document
            # (swagger "2.0", info) makes its client-side validation skip those kinds, as for unknown kinds.
            info = pb_field(1, b"Kubernetes") + pb_field(2, VERSION["gitVersion"].encode())
            return self.reply(200, pb_field(1, b"2.0") + pb_field(2, info),
                              "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        parts = [unquote(s) for s in p.strip("/").split("/")]
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        elif parts[0] == "apis" and len(parts) == 2 and m == "GET":
            vs = dict(emu.groups()).get(parts[1])
            return self.reply(200, dict(group_doc(parts[1], vs), kind="APIGroup", apiVersion="v1")) if vs and \
                parts[1] else self.not_found_text()
        else:
            return self.not_found_text()
        rs = emu.gv_resources(group, version)
        if rs is None:
            return self.not_found_text()      # unknown group/version falls through to http.NotFound (§2)
        if not rest:
            if m != "GET":
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                        "resource")
            return self.reply(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": rs[0].gv,
                                    "resources": resource_list(rs)})
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (group == "" and len(rest) == 3 and
                                                               rest[2] in ("status", "finalize")):
            ns, rest = rest[1], rest[2:]
        nf = ApiError(404, "NotFound", "the server could not find the requested resource", {})
        res = next((r for r in rs if r.plural == rest[0]), None)
        if res is None or len(rest) > 3 or (ns is not None and not res.namespaced):
            raise nf
        name, sub = (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
        if (sub and sub not in res.subres) or (name is not None and res.namespaced and ns is None) or name == "":
            raise nf
        verb = {"GET": "get" if name else ("watch" if self.q.get("watch") in ("true", "1") else "list"),
                "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if name else "deletecollection"}.get(m)
        if verb is None or (verb == "create" and name) or (verb in ("update", "patch") and not name) or \
                (verb == "create" and res.namespaced and ns is None) or \
                (verb == "deletecollection" and res.kind == "Namespace"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if sub not in (None, "status", "scale"):
            raise ApiError(405, "MethodNotAllowed", "the emulator does not implement subresource %s" % sub)
        self.authorize(res, verb, ns, name, sub)
        handler = {"get": self.h_get, "list": self.h_list, "watch": self.h_watch, "create": self.h_create,
                   "update": self.h_update, "patch": self.h_patch, "delete": self.h_delete,
                   "deletecollection": self.h_deletecollection}[verb]
        return handler(res, ns, name, sub)

    def require_admin(self):
        if "system:masters" not in self.user[1]:
            raise ApiError(403, "Forbidden", "the emulator control interface needs system:masters")

    def wants_table(self):
        return "as=Table" in self.headers.get("Accept", "")

    # ---- discovery documents -------------------------------------------------------------------------------
    def openapi_v3(self, sub):
        emu = self.server.emu
        gvs = {("api/v1" if not g else "apis/%s/%s" % (g, v)): (g, v) for g, vs in emu.groups() for v in vs}
        docs = {k: openapi_doc(emu.gv_resources(*gv)) for k, gv in gvs.items()}
        hashes = {k: hashlib.sha512(json.dumps(d, sort_keys=True).encode()).hexdigest().upper()[:128]
                  for k, d in docs.items()}
        if not sub:
            return self.reply(200, {"paths": {k: {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (k, hashes[k])}
                                              for k in docs}})
        if sub not in docs:
            return self.not_found_text()
        return self.reply(200, docs[sub], headers=[("Etag", '"%s"' % hashes[sub])])

    # ---- reads -------------------------------------------------------------------------------------------
    def h_get(self, res, ns, name, sub):
        emu = self.server.emu
        with emu.lock:
            o = emu.get(res, ns, name)
            if o is None:
                raise not_found(res, name)
            if sub == "scale":
                return self.reply(200, scale_of(o, res))
            if self.wants_table():
                return self.reply(200, table(res, [o], emu.rv, self.q.get("includeObject", "Metadata")))
            return self.reply(200, present(o, res))

    def select(self, res, ns):
        emu = self.server.emu
        lsel = parse_label_selector(self.q.get("labelSelector", ""))
        fsel = parse_field_selector(self.q.get("fieldSelector", ""), res)
        items = sorted(emu.table(res).items())
        return [o for (ons, _), o in items if (ns is None or ons == ns) and
                labels_match(o["metadata"].get("labels") or {}, lsel) and fields_match(o, fsel)]

    def h_list(self, res, ns, name, sub):
        emu = self.server.emu
        with emu.lock:
            rv, rvm = self.q.get("resourceVersion", ""), self.q.get("resourceVersionMatch", "")
            if rvm and not rv:
                raise bad_request("resourceVersionMatch is forbidden unless resourceVersion is provided")
            if rv not in ("", "0") and rv.isdigit() and int(rv) < emu.compacted and rvm == "Exact":
                raise ApiError(410, "Expired", "The resourceVersion for the provided list is too old.")
            objs = self.select(res, ns)
            start, list_rv = 0, emu.rv
            cont = self.q.get("continue")
            if cont:
                try:
                    tok = json.loads(base64.urlsafe_b64decode(cont + "==").decode())
                    list_rv, after = int(tok["rv"]), tuple(tok["start"])
                except (ValueError, KeyError, TypeError):
                    raise bad_request("continue key is not valid: invalid continue token")
                if list_rv < emu.compacted:
                    raise ApiError(410, "Expired", "The provided continue parameter is too old to display a "
                                   "consistent list result. You can start a new list without the continue "
                                   "parameter, or use the continue token in this response to retrieve the "
                                   "remainder of the results. Continuing with the provided token results in an "
                                   "inconsistent list - objects that were created, modified, or deleted between the "
                                   "time the first chunk was returned and now may show up in the list.")
                start = next((i for i, o in enumerate(objs) if (o["metadata"].get("namespace", ""),
                                                                o["metadata"]["name"]) > after), len(objs))
            limit = int(self.q.get("limit") or 0)
            page = objs[start:start + limit] if limit > 0 else objs[start:]
            meta = {"resourceVersion": str(list_rv)}
            if limit > 0 and start + limit < len(objs):
                last = page[-1]["metadata"]
                meta["continue"] = base64.urlsafe_b64encode(json.dumps(
                    {"rv": list_rv, "start": [last.get("namespace", ""), last["name"]]}).encode()).decode().rstrip("=")
                meta["remainingItemCount"] = len(objs) - start - limit
            if self.wants_table():
                t = table(res, page, list_rv, self.q.get("includeObject", "Metadata"))
                t["metadata"] = meta
                return self.reply(200, t)
            return self.reply(200, {"kind": res.list_kind, "apiVersion": res.gv, "metadata": meta,
                                    "items": [present(o, res, in_list=res.builtin) for o in page]})

    def h_watch(self, res, ns, name, sub):
        """§8: 200, chunked, one JSON event per line; ERROR 410 event for a compacted resourceVersion."""
        emu = self.server.emu
        lsel = parse_label_selector(self.q.get("labelSelector", ""))
        fsel = parse_field_selector(self.q.get("fieldSelector", ""), res)
        rv = self.q.get("resourceVersion", "")
        deadline = time.monotonic() + float(self.q.get("timeoutSeconds") or 1800)

        def match(o):
            return o is not None and (ns is None or o["metadata"].get("namespace", "") == ns) and \
                labels_match(o["metadata"].get("labels") or {}, lsel) and fields_match(o, fsel)

        def expired(n):
            return {"type": "ERROR", "object": status_body("Failure", 410, "Expired", "too old resource version: %s "
                                                           "(%d)" % (n, emu.compacted), None)}
        with emu.lock:
            if rv in ("", "0"):
                initial, last = [{"type": "ADDED", "object": present(o, res)} for o in self.select(res, ns)], emu.rv
            elif not rv.isdigit():
                raise bad_request("invalid resource version: %s" % rv)
            elif int(rv) < emu.compacted:
                initial, last = [expired(rv)], None
            else:
                initial, last = [], int(rv)
        self.write_log(200)
        self.send_response_only(200)
        for k, v in (("Date", self.date_time_string()), ("Audit-Id", str(uuid.uuid4())),
                     ("Cache-Control", "no-cache, private"), ("Content-Type", "application/json"),
                     ("Transfer-Encoding", "chunked")):
            self.send_header(k, v)
        self.end_headers()

        def send(ev):
            data = (json.dumps(ev, separators=(",", ":")) + "\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        try:
            for ev in initial:
                send(ev)
            while last is not None and not emu.stopping.is_set() and time.monotonic() < deadline:
                with emu.cond:
                    if last < emu.compacted:
                        evs, stop = [expired(last)], True
                    else:
                        i = bisect.bisect_right(emu.event_rvs, last)
                        evs, stop = [], False
                        for erv, etype, gp, ens, o, old in emu.events[i:]:
                            last = erv
                            if gp != (res.group, res.plural):
                                continue
                            now_m, was_m = match(o), etype == "MODIFIED" and match(old)
                            if etype == "MODIFIED" and now_m != was_m:
                                etype = "ADDED" if now_m else "DELETED"
                            if now_m or (etype == "DELETED" and (match(o) or was_m)):
                                evs.append({"type": etype, "object": present(o, res)})
                    if not evs:
                        emu.cond.wait(min(1.0, max(0.01, deadline - time.monotonic())))
                for ev in evs:
                    send(ev)
                if stop:
                    break
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (OSError, ssl.SSLError):
            self.close_connection = True

    # ---- writes ------------------------------------------------------------------------------------------
    def check_namespace(self, res, ns, name, creating):
        if not res.namespaced:
            return
        emu = self.server.emu
        nso = emu.get(emu.builtin_res("Namespace"), None, ns)
        if nso is None:
            raise ns_not_found(ns)
        if creating and nso["metadata"].get("deletionTimestamp"):
            raise ApiError(403, "Forbidden", '%s "%s" is forbidden: unable to create new content in namespace %s '
                           "because it is being terminated" % (res.qual, name, ns),
                           _details(name, res.group, res.plural, causes=[{
                               "reason": "NamespaceTerminating", "message": "namespace %s is being terminated" % ns,
                               "field": "metadata.namespace"}]))

    def dry_run(self):
        d = self.q.get("dryRun")
        if d is not None and d != "All":
            raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
                           '"%s": supported values: "All"' % d)
        return d == "All"

    def check_body_meta(self, res, ns, name, obj, apply):
        if not isinstance(obj, dict):
            raise bad_request("the body of the request must be an object")
        if apply and (obj.get("apiVersion") != res.gv or obj.get("kind") != res.kind):
            if obj.get("apiVersion") != res.gv:
                raise bad_request("Incorrect version specified in apply patch. Specified patch version: %s, "
                                  "expected: %s" % (obj.get("apiVersion") or "", res.gv))
            raise bad_request("Incorrect kind specified in apply patch. Specified patch kind: %s, expected: %s"
                              % (obj.get("kind") or "", res.kind))
        md = obj.setdefault("metadata", {})
        if not isinstance(md, dict):
            raise bad_request("metadata must be an object")
        if apply and md.get("managedFields") is not None:
            raise bad_request("metadata.managedFields must be nil")
        if name is not None:
            if md.get("name") and md["name"] != name:
                raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                  % (md["name"], name))
            md["name"] = name
        if res.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                                  "request")
            md["namespace"] = ns
        else:
            md.pop("namespace", None)

    def manager(self, required):
        fm = self.q.get("fieldManager")
        if fm is None and required:
            raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
                           "required for apply patch", _details(kind="PatchOptions", group="meta.k8s.io", causes=[
                               {"reason": "FieldValueRequired", "message": "Required value: is required for apply "
                                "patch", "field": "fieldManager"}]))
        if fm is None:
            fm = self.headers.get("User-Agent", "unknown").split("/")[0]
        if len(fm) > 128 or not fm.isprintable():
            raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not '
                           "be more than 128 bytes")
        return fm

    def finish_write(self, res, live, new, created, dry, code=None, subresource=""):
        """Common tail of every write: defaults, validation, generation, persistence, side effects, answer."""
        emu = self.server.emu
        md = new["metadata"]
        if created:
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now()
            for k in ("resourceVersion", "generation", "deletionTimestamp"):
                md.pop(k, None)
        else:
            for k in ("uid", "creationTimestamp", "resourceVersion", "generation", "deletionTimestamp",
                      "deletionGracePeriodSeconds"):
                if k in live["metadata"]:
                    md[k] = live["metadata"][k]
                else:
                    md.pop(k, None)
        new["apiVersion"], new["kind"] = res.gv, res.kind
        if res.status_sub and not subresource:
            if live is not None and "status" in live:
                new["status"] = copy.deepcopy(live["status"])
            elif live is None:
                new.pop("status", None)
        apply_defaults(new, live, res, emu, dry)
        validate(new, live, res)
        if res.generation:
            md["generation"] = 1 if created else live["metadata"].get("generation", 1) + \
                (spec_part(new) != spec_part(live))
        if not created and content(new) == content(live) and \
                new["metadata"].get("managedFields") == live["metadata"].get("managedFields"):
            return self.reply(200, present(live, res))           # no-op: same resourceVersion, same times
        if dry:
            out = copy.deepcopy(new)
            if created:
                out["metadata"].pop("resourceVersion", None)     # Flux: no RV on a dry-run answer = would create
            return self.reply(code or (201 if created else 200), present(out, res))
        with emu.lock:
            stored = emu.put(res, new, created)
            if res.kind == "Namespace" and created:
                emu.namespace_created(md["name"])
            if res.kind == "CustomResourceDefinition":
                emu.establish_crd(md["name"], emu.crd_delay <= 0)
                stored = emu.get(res, None, md["name"]) or stored
        return self.reply(code or (201 if created else 200), present(stored, res))

    def h_create(self, res, ns, name, sub):
        emu = self.server.emu
        obj = self.parse_json_body()
        dry = self.dry_run()
        if isinstance(obj, dict) and obj.get("apiVersion") not in (None, res.gv):
            raise bad_request("the API version in the data (%s) does not match the expected API version (%s)"
                              % (obj.get("apiVersion"), res.gv))
        self.check_body_meta(res, ns, None, obj, False)
        md = obj["metadata"]
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        if not md.get("name"):
            raise invalid(res, "", [fe_required("metadata.name", "name or generateName is required")])
        manager = self.manager(False)
        with emu.lock:
            self.check_namespace(res, ns, md["name"], True)
            if emu.get(res, ns, md["name"]) is not None:
                raise ApiError(409, "AlreadyExists", '%s "%s" already exists' % (res.qual, md["name"]),
                               _details(md["name"], res.group, res.plural))
            check_unknown(obj, res, ns)
            md.pop("managedFields", None)
            new = copy.deepcopy(obj)
            new["metadata"]["uid"] = "pending"
            apply_defaults(new, None, res, emu, True)
            entries = []
            update_managed(entries, None, new, Schema(res), manager, res.gv, "")
            obj["metadata"]["managedFields"] = encode_managed(entries)
            return self.finish_write(res, None, obj, True, dry)

    def h_update(self, res, ns, name, sub):
        emu = self.server.emu
        obj = self.parse_json_body()
        dry = self.dry_run()
        if sub == "scale":
            return self.write_scale(res, ns, name, lambda s: merge_patch(s, obj), dry)
        self.check_body_meta(res, ns, name, obj, False)
        with emu.lock:
            live = emu.get(res, ns, name)
            if live is None:
                raise not_found(res, name)
            rv = obj["metadata"].get("resourceVersion")
            if rv and rv != live["metadata"]["resourceVersion"]:
                raise conflict_rv(res, name)
            if sub == "status":
                new = copy.deepcopy(live)
                new["status"] = obj.get("status")
            else:
                new = obj
            return self.update_with(res, live, new, self.manager(False), dry, sub or "")

    def update_with(self, res, live, new, manager, dry, subresource):
        """An Update operation (PUT, non-apply PATCH): the manager takes the fields it changed."""
        check_unknown(new, res, live["metadata"].get("namespace"))
        mf = new["metadata"].get("managedFields")
        entries = decode_managed(live if not mf else new)
        new = copy.deepcopy(new)
        for k in ("uid", "creationTimestamp"):
            new["metadata"][k] = live["metadata"].get(k)
        if res.status_sub and not subresource:
            new.pop("status", None)
            if "status" in live:
                new["status"] = copy.deepcopy(live["status"])
        probe = copy.deepcopy(new)
        apply_defaults(probe, live, res, self.server.emu, True)
        update_managed(entries, live, probe, Schema(res), manager, res.gv, subresource)
        new["metadata"]["managedFields"] = encode_managed(entries)
        return self.finish_write(res, live, new, False, dry, subresource=subresource)

    def h_patch(self, res, ns, name, sub):
        emu = self.server.emu
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        kinds = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
        if res.builtin:
            kinds.append("application/strategic-merge-patch+json")
        if ctype not in kinds:
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                           "media types include: " + ", ".join(kinds))
        dry = self.dry_run()
        if ctype == "application/apply-patch+yaml":
            return self.apply(res, ns, name, sub, dry)
        patch = self.parse_json_body()
        schema = Schema(res)

        def do(doc):
            if ctype == "application/json-patch+json":
                return json_patch(doc, patch if isinstance(patch, list) else [])
            if ctype == "application/merge-patch+json":
                return merge_patch(doc, patch)
            return strategic_patch(doc, patch, schema)
        if sub == "scale":
            return self.write_scale(res, ns, name, do, dry)
        with emu.lock:
            live = emu.get(res, ns, name)
            if live is None:
                raise not_found(res, name)
            new = do(copy.deepcopy(live))
            if not isinstance(new, dict):
                raise bad_request("the patch did not produce an object")
            if sub == "status":
                st = new.get("status")
                new = copy.deepcopy(live)
                new["status"] = st
                if st is None:
                    new.pop("status")
            self.check_body_meta(res, ns, name, new, False)
            rv = new["metadata"].get("resourceVersion")
            if rv and rv != live["metadata"]["resourceVersion"]:
                raise conflict_rv(res, name)
            return self.update_with(res, live, new, self.manager(False), dry, sub or "")

    def write_scale(self, res, ns, name, fn, dry):
        emu = self.server.emu
        with emu.lock:
            live = emu.get(res, ns, name)
            if live is None:
                raise not_found(res, name)
            sc = fn(scale_of(live, res))
            replicas = (sc.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise invalid(Res("autoscaling/v1", "Scale", "scale", True), name,
                              [fe_invalid("spec.replicas", replicas, "must be greater than or equal to 0")])
            new = copy.deepcopy(live)
            new.setdefault("spec", {})["replicas"] = replicas
            entries = decode_managed(live)
            update_managed(entries, live, new, Schema(res), self.manager(False), res.gv, "scale")
            new["metadata"]["managedFields"] = encode_managed(entries)
            if spec_part(new) != spec_part(live):
                new["metadata"]["generation"] = live["metadata"].get("generation", 1) + 1
            stored = new if dry else emu.put(res, new, False)
            sc = scale_of(stored, res)
            self.reply(200, sc)

    def apply(self, res, ns, name, sub, dry):
        """Server-side apply (§2): ownership per manager, conflicts, removal of fields no longer applied."""
        emu = self.server.emu
        manager = self.manager(True)
        force = self.q.get("force", "false") not in ("false", "0", "False", "FALSE", "")
        try:
            cfg = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise bad_request("error decoding YAML: the emulator accepts JSON apply bodies only (kubectl and pinion "
                              "send JSON, which is valid YAML): %s" % e)
        self.check_body_meta(res, ns, name, cfg, True)
        if sub == "status":
            cfg = {"apiVersion": cfg["apiVersion"], "kind": cfg["kind"], "status": cfg.get("status") or {},
                   "metadata": {k: v for k, v in cfg["metadata"].items() if k in ("name", "namespace")}}
        elif res.status_sub:
            cfg.pop("status", None)      # reset by the main resource's strategy (and not tracked)
        schema = Schema(res)
        with emu.lock:
            live = emu.get(res, ns, name)
            self.check_namespace(res, ns, name, live is None)
            rv = cfg["metadata"].get("resourceVersion")
            if rv and (live is None or rv != live["metadata"]["resourceVersion"]):
                raise conflict_rv(res, name)
            check_unknown(cfg, res, ns)
            entries = decode_managed(live)
            sub_name = sub or ""
            new_set = fieldset(strip_for_set(cfg), schema)
            me = next((e for e in entries if e["manager"] == manager and e["operation"] == "Apply"
                       and e["subresource"] == sub_name), None)
            old_set = set(me["set"]) if me else set()
            base = copy.deepcopy(live) if live else {"apiVersion": res.gv, "kind": res.kind,
                                                     "metadata": dict(cfg["metadata"])}
            merged = merge(base, {k: v for k, v in cfg.items() if k not in ("apiVersion", "kind")}, schema)
            conflicts = []
            for e in entries:
                if e is me:
                    continue
                for p in sorted(new_set & e["set"]):
                    a, b = get_at(base, p), get_at(merged, p)
                    if a is not MISSING and differs(a, b):
                        conflicts.append((e, p))
            if conflicts and not force:
                raise conflict_error(sorted(conflicts, key=lambda c: (c[0]["manager"], path_str(c[1]))))
            for e, p in conflicts:
                e["set"].discard(p)
            others = set().union(*[e["set"] for e in entries if e is not me]) if entries else set()
            for p in sorted(old_set - new_set, key=len, reverse=True):
                if not any(q[:len(p)] == p for q in others | new_set):
                    remove_at(merged, p)
            if me is None:
                me = {"manager": manager, "operation": "Apply", "apiVersion": res.gv, "time": now(),
                      "subresource": sub_name, "set": set()}
                entries.append(me)
            probe = copy.deepcopy(merged)
            if live is None:
                probe["metadata"]["uid"] = "pending"
            apply_defaults(probe, live, res, emu, True)
            changed = live is None or content(probe) != content(live) or new_set != old_set
            me["set"], me["apiVersion"] = new_set, res.gv
            if changed:
                me["time"] = now()
            merged["metadata"]["managedFields"] = encode_managed(entries)
            return self.finish_write(res, live, merged, live is None, dry, subresource=sub_name)

    def h_delete(self, res, ns, name, sub):
        emu = self.server.emu
        opts = self.parse_json_body("DeleteOptions") if self.body.strip() else {}
        if not isinstance(opts, dict):
            raise bad_request("DeleteOptions must be an object")
        if not self.body.strip():
            opts = {k: self.q[k] for k in ("propagationPolicy", "gracePeriodSeconds") if k in self.q}
            if "dryRun" in self.q:
                opts["dryRun"] = [self.q["dryRun"]]
        dry = "All" in (opts.get("dryRun") or [])
        with emu.lock:
            o = emu.get(res, ns, name)
            if o is None:
                raise not_found(res, name)
            pre = opts.get("preconditions") or {}
            for f, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
                if pre.get(f) and pre[f] != o["metadata"].get(f):
                    raise ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": Precondition failed: '
                                   '%s in precondition: %s, %s in object meta: %s' % (res.qual, name, label, pre[f],
                                                                                     label, o["metadata"].get(f)),
                                   _details(name, res.group, res.plural))
            if res.kind == "Namespace":
                if name in ("default", "kube-system", "kube-public"):
                    raise ApiError(403, "Forbidden", 'namespaces "%s" is forbidden: this namespace may not be deleted'
                                   % name, _details(name, None, "namespaces"))
                if o["metadata"].get("deletionTimestamp"):
                    raise ApiError(409, "Conflict", 'Operation cannot be fulfilled on namespaces "%s": The system is '
                                   "ensuring all content is removed from this namespace.  Upon completion, this "
                                   "namespace will automatically be purged by the system." % name,
                                   _details(name, None, "namespaces"))
            pending = res.kind in ("Namespace", "CustomResourceDefinition") or bool(o["metadata"].get("finalizers"))
            if pending:
                new = copy.deepcopy(o)
                if not new["metadata"].get("deletionTimestamp"):
                    new["metadata"]["deletionTimestamp"] = now()
                    new["metadata"]["deletionGracePeriodSeconds"] = 0
                if res.kind == "Namespace":
                    new["status"]["phase"] = "Terminating"
                if res.kind == "CustomResourceDefinition":
                    new["metadata"]["finalizers"] = sorted(set(new["metadata"].get("finalizers") or []) |
                                                           {"customresourcecleanup.apiextensions.k8s.io"})
                    new["status"]["conditions"] = [c for c in new["status"].get("conditions") or []
                                                   if c.get("type") != "Terminating"] + [{
                        "type": "Terminating", "status": "True", "lastTransitionTime": now(),
                        "reason": "InstanceDeletionInProgress", "message": "CustomResource deletion is in progress"}]
                if dry:
                    return self.reply(200, present(new, res))
                if new != o:
                    new = emu.put(res, new, False)
                    fn = {"Namespace": emu.finalize_namespace, "CustomResourceDefinition": emu.finalize_crd}.get(res.kind)
                    if fn:
                        t = threading.Timer(emu.ns_delay if res.kind == "Namespace" else 0.05, fn, (name,))
                        t.daemon = True
                        t.start()
                return self.reply(200, present(new, res))
            if not dry:
                o = emu.remove(res, o) if opts.get("propagationPolicy") != "Orphan" else self.orphan(res, o)
            if res.returns_deleted:
                return self.reply(200, present(o, res))
            return self.reply(200, status_body("Success", 0, None, None,
                                               _details(name, res.group, res.plural, o["metadata"].get("uid"))))

    def orphan(self, res, o):
        emu = self.server.emu
        emu.table(res).pop((o["metadata"].get("namespace", ""), o["metadata"]["name"]), None)
        o = copy.deepcopy(o)
        o["metadata"]["resourceVersion"] = str(emu.next_rv())
        emu.emit("DELETED", res, o)
        return o

    def h_deletecollection(self, res, ns, name, sub):
        emu = self.server.emu
        dry = self.q.get("dryRun") == "All"
        with emu.lock:
            gone = self.select(res, ns)
            if not dry:
                gone = [emu.remove(res, o) for o in gone]
            return self.reply(200, {"kind": res.list_kind, "apiVersion": res.gv,
                                    "metadata": {"resourceVersion": str(emu.rv)},
                                    "items": [present(o, res, in_list=res.builtin) for o in gone]})

    # ---- control interface (tests only; see KUBE.md) -------------------------------------------------------
    def control(self, what):
        emu, m = self.server.emu, self.command
        if what == "faults":
            if m == "GET":
                return self.reply(200, {"faults": emu.faults})
            if m == "DELETE":
                with emu.lock:
                    emu.faults = []
                return self.reply(200, {"faults": []})
            spec = self.parse_json_body()
            added = []
            for f in spec if isinstance(spec, list) else [spec]:
                act = str(f.get("action", "503"))
                if act not in ("hang", "close", "truncate") and not act.isdigit():
                    raise bad_request("action must be an HTTP status code, 'hang', 'close' or 'truncate'")
                added.append({"method": f.get("method", "*").upper(), "path": f.get("path", "/"), "action": act,
                              "count": int(f.get("count", 1)), "retryAfter": f.get("retryAfter"),
                              "seconds": f.get("seconds", 60), "message": f.get("message")})
                if added[-1]["retryAfter"] is None:
                    del added[-1]["retryAfter"]
            with emu.lock:
                emu.faults += added
            return self.reply(200, {"faults": emu.faults})
        if what == "status" and m == "POST":
            spec = self.parse_json_body()
            res = emu.res_for(spec.get("apiVersion", ""), spec.get("kind", ""))
            if res is None:
                raise bad_request("unknown apiVersion/kind %s/%s" % (spec.get("apiVersion"), spec.get("kind")))
            ns = spec.get("namespace") if res.namespaced else None
            with emu.lock:
                live = emu.get(res, ns, spec.get("name"))
                if live is None:
                    raise not_found(res, spec.get("name"))
                new = copy.deepcopy(live)
                if spec.get("replace"):
                    new["status"] = spec.get("status") or {}
                else:
                    new["status"] = merge_patch(new.get("status") or {}, spec.get("status") or {})
                if isinstance(spec.get("metadata"), dict):
                    new["metadata"] = merge_patch(new["metadata"], spec["metadata"])
                return self.update_with(res, live, new, spec.get("manager", "k3s"), False, "status")
        if what == "compact" and m == "POST":
            with emu.lock:
                emu.compacted = emu.rv
                emu.events, emu.event_rvs = [], []
                emu.cond.notify_all()
            return self.reply(200, {"compacted": emu.compacted})
        if what == "config" and m == "POST":
            spec = self.parse_json_body()
            emu.crd_delay = float(spec.get("crdEstablishDelay", emu.crd_delay))
            emu.ns_delay = float(spec.get("namespaceDeleteDelay", emu.ns_delay))
            return self.reply(200, {"crdEstablishDelay": emu.crd_delay, "namespaceDeleteDelay": emu.ns_delay})
        if what == "state" and m == "GET":
            with emu.lock:
                return self.reply(200, {"resourceVersion": emu.rv, "compacted": emu.compacted,
                                        "objects": sum(len(t) for t in emu.data.values())})
        raise ApiError(404, "NotFound", "unknown control endpoint /_emu/%s" % what, {})


def check_unknown(obj, res, ns):
    bad = unknown_fields(obj, res)
    if bad:
        where = "%s/%s" % (ns or "", obj.get("metadata", {}).get("name", ""))
        raise ApiError(500, "", "failed to create typed patch object (%s; %s/%s, Kind=%s): %s: field not declared in "
                       "schema" % (where, res.group, res.version, res.kind, bad[0]))


def scale_of(o, res):
    md = o["metadata"]
    sel = ((o.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in md},
            "spec": {"replicas": (o.get("spec") or {}).get("replicas", 0)},
            "status": {"replicas": (o.get("status") or {}).get("replicas", 0),
                       "selector": ",".join("%s=%s" % kv for kv in sorted(sel.items()))}}


def group_doc(g, versions):
    vs = [{"groupVersion": "%s/%s" % (g, v), "version": v} for v in versions]
    return {"name": g, "versions": vs, "preferredVersion": vs[0]}


def resource_list(rs):
    out = []
    for r in rs:
        e = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
             "verbs": [v for v in STD_VERBS if not (r.kind == "Namespace" and v == "deletecollection")]}
        if r.short:
            e["shortNames"] = r.short
        if r.categories:
            e["categories"] = r.categories
        e["storageVersionHash"] = base64.b64encode(hashlib.sha256(("%s/%s" % (r.gv, r.kind)).encode())
                                                   .digest()[:8]).decode()
        out.append(e)
        for s in r.subres:
            se = {"name": "%s/%s" % (r.plural, s), "singularName": "", "namespaced": r.namespaced, "kind": r.kind,
                  "verbs": ["get", "patch", "update"]}
            if s == "scale":
                se.update(group="autoscaling", version="v1", kind="Scale")
            elif s not in ("status",):
                se["verbs"] = ["create", "get"] if s != "finalize" else ["update"]
            out.append(se)
    return out


def openapi_doc(rs):
    """Per-GV OpenAPI v3 document: permissive schemas, but each PATCH operation lists fieldValidation (kubectl's
    query-param verifier needs it, §9), with the x-kubernetes-group-version-kind it looks for."""
    params = [{"name": n, "in": "query", "schema": {"type": "boolean" if n == "force" else "string"},
               "uniqueItems": True} for n in ("dryRun", "fieldManager", "fieldValidation", "force")]
    paths, schemas = {}, {}
    for r in rs:
        gvk = {"group": r.group, "version": r.version, "kind": r.kind}
        sname = "%s.%s.%s" % (r.group or "core", r.version, r.kind)
        ref = {"$ref": "#/components/schemas/" + sname}
        schemas[sname] = {"type": "object", "x-kubernetes-group-version-kind": [gvk],
                          "x-kubernetes-preserve-unknown-fields": True}
        base = "/api/v1" if not r.group else "/apis/%s/%s" % (r.group, r.version)
        coll = base + ("/namespaces/{namespace}/" if r.namespaced else "/") + r.plural
        ok = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}
        paths[coll + "/{name}"] = {
            "get": {"x-kubernetes-action": "get", "x-kubernetes-group-version-kind": gvk, "responses": ok},
            "patch": {"x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk, "parameters": params,
                      "requestBody": {"content": {t: {"schema": {"type": "object"}} for t in (
                          "application/apply-patch+yaml", "application/json-patch+json",
                          "application/merge-patch+json", "application/strategic-merge-patch+json")}},
                      "responses": ok}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": schemas}}


def pb_field(num, data):
    """One length-delimited protobuf field (wire type 2)."""
    n, out = len(data), b""
    while True:
        out += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            break
    return bytes([(num << 3) | 2]) + out + data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="writes pid, port, requests.jsonl here")
    ap.add_argument("--cert", help="serving cert chain (default DIR/server.crt)")
    ap.add_argument("--key", help="serving key (default DIR/server.key)")
    ap.add_argument("--client-ca", help="CA for client certs (default DIR/client-ca.crt)")
    ap.add_argument("--server-ca", help="server CA, published as kube-root-ca.crt (default DIR/server-ca.crt)")
    ap.add_argument("--token", action="append", help="accept this Bearer token as an admin (system:masters)")
    ap.add_argument("--token-file", help="static token file: token,user,uid,\"group1,group2\" per line")
    ap.add_argument("--no-helm-crd", action="store_true", help="start without k3s's HelmChart CRDs")
    ap.add_argument("--crd-establish-delay", type=float, default=0.0, help="seconds until a new CRD is served")
    ap.add_argument("--namespace-delete-delay", type=float, default=0.5, help="seconds a namespace is Terminating")
    o = ap.parse_args()
    d = o.dir
    o.cert, o.key = o.cert or os.path.join(d, "server.crt"), o.key or os.path.join(d, "server.key")
    o.client_ca = o.client_ca or os.path.join(d, "client-ca.crt")
    o.server_ca = o.server_ca or os.path.join(d, "server-ca.crt")

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2          # Go's server default since 1.22; 1.3 is the maximum
    tls.set_ciphers("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
                    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305")
    tls.load_cert_chain(o.cert, o.key)
    tls.verify_mode = ssl.CERT_OPTIONAL                   # a client cert is optional; if sent it must verify
    tls.load_verify_locations(o.client_ca)
    tls.set_alpn_protocols(["http/1.1"])                  # k3s also offers h2; this emulator speaks HTTP/1.1 only

    emu = Emu(o)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.tls, srv.emu = tls, emu
    port = srv.server_address[1]
    for fname, val in (("pid", os.getpid()), ("port", port)):
        tmp = os.path.join(d, fname + ".tmp")
        with open(tmp, "w") as f:
            f.write("%s\n" % val)
        os.replace(tmp, os.path.join(d, fname))

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    th = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    th.start()
    while not done.wait(0.5):
        pass
    emu.stopping.set()
    with emu.cond:
        emu.cond.notify_all()
    srv.shutdown()
    srv.server_close()
    emu.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
