// Reads a TAP file with tap-parser (node-tap's parser, a TAP 14 parser), in
// strict mode so that any line it cannot place is an error, and prints as JSON what it
// understood: the version, the top-level results, and each subtest's results and test points.
// Usage: NODE_PATH=<node_modules> node tap14.cjs FILE
'use strict';
const fs = require('fs');
const { Parser } = require('tap-parser');

function summary(results) {
  return {
    ok: results.ok,
    count: results.count,
    pass: results.pass,
    fail: results.fail,
    skip: results.skip,
    todo: results.todo,
    bailout: results.bailout,
    plan: { start: results.plan.start, end: results.plan.end },
    // Failing test points and violations of TAP (tapError): a clean stream has only the former.
    failures: results.failures.map((f) => ({
      name: f.name ?? null,
      tapError: f.tapError ?? null,
      todo: f.todo ?? false,
    })),
  };
}

function point(res) {
  return {
    id: res.id,
    name: res.name,
    ok: res.ok,
    skip: res.skip,
    todo: res.todo,
    diag: res.diag ?? null,
  };
}

const out = { version: null, extra: [], subtests: [] };
const parser = new Parser({ strict: true });
parser.on('version', (v) => {
  out.version = v;
});
parser.on('extra', (line) => out.extra.push(line));
parser.on('child', (child) => {
  const sub = { name: child.name, points: [], extra: [] };
  out.subtests.push(sub);
  child.on('assert', (res) => sub.points.push(point(res)));
  child.on('extra', (line) => sub.extra.push(line));
  child.on('complete', (results) => Object.assign(sub, summary(results)));
});
parser.on('assert', (res) => {
  (out.points ??= []).push(point(res));
});
parser.on('complete', (results) => {
  Object.assign(out, summary(results));
  process.stdout.write(JSON.stringify(out) + '\n');
});
fs.createReadStream(process.argv[2]).pipe(parser);
