/**
 * A fake Slack for tests: the Web API, response_urls, views, the Home tab, events, interactions and
 * Socket Mode on 127.0.0.1, enforcing the platform rules the bot must keep. See fake-slack/server.ts
 * for the API tests drive.
 */
export { FakeClock } from './fake-slack/clock.js';
export type { EventCallback, ShareLinksOptions, ShareLinksResult } from './fake-slack/events.js';
export { DEFAULT_RATE_LIMITS } from './fake-slack/faults.js';
export {
  type MessageShortcutOptions,
  messageShortcutPayload,
  type SubmissionOutcome,
  type SubmittedValue,
  type ViewSubmissionOptions,
  viewSubmissionPayload,
} from './fake-slack/interactions.js';
export { type FakeSlack, type FakeSocket, startFakeSlack, type TokenState } from './fake-slack/server.js';
export type { Envelope, EnvelopeType } from './fake-slack/socket-mode.js';
export type * from './fake-slack/types.js';
export { DEFAULT_CHANNELS, DEFAULT_USER, OTHER_TEAM } from './fake-slack/workspace.js';
