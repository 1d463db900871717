import type { DigestNotifier } from '../core/ports/digest.js';
import type { LivingCard, Notifier, SubscriptionNote } from '../core/ports/notifier.js';
import type { ThreadReply } from '../domain/messages.js';
import type { MessagePayload } from './blocks/block-kit.js';
import { renderJobCard } from './blocks/card.js';
import { renderDigest } from './blocks/digest.js';
import { ownerLine, renderEventReply } from './blocks/event-reply.js';
import { renderFoldedReply } from './blocks/folded-reply.js';
import { pausedNotice, subscriptionNoteText } from './messages.js';
import type { Pacer } from './pacing.js';
import type { OutgoingMessage, SlackPoster } from './poster.js';
import { toOutcome } from './slack-errors.js';

/**
 * The core's notifier, in Slack: renders what the core hands over (a card's state, an event, a
 * notice) to Block Kit at the moment it is sent, and turns Slack's answer into a neutral outcome.
 */

export interface SlackNotifierOptions {
  poster: SlackPoster;
  /** The same pacer the poster waits at: it says how many card updates can go out soon. */
  pacer?: Pacer;
  /** "View in SeekrFlow" link of a job, from the configured template; undefined for no button. */
  jobUrl: (jobId: string) => string | undefined;
  /** Actions are on: living cards offer Start or Cancel alignment when the job's state does. */
  actions?: boolean;
}

/** The living card as Block Kit: live, final (the job ended), or halted by a person (who, since when). */
export function renderLivingCard(card: LivingCard, jobUrl: string | undefined, actions = false): MessagePayload {
  const { state, halted } = card;
  const gone = state.gone ? { stale: { reason: 'gone' as const, since: new Date(state.gone.since) } } : {};
  const ended = state.card.ended || state.gone?.final === true;
  return renderJobCard(state.card, {
    fetchedAt: new Date(state.fetchedAt),
    mode: 'living',
    ...(halted
      ? { stale: { reason: halted.why, since: new Date(halted.at), by: halted.by } }
      : { subscription: card.subscription, ...gone, ...(ended ? { ended: true } : {}) }),
    ...(jobUrl ? { jobUrl } : {}),
    ...(actions ? { actions } : {}),
  });
}

/** A thread reply as Block Kit, with whether it also goes to the channel; for an owner, a direct message naming the job. */
export function renderThreadReply(reply: ThreadReply): MessagePayload & { broadcast: boolean } {
  if (reply.folded && reply.folded.length > 0) return { ...renderFoldedReply(reply.folded, reply.eventId), broadcast: false };
  const message = renderEventReply(reply.event, reply.job, reply.eventId);
  if (reply.audience !== 'owner') return { ...message, broadcast: reply.loud };
  return { text: message.text, blocks: [ownerLine(reply.job, reply.eventId), ...message.blocks], broadcast: false };
}

/** What marks a digest's message, to find it again: one digest per channel and local date. */
const digestKey = (digest: { localDate: string }) => `digest:${digest.localDate}`;

/** Errors of conversations.history that asking again will not change. */
const HISTORY_CLOSED = new Set(['not_in_channel', 'channel_not_found', 'missing_scope', 'is_archived']);

export function createSlackNotifier({ poster, pacer, jobUrl, actions = false }: SlackNotifierOptions): Notifier & DigestNotifier {
  const cardMessage = (card: LivingCard): OutgoingMessage => renderLivingCard(card, jobUrl(card.state.card.id), actions);
  return {
    async postCard(channelId, card) {
      return toOutcome(await poster.post(channelId, { ...cardMessage(card), cardOf: card.subscription.subscriptionId }));
    },
    async findCard(channelId, subscriptionId, since) {
      const found = await poster.findCard(channelId, subscriptionId, since);
      // The bot may not read this channel's history (a public channel it never joined): no asking again helps.
      if (!found.ok) return { kind: 'unknown', detail: found.error, final: HISTORY_CLOSED.has(found.error) };
      return found.ts ? { kind: 'found', ref: found.ts } : { kind: 'none' };
    },
    async updateCard(channelId, ref, card) {
      const { text, blocks } = cardMessage(card);
      return toOutcome(await poster.update(channelId, ref, { text, ...(blocks ? { blocks } : {}) }), { canBeGone: true });
    },
    async postReply(channelId, threadRef, reply, deliveryKey) {
      const { text, blocks, broadcast } = renderThreadReply(reply);
      return toOutcome(
        await poster.post(channelId, {
          text,
          ...(blocks ? { blocks } : {}),
          deliveryKey,
          ...(threadRef ? { threadTs: threadRef, broadcast: broadcast ?? false } : {}),
        }),
      );
    },
    async postNote(channelId, threadRef, note: SubscriptionNote) {
      return toOutcome(await poster.post(channelId, { text: subscriptionNoteText(note), threadTs: threadRef }));
    },
    async repliesInThread(channelId, threadRef) {
      const found = await poster.deliveryKeysInThread(channelId, threadRef);
      return found.ok ? { known: true, keys: found.keys } : { known: false, detail: found.error };
    },
    async postDigest(channelId, digest) {
      const { text, blocks } = renderDigest(digest.content, digest.id, { actions });
      return toOutcome(await poster.post(channelId, { text, blocks, deliveryKey: digestKey(digest) }));
    },
    async digestInChannel(channelId, digest) {
      const found = await poster.deliveryKeysInChannel(channelId, digest.createdAt);
      return found.ok ? found.keys.has(digestKey(digest)) : null;
    },
    async tell(userId, notice) {
      return toOutcome(await poster.dm(userId, pausedNotice(notice)));
    },
    cardSlots(withinMs) {
      return pacer ? pacer.capacity('chat.update', withinMs) : Number.MAX_SAFE_INTEGER;
    },
    async checkCredentials() {
      const checked = await poster.checkToken();
      if (checked.ok) return { ok: true };
      const outcome = toOutcome(checked);
      return outcome.kind === 'credentials_refused'
        ? { ok: false, why: outcome.why, detail: outcome.detail }
        : // Slack could not be asked (a timeout, an outage): nothing says the token is good again.
          { ok: false, why: 'invalid', detail: checked.error };
    },
  };
}
