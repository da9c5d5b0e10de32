// Launcher for the aws-oidc-credentials GitHub Action.
//
// The action's work is done by a native Rust binary; this file only finds the
// binary built for the runner's platform and runs it with the step's
// environment and standard streams, then ends the way the binary ended (same
// exit code, or same signal). Node built-ins only: nothing to install.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { constants } = require('node:os');

const NAME = 'aws-oidc-credentials';
const ACTION_DIR = path.join(__dirname, '..');
const OS_NAMES = { linux: 'linux', darwin: 'macos', win32: 'windows' };
const ARCH_NAMES = { x64: 'x64', arm64: 'arm64' };
const SUPPORTED = ['linux-x64', 'linux-arm64', 'macos-x64', 'macos-arm64', 'windows-x64'];

// Where to look for the binary, in order: the prebuilt one shipped with the
// action, then a release build in a source checkout. `target` is null when
// node's platform or architecture has no name of ours.
function binaryFor(platform, arch, actionDir = ACTION_DIR) {
  const os = OS_NAMES[platform];
  const cpu = ARCH_NAMES[arch];
  const target = os && cpu ? `${os}-${cpu}` : null;
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

  const child = spawn(binary, args, { stdio: 'inherit', windowsHide: true });
  const forward = (signal) => child.kill(signal);
  const forwarded = ['SIGINT', 'SIGTERM'];
  for (const signal of forwarded) process.on(signal, forward);
  const stopForwarding = () => forwarded.forEach((signal) => process.removeListener(signal, forward));

  child.on('error', (err) => {
    stopForwarding();
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
