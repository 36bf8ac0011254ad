// Jest reporter for CI: when JEST_SUMMARY_FILE is set, writes the run's counts there as JSON, so
// .ci/run can print its one-line summary while running exactly the README's `npm test`.
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.JEST_SUMMARY_FILE;
    if (!file) return;
    writeFileSync(
      file,
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        suitesFailedToRun: results.numRuntimeErrorTestSuites,
      }),
    );
  }
}

module.exports = SummaryReporter;
