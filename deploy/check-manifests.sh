#!/usr/bin/env bash
# Renders every overlay of deploy/k8s (kubectl kustomize), validates each object against the Kubernetes schemas and
# skaffold.yaml against Skaffold's (deploy/validate/validate.mjs), then runs the policy tests that assert what the
# manifests promise (Pod Security "restricted", drains within the grace period, probes, PDBs, NetworkPolicies, Redis
# password, gateway auth, GPU only in the gpu overlay, model location in one ConfigMap, HPAs on in-flight work).
# Needs node >= 18 and npm (`npm ci --prefix deploy/validate` also brings kubectl with kustomize v5) and the .NET SDK.
#   deploy/check-manifests.sh            # render + schemas + policy tests
#   deploy/check-manifests.sh --schemas  # render + schemas only (no .NET build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -x deploy/validate/bin/kubectl ] || [ ! -d deploy/validate/node_modules ]; then
  npm ci --prefix deploy/validate
fi
node deploy/validate/validate.mjs
if [ "${1:-}" != "--schemas" ]; then
  dotnet test --project tests/Chats.IntegrationTests --filter-class '*KubernetesManifestTests*' --filter-class '*LivenessDuringDrainTests*'
fi
