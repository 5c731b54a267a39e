/**
 * Who may reach the books, from the dashboard: API keys (an admin makes, lists and revokes them; a new key is
 * shown once), members and roles (an owner), and embedding the chat widget (the script tag, the origins
 * allowed to use it, and how a backend mints its token). Every button is an API route; a panel the person's
 * role does not allow is not shown, and the server refuses it anyway.
 */
import { useState } from 'preact/hooks';
import { call, type Me, send } from './api';
import { Panel, Status, useLoad } from './parts';

interface Key {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: string;
  since: string;
}

const ROLES = ['viewer', 'accountant', 'admin', 'owner'] as const;
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

/** Runs an action and shows what happened (or why not) in the panel's status line. */
function useNote() {
  const [note, setNote] = useState('');
  /** Resolves to whether it worked. */
  const act = async (what: () => Promise<string>): Promise<boolean> => {
    try {
      setNote(await what());
      return true;
    } catch (err) {
      setNote((err as Error).message);
      return false;
    }
  };
  const line = (
    <p class="muted" role="status">
      {note}
    </p>
  );
  return { act, line };
}

export function ApiKeys() {
  const keys = useLoad(() => call<{ keys: Key[] }>('/v1/keys'));
  const { act, line } = useNote();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [expires, setExpires] = useState('');
  const [made, setMade] = useState<{ name: string; key: string } | null>(null);
  const toggle = (s: string) => setScopes((x) => (x.includes(s) ? x.filter((y) => y !== s) : [...x, s]));
  return (
    <Panel title="API keys" id="keys">
      {line}
      {made ? (
        <div class="shown-once" role="alert">
          <p>
            <strong>{made.name}</strong>: copy the key now, it is not shown again.
          </p>
          <code class="secret">{made.key}</code>
          <button type="button" class="small" onClick={() => void navigator.clipboard?.writeText(made.key)}>
            Copy
          </button>
          <button type="button" class="small secondary" onClick={() => setMade(null)}>
            Done
          </button>
        </div>
      ) : null}
      <Status loading={keys.loading} error={keys.error} />
      {keys.data?.keys.length ? (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="sr">Status</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((k) => (
                <tr key={k.id}>
                  <td>
                    {k.name}
                    <div class="muted small">
                      <code>{k.prefix}…</code>
                      {k.expiresAt ? ` · expires ${day(k.expiresAt)}` : ''}
                    </div>
                  </td>
                  <td>{k.scopes.join(', ')}</td>
                  <td>{day(k.lastUsedAt)}</td>
                  <td>
                    {k.revokedAt ? (
                      <span class="badge">revoked</span>
                    ) : (
                      <button
                        type="button"
                        class="small secondary"
                        aria-label={`Revoke ${k.name}`}
                        onClick={() =>
                          act(async () => {
                            await send('DELETE', `/v1/keys/${k.id}`);
                            keys.reload();
                            return `Revoked ${k.name}: it stops working at once.`;
                          })
                        }
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : keys.data ? (
        <p class="muted">No keys yet.</p>
      ) : null}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const r = await send<{ key: string; name: string }>('POST', '/v1/keys', {
              name,
              scopes,
              ...(expires ? { expires } : {}),
            });
            setMade({ name: r.name, key: r.key });
            setName('');
            keys.reload();
            return `Created ${r.name}.`;
          });
        }}
      >
        <label>
          Name{' '}
          <input
            required
            value={name}
            placeholder="n8n"
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </label>
        <fieldset>
          <legend class="sr">Scopes</legend>
          {['read', 'write', 'admin'].map((s) => (
            <label key={s} class="check">
              <input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} /> {s}
            </label>
          ))}
        </fieldset>
        <label>
          Expires{' '}
          <select value={expires} onChange={(e) => setExpires((e.target as HTMLSelectElement).value)}>
            <option value="">never</option>
            <option value="30d">in 30 days</option>
            <option value="90d">in 90 days</option>
            <option value="365d">in a year</option>
          </select>
        </label>
        <button type="submit">Create key</button>
      </form>
      <p class="muted small">
        A key you create acts for you: it never does more than your role allows. Scopes: read reads; write also
        categorizes, imports and syncs; admin is everything your role may do.
      </p>
    </Panel>
  );
}

export function Members({ me }: { me: Me }) {
  const members = useLoad(() => call<{ members: Member[] }>('/v1/members'));
  const { act, line } = useNote();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  return (
    <Panel title="People" id="members">
      {line}
      <Status loading={members.loading} error={members.error} />
      {members.data ? (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span class="sr">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.members.map((m) => (
                <tr key={m.userId}>
                  <td>
                    {m.name ?? m.email}
                    {m.email === me.user?.email ? <span class="muted"> (you)</span> : null}
                    {m.name ? <div class="muted small">{m.email}</div> : null}
                  </td>
                  <td>
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      onChange={(e) => {
                        const next = (e.target as HTMLSelectElement).value;
                        void act(async () => {
                          try {
                            await send('PATCH', `/v1/members/${m.userId}`, { role: next });
                            return `${m.email} is now ${next}.`;
                          } finally {
                            members.reload();
                          }
                        });
                      }}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button
                      type="button"
                      class="small secondary"
                      aria-label={`Remove ${m.email}`}
                      onClick={() =>
                        act(async () => {
                          await send('DELETE', `/v1/members/${m.userId}`);
                          members.reload();
                          return `Removed ${m.email}: their sessions and keys stopped working.`;
                        })
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const m = await send<Member>('POST', '/v1/members', { email, role, ...(name ? { name } : {}) });
            setEmail('');
            setName('');
            members.reload();
            return `${m.email} is ${m.role}. Send them a sign-in link with \`cfo open --user ${m.email}\`.`;
          });
        }}
      >
        <label>
          Email{' '}
          <input
            type="email"
            required
            value={email}
            placeholder="sam@example.com"
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Name <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Role{' '}
          <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Add</button>
      </form>
      <p class="muted small">
        viewer reads and chats · accountant also categorizes and handles recommendations · admin also manages keys,
        connections, webhooks and settings · owner also manages people.
      </p>
    </Panel>
  );
}

export function Embed({ me }: { me: Me }) {
  const business = useLoad(() => call<{ allowedOrigins: string[] }>('/v1/business'));
  const origins = business.data?.allowedOrigins ?? null;
  const [adding, setAdding] = useState('');
  const { act, line } = useNote();
  const save = (next: string[], said: string) =>
    act(async () => {
      await send('PATCH', '/v1/business', { allowedOrigins: next });
      business.reload();
      return said;
    });
  const tag = `<script src="${location.origin}/widget.js" data-token="TOKEN" async></script>`;
  const mint = `curl -X POST ${location.origin}/v1/widget-sessions \\
  -H "Authorization: Bearer $ADMIN_KEY" -H 'content-type: application/json' \\
  -d '{ "email": "${me.user?.email ?? 'sam@example.com'}" }'`;
  return (
    <Panel title="Embed the chat" id="embed">
      {line}
      <p>Put the widget on a page of your own site:</p>
      <pre class="code">{tag}</pre>
      <p>
        Your backend makes the token for the person signed in to your site (a member of {me.business.name}), with an API
        key that has the admin scope, and hands it to the page — never the key. A token reads and chats only, lasts at
        most an hour, and does no more than that member's role:
      </p>
      <pre class="code">{mint}</pre>
      <h3>Sites allowed to embed it</h3>
      {origins === null ? null : origins.length ? (
        <ul class="plain">
          {origins.map((o) => (
            <li key={o}>
              <code>{o}</code>
              <button
                type="button"
                class="small secondary"
                aria-label={`Remove ${o}`}
                onClick={() =>
                  save(
                    origins.filter((x) => x !== o),
                    `${o} may no longer embed the chat.`,
                  )
                }
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">None yet: the widget works on this dashboard only.</p>
      )}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const o = adding.trim().replace(/\/+$/, '');
          void save([...(origins ?? []), o], `${o} may embed the chat.`).then((ok) => ok && setAdding(''));
        }}
      >
        <label>
          Site{' '}
          <input
            required
            value={adding}
            placeholder="https://app.example.com"
            onInput={(e) => setAdding((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Allow</button>
      </form>
    </Panel>
  );
}
