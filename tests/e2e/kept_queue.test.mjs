// The kept queue's format (www/kept_queue.js), read in Node without a browser: a good plan reads
// back with the runs left; text that is damaged, of another version or of the wrong shape is
// refused with the reason (the page then discards it with a note), never a throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import vm from 'node:vm';
import { root } from './helpers.mjs';

const code = fs.readFileSync(`${root}/www/kept_queue.js`, 'utf8');
const context = { self: {} };
vm.runInNewContext(code, context);
const kept = context.self.lecternKeptQueue;
// Objects made in the script's own realm, compared as plain data.
const plain = (v) => JSON.parse(JSON.stringify(v));
const { read, describe } = kept;
const remaining = (plan) => plain(kept.remaining(plan));

const sweep = {
  format: 1, what: 'sweep', total: 3, left: 2, at: 0, dataset: 'toy', dataName: 'toy shapes',
  knobs: { 'epochs-input': '1', 'imbalance-input': '50' }, loss: 'focal', betas: ['0.9', '0.99', '0.999'],
};
const compare = { ...sweep, what: 'compare', total: 2, betas: undefined };

test('kept queue: a plan reads back with the runs left, as they were planned', () => {
  const { plan } = read(JSON.stringify(sweep));
  assert.deepEqual(remaining(plan), { button: 'sweep-start', loss: 'focal', betas: ['0.99', '0.999'] });
  assert.equal(describe(plan), 'Sweep β interrupted: 2 of 3 runs left (the finished ones are in the results table). The run that was under way starts again from its first epoch.');
  assert.deepEqual(remaining(read(JSON.stringify(compare)).plan), { button: 'compare-start', loss: 'focal' });
  // Cross-entropy finished: CB focal (with the form's β and γ) is left, which Run makes.
  assert.deepEqual(remaining(read(JSON.stringify({ ...compare, left: 1 })).plan), { button: 'run-start', loss: 'cb-focal' });
  assert.match(describe({ ...compare, left: 2, dataset: 'upload', dataName: 'mine.tar.gz' }), /^Compare interrupted: 2 of 2 runs left\. .* It trained on mine\.tar\.gz: pick that file again first\.$/);
  assert.equal(read(null), null, 'nothing kept, nothing offered');
});

test('kept queue: damaged, foreign or misshapen text is refused with the reason, never a throw', () => {
  const cases = [
    ['{"format":1,"what":"sw', /^it is not readable \(/],
    ['', /^it is not readable/],
    ['null', /not a kept queue/],
    ['[1,2]', /not a kept queue/],
    [JSON.stringify({ ...sweep, format: 2 }), /another version of lectern \(format 2\)/],
    [JSON.stringify({ ...sweep, what: 'train' }), /names no Compare or Sweep \("train"\)/],
    [JSON.stringify({ ...sweep, dataset: 'imagenet' }), /dataset is missing/],
    [JSON.stringify({ ...sweep, knobs: { 'epochs-input': 1 } }), /knobs are missing/],
    [JSON.stringify({ ...sweep, knobs: null }), /knobs are missing/],
    [JSON.stringify({ ...sweep, betas: ['0.9'] }), /run count \(3\) does not match/],
    [JSON.stringify({ ...sweep, betas: 'x', total: 1 }), /run count \(1\) does not match/],
    [JSON.stringify({ ...sweep, betas: [], total: 0, left: 0 }), /run count \(0\)/],
    [JSON.stringify({ ...compare, total: 3 }), /run count \(3\)/],
    [JSON.stringify({ ...sweep, left: 4 }), /runs left \(4\) is out of range/],
    [JSON.stringify({ ...sweep, left: 0 }), /runs left \(0\)/],
    [JSON.stringify({ ...sweep, left: 1.5 }), /runs left \(1\.5\)/],
  ];
  for (const [text, why] of cases) {
    const found = read(text);
    assert.equal(found.plan, undefined, text);
    assert.match(found.problem, why, text);
  }
});
