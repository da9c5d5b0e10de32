// Checks on action.yml that GitHub's Marketplace enforces (run with `node --test test/`).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ACTION = fs.readFileSync(path.join(__dirname, '..', 'action.yml'), 'utf8');

// The top-level `description:`, a one-line plain or quoted scalar.
function description() {
  const line = ACTION.split(/\r?\n/).find((l) => l.startsWith('description:'));
  assert.ok(line, 'action.yml has a top-level description');
  const value = line.slice('description:'.length).trim();
  assert.ok(!/^[>|]/.test(value), 'the description is on one line');
  const quoted = /^'(.*)'$/.exec(value) || /^"(.*)"$/.exec(value);
  return quoted ? quoted[1].replace(/''/g, "'") : value;
}

test('the description fits the Marketplace (at most 125 characters)', () => {
  const text = description();
  assert.ok(text.length > 0);
  assert.ok(text.length <= 125, `${text.length} characters: ${text}`);
});
