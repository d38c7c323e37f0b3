#!/bin/sh
# Builds the Git repositories and packs that the object store tests read, with real git, at test time:
#
#   tests/data/odb/mkrepo.sh OUTDIR [small] [versions] [deep]
#
#   small     OUTDIR/small: a GitOps-like tree with every kind of entry (executable, empty file, odd names,
#             symlinks inside / dangling in apps/ and clusters/, escaping / absolute / looping / a chain of 41
#             in bad/, a submodule, an empty tree, an annotated tag), three commits on main, and a branch
#             deep-tree of 300 nested directories. Packs: small-ofs.pack (--delta-base-offset), small-ref.pack.
#   versions  OUTDIR/versions: 300 versions of a 200-line file, so that real deltas appear.
#             Packs: versions-ofs.pack and versions-ref.pack, both --window=250 --depth=4095.
#   deep      OUTDIR/deep: 1300 versions of a 2000-line file, 3 random lines replaced per version
#             (git-protocol.md section 4): chains over 700 deep. Pack: deep.pack.
#
# Everything is deterministic (fixed dates, seeded randomness), so the packs are the same on every run.
set -eu

out=$1
shift
[ $# -gt 0 ] || set -- small versions deep

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000'
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
mkdir -p "$out"
out=$(cd "$out" && pwd)

# all objects reachable from any ref, packed to stdout with extra pack-objects options
pack_all() {
	repo=$1
	shift
	git -C "$repo" rev-list --objects --all | git -C "$repo" pack-objects -q --stdout "$@"
}

small() {
	r=$out/small
	git init -q -b main "$r"
	cd "$r"
	mkdir -p clusters/bh apps/homepage infrastructure/crds scripts 'dir with space'
	printf 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n' \
		>clusters/bh/apps.yaml
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: homepage\ndata:\n  a: "1"\n' \
		>apps/homepage/configmap.yaml
	printf 'resources:\n  - configmap.yaml\n' >apps/homepage/kustomization.yaml
	printf 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n' >infrastructure/crds/crd.yaml
	printf '#!/bin/sh\necho hi\n' >scripts/run.sh
	chmod +x scripts/run.sh
	: >apps/empty.yaml
	printf 'x\n' >"dir with space/caf$(printf '\303\251').yaml"
	printf 'q\n' >'apps/quote"tab	.yaml'
	ln -s ../../apps/homepage clusters/bh/homepage          # inside, to a directory
	ln -s homepage/configmap.yaml apps/cm-link.yaml         # inside, to a file
	ln -s missing.yaml apps/dangling                        # inside, but nothing there
	# ".." after a link to a directory: the kernel goes to the target's parent (apps/empty.yaml), not back
	# along the path (clusters/bh/empty.yaml, which does not exist)
	ln -s ../clusters/bh/homepage/../empty.yaml apps/via-link
	mkdir -p bad/chain
	ln -s ../../etc/passwd bad/escape                       # leaves the repository
	ln -s /etc/hosts bad/absolute                           # absolute
	ln -s loop-b bad/loop-a                                 # a loop
	ln -s loop-a bad/loop-b
	printf 'end\n' >bad/chain/target.yaml                   # l0 -> l1 -> ... -> l40 -> target.yaml: 41 links
	ln -s target.yaml bad/chain/l40
	i=40
	while [ $i -gt 0 ]; do
		ln -s l$i bad/chain/l$((i - 1))
		i=$((i - 1))
	done
	git add -A
	git commit -q -m one
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: homepage\ndata:\n  a: "2"\n' \
		>apps/homepage/configmap.yaml
	git add apps/homepage/configmap.yaml
	# a submodule (gitlink) without .gitmodules: only the tree entry matters here
	git update-index --add --cacheinfo 160000,1111111111111111111111111111111111111111,vendor/sub
	git commit -q -m two
	# an empty tree as a subdirectory (git never writes one from a work tree)
	empty=$(git mktree </dev/null)
	tree=$( (git ls-tree HEAD; printf '040000 tree %s\tempty-dir\n' "$empty") | git mktree)
	commit=$(git commit-tree "$tree" -p HEAD -m 'empty dir')
	git update-ref refs/heads/main "$commit"
	# 300 nested directories, on a branch of their own
	t=$(printf '100644 blob %s\tleaf\n' "$(git hash-object -w apps/empty.yaml)" | git mktree)
	i=0
	while [ $i -lt 300 ]; do
		t=$(printf '040000 tree %s\td\n' "$t" | git mktree)
		i=$((i + 1))
	done
	git update-ref refs/heads/deep-tree "$(git commit-tree "$t" -m deep)"
	git tag -a v1 -m 'release v1'
	cd "$out"
	pack_all "$r" --delta-base-offset >small-ofs.pack
	pack_all "$r" >small-ref.pack
}

versions() {
	r=$out/versions
	git init -q -b main "$r"
	python3 - <<'PY' | git -C "$r" fast-import --quiet
import random, sys
random.seed(7)
lines = ['line %d %032x' % (i, random.getrandbits(128)) for i in range(200)]
w = sys.stdout.write
for i in range(300):
    for _ in range(2):
        lines[random.randrange(len(lines))] = 'edit %d %032x' % (i, random.getrandbits(128))
    if i % 7 == 0:
        lines.append('appended %d' % i)
    d = '\n'.join(lines) + '\n'
    w('commit refs/heads/main\ncommitter t <t@t> %d +0000\ndata 4\nv%03d\n' % (1700000000 + i, i % 1000))
    w('M 100644 inline values.yaml\ndata %d\n%s\n' % (len(d), d))
    s = 'static %d\n' % (i % 3)
    w('M 100644 inline static.txt\ndata %d\n%s\n' % (len(s), s))
PY
	pack_all "$r" --delta-base-offset --window=250 --depth=4095 >"$out/versions-ofs.pack"
	pack_all "$r" --window=250 --depth=4095 >"$out/versions-ref.pack"
}

deep() {
	r=$out/deep
	git init -q -b main "$r"
	python3 - <<'PY' | git -C "$r" fast-import --quiet
import random, sys
random.seed(1)
L = ['%032x' % random.getrandbits(128) for _ in range(2000)]
w = sys.stdout.write
for i in range(1300):
    for _ in range(3):
        L[random.randrange(2000)] = '%032x' % random.getrandbits(128)
    d = '\n'.join(L) + '\n'
    w('commit refs/heads/main\ncommitter t <t@t> %d +0000\ndata 3\nc%d\n' % (1700000000 + i, i % 10))
    w('M 100644 inline values.yaml\ndata %d\n%s\n' % (len(d), d))
PY
	git -C "$r" repack -adfq --window=250 --depth=4095
	cp "$r"/.git/objects/pack/pack-*.pack "$out/deep.pack"
}

for what in "$@"; do
	case $what in
	small | versions | deep) [ -e "$out/$what" ] || "$what" ;;
	*)
		echo "mkrepo.sh: unknown repository $what" >&2
		exit 2
		;;
	esac
done
