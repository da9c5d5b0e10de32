#!/usr/bin/env node
// Checks a release commit's dist/bin as git records it, which is what a runner downloads:
// exactly MANIFEST, binaries.zst and SHA256SUMS, plain files (mode 100644); MANIFEST lists
// the five binaries in scripts/pack-dist.js's order; binaries.zst decompresses to exactly
// those binaries (each one's size and SHA-256); SHA256SUMS gives the same hashes.
// One ::error:: line per problem; exit code 1 if any.
//
//   node scripts/check-release.js [COMMIT]     (default HEAD)
'use strict';

const { spawnSync } = require('node:child_process');
const zlib = require('node:zlib');

const { ORDER } = require('./pack-dist');
const { ARCHIVE, MANIFEST, readManifestText, sha256 } = require('../dist/unpack');

const FILES = [MANIFEST, ARCHIVE, 'SHA256SUMS'].map((name) => `dist/bin/${name}`);

function git(args, encoding = 'utf8') {
  const result = spawnSync('git', args, { encoding, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

// The problems of `commit`'s dist/bin, as messages; printed lines go to `log`.
function check(commit, log = console.log) {
  const errors = [];
  const listing = git(['ls-tree', '-r', '--full-tree', commit, '--', 'dist/bin']).split('\n').filter(Boolean);
  if (listing.length === 0) return [`${commit} has no dist/bin`];
  for (const line of listing) {
    const [meta, file] = line.split('\t');
    const mode = meta.split(' ')[0];
    if (!FILES.includes(file)) {
      errors.push(`${file} does not belong in a release's dist/bin`);
    } else if (mode !== '100644') {
      errors.push(`${file} has git mode ${mode} in ${commit}, expected 100644`);
    } else {
      log(`${mode} ${file}`);
    }
  }
  for (const file of FILES) {
    if (!listing.some((line) => line.endsWith(`\t${file}`))) errors.push(`${commit} has no ${file}`);
  }
  if (errors.length > 0) return errors;

  let entries;
  try {
    entries = readManifestText(git(['show', `${commit}:dist/bin/${MANIFEST}`]));
  } catch (err) {
    return [err.message];
  }
  const names = entries.map((e) => e.name);
  if (names.join(' ') !== ORDER.join(' ')) {
    return [`${MANIFEST} lists ${names.join(', ') || 'nothing'}; a release packs ${ORDER.join(', ')} in that order`];
  }
  let stream;
  try {
    stream = zlib.zstdDecompressSync(git(['show', `${commit}:dist/bin/${ARCHIVE}`], 'buffer'));
  } catch (err) {
    return [`${ARCHIVE} does not decompress: ${err.message}`];
  }
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  if (stream.length !== total) errors.push(`${ARCHIVE} holds ${stream.length} bytes, ${MANIFEST} ${total}`);
  const sums = new Map();
  for (const line of git(['show', `${commit}:dist/bin/SHA256SUMS`]).split('\n').filter(Boolean)) {
    const [sha256, name] = line.split(/ [ *]/);
    sums.set(name, sha256);
  }
  for (const e of entries) {
    const got = sha256(stream.subarray(e.offset, e.offset + e.size));
    if (got !== e.sha256) errors.push(`${e.name} in ${ARCHIVE} has SHA-256 ${got}, ${MANIFEST} says ${e.sha256}`);
    else log(`${e.sha256} ${e.size} ${e.name}`);
    if (sums.get(e.name) !== e.sha256) errors.push(`SHA256SUMS does not give ${e.name} the SHA-256 of ${MANIFEST}`);
  }
  if (sums.size !== entries.length) errors.push(`SHA256SUMS lists ${sums.size} files, ${MANIFEST} ${entries.length}`);
  return errors;
}

if (require.main === module) {
  const errors = check(process.argv[2] || 'HEAD');
  for (const message of errors) console.log(`::error::${message}`);
  process.exitCode = errors.length > 0 ? 1 : 0;
}

module.exports = { check };
