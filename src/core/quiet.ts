import { quietUntil } from '../domain/local-time.js';
import type { Subscription } from '../domain/subscription.js';
import { needsAPerson } from './planner.js';
import type { DigestStore, QuietSetting } from './ports/digest.js';
import type { Delivery } from './ports/outbox.js';

/**
 * Quiet hours, applied where replies are sent: a routine reply claimed while its channel is quiet is
 * held in the outbox until the hours end (stored, so a restart loses nothing), and holds nothing
 * back behind it; what needs a person goes at once, unless the channel chose `all`. When the hours
 * end, the replies held for a card go as one ("While it was quiet: …"). Cards are never held: they
 * update in place, silently.
 */

export interface QuietDeps {
  quiet: Pick<DigestStore, 'quietHours' | 'holdDeliveries'>;
}

/** A reply standing for the held replies folded into it: sending it settles them too. */
export interface FoldedDelivery extends Delivery {
  foldedIds: number[];
}

export const foldedIds = (d: Delivery): number[] => (d as Partial<FoldedDelivery>).foldedIds ?? [];

/** Per delivery run: each channel's quiet hours read once. */
export type QuietCache = Map<string, Promise<QuietSetting | undefined>>;

function quietOf(deps: QuietDeps, cache: QuietCache, channelId: string): Promise<QuietSetting | undefined> {
  let found = cache.get(channelId);
  if (!found) {
    found = deps.quiet.quietHours([channelId]).then((m) => m.get(channelId));
    cache.set(channelId, found);
  }
  return found;
}

const mayWait = (d: Delivery, quiet: QuietSetting) => d.item.kind === 'reply' && (quiet.all || !needsAPerson(d.item.reply.event));

/** What of a subscription's claimed replies goes now: those that wait are held; those held before are folded into one. */
export async function applyQuiet(
  group: Delivery[],
  subscription: Subscription,
  deps: QuietDeps,
  cache: QuietCache,
  now: Date,
): Promise<Delivery[]> {
  if (subscription.kind !== 'channel' || group.every((d) => d.item.kind !== 'reply')) return group;
  const quiet = await quietOf(deps, cache, subscription.channelId);
  const until = quiet ? quietUntil(now, quiet) : null;
  if (!quiet || !until) return fold(group);
  const waiting = group.filter((d) => mayWait(d, quiet)).map((d) => d.id);
  await deps.quiet.holdDeliveries(waiting, until);
  return fold(group.filter((d) => !mayWait(d, quiet)));
}

/** Replies that were held (their hours are over) go as one, in the place of the first of them. */
function fold(group: Delivery[]): Delivery[] {
  const held = group.filter((d) => d.heldUntil != null && d.item.kind === 'reply');
  const first = held[0];
  if (first?.item.kind !== 'reply') return group;
  const events = held.flatMap((d) => (d.item.kind === 'reply' ? [d.item.reply.event] : []));
  const folded: FoldedDelivery = {
    ...first,
    item: { kind: 'reply', reply: { ...first.item.reply, loud: false, folded: events } },
    foldedIds: held.slice(1).map((d) => d.id),
  };
  const rest = new Set(folded.foldedIds);
  return group.filter((d) => !rest.has(d.id)).map((d) => (d.id === first.id ? folded : d));
}
