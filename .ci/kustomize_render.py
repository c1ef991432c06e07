#!/usr/bin/env python3
"""Renders deploy/'s kustomization.yaml without kubectl, for .ci/deploy-check.sh on a machine without it.

Only the kustomize features deploy/ uses: `resources` (files, several documents each), `namespace`,
`labels` (pairs, without selectors), `configMapGenerator` and `secretGenerator` from `files`, and
`generatorOptions.disableNameSuffixHash: true`. Anything else is an error, so the fallback never
silently renders something other than what `kubectl kustomize` would. When kubectl is there,
deploy-check.sh renders with both and compares (`--compare FILE`).

usage: kustomize_render.py DIR [--compare RENDERED.yaml]
"""
import base64
import os
import sys

import yaml

# Kinds that are not namespaced (among those a deployment uses); everything else gets `namespace`.
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
    "StorageClass", "PriorityClass", "APIService", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "Node",
}
SUPPORTED = {"apiVersion", "kind", "namespace", "labels", "resources", "configMapGenerator", "secretGenerator",
             "generatorOptions"}


def fail(message):
    sys.exit(f"kustomize_render.py: error: {message}")


def render(directory):
    with open(os.path.join(directory, "kustomization.yaml"), encoding="utf-8") as handle:
        kustomization = yaml.safe_load(handle)
    unsupported = sorted(set(kustomization) - SUPPORTED)
    if unsupported:
        fail(f"kustomization.yaml uses {', '.join(unsupported)}, which this renderer does not implement; use kubectl kustomize")
    options = kustomization.get("generatorOptions") or {}
    if set(options) - {"disableNameSuffixHash"} or options.get("disableNameSuffixHash") is not True:
        fail("only generatorOptions.disableNameSuffixHash: true is implemented (no name hashes)")
    objects = []
    for path in kustomization.get("resources") or []:
        with open(os.path.join(directory, path), encoding="utf-8") as handle:
            objects += [document for document in yaml.safe_load_all(handle) if document is not None]
    for generator, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        for entry in kustomization.get(generator) or []:
            if set(entry) - {"name", "files"}:
                fail(f"{generator} entry '{entry.get('name')}' uses keys other than name and files")
            data = {}
            for path in entry.get("files") or []:
                key, _, source = path.partition("=")
                source = source or key
                key = os.path.basename(key)
                with open(os.path.join(directory, source), "rb") as handle:
                    content = handle.read()
                data[key] = base64.b64encode(content).decode() if kind == "Secret" else content.decode("utf-8")
            generated = {"apiVersion": "v1", "kind": kind, "metadata": {"name": entry["name"]}, "data": data}
            if kind == "Secret":
                generated["type"] = "Opaque"
            objects.append(generated)
    namespace = kustomization.get("namespace")
    for obj in objects:
        metadata = obj.setdefault("metadata", {})
        if namespace and obj.get("kind") not in CLUSTER_SCOPED:
            metadata["namespace"] = namespace
        if namespace and obj.get("kind") in ("RoleBinding", "ClusterRoleBinding"):
            for subject in obj.get("subjects") or []:
                if subject.get("kind") == "ServiceAccount":
                    subject["namespace"] = namespace
    for label_set in kustomization.get("labels") or []:
        if set(label_set) - {"pairs", "includeSelectors"} or label_set.get("includeSelectors"):
            fail("only labels with pairs and includeSelectors: false are implemented")
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label_set.get("pairs") or {})
    return objects


def key(obj):
    return (obj.get("kind", ""), obj["metadata"].get("namespace", ""), obj["metadata"].get("name", ""))


def main():
    arguments = sys.argv[1:]
    if len(arguments) not in (1, 3) or (len(arguments) == 3 and arguments[1] != "--compare"):
        sys.exit(__doc__.strip().splitlines()[-1])
    objects = render(arguments[0])
    if len(arguments) == 3:
        with open(arguments[2], encoding="utf-8") as handle:
            expected = [document for document in yaml.safe_load_all(handle) if document is not None]
        ours, theirs = sorted(objects, key=key), sorted(expected, key=key)
        if ours != theirs:
            print(yaml.safe_dump_all(ours, sort_keys=True), file=sys.stderr)
            fail(f"the fallback renders {[key(o) for o in ours]} differently from {arguments[2]}: fix .ci/kustomize_render.py")
        print(f"kustomize_render.py: renders the same {len(ours)} objects as kubectl kustomize")
        return
    sys.stdout.write(yaml.safe_dump_all(objects, sort_keys=False))


if __name__ == "__main__":
    main()
