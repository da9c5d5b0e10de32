#!/usr/bin/env node
// Packs the release binaries of dist/bin/<target>/ into one zstd stream,
// dist/bin/binaries.zst, listed in dist/bin/MANIFEST (see dist/unpack.js, which
// unpacks one of them in a job). Compressed together, the binaries share their
// common data: the stream is about a fifth smaller than the binaries compressed
// one by one with the same settings (and two fifths smaller than gzip's), and
// every job downloads all of them.
//
//   node scripts/pack-dist.js [BIN_DIR]     (default dist/bin)
//
// Packs the binaries that are there, most used platforms first (a job
// decompresses the stream only up to the end of its own binary). Prints one
// line per binary and the stream's size. Needs node 22.15 or later (zstd).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const { ARCHIVE, MANIFEST, sha256 } = require('../dist/unpack');

// Stream order: the most used runners first.
const ORDER = [
  'linux-x64/aws-oidc-credentials',
  'linux-arm64/aws-oidc-credentials',
  'windows-x64/aws-oidc-credentials.exe',
  'macos-arm64/aws-oidc-credentials',
  'macos-x64/aws-oidc-credentials',
];
const LEVEL = 19;

// `bytes` compressed as the binaries are packed: a window as large as the whole
// input (at least 1 MiB), so that each binary can refer to the ones before it;
// long-distance matching finds those.
function compress(bytes) {
  const windowLog = Math.min(27, Math.max(20, Math.ceil(Math.log2(bytes.length))));
  const { constants: c } = zlib;
  return zlib.zstdCompressSync(bytes, {
    params: {
      [c.ZSTD_c_compressionLevel]: LEVEL,
      [c.ZSTD_c_windowLog]: windowLog,
      [c.ZSTD_c_enableLongDistanceMatching]: 1,
      [c.ZSTD_c_checksumFlag]: 1,
    },
  });
}

// Packs the binaries of `binDir` named in `order` that exist; returns the
// manifest's entries and the stream's size. Throws when there is none.
function pack(binDir, order = ORDER) {
  const entries = [];
  const buffers = [];
  for (const name of order) {
    const file = path.join(binDir, ...name.split('/'));
    if (!fs.existsSync(file)) continue;
    const bytes = fs.readFileSync(file);
    entries.push({ name, size: bytes.length, sha256: sha256(bytes) });
    buffers.push(bytes);
  }
  if (entries.length === 0) throw new Error(`no binary to pack in ${binDir}`);
  const all = Buffer.concat(buffers);
  const packed = compress(all);
  fs.writeFileSync(path.join(binDir, ARCHIVE), packed);
  const lines = [
    `# The binaries packed, in this order, in ${ARCHIVE} (one zstd stream): <target>/<file> <size> <sha256>`,
    ...entries.map((e) => `${e.name} ${e.size} ${e.sha256}`),
  ];
  fs.writeFileSync(path.join(binDir, MANIFEST), `${lines.join('\n')}\n`);
  return { entries, packedSize: packed.length, size: all.length };
}

if (require.main === module) {
  const binDir = process.argv[2] || path.join(__dirname, '..', 'dist', 'bin');
  const { entries, packedSize, size } = pack(binDir);
  for (const e of entries) console.log(`${e.name.padEnd(40)} ${String(e.size).padStart(9)} bytes  ${e.sha256}`);
  console.log(`${path.join(binDir, ARCHIVE)}: ${entries.length} binaries, ${size} bytes packed into ${packedSize}`);
}

module.exports = { ORDER, compress, pack };
