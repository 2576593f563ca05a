#!/bin/sh
# iam-diff.sh BASE_REF OVERLAY_DIR OUT.md
#
# Renders OVERLAY_DIR (a kustomize folder, relative to the repository's top or absolute) twice:
# as BASE_REF has it (a git worktree of the base of the pull request) and as the checkout has it
# (the head), then writes what the change does to IAM, as a pull request comment, to OUT.md:
#   irsa-fn diff -o markdown --fail-on broadening BASE HEAD
# It exits as irsa-fn diff does: 0 nothing broadens, 1 a change broadens (or cannot be shown
# not to), 2 an error (then OUT.md may be empty). POSIX sh; needs git, kustomize and irsa-fn.
#
# Environment: KUSTOMIZE (default: kustomize) and IRSA_FN (default: irsa-fn) name the tools;
# FAIL_ON (default: broadening) is irsa-fn diff's --fail-on, empty to always exit 0 when the
# diff was computed. The overlay's exec functions must find irsa-fn (exec: {path: irsa-fn} and
# irsa-fn on the PATH, or a path inside the repository).
set -eu

if [ "$#" -ne 3 ]; then
	echo "usage: iam-diff.sh BASE_REF OVERLAY_DIR OUT.md" >&2
	exit 2
fi
base_ref=$1
overlay=$2
out=$3
kustomize=${KUSTOMIZE:-kustomize}
irsa_fn=${IRSA_FN:-irsa-fn}
fail_on=${FAIL_ON-broadening}

top=$(git rev-parse --show-toplevel)
top=$(cd "$top" && pwd -P)
case $overlay in
/*) abs=$overlay ;;
*) abs=$top/$overlay ;;
esac
abs=$(cd "$abs" && pwd -P) || {
	echo "iam-diff.sh: $overlay is not a folder" >&2
	exit 2
}
case $abs in
"$top") rel=. ;;
"$top"/*) rel=${abs#"$top"/} ;;
*)
	echo "iam-diff.sh: $overlay is outside the repository $top" >&2
	exit 2
	;;
esac

work=$(mktemp -d)
cleanup() {
	git -C "$top" worktree remove --force "$work/base" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 2' HUP INT TERM

if ! git -C "$top" worktree add --quiet --detach "$work/base" "$base_ref"; then
	echo "iam-diff.sh: cannot check out $base_ref (fetch it first: git fetch origin BRANCH)" >&2
	exit 2
fi

build() {
	(cd "$1" && "$kustomize" build --enable-alpha-plugins --enable-exec .)
}
if [ -d "$work/base/$rel" ]; then
	build "$work/base/$rel" >"$work/old.yaml"
else
	# A new overlay: the base renders nothing, so every role and binding is added.
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: iam-diff-empty-base\n' >"$work/old.yaml"
fi
build "$abs" >"$work/new.yaml"

code=0
"$irsa_fn" diff -o markdown ${fail_on:+--fail-on "$fail_on"} "$work/old.yaml" "$work/new.yaml" >"$out" || code=$?
exit "$code"
