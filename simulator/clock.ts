/**
 * Simulated time. Lifecycles are scheduled on this clock, never on timers: jobs are brought up to
 * date when someone looks at them, so a manual clock makes tests deterministic and a real clock
 * costs nothing while nobody polls.
 */

export interface Clock {
  readonly kind: 'real' | 'manual';
  now(): number;
  /** Moves time forward. A real clock keeps ticking from the shifted point. */
  advance(ms: number): void;
}

export function createClock(kind: 'real' | 'manual', start?: number): Clock {
  if (kind === 'manual') {
    let now = start ?? Date.now();
    return {
      kind,
      now: () => now,
      advance: (ms) => {
        now += checkedMs(ms);
      },
    };
  }
  let offset = start === undefined ? 0 : start - Date.now();
  return {
    kind,
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += checkedMs(ms);
    },
  };
}

function checkedMs(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`time can only move forward (got ${ms} ms)`);
  return ms;
}

/**
 * The API is inconsistent about timestamps: data-job fields carry microseconds and `Z`, alignment
 * fields come from another service as whole seconds with `+00:00`. Both forms are served so the bot
 * is exercised on each. `micros` fills the three digits a millisecond clock lacks.
 */
export function isoMicros(ms: number, micros: string): string {
  return `${isoMillis(ms)}${micros}Z`;
}

export function isoSeconds(ms: number): string {
  return `${isoMillis(ms).slice(0, 19)}+00:00`;
}

// A job's payload repeats the same instants many times over; formatting a Date is the costly part.
let lastMs = Number.NaN;
let lastIso = '';
function isoMillis(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString().slice(0, 23);
  }
  return lastIso;
}
