// Validate Strimzi resources against the schemas of Strimzi's own CRDs (0.49.0), as compiled by the npm package
// @kubernetes-models/strimzi-kafka-operator (installed by deploy/install-k8s-tools.sh; its directory in
// STRIMZI_MODELS). Reads JSON lines (one Kubernetes object each, from `kustomize build`) on stdin; checks every
// object of group kafka.strimzi.io, prints one line per object, exits 1 if any is invalid or of an unknown kind.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(process.env.STRIMZI_MODELS ?? ".", "node_modules", "@kubernetes-models", "strimzi-kafka-operator");
let valid = 0;
let failed = 0;
for (const line of readFileSync(0, "utf8").split("\n")) {
  if (!line.trim()) continue;
  const doc = JSON.parse(line);
  const [group, version] = String(doc.apiVersion).split("/");
  if (group !== "kafka.strimzi.io") continue;
  const where = `${doc.kind} ${doc.metadata?.name}`;
  let Model;
  try {
    Model = (await import(pathToFileURL(join(root, group, version, `${doc.kind}.js`)).href))[doc.kind];
  } catch (error) {
    console.log(`${where}: no schema for ${doc.apiVersion} ${doc.kind} (${error.code ?? error.message})`);
    failed++;
    continue;
  }
  try {
    new Model(doc).validate();
    valid++;
  } catch (error) {
    console.log(`${where} is invalid: ${error.message}`);
    failed++;
  }
}
console.log(`strimzi: ${valid} valid, ${failed} invalid`);
process.exit(failed ? 1 : 0);
