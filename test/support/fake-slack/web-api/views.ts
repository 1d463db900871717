import { checkHomeView, checkView, LIMITS } from '../../block-kit-rules.js';
import { shortId, slackId } from '../clock.js';
import type { FakeHomeView, FakeView } from '../types.js';
import { type Workspace, withSlackIds } from '../workspace.js';
import { type ApiAnswer, fail, flag, isAnswer, type Method, type MethodContext, missing, rejected, str } from './common.js';

const newHash = (ws: Workspace) => `${Math.floor(ws.clock.now() / 1000)}.${shortId(8)}`;
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** A modal as Slack stores it; `prev` keeps the id, stack and update count of the view it replaces. */
export function viewObject(ws: Workspace, input: Record<string, unknown>, user: string, prev?: FakeView): FakeView {
  const id = prev?.id ?? slackId('V', 10);
  return {
    id,
    team_id: ws.id.teamId,
    type: 'modal',
    title: input.title,
    blocks: withSlackIds(Array.isArray(input.blocks) ? input.blocks : []),
    close: input.close ?? null,
    submit: input.submit ?? null,
    private_metadata: text(input.private_metadata),
    callback_id: text(input.callback_id),
    external_id: text(input.external_id),
    state: { values: {} },
    hash: newHash(ws),
    clear_on_close: flag(input.clear_on_close),
    notify_on_close: flag(input.notify_on_close),
    root_view_id: prev?.root_view_id ?? id,
    previous_view_id: prev?.previous_view_id ?? null,
    app_id: ws.id.appId,
    app_installed_team_id: ws.id.teamId,
    bot_id: ws.id.botId,
    user,
    open: true,
    updates: prev ? prev.updates + 1 : 0,
  };
}

/** The fake's own fields on FakeView / FakeHomeView, which Slack never sends. */
const BOOKKEEPING = ['user', 'open', 'updates', 'errors', 'publishes'];

/** What a caller gets back for a view: Slack's fields, not the fake's bookkeeping. */
export function publicView(v: FakeView | FakeHomeView): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(v);
  for (const key of BOOKKEEPING) delete copy[key];
  return copy;
}

/** Trigger ids are single use and live 3 seconds. */
function exchangeTrigger(ctx: MethodContext, args: Record<string, unknown>): { user: string } | ApiAnswer {
  const id = str(args.trigger_id) ?? str(args.interactivity_pointer);
  if (!id) return missing('trigger_id');
  const trigger = ctx.ws.triggers.get(id);
  if (!trigger) return fail('invalid_trigger_id');
  if (trigger.used) return fail('exchanged_trigger_id');
  if (ctx.ws.clock.now() - trigger.issuedAt > ctx.triggerTtlMs) return fail('expired_trigger_id');
  trigger.used = true;
  return { user: trigger.user };
}

/** external_id is unique among a team's views: open modals and other users' Home tabs. */
function externalIdTaken(ws: Workspace, externalId: string | undefined, exceptUser?: string): boolean {
  if (!externalId) return false;
  for (const v of ws.views.values()) if (v.open && v.external_id === externalId) return true;
  for (const h of ws.homeViews.values()) if (h.user !== exceptUser && h.external_id === externalId) return true;
  return false;
}

function checkViewArg(ctx: MethodContext, args: Record<string, unknown>): Record<string, unknown> | ApiAnswer {
  const rejection = checkView(args.view);
  if (rejection) return rejected(rejection);
  const view = args.view as Record<string, unknown>;
  if (externalIdTaken(ctx.ws, str(view.external_id))) return fail('duplicate_external_id');
  return view;
}

function homeViewObject(ws: Workspace, input: Record<string, unknown>, user: string, prev?: FakeHomeView): FakeHomeView {
  const id = prev?.id ?? slackId('V', 10);
  return {
    id,
    team_id: ws.id.teamId,
    type: 'home',
    blocks: withSlackIds(Array.isArray(input.blocks) ? input.blocks : []),
    private_metadata: text(input.private_metadata),
    callback_id: text(input.callback_id),
    external_id: text(input.external_id),
    state: { values: {} },
    hash: newHash(ws),
    title: null,
    close: null,
    submit: null,
    clear_on_close: false,
    notify_on_close: false,
    root_view_id: id,
    previous_view_id: null,
    app_id: ws.id.appId,
    app_installed_team_id: ws.id.teamId,
    bot_id: ws.id.botId,
    user,
    publishes: (prev?.publishes ?? 0) + 1,
  };
}

export const VIEW_METHODS: Record<string, Method> = {
  'views.open': {
    token: 'bot',
    run: (args, ctx) => {
      const view = checkViewArg(ctx, args);
      if (isAnswer(view)) return view;
      const exchanged = exchangeTrigger(ctx, args);
      if (isAnswer(exchanged)) return exchanged;
      const stored = viewObject(ctx.ws, view, exchanged.user);
      ctx.ws.views.set(stored.id, stored);
      return { ok: true, view: publicView(stored) };
    },
  },

  'views.push': {
    token: 'bot',
    run: (args, ctx) => {
      const view = checkViewArg(ctx, args);
      if (isAnswer(view)) return view;
      const exchanged = exchangeTrigger(ctx, args);
      if (isAnswer(exchanged)) return exchanged;
      const pushed = pushView(ctx.ws, view, exchanged.user);
      return isAnswer(pushed) ? pushed : { ok: true, view: publicView(pushed) };
    },
  },

  'views.update': {
    token: 'bot',
    run: (args, ctx) => {
      const viewId = str(args.view_id);
      const externalId = str(args.external_id);
      if (!viewId && !externalId) {
        return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] view_id or external_id is required'] } });
      }
      const current = viewId ? ctx.ws.views.get(viewId) : [...ctx.ws.views.values()].find((v) => v.external_id === externalId);
      if (!current?.open) return fail('not_found');
      const hash = str(args.hash);
      if (hash && hash !== current.hash) return fail('hash_conflict');
      const rejection = checkView(args.view);
      if (rejection) return rejected(rejection);
      const updated = viewObject(ctx.ws, args.view as Record<string, unknown>, current.user, current);
      ctx.ws.views.set(updated.id, updated);
      return { ok: true, view: publicView(updated) };
    },
  },

  'views.publish': {
    token: 'bot',
    run: (args, ctx) => {
      const userId = str(args.user_id);
      if (!userId) return missing('user_id');
      const rejection = checkHomeView(args.view);
      if (rejection) return rejected(rejection);
      if (JSON.stringify(args.view).length > LIMITS.viewBytes) return fail('view_too_large');
      if (!ctx.homeTabEnabled) return fail('not_enabled');
      // Not a documented code for views.publish: the fake refuses users it does not know rather than invent a Home for them.
      if (!ctx.ws.users.has(userId)) return fail('user_not_found');
      const current = ctx.ws.homeViews.get(userId);
      const hash = str(args.hash);
      if (hash && hash !== current?.hash) return fail('hash_conflict');
      const view = args.view as Record<string, unknown>;
      if (externalIdTaken(ctx.ws, str(view.external_id), userId)) return fail('duplicate_external_id');
      const stored = homeViewObject(ctx.ws, view, userId, current);
      ctx.ws.homeViews.set(userId, stored);
      return { ok: true, view: publicView(stored) };
    },
  },
};

/** Puts a view on top of the user's open stack (views.push, or `response_action: 'push'`); Slack allows three. */
export function pushView(ws: Workspace, input: Record<string, unknown>, user: string): FakeView | ApiAnswer {
  const open = [...ws.views.values()].filter((v) => v.open && v.user === user);
  const top = open.at(-1);
  if (!top) return fail('not_found');
  if (open.filter((v) => v.root_view_id === top.root_view_id).length >= 3) return fail('push_limit_reached');
  const stored = viewObject(ws, input, user);
  stored.root_view_id = top.root_view_id;
  stored.previous_view_id = top.id;
  ws.views.set(stored.id, stored);
  return stored;
}
