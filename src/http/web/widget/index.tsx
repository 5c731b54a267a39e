/**
 * The chat widget: `<script src="https://cfo.example.com/widget.js" data-token="cfows_…"></script>` on any
 * page. It mounts in a Shadow DOM (the host page's CSS cannot break it), streams answers from
 * `POST /v1/chat`, shows what the CFO is doing ("Checking cash position…"), renders results as small tables
 * and charts, and keeps the conversation across reloads. Keyboard: Enter sends, Shift+Enter is a new line,
 * Escape closes.
 *
 * Tokens: `data-token` (minted by your backend with POST /v1/widget-sessions, at most an hour), or
 * `data-token-url`: a URL on your site that answers `{ "token" }` and is called again when one expires.
 * Or `window.CFOWidget.mount({ token, tokenUrl, getToken, title, open })`.
 */
import { render } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { activityOf } from '../shared/format';
import { ResultView } from '../shared/result-view';
import { readEvents } from '../shared/sse';
import { WIDGET_CSS } from './styles';

export interface WidgetOptions {
  token?: string;
  tokenUrl?: string;
  getToken?: () => Promise<string>;
  /** Where the CFO service is (default: where widget.js came from). */
  apiBase?: string;
  title?: string;
  open?: boolean;
  /** Where to mount (default: a new element at the end of <body>). */
  target?: HTMLElement;
}

type Item =
  | { kind: 'user' | 'assistant'; text: string; id: string }
  | { kind: 'activity'; tool: string; done: boolean; ok: boolean; id: string }
  | { kind: 'result'; tool: string; output: Record<string, unknown>; id: string }
  | { kind: 'error'; text: string; id: string };

interface Claims {
  b?: string;
  u?: string;
  exp?: number;
}

function claimsOf(token: string | undefined): Claims {
  try {
    const body = token?.replace(/^cfows_/, '').split('.')[0];
    if (!body) return {};
    return JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/'))) as Claims;
  } catch {
    return {};
  }
}

/** The script tag that loaded the widget (only known while it first runs). */
const SCRIPT = document.currentScript as HTMLScriptElement | null;

let seq = 0;
const nextId = () => `i${++seq}`;

class Session {
  private token: string | undefined;
  constructor(private readonly opts: WidgetOptions & { apiBase: string }) {
    this.token = opts.token;
  }

  get claims(): Claims {
    return claimsOf(this.token);
  }

  /** Resolves once there is a token (fetching one from the page's token URL if need be). */
  async ready(): Promise<void> {
    await this.fresh();
  }

  private async fresh(): Promise<string> {
    const c = claimsOf(this.token);
    if (this.token && (!c.exp || c.exp - Date.now() > 30_000)) return this.token;
    if (this.opts.getToken) this.token = await this.opts.getToken();
    else if (this.opts.tokenUrl) {
      const res = await fetch(this.opts.tokenUrl, {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const body = (await res.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
      if (!res.ok || !body.token)
        throw new Error(body.error?.message ?? `Could not start a chat session (${res.status}).`);
      this.token = body.token;
    }
    if (!this.token) throw new Error('This page has no chat session token (data-token or data-token-url).');
    return this.token;
  }

  /** A request to the CFO with the session token; an expired token is renewed once when the page can. */
  async request(path: string, init: RequestInit = {}, retry = true): Promise<Response> {
    const token = await this.fresh();
    const res = await fetch(`${this.opts.apiBase}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
    });
    if (res.status === 401 && retry && (this.opts.tokenUrl || this.opts.getToken)) {
      this.token = undefined;
      return this.request(path, init, false);
    }
    return res;
  }
}

async function errorText(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The CFO did not answer (HTTP ${res.status}).`;
}

/** Where this person's conversation id is kept on this site: stable once the session's token is known. */
const storeKeyOf = (c: Claims) => `cfo-widget:${location.origin}:${c.b ?? ''}:${c.u ?? ''}`;

function Widget({ session, title, startOpen }: { session: Session; title: string; startOpen: boolean }) {
  const [storeKey, setStoreKey] = useState<string | null>(null);
  const [open, setOpen] = useState(startOpen);
  const [items, setItems] = useState<Item[]>([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const conversation = useRef<string | null>(null);
  const log = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const launcher = useRef<HTMLButtonElement>(null);

  // Once the session is known: reopen as it was, and show the conversation so far (after a reload).
  useEffect(() => {
    let alive = true;
    session
      .ready()
      .then(async () => {
        if (!alive) return;
        const key = storeKeyOf(session.claims);
        setStoreKey(key);
        if (localStorage.getItem(`${key}:open`) === '1') setOpen(true);
        const id = localStorage.getItem(key);
        conversation.current = conversation.current ?? id;
        if (!id) return;
        const res = await session.request(`/v1/conversations/${encodeURIComponent(id)}/messages`);
        if (res.status === 404) {
          localStorage.removeItem(key);
          if (conversation.current === id) conversation.current = null;
          return;
        }
        if (!res.ok || !alive) return;
        const body = (await res.json()) as { messages: { role: string; content: { type: string; text?: string }[] }[] };
        const restored: Item[] = [];
        for (const m of body.messages) {
          const t = m.content
            .filter((b) => b.type === 'text')
            .map((b) => b.text ?? '')
            .join('');
          if (t) restored.push({ kind: m.role === 'user' ? 'user' : 'assistant', text: t, id: nextId() });
        }
        // Never over what the person has started meanwhile.
        setItems((xs) => (xs.length ? xs : restored));
      })
      .catch((err: Error) => {
        if (alive) setItems((xs) => [...xs, { kind: 'error', text: err.message, id: nextId() }]);
      });
    return () => {
      alive = false;
    };
  }, [session]);

  // Focus follows the panel: into the input when it opens, back to the launcher when it closes (never on load).
  // A layout effect, so focus moves in the same task as the DOM change and is never left on <body> for a frame
  // (a screen reader would announce the page instead of the launcher).
  const wasOpen = useRef(false);
  useLayoutEffect(() => {
    if (storeKey) localStorage.setItem(`${storeKey}:open`, open ? '1' : '0');
    if (open) input.current?.focus();
    else if (wasOpen.current) launcher.current?.focus({ preventScroll: true });
    wasOpen.current = open;
  }, [open, storeKey]);

  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [items]);

  const ask = useCallback(
    async (question: string) => {
      setBusy(true);
      const answerId = nextId();
      setItems((xs) => [...xs, { kind: 'user', text: question, id: nextId() }]);
      const update = (fn: (xs: Item[]) => Item[]) => setItems(fn);
      try {
        const res = await session.request('/v1/chat', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({
            message: question,
            ...(conversation.current ? { conversationId: conversation.current } : {}),
          }),
        });
        if (!res.ok || !res.body) {
          const message = await errorText(res);
          if (res.status === 404 && conversation.current) {
            // The stored conversation is gone: start afresh next time.
            localStorage.removeItem(storeKeyOf(session.claims));
            conversation.current = null;
          }
          update((xs) => [...xs, { kind: 'error', text: message, id: nextId() }]);
          return;
        }
        await readEvents(res.body, (type, data) => {
          const d = data as Record<string, unknown>;
          if (type === 'start' && typeof d.conversationId === 'string') {
            conversation.current = d.conversationId;
            localStorage.setItem(storeKeyOf(session.claims), d.conversationId);
          } else if (type === 'text') {
            update((xs) => {
              const i = xs.findIndex((x) => x.id === answerId);
              if (i < 0) return [...xs, { kind: 'assistant', text: String(d.delta ?? ''), id: answerId }];
              const cur = xs[i] as { kind: 'assistant'; text: string; id: string };
              return [...xs.slice(0, i), { ...cur, text: cur.text + String(d.delta ?? '') }, ...xs.slice(i + 1)];
            });
          } else if (type === 'tool_started') {
            update((xs) => [
              ...xs,
              { kind: 'activity', tool: String(d.name), done: false, ok: true, id: `t${String(d.id)}` },
            ]);
          } else if (type === 'tool_finished') {
            update((xs) => {
              const done = xs.map((x) =>
                x.id === `t${String(d.id)}` && x.kind === 'activity' ? { ...x, done: true, ok: Boolean(d.ok) } : x,
              );
              return d.ok && d.output && typeof d.output === 'object'
                ? [
                    ...done,
                    { kind: 'result', tool: String(d.name), output: d.output as Record<string, unknown>, id: nextId() },
                  ]
                : done;
            });
          } else if (type === 'error') {
            update((xs) => [...xs, { kind: 'error', text: String(d.message ?? 'The answer failed.'), id: nextId() }]);
          }
        });
      } catch (err) {
        update((xs) => [
          ...xs,
          { kind: 'error', text: (err as Error).message || 'The CFO could not be reached.', id: nextId() },
        ]);
      } finally {
        setBusy(false);
        input.current?.focus();
      }
    },
    [session],
  );

  const submit = (e?: Event) => {
    e?.preventDefault();
    const q = text.trim();
    if (!q || busy) return;
    setText('');
    void ask(q);
  };

  if (!open)
    return (
      <div class="root">
        <button
          type="button"
          class="launcher"
          ref={launcher}
          aria-expanded="false"
          aria-controls="cfo-panel"
          onClick={() => setOpen(true)}
        >
          <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
            <path
              fill="currentColor"
              d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"
            />
          </svg>
          {title}
        </button>
      </div>
    );

  return (
    <div class="root open">
      <section
        class="panel"
        id="cfo-panel"
        role="dialog"
        aria-modal="false"
        aria-labelledby="cfo-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setOpen(false);
          }
        }}
      >
        <header class="head">
          <h2 id="cfo-title">{title}</h2>
          <button type="button" aria-label="Close the chat" onClick={() => setOpen(false)}>
            ×
          </button>
        </header>
        <div class="log" ref={log} role="log" aria-live="polite" aria-relevant="additions" aria-busy={busy}>
          {items.length === 0 ? (
            <p class="hint">Ask about cash, runway, revenue, who owes you, or what to look at first.</p>
          ) : null}
          {items.map((it) => {
            if (it.kind === 'activity')
              return (
                <div key={it.id} class={`activity ${it.done ? 'done' : ''}`} data-tool={it.tool}>
                  {it.done ? (
                    <span aria-hidden="true">{it.ok ? '✓' : '!'}</span>
                  ) : (
                    <span class="spinner" aria-hidden="true" />
                  )}
                  {activityOf(it.tool)}
                </div>
              );
            if (it.kind === 'result')
              return (
                <div key={it.id} class="result" data-tool={it.tool}>
                  <ResultView tool={it.tool} output={it.output} />
                </div>
              );
            return (
              <div key={it.id} class={`msg ${it.kind}`} role={it.kind === 'error' ? 'alert' : undefined}>
                {it.text}
              </div>
            );
          })}
        </div>
        <form class="form" onSubmit={submit}>
          <label for="cfo-input">Ask the CFO a question</label>
          <textarea
            id="cfo-input"
            ref={input}
            rows={1}
            value={text}
            maxLength={8000}
            placeholder="How much cash do we have?"
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) submit(e);
            }}
          />
          <button type="submit" class="send" aria-disabled={busy || !text.trim() ? 'true' : 'false'}>
            Send
          </button>
        </form>
      </section>
    </div>
  );
}

/** Mounts the widget; returns a function that removes it. */
export function mount(options: WidgetOptions): () => void {
  const apiBase = (options.apiBase ?? (SCRIPT?.src ? new URL(SCRIPT.src).origin : location.origin)).replace(/\/+$/, '');
  // A custom element: the host page's `div { … }` rules do not match it.
  const host = options.target ?? document.body.appendChild(document.createElement('cfo-widget'));
  host.setAttribute('data-cfo-widget', '');
  const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = WIDGET_CSS;
  shadow.appendChild(style);
  const container = document.createElement('div');
  shadow.appendChild(container);
  const session = new Session({ ...options, apiBase });
  render(
    <Widget session={session} title={options.title ?? 'Ask the CFO'} startOpen={Boolean(options.open)} />,
    container,
  );
  return () => {
    render(null, container);
    if (!options.target) host.remove();
  };
}

declare global {
  interface Window {
    CFOWidget?: { mount: typeof mount };
  }
}

window.CFOWidget = { mount };

// Auto-mount from the script tag's data attributes.
const tag = SCRIPT;
if (tag && (tag.dataset.token || tag.dataset.tokenUrl)) {
  const start = () =>
    mount({
      apiBase: new URL(tag.src).origin,
      ...(tag.dataset.token ? { token: tag.dataset.token } : {}),
      ...(tag.dataset.tokenUrl ? { tokenUrl: new URL(tag.dataset.tokenUrl, location.href).href } : {}),
      title: tag.dataset.title ?? 'Ask the CFO',
      open: tag.dataset.open === 'true',
    });
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
}
