import type { Person, Place } from '../../domain/people.js';

/** The directory: what the workspace says of a person, a conversation or a user group. */

/** What the directory says, or that it could not say (an error, a timeout). */
export type Lookup<T> = { ok: true; value: T } | { ok: false; detail: string };

export interface Directory {
  person(userId: string): Promise<Lookup<Person>>;
  place(channelId: string): Promise<Lookup<Place>>;
  /** The members of a user group. */
  groupMembers(groupId: string): Promise<Lookup<ReadonlySet<string>>>;
}
