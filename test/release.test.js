// Tests for scripts/check-release-modes (run with `node --test test/`): each test
// builds a temporary git repository holding a release commit's dist/bin.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const SCRIPT = path.join(__dirname, '..', 'scripts', 'check-release-modes');
const skip = { skip: process.platform === 'win32' && 'file modes are a POSIX matter' };

function git(dir, ...args) {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

// A repository with one commit holding `files` ({ path: mode }).
function repo(t, files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  git(dir, 'init', '--quiet');
  git(dir, 'config', 'core.fileMode', 'true');
  for (const [file, mode] of Object.entries(files)) {
    const full = path.join(dir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, file);
    fs.chmodSync(full, mode);
  }
  git(dir, 'add', '--all');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'release');
  return dir;
}

function check(dir, ...args) {
  return spawnSync('bash', [SCRIPT, ...args], { cwd: dir, encoding: 'utf8' });
}

const RELEASE = {
  'dist/bin/linux-x64/aws-oidc-credentials': 0o755,
  'dist/bin/macos-arm64/aws-oidc-credentials': 0o755,
  'dist/bin/windows-x64/aws-oidc-credentials.exe': 0o755,
  'dist/bin/SHA256SUMS': 0o644,
  'README.md': 0o644,
};

test('a release commit whose binaries are 100755 passes', skip, (t) => {
  const dir = repo(t, RELEASE);
  const result = check(dir);
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0, result.stdout);
  assert.match(result.stdout, /^100755 dist\/bin\/linux-x64\/aws-oidc-credentials$/m);
  assert.match(result.stdout, /^100755 dist\/bin\/windows-x64\/aws-oidc-credentials.exe$/m);
});

test('a binary without the executable mode fails, naming it', skip, (t) => {
  const dir = repo(t, { ...RELEASE, 'dist/bin/linux-x64/aws-oidc-credentials': 0o644 });
  const result = check(dir, 'HEAD');
  assert.equal(result.status, 1);
  const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error::'));
  assert.deepEqual(errors, [
    '::error::dist/bin/linux-x64/aws-oidc-credentials has git mode 100644 in HEAD, expected 100755',
  ]);
});

test('stray files and a commit without binaries fail', skip, (t) => {
  const stray = repo(t, { ...RELEASE, 'dist/bin/linux-x64/notes.txt': 0o644 });
  const result = check(stray);
  assert.equal(result.status, 1);
  assert.match(result.stdout, /^::error::dist\/bin\/linux-x64\/notes.txt does not belong/m);

  const empty = repo(t, { 'README.md': 0o644 });
  const none = check(empty);
  assert.equal(none.status, 1);
  assert.equal(none.stdout, '::error::HEAD has no dist/bin\n');
});

test('checks the commit given, not the work tree', skip, (t) => {
  const dir = repo(t, RELEASE);
  const good = git(dir, 'rev-parse', 'HEAD').trim();
  fs.chmodSync(path.join(dir, 'dist/bin/macos-arm64/aws-oidc-credentials'), 0o644);
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-am', 'lose the mode');
  assert.equal(check(dir, good).status, 0);
  assert.equal(check(dir).status, 1);
});
