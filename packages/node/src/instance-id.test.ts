import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ENV } from '@breakwater/protocol';
import { claimInstanceId, type ProcessPlace, resolveInstanceId } from './instance-id.ts';

const main: ProcessPlace = { pid: 40, threadId: 0, isMainThread: true, isClusterWorker: false };
const clusterWorker: ProcessPlace = { ...main, pid: 41, isClusterWorker: true };
const thread: ProcessPlace = { ...main, threadId: 3, isMainThread: false };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

it('keeps an inherited id in the process that takes it, and makes it unique wherever it is shared', () => {
  assert.equal(resolveInstanceId(undefined, 'pod-1', {}, main), 'pod-1');
  assert.equal(resolveInstanceId(undefined, 'pod-1', {}, clusterWorker), 'pod-1/41');
  assert.equal(resolveInstanceId(undefined, 'pod-1', {}, thread), 'pod-1/40/3');
  // A child process whose parent (pid 7) took the id: its environment says so.
  assert.equal(
    resolveInstanceId(undefined, 'pod-1', { [ENV.INSTANCE_ID_TAKEN]: '7:pod-1' }, main),
    'pod-1/40',
  );
  // Given another id of its own, it keeps it.
  assert.equal(resolveInstanceId(undefined, 'job-7', { [ENV.INSTANCE_ID_TAKEN]: '7:pod-1' }, main), 'job-7');
});

it('keeps the id in the process that took it when its options are resolved again', () => {
  // resolveOptions() after start(), or a start() after shutdown(), in the same process (pid 40).
  const env: NodeJS.ProcessEnv = {};
  claimInstanceId(undefined, 'pod-1', env, main.pid);
  assert.equal(resolveInstanceId(undefined, 'pod-1', env, main), 'pod-1');
  assert.equal(resolveInstanceId(undefined, 'pod-1', env, { ...main, pid: 41 }), 'pod-1/41');
});

it('honours an id given in code, and draws a random one when there is none', () => {
  assert.equal(resolveInstanceId('mine', 'pod-1', {}, thread), 'mine');
  assert.match(resolveInstanceId(undefined, undefined, {}, clusterWorker), UUID);
});

it('marks only an id from the environment as taken', () => {
  const env: NodeJS.ProcessEnv = {};
  claimInstanceId('mine', 'pod-1', env);
  claimInstanceId(undefined, undefined, env);
  assert.equal(env[ENV.INSTANCE_ID_TAKEN], undefined);
  claimInstanceId(undefined, 'pod-1', env, 40);
  assert.equal(env[ENV.INSTANCE_ID_TAKEN], '40:pod-1');
});
