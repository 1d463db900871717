/** What the core and the adapters need of a logger. */

/** What the core and the adapters need of a logger; pino's fits, so does a test's. */
export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
