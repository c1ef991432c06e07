#!/usr/bin/env bash
# deploy/ and the Containerfile's binary (docs/deploy.md): render deploy/ as `kubectl kustomize` does, validate
# every object against the Kubernetes API schemas offline (kubernetes-validate, strict), then build the static
# release binary the Containerfile builds and run it: --version, `validate` on the deployed config, and
# `rbac`, whose output must be the committed deploy/rbac.yaml.
# TRIGGERFISH_SKIP_STATIC_BUILD=1 skips the release build (it takes long on a busy machine; CI runs it).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== deploy/: render and validate against the Kubernetes schemas"
# kubernetes-validate from PyPI, in a virtual environment under .build/ (installed once; pinned so the
# schemas it bundles do not change under CI).
venv=.build/deploy-check-venv
if [ "$("$venv/bin/kubernetes-validate" --version 2>/dev/null || true)" != "1.37.0" ]; then
    echo "installing kubernetes-validate 1.37.0 into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==1.37.0"
fi
rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
# kustomize itself is not a Debian package; kubectl (which embeds it) is on some machines and not others.
# Without it, a small renderer of the kustomize features deploy/ uses stands in; with it, the two must agree.
if command -v kubectl >/dev/null; then
    kubectl kustomize deploy/ >"$rendered/deploy.yaml"
    echo "rendered with $(kubectl version --client 2>/dev/null | grep -i kustomize || echo kubectl kustomize)"
    "$venv/bin/python" .ci/kustomize_render.py deploy --compare "$rendered/deploy.yaml"
else
    echo "kubectl not found: rendering with .ci/kustomize_render.py"
    "$venv/bin/python" .ci/kustomize_render.py deploy >"$rendered/deploy.yaml"
fi
# The oldest Kubernetes release deploy/ supports and the newest kubernetes-validate 1.37.0 bundles.
for version in 1.30 1.37; do
    "$venv/bin/kubernetes-validate" --strict --quiet --kubernetes-version "$version" "$rendered/deploy.yaml"
    echo "every object of deploy/ is valid for Kubernetes $version (strict)"
done

if [ "${TRIGGERFISH_SKIP_STATIC_BUILD:-}" = 1 ]; then
    echo "== static release build skipped (TRIGGERFISH_SKIP_STATIC_BUILD=1)"
    binary=.build/debug/triggerfish
    [ -x "$binary" ] || swift build --product triggerfish
else
    echo "== static release build (as the Containerfile builds it)"
    start=$SECONDS
    swift build -c release --static-swift-stdlib --product triggerfish --traits Mimalloc
    binary="$(swift build -c release --static-swift-stdlib --product triggerfish --traits Mimalloc --show-bin-path)/triggerfish"
    echo "built in $((SECONDS - start)) s"
    # The Swift runtime and Foundation are linked in: the runtime image has no Swift libraries.
    if ldd "$binary" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch'; then
        echo "error: $binary links the Swift libraries above dynamically" >&2
        exit 1
    fi
    # mimalloc, not glibc, serves malloc (it reports its options when asked to be verbose).
    verbose=$(MIMALLOC_VERBOSE=1 "$binary" --version 2>&1)
    if ! grep -q '^mimalloc: ' <<<"$verbose"; then
        echo "error: $binary does not allocate with mimalloc; ldd says:" >&2
        ldd "$binary" >&2
        exit 1
    fi
    echo "$binary allocates with mimalloc ($(ldd "$binary" | awk '/libmimalloc/ { print $3 }'))"
fi
"$binary" --version
"$binary" validate deploy/playbooks.yaml
# deploy/rbac.yaml is the output of `triggerfish rbac` for deploy/playbooks.yaml (EndToEndTests checks it too).
"$binary" rbac --config deploy/playbooks.yaml | diff -u deploy/rbac.yaml - ||
    { echo "error: deploy/rbac.yaml is stale: run 'swift run triggerfish rbac --config deploy/playbooks.yaml > deploy/rbac.yaml'" >&2; exit 1; }
echo "deploy/rbac.yaml is current"
