/**
 * The demo's live log: one line per event, `[+12.3s] stage  message`, timestamps relative to the
 * start. Colours only when stdout is a TTY (and `NO_COLOR` is unset).
 */

const CODES = { dim: 2, bold: 1, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Colour = keyof typeof CODES;

export class DemoLog {
  private readonly started = performance.now();
  private readonly colour: boolean;
  private readonly out: NodeJS.WriteStream;

  constructor(out: NodeJS.WriteStream = process.stdout) {
    this.out = out;
    this.colour = out.isTTY === true && process.env.NO_COLOR === undefined;
  }

  /** Seconds since the demo started. */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  paint(text: string, colour: Colour): string {
    return this.colour ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
  }

  /** One line: timestamp, a stage tag padded to a column, the message. */
  line(stage: string, message: string, colour: Colour = 'cyan'): void {
    const time = `[+${this.elapsed().toFixed(1)}s]`.padEnd(9);
    this.out.write(`${this.paint(time, 'dim')} ${this.paint(stage.padEnd(10), colour)} ${message}\n`);
  }

  /** A line without timestamp (banner, help). */
  plain(message: string): void {
    this.out.write(`${message}\n`);
  }
}
