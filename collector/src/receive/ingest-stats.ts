import { LabeledCounter, writeFamily, writeSample } from '../exposition/prometheus-text.ts';
import type { Admission } from './admission.ts';

/** Ingest counters exposed on `/metrics` as `breakwater_ingest_*`. */
export class IngestStats {
  readonly requests = new LabeledCounter(
    'breakwater_ingest_requests_total',
    'OTLP export requests received, by signal, encoding and HTTP status code.',
    ['signal', 'encoding', 'code'],
  );
  readonly spans = new LabeledCounter(
    'breakwater_ingest_spans_total',
    'Spans received, by result: accepted, rejected as invalid (partial success), or duplicate (a batch sent again after it was recorded, not counted again).',
    ['result'],
  );
  readonly bytes = new LabeledCounter(
    'breakwater_ingest_bytes_total',
    'Bytes of accepted and refused OTLP bodies, as received on the wire and after decompression.',
    ['signal', 'stage'],
  );
  readonly breakerPoints = new LabeledCounter(
    'breakwater_ingest_breaker_state_points_total',
    'Current-state breakwater.circuit_breaker.state points from POST /v1/metrics, by result: accepted, or rejected as invalid (partial success).',
    ['result'],
  );
  readonly recordFailures = new LabeledCounter(
    'breakwater_ingest_record_failures_total',
    'OTLP export requests answered 503 because the data could not be recorded (the SLO store failed a commit), by signal.',
    ['signal'],
  );
  private readonly admission: Admission;

  constructor(admission: Admission) {
    this.admission = admission;
    // Pre-create the always-present series, so dashboards see zeros rather than gaps.
    this.spans.add(['accepted'], 0);
    this.spans.add(['rejected'], 0);
    this.spans.add(['duplicate'], 0);
    this.breakerPoints.add(['accepted'], 0);
    this.breakerPoints.add(['rejected'], 0);
    this.recordFailures.add(['traces'], 0);
    this.recordFailures.add(['metrics'], 0);
  }

  write(out: string[]): void {
    this.requests.write(out);
    this.spans.write(out);
    this.bytes.write(out);
    this.breakerPoints.write(out);
    this.recordFailures.write(out);
    writeFamily(
      out,
      'breakwater_ingest_in_flight_requests',
      'gauge',
      'OTLP export requests being processed.',
    );
    writeSample(out, 'breakwater_ingest_in_flight_requests', undefined, this.admission.inFlightRequests);
    writeFamily(
      out,
      'breakwater_ingest_in_flight_bytes',
      'gauge',
      'Bytes buffered by in-flight OTLP requests.',
    );
    writeSample(out, 'breakwater_ingest_in_flight_bytes', undefined, this.admission.inFlightBytes);
  }
}
