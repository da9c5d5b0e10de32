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
// binary never outlives the release files it came from. Where the action's
// directory cannot be written, the binary goes to a directory named after its
// hash in RUNNER_TEMP (the job's own temporary directory).
//
// Loaded by launch.js only when no binary is there yet. Node built-ins only.
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

// Where a binary goes when the action's directory cannot be written, or null
// outside a runner job.
function fallbackPath(entry, env = process.env) {
  if (!env.RUNNER_TEMP) return null;
  const dir = `aws-oidc-credentials-${entry.sha256.slice(0, 16)}`;
  return path.join(env.RUNNER_TEMP, dir, path.basename(entry.name));
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

// Writes `bytes` to `dest` with mode 0755: a temporary file in the same
// directory, renamed into place, so that no one ever runs half a binary.
function install(bytes, dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const temporary = `${dest}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, bytes, { mode: 0o755, flag: 'wx' });
    fs.renameSync(temporary, dest);
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    // Another step got there first (Windows refuses to replace a running file).
    if (fs.existsSync(dest)) return;
    throw err;
  }
}

// Unpacks the binary `name` (<target>/<file>) of the packed binaries in
// `binDir` and resolves to its path; resolves to null when `binDir` holds no
// packed binaries or none of that name. Rejects with an UnpackError.
async function unpack(binDir, name, env = process.env) {
  const entries = readManifest(binDir);
  if (entries === null) return null;
  const entry = entries.find((e) => e.name === name);
  if (!entry) return null;
  const fallback = fallbackPath(entry, env);
  if (fallback && fs.existsSync(fallback)) return fallback;
  if (typeof zlib.createZstdDecompress !== 'function') {
    throw new UnpackError(`node ${process.version} cannot decompress zstd (node 22.15 or later can)`);
  }
  const bytes = await decompress(path.join(binDir, ARCHIVE), entry);
  const got = sha256(bytes);
  if (got !== entry.sha256) {
    throw new UnpackError(`${entry.name} unpacked from ${path.join(binDir, ARCHIVE)} has SHA-256 ${got}, ` +
      `not ${entry.sha256} as ${MANIFEST} says: the action's files are damaged`);
  }
  const dest = path.join(binDir, ...name.split('/'));
  try {
    install(bytes, dest);
    return dest;
  } catch (err) {
    if (!fallback) throw new UnpackError(`cannot write ${dest}: ${err.code || err.message}`);
    try {
      install(bytes, fallback);
      return fallback;
    } catch (again) {
      throw new UnpackError(`cannot write ${dest} (${err.code || err.message}) ` +
        `nor ${fallback} (${again.code || again.message})`);
    }
  }
}

module.exports = { ARCHIVE, MANIFEST, UnpackError, readManifestText, sha256, unpack };
