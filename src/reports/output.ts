/** Text output of the reports: buffered, so that 250,000-line heatmaps are not 250,000 writes. */
import { writeSync } from 'node:fs';

export type WriteFn = (text: string) => void;

export class TextSink {
  private parts: string[] = [];
  private size = 0;

  /** `bytes` takes writeBytes() pieces as they are; without it they are decoded to text for `target`. */
  constructor(
    private readonly target: WriteFn,
    private readonly bytes?: (b: Buffer) => void,
  ) {}

  /** Writes UTF-8 bytes after the text written so far. */
  writeBytes(b: Buffer): void {
    this.flush();
    if (this.bytes) this.bytes(b);
    else this.target(b.toString('utf8'));
  }

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.target(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * A sink on a file descriptor (stdout = 1), written synchronously as damo's print does. A non-blocking
 * pipe that is full (EAGAIN) is waited for; a closed one (EPIPE, e.g. `| head`) ends the output quietly.
 */
export function fdSink(fd = 1): TextSink {
  let closed = false;
  const writeBuf = (buf: Buffer): void => {
    if (closed) return;
    for (let off = 0; off < buf.length;) {
      try {
        off += writeSync(fd, buf, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
        else if (code === 'EPIPE') {
          closed = true;
          return;
        } else throw e;
      }
    }
  };
  return new TextSink((t) => writeBuf(Buffer.from(t, 'utf8')), writeBuf);
}

/** A sink that collects the text (for tests and the dashboard). */
export function stringSink(): { sink: TextSink; text: () => string } {
  const chunks: string[] = [];
  const sink = new TextSink((t) => chunks.push(t));
  return {
    sink,
    text: () => {
      sink.flush();
      return chunks.join('');
    },
  };
}
