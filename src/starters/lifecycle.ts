import type { Log } from '../core/ports/log.js';

/** Something started that must be stopped, in the reverse order of starting. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * The bot's parts as they were started: each one added is stopped, last first, when the bot stops
 * (or when a later part fails to start), and a part that fails to stop does not keep the others running.
 */
export class Lifecycle {
  readonly #stops: Array<() => Promise<void>> = [];

  constructor(private readonly logger: Log) {}

  /** Remembers how to stop what was just started; returns it, for chaining. */
  add<T extends Stoppable>(part: T): T {
    this.#stops.push(() => part.stop());
    return part;
  }

  async stopAll(): Promise<void> {
    for (const stop of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        this.logger.error({ err: error }, 'error while stopping');
      }
    }
  }
}
