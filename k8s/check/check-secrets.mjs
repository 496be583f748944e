// Validates the Secrets k8s/secrets.sh prints (schema only):
//   node check-secrets.mjs SECRETS.yaml
import { readFileSync } from "node:fs";
import { parseObjects, validateSchemas } from "./policy.mjs";

const objects = parseObjects(readFileSync(process.argv[2], "utf8"));
const problems = await validateSchemas(objects);
for (const o of objects) {
  if (o.kind !== "Secret") problems.push(`${o.kind}/${o.metadata?.name}: not a Secret`);
}
for (const p of problems) console.log(`  ${p}`);
console.log(`secrets: ${objects.length} objects, ${problems.length} problem(s)`);
process.exit(problems.length === 0 && objects.length > 0 ? 0 : 1);
