/**
 * Where the CLI writes. Commands never touch process.stdout directly, so tests can run
 * `main()` in process and capture everything.
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Raw bytes to stdout (exports in UTF-16, `cat`). */
  outBytes(bytes: Uint8Array): void;
  /**
   * Raw bytes to stdout, resolved once the stream has taken them: the caller may then reuse
   * the buffer, and a slow reader slows the writer down instead of filling memory.
   */
  writeBytes(bytes: Uint8Array): Promise<void>;
  /** True when stdout is a terminal: colour and progress bars are allowed. */
  readonly isTTY: boolean;
  /** True when colour may be used (a TTY and NO_COLOR unset). */
  readonly color: boolean;
  /** Set by a command that wants a non-zero exit without throwing (e.g. findings present). */
  exitCode?: number;
  /** Asks a yes/no question on the terminal; absent when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

/** A yes/no question on stdin/stderr (stdout may be piped); anything but y/yes is no. */
async function confirmOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function createOutput(): Output {
  // `p2vfix reg export … | head`: the reader went away; that is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  // Terminal state is looked at when a command asks: process.stdin builds a stream (and
  // node:tty loads node:net), ~15 ms of start-up that cat or export never need.
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    outBytes: (bytes) => void process.stdout.write(bytes),
    writeBytes: (bytes) => new Promise<void>((resolve, reject) => void process.stdout.write(bytes, (err) => (err ? reject(err) : resolve()))),
    get isTTY() {
      return Boolean(process.stdout.isTTY);
    },
    get color() {
      return this.isTTY && !process.env.NO_COLOR;
    },
    get confirm() {
      return process.stdin.isTTY && process.stderr.isTTY ? confirmOnTerminal : undefined;
    },
  };
}

/** An Output that records into strings: for tests. */
export function captureOutput(): Output & { stdout: () => string; stderr: () => string; bytes: () => Uint8Array } {
  const outChunks: Uint8Array[] = [];
  let err = "";
  const enc = new TextEncoder();
  return {
    out: (text) => void outChunks.push(enc.encode(text)),
    err: (text) => void (err += text),
    outBytes: (bytes) => void outChunks.push(bytes),
    // A copy: the caller reuses its buffer once this resolves.
    writeBytes: async (bytes) => void outChunks.push(new Uint8Array(bytes)), // (Buffer.slice would not copy)
    isTTY: false,
    color: false,
    stdout: () => Buffer.concat(outChunks).toString("utf8"),
    stderr: () => err,
    bytes: () => new Uint8Array(Buffer.concat(outChunks)),
  };
}
