/**
 * The Web API methods the fake answers, by family (web-api/*.ts). Anything else is `unknown_method`.
 * server.ts authenticates, checks scopes and applies faults before a method runs.
 */
import { CHAT_METHODS } from './web-api/chat.js';
import type { Method } from './web-api/common.js';
import { CONVERSATION_METHODS } from './web-api/conversations.js';
import { PEOPLE_METHODS } from './web-api/people.js';
import { UNFURL_METHODS } from './web-api/unfurl.js';
import { VIEW_METHODS } from './web-api/views.js';

export { type ApiAnswer, JSON_ARGS, type MethodContext, normaliseArgs } from './web-api/common.js';
export { publicView } from './web-api/views.js';

export const METHODS: Record<string, Method> = {
  'auth.test': {
    token: 'bot',
    run: (_args, { ws }) => ({
      ok: true,
      url: `https://${ws.id.teamDomain}.slack.com/`,
      team: 'Fake Team',
      user: 'datajob-bot',
      team_id: ws.id.teamId,
      user_id: ws.id.botUserId,
      bot_id: ws.id.botId,
      // Present only for an installation in an Enterprise Grid organisation.
      ...(ws.id.enterpriseId ? { enterprise_id: ws.id.enterpriseId } : {}),
      is_enterprise_install: false,
    }),
  },
  ...CHAT_METHODS,
  ...UNFURL_METHODS,
  ...CONVERSATION_METHODS,
  ...PEOPLE_METHODS,
  ...VIEW_METHODS,
  'apps.connections.open': {
    token: 'app',
    run: (_args, ctx) => ({ ok: true, url: ctx.openSocketUrl() }),
  },
};
