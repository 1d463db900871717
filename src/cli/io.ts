/** Where a command-line preview reads its input and writes what it prints: the process's streams, or a test's. */
export interface RenderIo {
  stdin: NodeJS.ReadableStream;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}
