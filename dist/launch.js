// Launcher for the aws-oidc-credentials GitHub Action.
//
// The action's work is done by a native Rust binary; this file only finds the
// binary built for the runner's platform and runs it with the step's
// environment and standard streams, then ends the way the binary ended (same
// exit code, or same signal). Node built-ins only: nothing to install.
//
// Windows on Arm runs the x64 binary under the system's x64 emulation. 32-bit
// platforms (ARM32 Linux, 32-bit Windows) have no binary and get a clear error.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { constants } = require('node:os');

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
// action, then a release build in a source checkout. `target` is null when
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

// Runs the binary with `args`; `platform`, `arch` and `actionDir` are for tests.
function run(args = [], { platform = process.platform, arch = process.arch, actionDir = ACTION_DIR } = {}) {
  const { target, candidates } = binaryFor(platform, arch, actionDir);
  const binary = candidates.find((file) => fs.existsSync(file));
  if (!binary) {
    const what = target ? `has no binary for ${target}` : 'does not support this platform';
    fail(`${NAME} ${what} (node ${platform}/${arch}); supported: ${SUPPORTED.join(', ')}`);
    return;
  }

  start(binary, args, true);
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
  const child = spawn(binary, args, { stdio: 'inherit', windowsHide: true });
  const forward = (signal) => child.kill(signal);
  const forwarded = ['SIGINT', 'SIGTERM'];
  for (const signal of forwarded) process.on(signal, forward);
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
    process.exitCode = 128 + (constants.signals[signal] || 0);
    if (process.platform !== 'win32') process.kill(process.pid, signal);
  });
}

module.exports = { binaryFor, run };
