import { type KeyboardEvent, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { blockKitBuilderUrl } from '../../src/cli/block-kit-builder.js';
import type { ActionRequest, PageChannel, PageEphemeral, PageError, PageMessage, PageState } from '../protocol.js';
import { post, useWorkspace } from './api.js';
import { BlockKit, type ConfirmObject, SlackContext, type SlackContextValue } from './block-kit.js';
import { Avatar, EphemeralItem, ErrorItem, type MessageActions, MessageItem } from './messages.js';
import { ConfirmDialog, Modal } from './modal.js';

/**
 * The page: a Slack client for one person (alice) in one workspace. The sidebar's channels and the
 * app, a channel's messages with the message box, a thread beside them, the app's Home and Messages
 * tabs, and the modal on top. Everything on screen comes from the server's state; what the person
 * does goes to the server, which tells the bot as Slack would.
 */

type Place = { kind: 'channel'; id: string } | { kind: 'app'; tab: 'home' | 'messages' };

/** What shows in a channel, oldest first: messages (thread replies only if sent to the channel too), ephemerals, refusals. */
type Item = { ts: string; message?: PageMessage; ephemeral?: PageEphemeral; error?: PageError };

const isTopLevel = (m: PageMessage) => m.threadTs === undefined || m.threadTs === m.ts || m.broadcast;
const errorTs = (e: PageError) => (e.at / 1000).toFixed(6);

function itemsOf(state: PageState, channel: string, dismissed: ReadonlySet<string>, thread?: string): Item[] {
  const inPlace = (threadTs: string | undefined, ts: string) => (thread ? threadTs === thread && ts !== thread : threadTs === undefined);
  const items: Item[] = [
    ...state.messages
      .filter((m) => m.channel === channel && (thread ? m.threadTs === thread && m.ts !== thread : isTopLevel(m)))
      .map((m) => ({ ts: m.ts, message: m })),
    ...state.ephemerals
      .filter((e) => e.channel === channel && !dismissed.has(e.ts) && inPlace(e.threadTs, e.ts))
      .map((e) => ({ ts: e.ts, ephemeral: e })),
    ...(thread ? [] : state.errors.filter((e) => e.channel === channel).map((e) => ({ ts: errorTs(e), error: e }))),
  ];
  return items.sort((a, b) => Number(a.ts) - Number(b.ts));
}

function Composer({
  label,
  placeholder,
  disabled,
  onSend,
}: {
  label: string;
  placeholder: string;
  disabled?: string;
  onSend(text: string): void;
}) {
  const [text, setText] = useState('');
  if (disabled) return <div className="composer composer-disabled">{disabled}</div>;
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing) return;
    e.preventDefault();
    if (text.trim() === '') return;
    onSend(text);
    setText('');
  };
  return (
    <div className="composer">
      <textarea
        aria-label={label}
        placeholder={placeholder}
        value={text}
        rows={1}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}

function Timeline({
  items,
  state,
  actions,
  onDismiss,
  label,
  inThread = false,
}: {
  items: Item[];
  state: PageState;
  actions: MessageActions;
  onDismiss(ts: string): void;
  label: string;
  /** The replies of a thread, drawn as the thread pane draws them. */
  inThread?: boolean;
}) {
  // Like Slack, the newest message stays in view unless the person scrolled up to read older ones.
  const list = useRef<HTMLUListElement>(null);
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    const el = list.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  });
  const onScroll = () => {
    const el = list.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };
  return (
    <ul className="timeline" aria-label={label} ref={list} onScroll={onScroll}>
      {items.map((item) => {
        if (item.message) {
          const m = item.message;
          const parent = m.broadcast ? state.messages.find((p) => p.channel === m.channel && p.ts === m.threadTs) : undefined;
          return <MessageItem key={m.ts} message={m} actions={actions} inThread={inThread} {...(parent ? { parent } : {})} />;
        }
        if (item.ephemeral) return <EphemeralItem key={item.ephemeral.ts} message={item.ephemeral} onDismiss={() => onDismiss(item.ts)} />;
        if (item.error) return <ErrorItem key={item.error.id} error={item.error} />;
        return null;
      })}
    </ul>
  );
}

function Sidebar({ state, place, go }: { state: PageState; place: Place; go(place: Place): void }) {
  const current = (c: PageChannel) => place.kind === 'channel' && place.id === c.id;
  return (
    <nav className="sidebar" aria-label="Sidebar">
      <div className="workspace">{state.team}</div>
      <div className="sidebar-section">Channels</div>
      {state.channels.map((c) => (
        <button
          key={c.id}
          type="button"
          className={`sidebar-item ${current(c) ? 'active' : ''}`}
          aria-current={current(c) ? 'page' : undefined}
          onClick={() => go({ kind: 'channel', id: c.id })}
        >
          <span className="sidebar-icon" aria-hidden="true">
            {c.isPrivate ? '🔒' : '#'}
          </span>
          {c.name}
        </button>
      ))}
      <div className="sidebar-section">Apps</div>
      <button
        type="button"
        className={`sidebar-item ${place.kind === 'app' ? 'active' : ''}`}
        aria-current={place.kind === 'app' ? 'page' : undefined}
        onClick={() => go({ kind: 'app', tab: 'home' })}
      >
        <Avatar user="datajob-bot" bot size={18} />
        {state.bot.appName}
      </button>
    </nav>
  );
}

export function App() {
  const { state, connected } = useWorkspace();
  const [place, setPlace] = useState<Place>({ kind: 'channel', id: 'C_DATA_JOBS' });
  const [thread, setThread] = useState<{ channel: string; ts: string } | null>(null);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const [confirming, setConfirming] = useState<{ dialog: ConfirmObject; then: () => void } | null>(null);
  const [toast, setToast] = useState<string | null>(null);
  // A thread opens on its latest reply, and stays there as replies come unless the person scrolled up.
  const threadScroll = useRef<HTMLDivElement>(null);
  const threadAtBottom = useRef(true);
  useLayoutEffect(() => {
    const el = threadScroll.current;
    if (el && threadAtBottom.current) el.scrollTop = el.scrollHeight;
  });
  const onThreadScroll = () => {
    const el = threadScroll.current;
    if (el) threadAtBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };

  const report = useCallback(async (answer: Promise<{ ok: boolean; error?: string }>) => {
    const a = await answer;
    setToast(a.ok ? null : (a.error ?? 'Something went wrong'));
  }, []);

  const go = (next: Place) => {
    setPlace(next);
    setThread(null);
    // Opening the app's tab is what Slack tells the app about (app_home_opened).
    if (next.kind === 'app') void report(post('/api/home', { tab: next.tab }));
  };

  const context: SlackContextValue = useMemo(
    () => ({
      users: state?.users ?? [],
      channels: state?.channels ?? [],
      act: (request: ActionRequest) => void report(post('/api/action', request)),
      confirm: (dialog, then) => setConfirming({ dialog, then }),
    }),
    [state?.users, state?.channels, report],
  );

  useEffect(() => {
    document.title = state && place.kind === 'channel' ? `#${state.channels.find((c) => c.id === place.id)?.name ?? ''} · Slack` : 'Slack';
  }, [state, place]);

  if (!state) return <div className="loading">{connected ? 'Loading the workspace…' : 'Connecting to the demo…'}</div>;

  const actions: MessageActions = {
    users: state.users,
    shortcuts: state.shortcuts,
    openThread: (ts) => {
      if (place.kind !== 'channel') return;
      threadAtBottom.current = true;
      setThread({ channel: place.id, ts });
    },
    runShortcut: (message, callbackId) => void report(post('/api/shortcut', { channel: message.channel, ts: message.ts, callbackId })),
  };
  const dismiss = (ts: string) => setDismissed((d) => new Set([...d, ts]));
  const channel = place.kind === 'channel' ? state.channels.find((c) => c.id === place.id) : undefined;
  const send = (channelId: string, text: string, threadTs?: string) => {
    if (text.trimStart().startsWith('/') && !threadTs) void report(post('/api/command', { channel: channelId, text: text.trim() }));
    else void report(post('/api/message', { channel: channelId, text, ...(threadTs ? { threadTs } : {}) }));
  };
  const parent = thread ? state.messages.find((m) => m.channel === thread.channel && m.ts === thread.ts) : undefined;

  return (
    <SlackContext.Provider value={context}>
      <div className="client">
        <Sidebar state={state} place={place} go={go} />
        <main className="pane">
          {channel ? (
            <>
              <header className="pane-header">
                <h1>
                  <span aria-hidden="true">{channel.isPrivate ? '🔒 ' : '# '}</span>
                  {channel.name}
                </h1>
              </header>
              <Timeline
                items={itemsOf(state, channel.id, dismissed)}
                state={state}
                actions={actions}
                onDismiss={dismiss}
                label={`Messages in #${channel.name}`}
              />
              <Composer
                key={channel.id}
                label={`Message #${channel.name}`}
                placeholder={`Message #${channel.name}`}
                onSend={(text) => send(channel.id, text)}
              />
            </>
          ) : place.kind === 'app' ? (
            <AppPage state={state} tab={place.tab} go={go} actions={actions} dismissed={dismissed} onDismiss={dismiss} />
          ) : null}
        </main>
        {thread && parent ? (
          <aside className="thread" aria-label="Thread">
            <header className="pane-header">
              <h2>Thread</h2>
              <span className="thread-channel">#{state.channels.find((c) => c.id === thread.channel)?.name}</span>
              <button type="button" className="modal-x" aria-label="Close thread" onClick={() => setThread(null)}>
                ×
              </button>
            </header>
            <div className="thread-scroll" ref={threadScroll} onScroll={onThreadScroll}>
              <ul className="timeline" aria-label="Thread parent">
                <MessageItem message={parent} actions={actions} inThread />
              </ul>
              <div className="thread-divider">{parent.replyCount === 1 ? '1 reply' : `${parent.replyCount} replies`}</div>
              <Timeline
                items={itemsOf(state, thread.channel, dismissed, thread.ts)}
                state={state}
                actions={actions}
                onDismiss={dismiss}
                label="Replies"
                inThread
              />
            </div>
            <Composer key={thread.ts} label="Reply…" placeholder="Reply…" onSend={(text) => send(thread.channel, text, thread.ts)} />
          </aside>
        ) : null}
      </div>
      {state.modal ? (
        <Modal
          key={state.modal.id}
          modal={state.modal}
          onClose={(all) => state.modal && void report(post('/api/view/close', { viewId: state.modal.id, all }))}
          onSubmit={async (values) => {
            if (!state.modal) return null;
            const answer = await post('/api/view/submit', { viewId: state.modal.id, values });
            return answer.ok ? null : answer.error;
          }}
        />
      ) : null}
      {confirming ? (
        <ConfirmDialog
          dialog={confirming.dialog}
          onAnswer={(yes) => {
            setConfirming(null);
            if (yes) confirming.then();
          }}
        />
      ) : null}
      {toast ? (
        <div className="toast" role="alert">
          {toast}
          <button type="button" aria-label="Dismiss" onClick={() => setToast(null)}>
            ×
          </button>
        </div>
      ) : null}
    </SlackContext.Provider>
  );
}

function AppPage({
  state,
  tab,
  go,
  actions,
  dismissed,
  onDismiss,
}: {
  state: PageState;
  tab: 'home' | 'messages';
  go(place: Place): void;
  actions: MessageActions;
  dismissed: ReadonlySet<string>;
  onDismiss(ts: string): void;
}) {
  const dm = state.dm.channel;
  return (
    <>
      <header className="pane-header app-header">
        <Avatar user="datajob-bot" bot size={28} />
        <h1>{state.bot.appName}</h1>
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'home'} onClick={() => go({ kind: 'app', tab: 'home' })}>
            Home
          </button>
          <button type="button" role="tab" aria-selected={tab === 'messages'} onClick={() => go({ kind: 'app', tab: 'messages' })}>
            Messages
          </button>
        </div>
        {tab === 'home' && state.home ? (
          <a className="modal-builder" href={blockKitBuilderUrl(state.home.view as { blocks: unknown[] })} target="_blank" rel="noreferrer">
            Block Kit Builder
          </a>
        ) : null}
      </header>
      {tab === 'home' ? (
        <div className="home" role="tabpanel" aria-label="Home">
          {state.home ? (
            <BlockKit blocks={state.home.blocks} surface={{ kind: 'home' }} />
          ) : (
            <p className="home-empty">The app has not published a Home tab yet.</p>
          )}
        </div>
      ) : (
        <div role="tabpanel" aria-label="Messages" className="pane">
          <Timeline
            items={[
              ...state.dm.messages.filter(isTopLevel).map((m) => ({ ts: m.ts, message: m })),
              ...state.ephemerals
                .filter((e) => dm !== null && e.channel === dm && !dismissed.has(e.ts))
                .map((e) => ({ ts: e.ts, ephemeral: e })),
            ].sort((a, b) => Number(a.ts) - Number(b.ts))}
            state={state}
            actions={actions}
            onDismiss={onDismiss}
            label="Messages with datajob-bot"
          />
          <Composer
            label="Message datajob-bot"
            placeholder=""
            disabled="Sending messages to this app has been turned off."
            onSend={() => {}}
          />
        </div>
      )}
    </>
  );
}
