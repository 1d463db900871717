import type { Log } from '../core/ports/log.js';

/**
 * Publishes a person's App Home at most once per `intervalMs` (views.publish is Slack's tier 4, per
 * workspace: one person opening the tab again and again must not spend it for everyone).
 *
 *  - Opening the tab asks for a refresh: published at once, unless the Home was published within the
 *    interval, which is fresh enough (a quick tab switch back and forth costs one call).
 *  - A change the person should see (the answer to a click, another page) is never dropped: published
 *    at once if it may, else once the interval is over, with the latest of what was asked meanwhile.
 */

export interface HomeRequest {
  page: number;
  /** The answer to the person's last click, shown at the top (safe mrkdwn). */
  notice?: string;
}

interface UserState {
  /** When the last publish started (ms). */
  last: number;
  /** A publish waiting for the interval to end, and what it will show. */
  timer?: NodeJS.Timeout;
  pending?: HomeRequest;
}

export interface HomePublisherOptions {
  publish: (userId: string, request: HomeRequest) => Promise<void>;
  intervalMs: number;
  logger: Log;
  now?: () => number;
}

export class HomePublisher {
  readonly #options: HomePublisherOptions;
  readonly #users = new Map<string, UserState>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: HomePublisherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The person opened the Home tab. */
  opened(userId: string): void {
    this.#request(userId, { page: 1 }, true);
  }

  /** Something the person should see: published now, or as soon as the interval allows. */
  changed(userId: string, request: HomeRequest): void {
    this.#request(userId, request, false);
  }

  /** Forgets what waits: nothing is published after this. */
  stop(): void {
    for (const state of this.#users.values()) clearTimeout(state.timer);
    this.#users.clear();
  }

  #request(userId: string, request: HomeRequest, skipIfRecent: boolean): void {
    const now = this.#now();
    this.#sweep(now);
    const state = this.#users.get(userId);
    if (state?.timer) {
      // A publish is already waiting: it shows the latest page, and keeps a notice an open would not replace.
      const notice = request.notice ?? state.pending?.notice;
      state.pending = notice === undefined ? { page: request.page } : { page: request.page, notice };
      return;
    }
    const wait = state ? state.last + this.#options.intervalMs - now : 0;
    if (wait <= 0) {
      this.#publish(userId, request, now);
      return;
    }
    if (skipIfRecent) return;
    const waiting: UserState = { last: state?.last ?? now, pending: request };
    waiting.timer = setTimeout(() => {
      waiting.timer = undefined;
      this.#publish(userId, waiting.pending ?? request, this.#now());
    }, wait);
    waiting.timer.unref();
    this.#users.set(userId, waiting);
  }

  #publish(userId: string, request: HomeRequest, now: number): void {
    this.#users.set(userId, { last: now });
    this.#options.publish(userId, request).catch((error: unknown) => {
      this.#options.logger.error({ err: error, user: userId }, 'could not publish the App Home');
    });
  }

  /** People whose last publish is older than the interval, with nothing waiting, need not be remembered. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#options.intervalMs) return;
    this.#lastSweep = now;
    for (const [user, state] of this.#users) if (!state.timer && state.last <= now - this.#options.intervalMs) this.#users.delete(user);
  }
}
