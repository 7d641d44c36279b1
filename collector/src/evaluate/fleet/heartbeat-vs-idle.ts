import { formatDuration, SIGNAL_STREAM_IDLE_TIMEOUT_MS } from '@breakwater/protocol';
import type { z } from 'zod';

/**
 * Longest `fleet.stream.heartbeat`: a third of the SDK's idle timeout, so a stream stays alive
 * with two consecutive heartbeats late or lost.
 */
export const MAX_HEARTBEAT_MS = Math.floor(SIGNAL_STREAM_IDLE_TIMEOUT_MS / 3);

/**
 * SDK control clients reconnect when the signal stream is silent for
 * {@link SIGNAL_STREAM_IDLE_TIMEOUT_MS}. On an idle stream the heartbeat is all they hear, so a
 * heartbeat at or near that timeout makes every SDK drop and reopen its stream in a loop (and
 * miss signals while it reconnects).
 */
export function checkHeartbeatBelowIdleTimeout(stream: { heartbeat: number }, ctx: z.RefinementCtx): void {
  if (stream.heartbeat <= MAX_HEARTBEAT_MS) return;
  ctx.addIssue({
    code: 'custom',
    path: ['heartbeat'],
    message:
      `heartbeat ${formatDuration(stream.heartbeat)} must be at most ${formatDuration(MAX_HEARTBEAT_MS)}, ` +
      `a third of the SDK's signal-stream idle timeout (${formatDuration(SIGNAL_STREAM_IDLE_TIMEOUT_MS)}): ` +
      'SDKs reconnect when the stream stays silent that long',
  });
}
