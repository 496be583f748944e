// Checks k8s/monitoring/alerts.yaml against k8s/README.md:
//   node check-alerts.mjs ALERTS.yaml README.md
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { checkAlerts } from "./policy.mjs";

const [alertsFile, readmeFile] = process.argv.slice(2);
if (!alertsFile || !readmeFile) {
  console.error("usage: node check-alerts.mjs ALERTS.yaml README.md");
  process.exit(2);
}
const doc = parse(readFileSync(alertsFile, "utf8"));
const problems = checkAlerts(doc, readFileSync(readmeFile, "utf8"));
for (const p of problems) console.log(`  ${p}`);
const rules = (doc?.groups ?? []).flatMap((g) => g.rules ?? []).length;
console.log(`alerts: ${rules} rules, ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
