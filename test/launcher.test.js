// Tests for the node launcher in dist/ (run with `node --test test/`).
// Each test copies the launcher into a fresh temporary action directory and
// puts a small shell script where the binary would be.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const DIST = path.join(__dirname, '..', 'dist');
const { binaryFor } = require(path.join(DIST, 'launch.js'));
const SUPPORTED = 'supported: linux-x64, linux-arm64, macos-x64, macos-arm64, windows-x64, ' +
  'windows-arm64 (x64 emulation)';
const posixOnly = { skip: process.platform === 'win32' && 'fake binaries are shell scripts' };

// A temporary action directory holding a copy of the launcher.
function actionDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'dist'));
  for (const file of ['launch.js', 'main.js', 'post.js']) {
    fs.copyFileSync(path.join(DIST, file), path.join(dir, 'dist', file));
  }
  return dir;
}

// Writes `body` as a /bin/sh script at `file` (relative to `dir`).
function fakeBinary(dir, file, body, mode = 0o755) {
  const full = path.join(dir, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, `#!/bin/sh\n${body}\n`, { mode });
  fs.chmodSync(full, mode);
  return full;
}

// Where this machine's prebuilt binary goes, relative to the action directory.
function shippedPath() {
  const { target } = binaryFor(process.platform, process.arch, '');
  const exe = process.platform === 'win32' ? 'aws-oidc-credentials.exe' : 'aws-oidc-credentials';
  return path.join('dist', 'bin', target, exe);
}

function launch(dir, step = 'main', env = {}) {
  return spawnSync(process.execPath, [path.join(dir, 'dist', `${step}.js`)], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

test('maps node platforms and architectures to binary directories', () => {
  const dir = path.join('/', 'action');
  const cases = [
    ['linux', 'x64', 'linux-x64', 'aws-oidc-credentials'],
    ['linux', 'arm64', 'linux-arm64', 'aws-oidc-credentials'],
    ['darwin', 'x64', 'macos-x64', 'aws-oidc-credentials'],
    ['darwin', 'arm64', 'macos-arm64', 'aws-oidc-credentials'],
    ['win32', 'x64', 'windows-x64', 'aws-oidc-credentials.exe'],
    // Windows on Arm runs the x64 binary under emulation.
    ['win32', 'arm64', 'windows-x64', 'aws-oidc-credentials.exe'],
  ];
  for (const [platform, arch, target, exe] of cases) {
    assert.deepEqual(binaryFor(platform, arch, dir), {
      target,
      candidates: [
        path.join(dir, 'dist', 'bin', target, exe),
        path.join(dir, 'target', 'release', exe),
      ],
    });
  }
});

test('unknown platforms and architectures have no prebuilt binary, only the source build', () => {
  const dir = path.join('/', 'action');
  for (const [platform, arch] of [['freebsd', 'x64'], ['linux', 'ia32'], ['aix', 'ppc64'], ['linux', 'arm']]) {
    assert.deepEqual(binaryFor(platform, arch, dir), {
      target: null,
      candidates: [path.join(dir, 'target', 'release', 'aws-oidc-credentials')],
    });
  }
  // 32-bit Windows.
  assert.deepEqual(binaryFor('win32', 'ia32', dir), {
    target: null,
    candidates: [path.join(dir, 'target', 'release', 'aws-oidc-credentials.exe')],
  });
});

test('a missing binary gives one error line and exit code 1', (t) => {
  const dir = actionDir(t);
  const { target } = binaryFor(process.platform, process.arch);
  const result = launch(dir);
  assert.equal(result.status, 1);
  assert.equal(
    result.stdout,
    `::error::aws-oidc-credentials has no binary for ${target} ` +
      `(node ${process.platform}/${process.arch}); ${SUPPORTED}\n`,
  );
  assert.equal(result.stderr, '');
});

test('an unsupported platform is reported as such', (t) => {
  const dir = actionDir(t);
  // ARM32 Linux (where the runner falls back to node 20) and 32-bit Windows among them.
  for (const [platform, arch] of [['freebsd', 'riscv64'], ['linux', 'arm'], ['win32', 'ia32']]) {
    const script = `require(${JSON.stringify(path.join(dir, 'dist', 'launch.js'))})` +
      `.run([], { platform: ${JSON.stringify(platform)}, arch: ${JSON.stringify(arch)} })`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.equal(
      result.stdout,
      `::error::aws-oidc-credentials does not support this platform (node ${platform}/${arch}); ${SUPPORTED}\n`,
    );
  }
});

test('Windows on Arm runs the windows-x64 binary', (t) => {
  const dir = actionDir(t);
  const shipped = path.join(dir, 'dist', 'bin', 'windows-x64', 'aws-oidc-credentials.exe');
  const { target, candidates } = binaryFor('win32', 'arm64', dir);
  assert.equal(target, 'windows-x64');
  assert.equal(candidates[0], shipped);
});

test('runs the shipped binary with the environment; exit code 0', posixOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'echo "shipped args=[$*] greeting=$GREETING"');
  const result = launch(dir, 'main', { GREETING: 'hello' });
  assert.equal(result.stdout, 'shipped args=[] greeting=hello\n');
  assert.equal(result.status, 0);
});

test('the post step passes `post` to the binary', posixOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'echo "args=[$*]"');
  const result = launch(dir, 'post');
  assert.equal(result.stdout, 'args=[post]\n');
  assert.equal(result.status, 0);
});

test('falls back to target/release in a source checkout', posixOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, path.join('target', 'release', 'aws-oidc-credentials'), 'echo source build');
  const result = launch(dir);
  assert.equal(result.stdout, 'source build\n');
  assert.equal(result.status, 0);
});

test('prefers the shipped binary over a source build', posixOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'echo shipped');
  fakeBinary(dir, path.join('target', 'release', 'aws-oidc-credentials'), 'echo source build');
  assert.equal(launch(dir).stdout, 'shipped\n');
});

test("passes the binary's exit code through", posixOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'echo failing >&2; exit 3');
  const result = launch(dir);
  assert.equal(result.status, 3);
  assert.equal(result.stderr, 'failing\n');
});

test('ends by the signal that ended the binary', posixOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'kill -TERM $$');
  const result = launch(dir);
  assert.ok(
    result.signal === 'SIGTERM' || result.status === 143,
    `expected SIGTERM or exit code 143, got signal ${result.signal}, status ${result.status}`,
  );
});

test('a binary without its execute bit is made executable once and run', posixOnly, (t) => {
  const dir = actionDir(t);
  const binary = fakeBinary(dir, shippedPath(), 'echo "ran args=[$*]"', 0o644);
  const result = launch(dir, 'post');
  assert.equal(result.stdout, 'ran args=[post]\n');
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
  assert.equal(fs.statSync(binary).mode & 0o777, 0o755);
});

test('a binary that still cannot be executed gives one error line naming it', posixOnly, (t) => {
  const dir = actionDir(t);
  // Executable itself, but its interpreter is not: exec fails with EACCES every time.
  const interpreter = fakeBinary(dir, 'interpreter', 'exit 0', 0o644);
  const binary = path.join(dir, shippedPath());
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  fs.writeFileSync(binary, `#!${interpreter}\n`, { mode: 0o755 });
  const result = launch(dir);
  assert.equal(result.status, 1);
  assert.equal(result.stdout, `::error::aws-oidc-credentials: cannot run ${binary}: EACCES\n`);
  assert.equal(fs.statSync(interpreter).mode & 0o777, 0o644);
});

test('forwards SIGTERM to the binary and waits for it', posixOnly, async (t) => {
  const dir = actionDir(t);
  fakeBinary(
    dir,
    shippedPath(),
    'trap \'echo "got TERM"; exit 7\' TERM\necho ready\nwhile :; do sleep 0.05; done',
  );
  const child = spawn(process.execPath, [path.join(dir, 'dist', 'main.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  const ended = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (stdout === 'ready\n') child.kill('SIGTERM');
  });
  const { code, signal } = await ended;
  assert.equal(stdout, 'ready\ngot TERM\n');
  assert.deepEqual({ code, signal }, { code: 7, signal: null });
});
