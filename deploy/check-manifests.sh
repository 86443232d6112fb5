#!/usr/bin/env bash
# Renders deploy/k8s with kustomize and checks what the manifests promise about shutdown and balancing:
# every Chats Deployment drains (grace period > preStop + Endpoints__DrainTimeout, a preStop pause, the drain set
# explicitly), every role the sampler calls has a headless Service, and the sampler addresses those roles by dns:///.
# Needs kubectl (apt-get install -y kubectl) and python3 with PyYAML.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kubectl kustomize "$root/deploy/k8s" | python3 -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
problems = []
def seconds(ts):
    h, m, s = ts.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
for d in docs:
    if d["kind"] != "Deployment" or d["metadata"]["name"] == "chats-redis":
        continue
    name = d["metadata"]["name"]
    pod = d["spec"]["template"]["spec"]
    c = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    drain = env.get("Endpoints__DrainTimeout")
    pre = c.get("lifecycle", {}).get("preStop", {})
    pause = float(pre["exec"]["command"][-1]) if "exec" in pre else pre.get("sleep", {}).get("seconds", 0)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if drain is None:
        problems.append(f"{name}: Endpoints__DrainTimeout is not set")
    elif grace <= pause + seconds(drain):
        problems.append(f"{name}: terminationGracePeriodSeconds {grace} does not cover preStop {pause} s + drain {drain}")
    if pause <= 0:
        problems.append(f"{name}: no preStop pause")
    if name == "chats-sampler":
        for key in ("TextEncoder", "Preferred", "Dispreferred", "Standard", "Decoder"):
            value = env.get(f"Sampler__{key}", "")
            host = value.removeprefix("dns:///").split(".")[0]
            if not value.startswith("dns:///"):
                problems.append(f"chats-sampler: Sampler__{key}={value} is not a dns:/// address")
            elif services.get(host, {}).get("spec", {}).get("clusterIP") != "None":
                problems.append(f"chats-sampler: Sampler__{key} names {host}, which is not a headless Service")
for p in problems:
    print("deploy/k8s: " + p, file=sys.stderr)
deployments = sum(d["kind"] == "Deployment" for d in docs)
print(f"deploy/k8s: {deployments} Deployments, {len(services)} Services checked")
sys.exit(1 if problems else 0)
'
