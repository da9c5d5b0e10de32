// Tests for the node launcher in dist/ (run with `node --test test/`, on node 24
// as the runner: both the exec path and the spawn fallback are tested).
// Each test copies the launcher into a fresh temporary action directory and
// puts a small shell script where the binary would be.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { spawn, spawnSync } = require('node:child_process');

const DIST = path.join(__dirname, '..', 'dist');
const { binaryFor } = require(path.join(DIST, 'launch.js'));
const { pack } = require(path.join(__dirname, '..', 'scripts', 'pack-dist.js'));
const SUPPORTED = 'supported: linux-x64, linux-arm64, macos-x64, macos-arm64, windows-x64, ' +
  'windows-arm64 (x64 emulation)';
const posixOnly = { skip: process.platform === 'win32' && 'fake binaries are shell scripts' };

// A temporary action directory holding a copy of the launcher.
function actionDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'dist'));
  for (const file of ['launch.js', 'main.js', 'post.js', 'unpack.js']) {
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

// Node's arguments to run the step's script the way the runner does.
// `spawnOnly` runs it as on a node without `process.execve` (older node,
// Windows): the binary is spawned.
function launchArgv(dir, step, { spawnOnly = false } = {}) {
  if (!spawnOnly) return [path.join(dir, 'dist', `${step}.js`)];
  const args = step === 'post' ? ['post'] : [];
  return ['-e', `require(${JSON.stringify(path.join(dir, 'dist', 'launch.js'))})` +
    `.run(${JSON.stringify(args)}, { execve: null })`];
}

function launch(dir, step = 'main', env = {}, options = {}) {
  return spawnSync(process.execPath, launchArgv(dir, step, options), {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
}

// Both ways of starting the binary, for tests that hold for both.
const WAYS = [
  ['exec', { spawnOnly: false }],
  ['spawn', { spawnOnly: true }],
];
const execOnly = {
  skip: (process.platform === 'win32' && 'fake binaries are shell scripts') ||
    (typeof process.execve !== 'function' && 'this node has no process.execve'),
};

// `gate`, also skipping where node cannot pack binaries (zstd, node 22.15 and later).
function packing(gate) {
  return { skip: gate.skip || (typeof zlib.zstdCompressSync !== 'function' && 'this node has no zstd') };
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

test('damaged packed binaries give one error line, exit code 1 and no binary', packing(posixOnly), (t) => {
  const dir = actionDir(t);
  const binary = packRelease(dir, 'echo never');
  const manifest = path.join(dir, 'dist', 'bin', 'MANIFEST');
  const text = fs.readFileSync(manifest, 'utf8');
  const sha256 = packedSha256(dir);
  fs.writeFileSync(manifest, text.replace(sha256, '0'.repeat(64)));
  const result = launch(dir);
  assert.equal(result.status, 1);
  assert.equal(result.stdout, `::error::aws-oidc-credentials: cannot unpack the binary for ${packedName().split('/')[0]}: ` +
    `${packedName()} unpacked from ${path.join(dir, 'dist', 'bin', 'binaries.zst')} has SHA-256 ${sha256}, ` +
    `not ${'0'.repeat(64)} as MANIFEST says: the action's files are damaged\n`);
  assert.equal(result.stderr, '');
  assert.equal(fs.existsSync(binary), false);
  // A stream cut short.
  fs.writeFileSync(manifest, text);
  const archive = path.join(dir, 'dist', 'bin', 'binaries.zst');
  fs.truncateSync(archive, fs.statSync(archive).size - 40);
  const cut = launch(dir);
  assert.equal(cut.status, 1);
  assert.match(cut.stdout, /^::error::aws-oidc-credentials: cannot unpack the binary for [a-z0-9-]+: .*binaries\.zst/);
  assert.equal(cut.stdout.split('\n').length, 2);
  assert.equal(fs.existsSync(binary), false);
});

test('process.execve is used only where node allows it', () => {
  const { availableExecve } = require(path.join(DIST, 'launch.js'));
  assert.equal(availableExecve('win32'), null);
  const probe = (nodeArgs, code) =>
    spawnSync(process.execPath, [...nodeArgs, '-e', code], { encoding: 'utf8', timeout: 30_000 });
  const launcher = JSON.stringify(path.join(DIST, 'launch.js'));
  const kind = `console.log(typeof require(${launcher}).availableExecve())`;
  if (typeof process.execve === 'function' && process.platform !== 'win32') {
    assert.equal(probe([], kind).stdout, 'function\n');
  }
  // Not under the permission model, unless it allows child processes.
  if (Number(process.versions.node.split('.')[0]) >= 22) {
    const readAll = `--allow-fs-read=${path.parse(DIST).root}*`;
    assert.equal(probe(['--permission', readAll], kind).stdout, 'object\n');
  }
});

test('in a worker thread, where process.execve throws, the binary is spawned', execOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'echo "ran as $$"');
  const worker = `const { Worker } = require('node:worker_threads');` +
    `new Worker(${JSON.stringify(path.join(dir, 'dist', 'main.js'))})`;
  const result = spawnSync(process.execPath, ['-e', worker], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  assert.match(result.stdout, /^ran as \d+\n$/);
  assert.equal(result.status, 0);
});


// This machine's binary name in the packed binaries: <target>/<file>.
function packedName() {
  return shippedPath().split(path.sep).slice(2).join('/');
}

// Packs fake binaries into the action's dist/bin the way a release does: this
// machine's (printing `body`'s output) after `before` others, then removes the
// loose files, as in a release tag. Returns the path the binary unpacks to.
function packRelease(dir, body, before = ['linux-arm64/other', 'windows-x64/other.exe']) {
  const binDir = path.join(dir, 'dist', 'bin');
  for (const name of before) fakeBinary(binDir, name, `echo ${name}`);
  const binary = fakeBinary(dir, shippedPath(), body);
  const order = [...before, packedName()];
  pack(binDir, order);
  for (const name of order) fs.rmSync(path.join(binDir, ...name.split('/')));
  return binary;
}

// The SHA-256 of this machine's binary, from the MANIFEST of packRelease in `dir`.
function packedSha256(dir) {
  const text = fs.readFileSync(path.join(dir, 'dist', 'bin', 'MANIFEST'), 'utf8');
  return text.trim().split('\n').pop().split(' ')[2];
}

// A fresh RUNNER_TEMP, removed after the test.
function runnerTempDir(t) {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
  t.after(() => fs.rmSync(runnerTemp, { recursive: true, force: true }));
  return runnerTemp;
}

// Where the binary packed in `dir` goes in `runnerTemp` when the action's
// directory cannot be written (and nothing else is there).
function fallbackPath(dir, runnerTemp) {
  const unpackedDir = `aws-oidc-credentials-${packedSha256(dir).slice(0, 16)}`;
  return path.join(runnerTemp, unpackedDir, path.basename(shippedPath()));
}

// The fake binary of readOnlyRelease: it prints the path it runs from.
const RAN_FROM = 'echo "ran $0 args=[$*]"';
// Another program of the same size.
const SAME_SIZE = 'echo "RAN $0 args=[$*]"';

// A release whose action directory cannot be written (a file where the
// binary's directory would be), with a fresh RUNNER_TEMP: its binary (RAN_FROM)
// unpacks to `fallback` in RUNNER_TEMP.
function readOnlyRelease(t) {
  const dir = actionDir(t);
  const binary = packRelease(dir, RAN_FROM, []);
  fs.rmSync(path.dirname(binary), { recursive: true });
  fs.writeFileSync(path.dirname(binary), '');
  const runnerTemp = runnerTempDir(t);
  return { dir, env: { RUNNER_TEMP: runnerTemp }, fallback: fallbackPath(dir, runnerTemp) };
}

// Creates the directory of `file`, that only this user can use.
function ownDir(file) {
  fs.mkdirSync(path.dirname(file), { mode: 0o700 });
}

// What an earlier step of the job could leave where the binary of
// readOnlyRelease goes in RUNNER_TEMP, `fallback`: none of it may run.
// `elsewhere` is a directory for files outside RUNNER_TEMP.
const PLANTED = {
  'another program': (fallback) => fakeBinary(fallback, '', 'echo planted'),
  'another program of the same size': (fallback) => fakeBinary(fallback, '', SAME_SIZE),
  'an empty file': (fallback) => {
    ownDir(fallback);
    fs.writeFileSync(fallback, '', { mode: 0o755 });
  },
  'a directory': (fallback) => fs.mkdirSync(fallback, { recursive: true }),
  'a FIFO': (fallback) => {
    ownDir(fallback);
    assert.equal(spawnSync('mkfifo', [fallback]).status, 0);
  },
  'a symbolic link to the binary': (fallback, elsewhere) => {
    ownDir(fallback);
    fs.symlinkSync(fakeBinary(elsewhere, path.basename(fallback), RAN_FROM), fallback);
  },
  'a symbolic link to a directory holding the binary': (fallback, elsewhere) => {
    fakeBinary(elsewhere, path.basename(fallback), RAN_FROM);
    fs.symlinkSync(elsewhere, path.dirname(fallback));
  },
  'the binary in a directory that others can write': (fallback) => {
    fakeBinary(fallback, '', RAN_FROM);
    fs.chmodSync(path.dirname(fallback), 0o777);
  },
  'a file where its directory would be': (fallback) => fs.writeFileSync(path.dirname(fallback), ''),
};

// Expects `result` to be a run of the binary of readOnlyRelease, unpacked
// afresh into a new directory beside `fallback`'s that only this user can use,
// with `args`. `what` names the case.
function expectFreshRun(result, fallback, args, what) {
  assert.equal(result.stderr, '', what);
  assert.equal(result.status, 0, what);
  const ran = result.stdout.slice('ran '.length, result.stdout.indexOf(' args='));
  assert.equal(result.stdout, `ran ${ran} args=[${args}]\n`, what);
  // <fallback's directory>-XXXXXX/<file>, as fs.mkdtemp names it.
  const fresh = path.dirname(ran);
  assert.equal(ran, path.join(fresh, path.basename(fallback)), what);
  assert.equal(fresh.slice(0, -7), path.dirname(fallback), what);
  assert.match(fresh.slice(-7), /^-\w{6}$/, what);
  assert.equal(fs.statSync(fresh).mode & 0o777, 0o700, what);
}

for (const [way, options] of WAYS) {
  const only = way === 'exec' ? execOnly : posixOnly;

  test(`${way}: the first run unpacks the binary from the packed binaries; later runs use it`, packing(only), (t) => {
    const dir = actionDir(t);
    const binary = packRelease(dir, 'echo "unpacked args=[$*]"');
    const first = launch(dir, 'main', {}, options);
    assert.equal(first.stdout, 'unpacked args=[]\n');
    assert.equal(first.stderr, '');
    assert.equal(first.status, 0);
    assert.equal(fs.statSync(binary).mode & 0o777, 0o755);
    assert.deepEqual(fs.readdirSync(path.dirname(binary)), [path.basename(binary)]);
    // The post step finds it unpacked: the packed binaries are not read again.
    fs.rmSync(path.join(dir, 'dist', 'bin', 'binaries.zst'));
    assert.equal(launch(dir, 'post', {}, options).stdout, 'unpacked args=[post]\n');
  });

  test(`${way}: a program planted in RUNNER_TEMP does not run where dist/bin can be written`, packing(only), (t) => {
    const dir = actionDir(t);
    const binary = packRelease(dir, 'echo "unpacked args=[$*]"');
    const runnerTemp = runnerTempDir(t);
    const planted = fallbackPath(dir, runnerTemp);
    fakeBinary(planted, '', 'echo planted');
    const result = launch(dir, 'main', { RUNNER_TEMP: runnerTemp }, options);
    assert.equal(result.stdout, 'unpacked args=[]\n');
    assert.equal(result.status, 0);
    assert.equal(fs.statSync(binary).mode & 0o777, 0o755);
  });

  test(`${way}: where the action's directory cannot be written, the binary goes to RUNNER_TEMP`, packing(only), (t) => {
    const { dir, env, fallback } = readOnlyRelease(t);
    assert.equal(launch(dir, 'main', env, options).stdout, `ran ${fallback} args=[]\n`);
    // Into a directory named after its hash, that only this user can use.
    assert.deepEqual(fs.readdirSync(env.RUNNER_TEMP), [path.basename(path.dirname(fallback))]);
    assert.equal(fs.statSync(path.dirname(fallback)).mode & 0o777, 0o700);
    // The post step checks it and runs it: the packed binaries are not read again.
    fs.rmSync(path.join(dir, 'dist', 'bin', 'binaries.zst'));
    assert.equal(launch(dir, 'post', env, options).stdout, `ran ${fallback} args=[post]\n`);
  });

  test(`${way}: a binary unpacked to RUNNER_TEMP is checked again each time before it runs`, packing(only), (t) => {
    const { dir, env, fallback } = readOnlyRelease(t);
    assert.equal(launch(dir, 'main', env, options).stdout, `ran ${fallback} args=[]\n`);
    // Changed in place by a step in between, to a program of the same size.
    fs.writeFileSync(fallback, `#!/bin/sh\n${SAME_SIZE}\n`);
    expectFreshRun(launch(dir, 'post', env, options), fallback, 'post', 'changed in place');
  });

  test(`${way}: nothing found in RUNNER_TEMP runs but the binary, unpacked there by this user`, packing(only), (t) => {
    for (const [what, plant] of Object.entries(PLANTED)) {
      const { dir, env, fallback } = readOnlyRelease(t);
      plant(fallback, path.join(dir, 'elsewhere'));
      expectFreshRun(launch(dir, 'main', env, options), fallback, '', what);
      // A later step unpacks it afresh again.
      expectFreshRun(launch(dir, 'post', env, options), fallback, 'post', what);
    }
  });

  test(`${way}: where RUNNER_TEMP cannot be written either, one error line names what was wrong`, packing(only), (t) => {
    const { dir, env, fallback } = readOnlyRelease(t);
    fs.rmSync(env.RUNNER_TEMP, { recursive: true });
    fs.writeFileSync(env.RUNNER_TEMP, '');
    const result = launch(dir, 'main', env, options);
    const target = packedName().split('/')[0];
    assert.equal(result.stdout, `::error::aws-oidc-credentials: cannot unpack the binary for ${target}: ` +
      `cannot write ${path.join(dir, shippedPath())}: EEXIST; ${fallback}: ENOTDIR; ` +
      `cannot write a new directory in ${env.RUNNER_TEMP}: ENOTDIR\n`);
    assert.equal(result.stderr, '');
    assert.equal(result.status, 1);
  });

  test(`${way}: runs the shipped binary with the environment; exit code 0`, only, (t) => {
    const dir = actionDir(t);
    fakeBinary(dir, shippedPath(), 'echo "shipped args=[$*] greeting=$GREETING"');
    const result = launch(dir, 'main', { GREETING: 'hello' }, options);
    assert.equal(result.stdout, 'shipped args=[] greeting=hello\n');
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
  });

  test(`${way}: the post step passes \`post\` to the binary`, only, (t) => {
    const dir = actionDir(t);
    fakeBinary(dir, shippedPath(), 'echo "args=[$*] argc=$#"');
    const result = launch(dir, 'post', {}, options);
    assert.equal(result.stdout, 'args=[post] argc=1\n');
    assert.equal(result.status, 0);
  });

  test(`${way}: falls back to target/release in a source checkout`, only, (t) => {
    const dir = actionDir(t);
    fakeBinary(dir, path.join('target', 'release', 'aws-oidc-credentials'), 'echo source build');
    const result = launch(dir, 'main', {}, options);
    assert.equal(result.stdout, 'source build\n');
    assert.equal(result.status, 0);
  });

  test(`${way}: prefers the shipped binary over a source build`, only, (t) => {
    const dir = actionDir(t);
    fakeBinary(dir, shippedPath(), 'echo shipped');
    fakeBinary(dir, path.join('target', 'release', 'aws-oidc-credentials'), 'echo source build');
    assert.equal(launch(dir, 'main', {}, options).stdout, 'shipped\n');
  });

  test(`${way}: passes the binary's exit code through`, only, (t) => {
    const dir = actionDir(t);
    fakeBinary(dir, shippedPath(), 'echo failing >&2; exit 3');
    const result = launch(dir, 'main', {}, options);
    assert.equal(result.status, 3);
    assert.equal(result.stderr, 'failing\n');
  });

  test(`${way}: ends by the signal that ended the binary`, only, (t) => {
    const dir = actionDir(t);
    fakeBinary(dir, shippedPath(), 'kill -TERM $$');
    const result = launch(dir, 'main', {}, options);
    assert.equal(result.signal, 'SIGTERM', `status ${result.status}, stderr ${result.stderr}`);
  });

  test(`${way}: a binary without its execute bit is made executable once and run`, only, (t) => {
    const dir = actionDir(t);
    const binary = fakeBinary(dir, shippedPath(), 'echo "ran args=[$*]"', 0o644);
    const result = launch(dir, 'post', {}, options);
    assert.equal(result.stdout, 'ran args=[post]\n');
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    assert.equal(fs.statSync(binary).mode & 0o777, 0o755);
  });

  test(`${way}: a SIGTERM to the step reaches the binary, whose exit code ends the step`, only, async (t) => {
    const dir = actionDir(t);
    const pidFile = path.join(dir, 'binary.pid');
    fakeBinary(
      dir,
      shippedPath(),
      `echo $$ > '${pidFile}'\n` +
        'trap \'echo "got TERM"; exit 7\' TERM\necho ready\nwhile :; do sleep 0.05; done',
    );
    const child = spawn(process.execPath, launchArgv(dir, 'main', options), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Whatever happens, nothing is left running: the launcher, and the binary
    // (the same process when exec'd).
    t.after(() => {
      const binaryPid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : 0;
      for (const pid of [child.pid, binaryPid]) {
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    });
    await expectTermHandled(child);
  });
}

// Sends SIGTERM to the launcher once the binary says `ready`; expects the
// binary's trap to run and its exit code 7 to become the launcher's. Bounded:
// fails after 20 s instead of hanging.
async function expectTermHandled(child) {
  let stdout = '';
  let timer;
  const ended = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timed out'), 20_000);
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (stdout === 'ready\n') child.kill('SIGTERM');
  });
  const outcome = await Promise.race([ended, timedOut]);
  clearTimeout(timer);
  assert.notEqual(outcome, 'timed out', `no exit within 20 s; stdout so far: ${JSON.stringify(stdout)}`);
  // The binary's last output may still be in the pipe when `exit` comes.
  if (!child.stdout.readableEnded) await new Promise((resolve) => child.stdout.on('close', resolve));
  assert.equal(stdout, 'ready\ngot TERM\n');
  assert.deepEqual(outcome, { code: 7, signal: null });
}

test('exec: the binary replaces the launcher (same process id)', execOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'echo "pid=$$"');
  const result = launch(dir);
  assert.equal(result.status, 0);
  assert.equal(result.stdout, `pid=${result.pid}\n`);
});

test('exec: a binary made executable also replaces the launcher', execOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'echo "pid=$$ args=[$*]"', 0o644);
  const result = launch(dir, 'post');
  assert.equal(result.stdout, `pid=${result.pid} args=[post]\n`);
  assert.equal(result.stderr, '');
});

test('spawn: without process.execve the binary runs as a child process', posixOnly, (t) => {
  const dir = actionDir(t);
  fakeBinary(dir, shippedPath(), 'echo "pid=$$ parent=$PPID"');
  const result = launch(dir, 'main', {}, { spawnOnly: true });
  assert.equal(result.status, 0);
  const [, pid, parent] = result.stdout.match(/^pid=(\d+) parent=(\d+)\n$/);
  assert.notEqual(Number(pid), result.pid);
  assert.equal(Number(parent), result.pid);
});

test('spawn: a binary that still cannot be executed gives one error line naming it', posixOnly, (t) => {
  const dir = actionDir(t);
  // Executable itself, but its interpreter is not: exec fails with EACCES every time.
  const interpreter = fakeBinary(dir, 'interpreter', 'exit 0', 0o644);
  const binary = path.join(dir, shippedPath());
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  fs.writeFileSync(binary, `#!${interpreter}\n`, { mode: 0o755 });
  const result = launch(dir, 'main', {}, { spawnOnly: true });
  assert.equal(result.status, 1);
  assert.equal(result.stdout, `::error::aws-oidc-credentials: cannot run ${binary}: EACCES\n`);
  assert.equal(fs.statSync(interpreter).mode & 0o777, 0o644);
});
