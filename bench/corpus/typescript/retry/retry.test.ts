import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRetry } from './retry';

test('resolves after two failures', async () => {
  const slept: number[] = [];
  let calls = 0;
  const result = await withRetry(
    async () => {
      calls++;
      if (calls < 3) throw new Error(`attempt ${calls} failed`);
      return 'done';
    },
    5,
    async (ms) => {
      slept.push(ms);
    },
  );
  assert.equal(result, 'done');
  assert.deepEqual(slept, [100, 200]);
});

test('rejects with the last error after all attempts', async () => {
  const slept: number[] = [];
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new Error(`failure ${calls}`);
      },
      3,
      async (ms) => {
        slept.push(ms);
      },
    ),
    /failure 3/,
  );
  assert.equal(calls, 3);
  assert.deepEqual(slept, [100, 200]);
});
