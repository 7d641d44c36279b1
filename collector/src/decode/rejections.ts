/**
 * Counts spans or data points dropped as invalid and keeps the first reason, for the OTLP
 * `partial_success` answer (`rejected_spans` or `rejected_data_points`, `error_message`).
 */
export class Rejections {
  count = 0;
  private firstReason: string | undefined;

  add(reason: string): void {
    this.count++;
    this.firstReason ??= reason;
  }

  message(unit: string): string | undefined {
    if (this.count === 0) return undefined;
    return `${this.count} ${unit}${this.count === 1 ? '' : 's'} rejected; first: ${this.firstReason}`;
  }
}
