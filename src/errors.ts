/**
 * The error tree every layer throws. Each channel maps it once: HTTP to `{ error: { code, message } }`
 * with `status`, MCP and the agent to `isError` tool results. Anything that is not a `DomainError`
 * is an internal error: logged with a reference id, and shown to callers only as that id.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, status: number, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export class InvalidInputError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid_input', 400, message, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'A valid API key or session is required.') {
    super('unauthorized', 401, message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', 409, message, details);
  }
}

/** The data a question needs has not been synced or imported yet. */
export class NotSyncedError extends DomainError {
  constructor(message: string) {
    super('not_synced', 409, message);
  }
}

export class RateLimitedError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', 429, message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Xero, Stripe or Anthropic failed; integration folders translate SDK errors into this. */
export class UpstreamError extends DomainError {
  constructor(provider: string, message: string, details?: Record<string, unknown>) {
    super('upstream_error', 502, `${provider}: ${message}`, { provider, ...details });
  }
}

/** The database cannot be reached (restarting, down, or the network): try again shortly. */
export class DatabaseUnavailableError extends DomainError {
  readonly retryAfterSeconds = 5;
  constructor() {
    super('database_unavailable', 503, 'The database is not reachable at the moment; try again in a few seconds.');
  }
}

/** Bad configuration: stops start-up with exit code 1, naming the variable. */
export class ConfigError extends DomainError {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super('config_error', 500, message, { variable });
    this.variable = variable;
  }
}

/** A connection's upstream grant was revoked or expired: nothing syncs until someone reconnects. */
export class ReauthRequiredError extends DomainError {
  /** `scope`: 'grant' when the authorization itself is dead, 'connection' when one organisation refused. */
  constructor(provider: string, message: string, scope: 'grant' | 'connection' = 'grant') {
    super('reauth_required', 409, `${provider}: ${message}`, { provider, scope });
  }
}
