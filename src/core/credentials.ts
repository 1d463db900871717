import type { CredentialProblem } from './ports.js';

/**
 * Whether the platform (Slack) accepts the bot's token. A refused token is one state of the whole
 * bot, not a problem of each channel: deliveries wait (the outbox keeps everything), health says so,
 * and everything resumes where it stopped once the token is accepted again.
 */
export interface CredentialRefusal {
  why: CredentialProblem;
  detail: string;
  since: Date;
}

export class CredentialState {
  #refused: CredentialRefusal | null = null;

  get refused(): CredentialRefusal | null {
    return this.#refused;
  }

  /** True when this call is the one that found the token refused (the start of an outage). */
  refuse(why: CredentialProblem, detail: string, at: Date): boolean {
    if (this.#refused) return false;
    this.#refused = { why, detail, since: at };
    return true;
  }

  /** True when the token had been refused until now. */
  accept(): boolean {
    const was = this.#refused !== null;
    this.#refused = null;
    return was;
  }
}
