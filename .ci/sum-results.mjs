// Sums vitest JSON reports: `node .ci/sum-results.mjs [--nonempty a,b] name=report.json ...`.
// Prints one line per run, any problems, and as the last line `N passed, N failed`.
// Exits 1 when a test failed, a file failed to load, a report is missing, a test was
// skipped/todo/pending, a run named in --nonempty ran no tests, or vitest reported errors.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const nonEmpty = new Set();
const runs = [];
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--nonempty') {
    for (const name of (args[i + 1] ?? '').split(',')) if (name) nonEmpty.add(name);
    i += 1;
  } else {
    const [name, file] = args[i].split('=');
    runs.push({ name, file });
  }
}

let passed = 0;
let failed = 0;
const problems = [];
for (const { name, file } of runs) {
  if (!file || !existsSync(file)) {
    failed += 1;
    problems.push(`${name}: no report at ${file} (vitest did not finish)`);
    console.log(`${name}: no report`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const brokenFiles = (report.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  );
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + brokenFiles.length;
  console.log(
    `${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped/todo` +
      (brokenFiles.length > 0 ? `, ${brokenFiles.length} file(s) failed to run` : ''),
  );
  for (const f of brokenFiles) {
    problems.push(`${name}: ${f.name}: ${(f.message ?? 'failed').split('\n')[0]}`);
  }
  if (skipped > 0) problems.push(`${name}: ${skipped} test(s) skipped, todo or pending`);
  if (nonEmpty.has(name) && (report.numTotalTests ?? 0) === 0)
    problems.push(`${name}: ran no tests`);
  if (report.success === false && (report.numFailedTests ?? 0) === 0 && brokenFiles.length === 0) {
    problems.push(`${name}: vitest reported errors outside tests (unhandled errors?)`);
  }
}
for (const problem of problems) console.log(`problem: ${problem}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
