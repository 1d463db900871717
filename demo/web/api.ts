import { useEffect, useState } from 'react';
import type { ActionAnswer, PageState } from '../protocol.js';

/** The page's two ways to the demo server: the workspace as it changes, and each thing the person does. */

/** The workspace, kept current by the server's stream (sent whole on every change). */
export function useWorkspace(): { state: PageState | null; connected: boolean } {
  const [state, setState] = useState<PageState | null>(null);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const stream = new EventSource('/api/stream');
    stream.onopen = () => setConnected(true);
    stream.onerror = () => setConnected(false);
    stream.onmessage = (event: MessageEvent<string>) => setState(JSON.parse(event.data) as PageState);
    return () => stream.close();
  }, []);
  return { state, connected };
}

export async function post(path: string, body: object): Promise<ActionAnswer> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json().catch(() => null)) as ActionAnswer | null;
  if (answer && typeof answer.ok === 'boolean') return answer;
  return { ok: false, error: `The demo server answered HTTP ${res.status}` };
}
