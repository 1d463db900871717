/** Who is asking, and where: a person, a conversation, the installation, and a person linked to a SeekrFlow user. */

export interface OwnerLink {
  slackUserId: string;
  seekrflowUserId: string;
  /** No notice when a job completes cleanly, only when it needs its owner. */
  quiet: boolean;
}

/** A person as the workspace knows them. */
export interface Person {
  userId: string;
  /** Their home team, and their organisation (Enterprise Grid) when they belong to one. */
  teamId: string | null;
  enterpriseId: string | null;
  /** A multi- or single-channel guest. */
  guest: boolean;
  /** Someone of another organisation met in a shared channel, not a member of this workspace. */
  stranger: boolean;
  deleted: boolean;
  /** Their time zone (IANA), as their profile says; absent when unknown. */
  tz?: string | null;
}

/** A conversation as far as who can read it goes. */
export interface Place {
  channelId: string;
  /** A public channel, a private one, a direct message or a group DM. */
  kind: 'public' | 'private' | 'im' | 'mpim';
  /** Shared with another organisation (Slack Connect): people outside the company read it. */
  sharedWithOtherOrganisation: boolean;
  /**
   * False when the platform will not even describe it to the bot (a private channel it is not in, a
   * DM between people, a Slack Connect conversation): the bot cannot post there through its own
   * membership, but an unfurl can still reach it, so nothing but a post may go there on a guess.
   */
  visibleToBot: boolean;
  /** The bot is a member: what it posts there, it posts through its own membership. */
  botIsMember: boolean;
  /** For a direct message or a group DM, the people in it: one of another organisation makes it shared. */
  people: readonly string[] | null;
}

/** The workspace (and organisation) the bot is installed in. */
export interface Installation {
  teamId: string;
  enterpriseId: string | null;
}
