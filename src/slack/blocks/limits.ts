import { JOB_CARD_LIMITS } from '../../domain/job-card.js';

/**
 * Slack's Block Kit limits (code points; see docs/slack-platform.md) and the budgets the renderers
 * give themselves. Budgets sit well under the limits so that the worst case of every piece, added
 * up, still leaves headroom: the card is correct by construction, not by luck.
 */

export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  headerText: 150,
  sectionText: 3_000,
  sectionFields: 10,
  sectionFieldText: 2_000,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2_000,
  /** A button's `confirm` dialog: its title, its text, and the labels of its two buttons. */
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  url: 3_000,
  blockId: 255,
  viewTitle: 24,
  privateMetadata: 3_000,
} as const;

/**
 * Slack answers `msg_blocks_too_long` somewhere past 11k code points of block text without
 * documenting it; the card stops well before 10k.
 */
export const BLOCKS_TEXT_BUDGET = 9_000;

/** Per-piece caps for the card, in code points of escaped mrkdwn. Their worst-case sum is ~8k. */
export const CARD_CAPS = {
  /** Causes of failure shown on the card itself; the rest are behind "Show all failed files". */
  failedGroupsShown: JOB_CARD_LIMITS.failureGroups,
  /** One cause's section: its files' names (the card keeps JOB_CARD_LIMITS.failureGroupNames), its error and its fix. */
  failedGroup: { name: 100, names: 160, error: 250, fix: 250 },
  eventMessage: 140,
  eventMetadataKey: 24,
  eventMetadataValue: 40,
  fineTuningIdsShown: JOB_CARD_LIMITS.fineTuningIds,
  fineTuningId: 60,
  statusWord: 60,
  jobType: 80,
  jobId: 140,
  rawTimestamp: 40,
  step: 80,
  stepProgress: 30,
  statusMessage: 300,
  reviewReason: 200,
  userLabel: 40,
  subscriptionFilter: 40,
  fallbackName: 200,
} as const;

/** Failed-files modal: page sizes (in causes) and the text budget shared by the causes of one page. */
export const MODAL_CAPS = {
  defaultPageSize: 10,
  maxPageSize: 20,
  /** All cause sections of one page together. */
  pageTextBudget: 7_500,
  /** One cause's section, under the 3,000 section limit with room for the labels. */
  causeSection: 2_800,
  /** Names listed under a cause; the rest are counted ("and 1,234 more"). */
  namesPerCause: 20,
  jobName: 120,
} as const;
