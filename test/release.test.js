// Tests for scripts/check-release.js, scripts/pack-dist.js and scripts/unpack-dist (run with
// `node --test test/`):
// each test builds a temporary git repository holding a release commit's dist/bin, packed
// from small made-up binaries.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const zlib = require('node:zlib');

const SCRIPTS = path.join(__dirname, '..', 'scripts');
const { ORDER, pack } = require(path.join(SCRIPTS, 'pack-dist.js'));

function git(dir, ...args) {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function commit(dir, message) {
  git(dir, 'add', '--all');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', message);
}

// A repository with one commit holding a release's dist/bin: the binaries of `names` packed,
// SHA256SUMS, and nothing else of them. `change(binDir)` may spoil it before the commit.
function repo(t, { names = ORDER, change = () => {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  git(dir, 'init', '--quiet');
  const binDir = path.join(dir, 'dist', 'bin');
  for (const name of names) {
    fs.mkdirSync(path.join(binDir, path.dirname(name)), { recursive: true });
    // Made-up binaries with much in common, as the real ones have.
    fs.writeFileSync(path.join(binDir, name), `${'shared data '.repeat(5000)}${name}\n`);
  }
  const { entries } = pack(binDir, names);
  fs.writeFileSync(path.join(binDir, 'SHA256SUMS'), entries.map((e) => `${e.sha256}  ${e.name}\n`).join(''));
  for (const name of names) fs.rmSync(path.join(binDir, path.dirname(name)), { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.md'), 'readme\n');
  change(binDir);
  commit(dir, 'release');
  return dir;
}

function check(dir, ...args) {
  return spawnSync(process.execPath, [path.join(SCRIPTS, 'check-release.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
  });
}

const errors = (result) => result.stdout.split('\n').filter((line) => line.startsWith('::error::'));

test('a packed release passes; the stream is smaller than its binaries', (t) => {
  const dir = repo(t);
  const result = check(dir);
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0, result.stdout);
  assert.match(result.stdout, /^100644 dist\/bin\/binaries\.zst$/m);
  assert.match(result.stdout, /^[0-9a-f]{64} 60037 windows-x64\/aws-oidc-credentials\.exe$/m);
  const packed = fs.statSync(path.join(dir, 'dist', 'bin', 'binaries.zst')).size;
  assert.ok(packed < 60_000 / 10, `${packed} bytes`);
});

test('a damaged stream, a wrong hash or a missing binary fails, naming it', (t) => {
  const cut = repo(t, {
    change: (binDir) => {
      const archive = path.join(binDir, 'binaries.zst');
      fs.truncateSync(archive, fs.statSync(archive).size - 10);
    },
  });
  assert.equal(check(cut).status, 1);
  assert.match(errors(check(cut))[0], /^::error::binaries\.zst does not decompress/);

  const wrongSum = repo(t, {
    change: (binDir) => {
      const sums = path.join(binDir, 'SHA256SUMS');
      fs.writeFileSync(sums, fs.readFileSync(sums, 'utf8').replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')));
    },
  });
  assert.deepEqual(errors(check(wrongSum)), [
    `::error::SHA256SUMS does not give ${ORDER[0]} the SHA-256 of MANIFEST`,
  ]);

  const four = repo(t, { names: ORDER.slice(1) });
  assert.deepEqual(errors(check(four)), [
    `::error::MANIFEST lists ${ORDER.slice(1).join(', ')}; a release packs ${ORDER.join(', ')} in that order`,
  ]);
});

test('stray files, executable modes and a commit without dist/bin fail', { skip: process.platform === 'win32' && 'file modes are a POSIX matter' }, (t) => {
  const stray = repo(t, {
    change: (binDir) => {
      fs.mkdirSync(path.join(binDir, 'linux-x64'));
      fs.writeFileSync(path.join(binDir, 'linux-x64', 'aws-oidc-credentials'), 'loose');
      fs.chmodSync(path.join(binDir, 'MANIFEST'), 0o755);
    },
  });
  git(stray, 'config', 'core.fileMode', 'true');
  assert.deepEqual(errors(check(stray)), [
    '::error::dist/bin/MANIFEST has git mode 100755 in HEAD, expected 100644',
    "::error::dist/bin/linux-x64/aws-oidc-credentials does not belong in a release's dist/bin",
  ]);

  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'release-test-'));
  t.after(() => fs.rmSync(empty, { recursive: true, force: true }));
  git(empty, 'init', '--quiet');
  fs.writeFileSync(path.join(empty, 'README.md'), 'readme\n');
  commit(empty, 'no binaries');
  assert.deepEqual(errors(check(empty)), ['::error::HEAD has no dist/bin']);
});

test('checks the commit given, not the work tree', (t) => {
  const dir = repo(t);
  const good = git(dir, 'rev-parse', 'HEAD').trim();
  fs.writeFileSync(path.join(dir, 'dist', 'bin', 'binaries.zst'), zlib.zstdCompressSync('other'));
  commit(dir, 'spoil the stream');
  assert.equal(check(dir, good).status, 0);
  assert.equal(check(dir).status, 1);
});

test('scripts/unpack-dist unpacks with the zstd command, checking each binary', {
  skip: (process.platform === 'win32' && 'a bash script') ||
    (spawnSync('zstd', ['--version']).status !== 0 && 'no zstd command here (scripts/test installs it)'),
}, (t) => {
  const dir = repo(t);
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const file of ['unpack-dist', 'lib.sh']) fs.copyFileSync(path.join(SCRIPTS, file), path.join(dir, 'scripts', file));
  const unpack = (...targets) => spawnSync('bash', ['scripts/unpack-dist', ...targets], { cwd: dir, encoding: 'utf8' });
  const some = unpack('windows-x64', 'macos-arm64');
  assert.equal(some.stderr, '');
  assert.equal(some.stdout, 'dist/bin/windows-x64/aws-oidc-credentials.exe\ndist/bin/macos-arm64/aws-oidc-credentials\n');
  const windows = path.join(dir, 'dist', 'bin', 'windows-x64', 'aws-oidc-credentials.exe');
  assert.equal(fs.readFileSync(windows, 'utf8'), `${'shared data '.repeat(5000)}windows-x64/aws-oidc-credentials.exe\n`);
  assert.equal(fs.statSync(windows).mode & 0o777, 0o755);
  assert.equal(unpack().stdout.split('\n').filter(Boolean).length, ORDER.length);
  const sums = spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: path.join(dir, 'dist', 'bin') });
  if (!sums.error) assert.equal(sums.status, 0); // macOS has shasum instead

  const manifest = path.join(dir, 'dist', 'bin', 'MANIFEST');
  fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(/ [0-9a-f]{64}$/m, ` ${'0'.repeat(64)}`));
  const bad = unpack('linux-x64');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^error: linux-x64\/aws-oidc-credentials unpacked with SHA-256 [0-9a-f]{64}, not 0{64} as MANIFEST says\n$/);
  assert.equal(unpack('freebsd-x64').stderr, 'error: MANIFEST has no binary for: freebsd-x64\n');
});
