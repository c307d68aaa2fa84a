#!/usr/bin/env node
/**
 * A stand-in for GitHub's `gh` CLI, put first on PATH by test/e2e/ci-recipe.test.ts: it records every
 * call (one JSON line of argv in $GH_STUB_DIR/calls.jsonl) and keeps a pull request's comments and
 * a run's artifacts in $GH_STUB_DIR, for the few calls examples/ci/globe-ci.sh makes. Anything else
 * fails loudly, so the script cannot come to rely on a call the stub fakes wrongly.
 */
import { appendFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.GH_STUB_DIR;
if (!dir) fail('GH_STUB_DIR is not set');
const args = process.argv.slice(2);
appendFileSync(join(dir, 'calls.jsonl'), `${JSON.stringify(args)}\n`);

const commentsFile = join(dir, 'comments.json');
const comments = () => (existsSync(commentsFile) ? JSON.parse(readFileSync(commentsFile, 'utf8')) : []);
const save = (c) => writeFileSync(commentsFile, JSON.stringify(c, null, 2));
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
/** `-F body=@file`: gh reads the value from the file. */
const body = () => {
  const f = args[args.indexOf('-F') + 1];
  if (!f?.startsWith('body=@')) fail(`expected -F body=@FILE in ${args.join(' ')}`);
  return readFileSync(f.slice('body=@'.length), 'utf8');
};

if (args[0] === 'api') {
  const method = opt('--method') ?? 'GET';
  const path = args.find((a, i) => i > 0 && a.startsWith('repos/'));
  let m;
  if (method === 'GET' && (m = /^repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path))) {
    const list = comments().filter((c) => c.issue === Number(m[1]));
    const jq = opt('--jq');
    if (!jq) out(JSON.stringify(list));
    // the one filter the script uses: .[] | select(.body | startswith("PREFIX")) | .id
    const q = /^\.\[\] \| select\(\.body \| startswith\((".*")\)\) \| \.id$/.exec(jq ?? '');
    if (!q) fail(`filter not faked: ${jq}`);
    const prefix = JSON.parse(q[1]);
    out(list.filter((c) => c.body.startsWith(prefix)).map((c) => `${c.id}\n`).join(''));
  }
  if (method === 'POST' && (m = /^repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path))) {
    const all = comments();
    const c = { id: 1000 + all.length + 1, issue: Number(m[1]), body: body() };
    save([...all, c]);
    out(JSON.stringify(c));
  }
  if (method === 'PATCH' && (m = /^repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path))) {
    const all = comments();
    const c = all.find((x) => x.id === Number(m[1]));
    if (!c) fail(`no comment ${m[1]}`, 22);
    c.body = body();
    save(all);
    out(JSON.stringify(c));
  }
}
if (args[0] === 'run' && args[1] === 'list') {
  // runs.json: [{ databaseId, commit, event, status }] written by the test
  const runs = existsSync(join(dir, 'runs.json')) ? JSON.parse(readFileSync(join(dir, 'runs.json'), 'utf8')) : [];
  const match = runs.filter((r) => r.commit === opt('--commit') && r.event === opt('--event') && r.status === opt('--status'));
  if (opt('--jq') !== '.[0].databaseId') fail(`filter not faked: ${opt('--jq')}`);
  out(match.length > 0 ? `${match[0].databaseId}\n` : 'null\n');
}
if (args[0] === 'run' && args[1] === 'download') {
  const from = join(dir, 'artifacts', args[2], opt('--name') ?? '');
  if (!existsSync(from)) fail(`no artifact ${opt('--name')} in run ${args[2]}`);
  cpSync(from, opt('--dir'), { recursive: true });
  process.exit(0);
}
fail(`call not faked: gh ${args.join(' ')}`);

function out(text) {
  process.stdout.write(text);
  process.exit(0);
}
function fail(message, code = 1) {
  process.stderr.write(`fake gh: ${message}\n`);
  process.exit(code);
}
