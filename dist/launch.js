// Launcher for the aws-oidc-credentials GitHub Action.
//
// The action's work is done by a native Rust binary; this file only finds the
// binary built for the runner's platform (unpacking it from the release's
// packed binaries on a job's first run, or, where the action's directory
// cannot be written, checking the one in RUNNER_TEMP: see unpack.js) and runs
// it with the step's environment and standard streams. Node built-ins only:
// nothing to install.
//
// Where node has `process.execve` and allows it (node 24 on Linux and macOS,
// the runner's node for node24 actions), the binary replaces this node
// process: no second process, no parent waiting, and the exit code and
// signals are the binary's own. Elsewhere (Windows, older node, worker
// threads, node's permission model) the binary is spawned and this process
// ends the way the binary ended (same exit code, or same signal).
//
// Windows on Arm runs the x64 binary under the system's x64 emulation. 32-bit
// platforms (ARM32 Linux, 32-bit Windows) have no binary and get a clear error.
'use strict';

// Only what every run needs is loaded up front: the fallback's modules
// (child_process, os) cost milliseconds of the step's start.
const fs = require('node:fs');
const path = require('node:path');

const NAME = 'aws-oidc-credentials';
const ACTION_DIR = path.join(__dirname, '..');
const OS_NAMES = { linux: 'linux', darwin: 'macos', win32: 'windows' };
const ARCH_NAMES = { x64: 'x64', arm64: 'arm64' };
// Targets that run another target's binary: Windows on Arm emulates x64.
const EMULATED = { 'windows-arm64': 'windows-x64' };
const SUPPORTED = [
  'linux-x64', 'linux-arm64', 'macos-x64', 'macos-arm64', 'windows-x64',
  'windows-arm64 (x64 emulation)',
];

// Where to look for the binary, in order: the prebuilt one shipped with the
// action (unpacked by an earlier step of the job, see unpack.js), then a
// release build in a source checkout. `target` is null when
// node's platform or architecture has no name of ours.
function binaryFor(platform, arch, actionDir = ACTION_DIR) {
  const os = OS_NAMES[platform];
  const cpu = ARCH_NAMES[arch];
  const native = os && cpu ? `${os}-${cpu}` : null;
  const target = EMULATED[native] || native;
  const exe = platform === 'win32' ? `${NAME}.exe` : NAME;
  const candidates = [];
  if (target) candidates.push(path.join(actionDir, 'dist', 'bin', target, exe));
  candidates.push(path.join(actionDir, 'target', 'release', exe));
  return { target, candidates };
}

function fail(message) {
  process.stdout.write(`::error::${message}\n`);
  process.exitCode = 1;
}

// `process.execve` where node has it and allows it, else null: not on Windows,
// not under the permission model unless it allows child processes. In a
// worker thread it throws before doing anything, and `exec` falls back to
// spawning (loading worker_threads to ask first would cost the step 5 ms).
function availableExecve(platform = process.platform) {
  if (typeof process.execve !== 'function' || platform === 'win32') return null;
  if (process.permission && !process.permission.has('child')) return null;
  return process.execve;
}

// Runs the binary with `args`, unpacking it first when this is the job's first
// run (then it returns a promise). `platform`, `arch` and `actionDir` are for
// tests, and `execve` (null: spawn the binary as on a node without it).
function run(args = [], {
  platform = process.platform,
  arch = process.arch,
  actionDir = ACTION_DIR,
  execve = availableExecve(platform),
} = {}) {
  const { target, candidates } = binaryFor(platform, arch, actionDir);
  const go = (binary) => (execve ? exec(execve, binary, args) : start(binary, args, true));
  const binary = candidates.find((file) => fs.existsSync(file));
  if (binary) {
    go(binary);
    return undefined;
  }
  const missing = () => {
    const what = target ? `has no binary for ${target}` : 'does not support this platform';
    fail(`${NAME} ${what} (node ${platform}/${arch}); supported: ${SUPPORTED.join(', ')}`);
  };
  if (!target) {
    missing();
    return undefined;
  }
  // The first run in a job (the binary is still in the packed binaries), or
  // one where the action's directory cannot be written: see unpack.js.
  const { unpack, UnpackError } = require('./unpack');
  const exe = path.basename(candidates[0]);
  return unpack(path.join(actionDir, 'dist', 'bin'), `${target}/${exe}`)
    .then((unpacked) => (unpacked ? go(unpacked) : missing()))
    .catch((err) => {
      // One error line, never a stack trace.
      const why = err instanceof UnpackError ? err.message : err.code || err.message;
      fail(`${NAME}: cannot unpack the binary for ${target}: ${why}`);
    });
}

// Replaces this process with the binary. In node 24 a failed exec aborts the
// process instead of throwing, so the binary must be known to be executable
// first; a binary found without its execute bit (a copy that lost its mode)
// is made executable once. Nothing is written to stdout or stderr before the
// exec: the binary inherits the streams untouched.
function exec(execve, binary, args) {
  let code = accessError(binary);
  if (code === 'EACCES') {
    const chmodError = makeExecutable(binary);
    if (chmodError !== null) {
      fail(`${NAME}: cannot run ${binary}: EACCES, and cannot make it executable: ${chmodError}`);
      return;
    }
    code = accessError(binary);
  }
  if (code !== null) {
    fail(`${NAME}: cannot run ${binary}: ${code}`);
    return;
  }
  // argv[0] is the binary itself; the binary's own arguments follow it.
  try {
    execve(binary, [binary, ...args], process.env);
  } catch {
    // Refused before exec (a node where a failed exec throws, or one that
    // forbids it here): spawn the binary instead.
    start(binary, args, true);
  }
}

// Whether the binary may be executed: null, or the error code of access(2).
function accessError(binary) {
  try {
    fs.accessSync(binary, fs.constants.X_OK);
    return null;
  } catch (err) {
    return err.code || err.message;
  }
}

// Adds the execute bits where the read bits are (0644 becomes 0755); returns
// the error code when that is not possible.
function makeExecutable(binary) {
  try {
    const mode = fs.statSync(binary).mode & 0o7777;
    fs.chmodSync(binary, mode | ((mode & 0o444) >> 2));
    return null;
  } catch (err) {
    return err.code || err.message;
  }
}

// Spawns the binary. A binary found without its execute bit (EACCES: a copy
// that lost its mode) is made executable once and started again.
function start(binary, args, mayRetry) {
  // Listening before the spawn: a signal that comes as soon as the binary has
  // started still reaches it instead of ending this process alone.
  let child = null;
  const forward = (signal) => child && child.kill(signal);
  const forwarded = ['SIGINT', 'SIGTERM'];
  for (const signal of forwarded) process.on(signal, forward);
  const { spawn } = require('node:child_process');
  child = spawn(binary, args, { stdio: 'inherit', windowsHide: true });
  const stopForwarding = () => forwarded.forEach((signal) => process.removeListener(signal, forward));

  child.on('error', (err) => {
    stopForwarding();
    if (err.code === 'EACCES' && mayRetry) {
      const chmodError = makeExecutable(binary);
      if (chmodError === null) {
        start(binary, args, false);
        return;
      }
      fail(`${NAME}: cannot run ${binary}: EACCES, and cannot make it executable: ${chmodError}`);
      return;
    }
    fail(`${NAME}: cannot run ${binary}: ${err.code || err.message}`);
  });
  child.on('exit', (code, signal) => {
    stopForwarding();
    if (signal === null) {
      process.exitCode = code;
      return;
    }
    // End the same way. A signal node ignores (SIGPIPE) or that cannot be
    // re-raised (Windows) leaves the shell-style code 128+n.
    process.exitCode = 128 + (require('node:os').constants.signals[signal] || 0);
    if (process.platform !== 'win32') process.kill(process.pid, signal);
  });
}

module.exports = { availableExecve, binaryFor, run };
