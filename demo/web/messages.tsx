import { useEffect, useRef, useState } from 'react';
import { blockKitBuilderUrl } from '../../src/cli/block-kit-builder.js';
import type { MessageShortcut, PageEphemeral, PageError, PageMessage, PageUser } from '../protocol.js';
import { BlockKit } from './block-kit.js';

/** A message as Slack lays it out: avatar, name (APP for the bot), time, content, unfurls, thread summary. */

export const timeOf = (ts: string) => new Date(Number(ts) * 1000).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });

export function Avatar({ user, bot, size = 36 }: { user: string; bot: boolean; size?: number }) {
  const letter = bot ? 'DJ' : (user.replace(/^U_?/, '')[0] ?? '?').toUpperCase();
  return (
    <span
      className={`avatar ${bot ? 'avatar-bot' : 'avatar-person'}`}
      style={{ width: size, height: size, fontSize: size * 0.4 }}
      aria-hidden="true"
    >
      {letter}
    </span>
  );
}

/** A message without blocks is its text, drawn as Slack draws mrkdwn. */
const contentOf = (m: { text: string; blocks?: unknown[] }) =>
  m.blocks && m.blocks.length > 0 ? m.blocks : [{ type: 'section', text: { type: 'mrkdwn', text: m.text } }];

function nameOf(users: readonly PageUser[], id: string) {
  return users.find((u) => u.id === id)?.name ?? id;
}

export interface MessageActions {
  users: readonly PageUser[];
  shortcuts: readonly MessageShortcut[];
  openThread(ts: string): void;
  runShortcut(message: PageMessage, callbackId: string): void;
}

function MoreActions({ message, actions }: { message: PageMessage; actions: MessageActions }) {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: globalThis.MouseEvent) => {
      if (!menu.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  return (
    <div className="message-toolbar" ref={menu}>
      {message.threadTs === undefined || message.threadTs === message.ts ? (
        <button type="button" className="toolbar-button" aria-label="Reply in thread" onClick={() => actions.openThread(message.ts)}>
          💬
        </button>
      ) : null}
      <button type="button" className="toolbar-button" aria-label="More actions" aria-expanded={open} onClick={() => setOpen(!open)}>
        ⋮
      </button>
      {open ? (
        <div className="menu" role="menu">
          {actions.shortcuts.map((s) => (
            <button
              key={s.callbackId}
              type="button"
              role="menuitem"
              className="menu-item"
              title={s.description}
              onClick={() => {
                setOpen(false);
                actions.runShortcut(message, s.callbackId);
              }}
            >
              {s.name}
              <span className="menu-item-app">datajob-bot</span>
            </button>
          ))}
          {message.blocks && message.blocks.length > 0 ? (
            <a role="menuitem" className="menu-item" href={blockKitBuilderUrl({ blocks: message.blocks })} target="_blank" rel="noreferrer">
              Open in Block Kit Builder
            </a>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

export function ThreadSummary({ message, onOpen, users }: { message: PageMessage; onOpen: () => void; users: readonly PageUser[] }) {
  if (message.replyCount === 0) return null;
  return (
    <div className="thread-summary">
      {message.replyUsers.slice(0, 5).map((u) => (
        <Avatar key={u} user={u} bot={nameOf(users, u) === 'datajob-bot'} size={24} />
      ))}
      <button type="button" className="thread-link" onClick={onOpen}>
        {message.replyCount === 1 ? '1 reply' : `${message.replyCount} replies`}
      </button>
      {message.latestReply ? <span className="thread-last">Last reply today at {timeOf(message.latestReply)}</span> : null}
    </div>
  );
}

export function MessageItem({
  message,
  actions,
  parent,
  inThread = false,
}: {
  message: PageMessage;
  actions: MessageActions;
  /** For a reply also sent to the channel: the message it replies to. */
  parent?: PageMessage;
  inThread?: boolean;
}) {
  const name = nameOf(actions.users, message.user);
  return (
    <li className="message" aria-label={`${name}, ${timeOf(message.ts)}`}>
      <Avatar user={message.user} bot={message.fromBot} />
      <div className="message-body">
        {message.broadcast && inThread ? <div className="broadcast-note">Also sent to the channel</div> : null}
        {message.broadcast && parent && !inThread ? (
          <div className="broadcast-note">
            replied to a thread: <span className="broadcast-parent">{parent.text.slice(0, 80)}</span>
          </div>
        ) : null}
        <div className="message-meta">
          <span className="message-author">{name}</span>
          {message.fromBot ? <span className="app-badge">APP</span> : null}
          <span className="message-time">{timeOf(message.ts)}</span>
        </div>
        <BlockKit blocks={contentOf(message)} surface={{ kind: 'message', channel: message.channel, ts: message.ts }} />
        {message.unfurls.map((u) => (
          <section key={u.url} className="unfurl" aria-label={`Preview of ${u.url}`}>
            <BlockKit blocks={u.blocks} surface={{ kind: 'unfurl', channel: message.channel, ts: message.ts, url: u.url }} />
          </section>
        ))}
        {inThread ? null : <ThreadSummary message={message} users={actions.users} onOpen={() => actions.openThread(message.ts)} />}
      </div>
      <MoreActions message={message} actions={actions} />
    </li>
  );
}

export function EphemeralItem({ message, onDismiss }: { message: PageEphemeral; onDismiss: () => void }) {
  const fromSlack = message.from === 'slack';
  return (
    <li className="message ephemeral" aria-label={`${fromSlack ? 'Slackbot' : 'datajob-bot'}, only visible to you`}>
      <Avatar user={fromSlack ? 'Slackbot' : 'datajob-bot'} bot={!fromSlack} />
      <div className="message-body">
        <div className="ephemeral-note">
          <span aria-hidden="true">👁</span> Only visible to you
        </div>
        <div className="message-meta">
          <span className="message-author">{fromSlack ? 'Slackbot' : 'datajob-bot'}</span>
          {fromSlack ? null : <span className="app-badge">APP</span>}
          <span className="message-time">{timeOf(message.ts)}</span>
        </div>
        <BlockKit blocks={contentOf(message)} surface={{ kind: 'ephemeral', ts: message.ts }} />
        <button type="button" className="dismiss" onClick={onDismiss}>
          Dismiss message
        </button>
      </div>
    </li>
  );
}

/** What Slack answered a call it refused, where the message would have been. */
export function ErrorItem({ error }: { error: PageError }) {
  return (
    <li className="message slack-error" aria-label={`Slack refused ${error.method}`}>
      <span className="avatar avatar-error" aria-hidden="true">
        ⚠️
      </span>
      <div className="message-body">
        <div className="message-meta">
          <span className="message-author">Slack</span>
          <span className="message-time">{timeOf(String(error.at / 1000))}</span>
        </div>
        <div role="alert">
          <strong>
            Slack refused {error.method}: <code>{error.error}</code>
          </strong>
          {error.details.length > 0 ? (
            <ul className="error-details">
              {error.details.map((d) => (
                <li key={d}>
                  <code>{d}</code>
                </li>
              ))}
            </ul>
          ) : null}
          <div className="error-hint">What the bot sent is not shown: Slack would not have shown it either.</div>
        </div>
      </div>
    </li>
  );
}
