/**
 * The dashboard talks to the same API as everyone else, with its session cookie: figures come from the tools
 * (`POST /v1/tools/{name}`), actions from the routes. Nothing is computed here.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers: { accept: 'application/json', ...(init.headers as Record<string, string>) },
  });
  const body = (await res.json().catch(() => null)) as (T & { error?: { code: string; message: string } }) | null;
  if (!res.ok) {
    if (res.status === 401) location.reload(); // the session ended: show the sign-in page
    throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}

export const send = <T>(method: string, path: string, body?: unknown) =>
  call<T>(path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** A tool's result. */
export async function tool<T>(name: string, input: Record<string, unknown> = {}): Promise<T> {
  return (await send<{ result: T }>('POST', `/v1/tools/${name}`, input)).result;
}

export interface Me {
  business: { id: string; name: string; baseCurrency: string };
  user: { email: string; name: string | null; role: string } | null;
  role: string | null;
  permissions: string[];
  today: string;
}
