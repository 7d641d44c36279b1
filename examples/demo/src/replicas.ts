/** The runner's view of one replica process, kept up to date from the JSON lines it prints. */
import type { Child, Children } from './children.ts';
import type { ReplicaEvent, ReplicaStats } from './replica.ts';

export const REPLICA_SCRIPT = 'examples/demo/src/replica.ts';

export interface ReplicaSpec {
  readonly id: string;
  readonly version: string;
  readonly model: string;
  readonly rate: number;
}

/** The last override state a replica applied from a fleet signal. */
export interface AppliedSignal {
  readonly state: string;
  readonly allow: number | undefined;
  readonly at: number;
}

export class Replica {
  readonly child: Child;
  ready = false;
  controlConnected = false;
  stats: ReplicaStats = { model: 0, fallback: 0, failed: 0, byCause: { fleet: 0, local: 0, provider: 0 } };
  /** Every distinct override change the replica applied, in order. */
  readonly applied: AppliedSignal[] = [];

  readonly spec: ReplicaSpec;

  constructor(
    spec: ReplicaSpec,
    children: Children,
    common: { collectorUrl: string; providerUrl: string; serviceName: string; breakerOpenMs: number },
  ) {
    this.spec = spec;
    this.child = children.start(
      spec.id,
      REPLICA_SCRIPT,
      [
        '--collector-url',
        common.collectorUrl,
        '--provider-url',
        common.providerUrl,
        '--service-name',
        common.serviceName,
        '--service-version',
        spec.version,
        '--instance-id',
        spec.id,
        '--model',
        spec.model,
        '--rate',
        String(spec.rate),
        '--metric-interval-ms',
        '1000',
        '--breaker-open-ms',
        String(common.breakerOpenMs),
      ],
      'pipe',
    );
    this.child.onLine((line, stream) => {
      if (stream !== 'stdout' || !line.startsWith('{')) return;
      let event: ReplicaEvent;
      try {
        event = JSON.parse(line) as ReplicaEvent;
      } catch {
        return;
      }
      this.onEvent(event);
    });
  }

  get id(): string {
    return this.spec.id;
  }

  /** The override the replica holds now (`closed` when none). */
  get override(): AppliedSignal | undefined {
    return this.applied.at(-1);
  }

  private onEvent(event: ReplicaEvent): void {
    switch (event.e) {
      case 'ready':
        this.ready = true;
        break;
      case 'control':
        this.controlConnected = event.connected;
        break;
      case 'stats':
        this.stats = event.stats;
        break;
      case 'signal': {
        const state = event.result === 'cleared' ? 'closed' : event.state;
        const last = this.override;
        if (last === undefined || last.state !== state || last.allow !== event.allow) {
          this.applied.push({ state, allow: event.allow, at: Date.now() });
        }
        break;
      }
      case 'log':
        break;
    }
  }
}
