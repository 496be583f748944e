// Checks one rendered overlay (kubectl kustomize's output):
//
//   node check.mjs --profile dev|prod RENDERED.yaml
//
// Prints every problem and exits 1 when there is one.
import { readFileSync } from "node:fs";
import { checkAll, parseObjects } from "./policy.mjs";

const args = process.argv.slice(2);
const at = args.indexOf("--profile");
const profile = at >= 0 ? args[at + 1] : undefined;
const files = args.filter((_, i) => i !== at && i !== at + 1);
if (!["dev", "prod"].includes(profile) || files.length !== 1) {
  console.error("usage: node check.mjs --profile dev|prod RENDERED.yaml");
  process.exit(2);
}
const objects = parseObjects(readFileSync(files[0], "utf8"));
const problems = await checkAll(objects, profile);
for (const p of problems) console.log(`  ${p}`);
console.log(`${profile}: ${objects.length} objects, ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
