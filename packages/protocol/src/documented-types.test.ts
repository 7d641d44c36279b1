import assert from 'node:assert/strict';
import { it } from 'node:test';
import type {
  ActiveSignals,
  BreakerOverride,
  BreakerSignal,
  GateAnswer,
  GateHealth,
  GateReason,
  GateRollbackEvent,
  GateSloEvidence,
  SignalReason,
  SloGroupStatus,
  SloStatus,
  WindowStatus,
} from './index.ts';

// Checked by the type checker (`npm run typecheck`, part of `npm test`). The documented types are
// object types, as the `z.infer` types they replaced were, so apps can still pass them where a
// record is taken (a logger's fields); an interface would not be assignable there.
type Documented =
  | ActiveSignals
  | BreakerOverride
  | BreakerSignal
  | GateAnswer
  | GateHealth
  | GateReason
  | GateRollbackEvent
  | GateSloEvidence
  | SignalReason
  | SloGroupStatus
  | SloStatus
  | WindowStatus;

it('the documented protocol types are assignable to Record<string, unknown>', () => {
  const asRecord = (value: Documented): Record<string, unknown> => value;
  const override: BreakerOverride = { state: 'open', expiresAt: 1 };
  assert.equal(asRecord(override), override);
});
