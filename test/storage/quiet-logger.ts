import type { Log } from '../../src/core/ports/log.js';

export interface RecordingLogger extends Log {
  entries: { level: 'debug' | 'info' | 'warn' | 'error'; obj: object; msg: string }[];
}

/** Keeps test output clean, and lets a test see what a store reported. */
export function recordingLogger(): RecordingLogger {
  const entries: RecordingLogger['entries'] = [];
  return {
    entries,
    debug: (obj, msg) => entries.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => entries.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
  };
}
