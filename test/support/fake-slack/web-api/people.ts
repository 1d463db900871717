import type { FakeUser } from '../types.js';
import { fail, flag, type Method, type MethodContext, missing, str } from './common.js';

/** A user object as users.info returns it; the email only with `users:read.email`. */
function userObject(ctx: MethodContext, u: FakeUser): Record<string, unknown> {
  const showEmail = ctx.scopes.has('users:read.email') && u.email !== undefined;
  const isThisBot = u.id === ctx.ws.id.botUserId;
  return {
    id: u.id,
    team_id: u.teamId,
    name: u.name,
    deleted: u.deleted,
    color: '9f69e7',
    real_name: u.name,
    tz: 'Europe/London',
    tz_label: 'British Summer Time',
    tz_offset: 3600,
    profile: {
      real_name: u.name,
      display_name: u.name,
      team: u.teamId,
      ...(showEmail ? { email: u.email } : {}),
      ...(isThisBot ? { bot_id: ctx.ws.id.botId } : {}),
    },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: u.isRestricted,
    is_ultra_restricted: u.isUltraRestricted,
    is_bot: u.isBot,
    is_app_user: false,
    updated: 1_700_000_000,
    // Slack adds these only when they apply.
    ...(u.enterpriseId
      ? {
          enterprise_user: {
            id: u.id,
            enterprise_id: u.enterpriseId,
            enterprise_name: 'Fake Grid',
            is_admin: false,
            is_owner: false,
            teams: [u.teamId],
          },
        }
      : {}),
    ...(u.isStranger ? { is_stranger: true } : {}),
  };
}

export const PEOPLE_METHODS: Record<string, Method> = {
  'users.info': {
    token: 'bot',
    scope: () => 'users:read',
    run: (args, ctx) => {
      const id = str(args.user);
      if (!id) return missing('user');
      const user = ctx.ws.users.get(id);
      if (!user) return fail('user_not_found');
      return { ok: true, user: userObject(ctx, user) };
    },
  },

  'users.lookupByEmail': {
    token: 'bot',
    scope: () => ['users:read', 'users:read.email'],
    run: (args, ctx) => {
      const email = str(args.email)?.toLowerCase();
      if (!email) return missing('email');
      // Deactivated users are not found (Slack says to use users.list for them); strangers are not members.
      const user = [...ctx.ws.users.values()].find((u) => u.email?.toLowerCase() === email && !u.deleted && !u.isStranger);
      if (!user) return fail('users_not_found');
      return { ok: true, user: userObject(ctx, user) };
    },
  },

  'usergroups.users.list': {
    token: 'bot',
    scope: () => 'usergroups:read',
    run: (args, ctx) => {
      const id = str(args.usergroup);
      if (!id) return missing('usergroup');
      const group = ctx.ws.usergroups.get(id);
      // A disabled group only counts when the caller asks for disabled groups too.
      if (!group || (group.disabled && !flag(args.include_disabled))) return fail('no_such_subteam');
      return { ok: true, users: [...group.users] };
    },
  },
};
