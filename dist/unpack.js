// Unpacks the binary for one platform from the action's packed binaries.
//
// A release tag holds the five binaries as one zstd stream, dist/bin/binaries.zst,
// compressed together: they share much of their data (certificates, endpoint
// rules, messages), so the stream is about a fifth smaller than the binaries
// compressed one by one, and every job downloads the whole tag. dist/bin/MANIFEST
// lists them in stream order:
//
//   <target>/<file> <size in bytes> <sha256>
//
// The first step of a job that runs the action decompresses the stream up to the
// end of its own binary (the most used platforms come first), checks the
// binary's SHA-256 and writes it to dist/bin/<target>/<file> with mode 0755,
// where later steps (the post step, a second use of the action) find it. The
// runner deletes its actions' directories when a job starts, so an unpacked
// binary never outlives the release files it came from.
//
// Only where the action's directory cannot be written does the binary go to
// RUNNER_TEMP (the job's own temporary directory), which earlier steps of the
// job can write too: into a directory named after its hash, created with mode
// 0700. Every step that would run a binary found there checks it first: a
// regular file (not a link) in a directory (not a link), both changeable only
// by this user, whose size and SHA-256 match MANIFEST. Anything else there is
// neither run nor touched: the binary is unpacked afresh into a new private
// directory beside it, or the step ends with one error line.
//
// Loaded by launch.js only when no binary is in the action's directory. Node
// built-ins only.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const ARCHIVE = 'binaries.zst';
const MANIFEST = 'MANIFEST';
// The largest window a packed stream may use (2^27 bytes, zstd's default limit).
const WINDOW_LOG_MAX = 27;
// Read and decompress in chunks of 1 MiB (node's default of 16 KiB costs tens of milliseconds).
const CHUNK = 1 << 20;

class UnpackError extends Error {}

// The SHA-256 of `bytes`, in hex.
function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

// The entries of MANIFEST in `binDir`, with their offsets in the stream; null
// when there is no MANIFEST (a source checkout, or binaries copied in by hand).
function readManifest(binDir) {
  let text;
  try {
    text = fs.readFileSync(path.join(binDir, MANIFEST), 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw new UnpackError(`cannot read ${path.join(binDir, MANIFEST)}: ${err.code || err.message}`);
  }
  return readManifestText(text);
}

// The entries of a MANIFEST's text, with their offsets in the stream.
function readManifestText(text) {
  const entries = [];
  let offset = 0;
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-z0-9-]+\/[A-Za-z0-9._-]+) ([0-9]+) ([0-9a-f]{64})$/.exec(line);
    if (!match) throw new UnpackError(`${MANIFEST} line ${index + 1} is not "<target>/<file> <size> <sha256>"`);
    const size = Number(match[2]);
    entries.push({ name: match[1], offset, size, sha256: match[3] });
    offset += size;
  }
  return entries;
}

// Decompresses the stream up to the end of `entry` and resolves to its bytes.
function decompress(archive, entry) {
  return new Promise((resolve, reject) => {
    const end = entry.offset + entry.size;
    const chunks = [];
    let have = 0;
    let done = false;
    const input = fs.createReadStream(archive, { highWaterMark: CHUNK });
    const stream = zlib.createZstdDecompress({
      chunkSize: CHUNK,
      params: { [zlib.constants.ZSTD_d_windowLogMax]: WINDOW_LOG_MAX },
    });
    const finish = (err) => {
      if (done) return;
      done = true;
      input.destroy();
      stream.destroy();
      if (err) {
        reject(new UnpackError(`cannot decompress ${archive}: ${err.code || err.message}`));
        return;
      }
      if (have < end) {
        reject(new UnpackError(`${archive} ends before ${entry.name} (${have} of ${end} bytes)`));
        return;
      }
      // The chunks start at the binary's first byte.
      resolve(Buffer.concat(chunks).subarray(0, entry.size));
    };
    stream.on('data', (chunk) => {
      // Bytes before the wanted binary are dropped as they come, apart from the
      // part of this chunk that reaches into it.
      const start = have;
      have += chunk.length;
      if (have > entry.offset) chunks.push(start >= entry.offset ? chunk : chunk.subarray(entry.offset - start));
      if (have >= end) finish();
    });
    stream.on('end', () => finish());
    stream.on('error', finish);
    input.on('error', finish);
    input.pipe(stream);
  });
}

// The bytes of `entry`, decompressed from `archive` and checked against the
// MANIFEST's SHA-256.
async function extract(archive, entry) {
  if (typeof zlib.createZstdDecompress !== 'function') {
    throw new UnpackError(`node ${process.version} cannot decompress zstd (node 22.15 or later can)`);
  }
  const bytes = await decompress(archive, entry);
  const got = sha256(bytes);
  if (got !== entry.sha256) {
    throw new UnpackError(`${entry.name} unpacked from ${archive} has SHA-256 ${got}, ` +
      `not ${entry.sha256} as ${MANIFEST} says: the action's files are damaged`);
  }
  return bytes;
}

// Opens a new temporary file (mode 0755) next to `dest`, creating its
// directory; throws when that directory cannot be written. The binary is
// written there, then renamed into place, so that no one ever runs half a binary.
function openTemporary(dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const file = `${dest}.${process.pid}.tmp`;
  return { file, fd: fs.openSync(file, 'wx', 0o755) };
}

// Writes `bytes` (or what a promise of them resolves to) to the file
// `temporary` of openTemporary and renames it to `dest`; removes it on failure.
async function install(temporary, bytes, dest) {
  try {
    try {
      fs.writeFileSync(temporary.fd, await bytes);
    } finally {
      fs.closeSync(temporary.fd);
    }
    fs.renameSync(temporary.file, dest);
  } catch (err) {
    fs.rmSync(temporary.file, { force: true });
    if (err instanceof UnpackError) throw err;
    // Another step got there first (Windows refuses to replace a running file).
    if (fs.existsSync(dest)) return;
    throw new UnpackError(`cannot write ${dest}: ${err.code || err.message}`);
  }
}

// Whether only this user can change the file or directory of `stats`: its
// owner, not writable by group or others. Always true on Windows, where files
// have no POSIX owner and mode.
function ownOnly(stats) {
  if (typeof process.getuid !== 'function') return true;
  return stats.uid === process.getuid() && (stats.mode & 0o022) === 0;
}

// What `stats` describe, for messages.
function kind(stats) {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  return stats.isFile() ? 'a file' : 'not a regular file';
}

// Opening an unpacked binary to check it follows no symbolic link, and does
// not wait for a writer when it is a FIFO (neither flag exists on Windows).
const OPEN_TO_CHECK = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0) | (fs.constants.O_NONBLOCK || 0);

// The first `size` bytes of the open file `fd`, fewer when it is shorter.
function readBytes(fd, size) {
  const bytes = Buffer.alloc(size);
  let have = 0;
  while (have < size) {
    const n = fs.readSync(fd, bytes, have, size - have, have);
    if (n === 0) break;
    have += n;
  }
  return bytes.subarray(0, have);
}

// Why the binary an earlier run unpacked to `file` in `dir` must not run, or
// null when it may: `dir` must be a directory and `file` a regular file in it
// (neither a symbolic link), both changeable only by this user (so nothing
// swaps the file before it runs), with the size and SHA-256 of `entry`. The
// size is checked before reading, and the bytes hashed are read through one
// descriptor whose file is still at `file` once hashed.
function rejection(dir, file, entry) {
  let fd = null;
  try {
    const dirStats = fs.lstatSync(dir);
    if (!dirStats.isDirectory()) return `${dir} is ${kind(dirStats)}`;
    if (!ownOnly(dirStats)) return `${dir} can be changed by other users`;
    const fileStats = fs.lstatSync(file);
    if (!fileStats.isFile()) return `${file} is ${kind(fileStats)}`;
    fd = fs.openSync(file, OPEN_TO_CHECK);
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return `${file} is ${kind(stats)}`;
    if (!ownOnly(stats)) return `${file} can be changed by other users`;
    if (stats.size !== entry.size) return `${file} has ${stats.size} bytes, not ${entry.size}`;
    const got = sha256(readBytes(fd, entry.size));
    if (got !== entry.sha256) return `${file} has SHA-256 ${got}, not ${entry.sha256}`;
    const now = fs.lstatSync(file);
    if (now.ino !== stats.ino || now.dev !== stats.dev) return `${file} was replaced while it was checked`;
    return null;
  } catch (err) {
    return err.code === 'ENOENT' ? `there is no ${file}` : `${file}: ${err.code || err.message}`;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

// A new directory for the binary that only this user can change (mode 0700):
// `dir` itself when nothing is there yet, else a fresh one named after it.
function privateDir(dir) {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    return dir;
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  return fs.mkdtempSync(`${dir}-`);
}

// The binary of `entry` in RUNNER_TEMP, for when the action's directory cannot
// be written (`why`): the one an earlier step unpacked to the directory named
// after its hash, when it checks out (see rejection), else one unpacked afresh
// into a new private directory.
async function unpackToRunnerTemp(archive, entry, env, why) {
  if (!env.RUNNER_TEMP) throw new UnpackError(why);
  const dir = path.join(env.RUNNER_TEMP, `aws-oidc-credentials-${entry.sha256.slice(0, 16)}`);
  const file = path.join(dir, path.basename(entry.name));
  const rejected = rejection(dir, file, entry);
  if (rejected === null) return file;
  const bytes = await extract(archive, entry);
  let dest;
  let temporary;
  try {
    dest = path.join(privateDir(dir), path.basename(entry.name));
    temporary = openTemporary(dest);
  } catch (err) {
    throw new UnpackError(`${why}; ${rejected}; ` +
      `cannot write a new directory in ${env.RUNNER_TEMP}: ${err.code || err.message}`);
  }
  await install(temporary, bytes, dest);
  return dest;
}

// Unpacks the binary `name` (<target>/<file>) of the packed binaries in
// `binDir` and resolves to its path; resolves to null when `binDir` holds no
// packed binaries or none of that name. The binary goes to `binDir` (where it
// is not checked again: it is the action's own directory); only where that
// cannot be written, to RUNNER_TEMP. Rejects with an UnpackError.
async function unpack(binDir, name, env = process.env) {
  const entries = readManifest(binDir);
  if (entries === null) return null;
  const entry = entries.find((e) => e.name === name);
  if (!entry) return null;
  const archive = path.join(binDir, ARCHIVE);
  const dest = path.join(binDir, ...name.split('/'));
  let temporary;
  try {
    // Before decompressing: where it cannot be written, RUNNER_TEMP may
    // already hold the binary.
    temporary = openTemporary(dest);
  } catch (err) {
    return unpackToRunnerTemp(archive, entry, env, `cannot write ${dest}: ${err.code || err.message}`);
  }
  await install(temporary, extract(archive, entry), dest);
  return dest;
}

module.exports = { ARCHIVE, MANIFEST, UnpackError, readManifestText, sha256, unpack };
