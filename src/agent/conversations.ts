/**
 * Conversations and their messages. Each channel's session id (n8n's `sessionId`, the widget's session)
 * maps to one conversation. Messages are stored as Messages API content blocks with a per-conversation
 * sequence number; appends lock the conversation row, so two turns on one conversation never interleave.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { type Db, isUuid, queryRows } from '../db/client';
import { agentConversations, agentMessages } from '../db/schema';
import { NotFoundError } from '../errors';
import { type ChatMessage, type ContentBlock, textOf } from './model';

export interface ConversationRef {
  id?: string | undefined;
  sessionId?: string | undefined;
  userId?: string | undefined;
  apiKeyId?: string | undefined;
}

export interface Conversation {
  id: string;
  summary: string | null;
}

/** Finds the conversation by id or by the channel's session id, or starts one. */
export async function openConversation(
  tx: Db,
  businessId: string,
  channel: string,
  ref: ConversationRef,
  firstMessage: string,
): Promise<Conversation> {
  if (ref.id) {
    // A malformed or foreign id is "not found", never a database error.
    // A person sees only their own conversations; a key sees the business's.
    const [row] = isUuid(ref.id)
      ? await tx
          .select({ id: agentConversations.id, summary: agentConversations.summary })
          .from(agentConversations)
          .where(
            and(
              eq(agentConversations.businessId, businessId),
              eq(agentConversations.id, ref.id),
              ref.userId ? eq(agentConversations.userId, ref.userId) : undefined,
            ),
          )
      : [];
    if (!row) throw new NotFoundError(`No conversation ${ref.id}.`);
    return row;
  }
  const title = firstMessage.replace(/\s+/g, ' ').trim().slice(0, 80);
  const values = {
    businessId,
    channel,
    sessionId: ref.sessionId ?? null,
    userId: ref.userId ?? null,
    apiKeyId: ref.apiKeyId ?? null,
    title,
  };
  if (!ref.sessionId) {
    const [row] = await tx
      .insert(agentConversations)
      .values(values)
      .returning({ id: agentConversations.id, summary: agentConversations.summary });
    return row!;
  }
  const [row] = await tx
    .insert(agentConversations)
    .values(values)
    .onConflictDoUpdate({
      target: [agentConversations.businessId, agentConversations.channel, agentConversations.sessionId],
      set: { updatedAt: sql`now()` },
    })
    .returning({ id: agentConversations.id, summary: agentConversations.summary });
  return row!;
}

export interface NewMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
  model?: string | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  latencyMs?: number | undefined;
  unmatchedFigures?: string[] | undefined;
}

/** Appends messages in order, in the caller's transaction; returns their ids. */
export async function appendMessages(
  tx: Db,
  businessId: string,
  conversationId: string,
  messages: NewMessage[],
): Promise<string[]> {
  // Claims the next numbers and locks the conversation until this transaction ends, so concurrent appends
  // to one conversation take their turns.
  const [claimed] = await queryRows<{ start: number }>(
    tx,
    sql`update agent_conversations set next_seq = next_seq + ${messages.length}, updated_at = now()
        where business_id = ${businessId} and id = ${conversationId}
        returning next_seq - ${messages.length} as start`,
  );
  if (!claimed) throw new NotFoundError(`No conversation ${conversationId} in this business.`);
  const start = Number(claimed.start);
  const rows = await tx
    .insert(agentMessages)
    .values(
      messages.map((m, i) => ({
        businessId,
        conversationId,
        seq: start + i,
        role: m.role,
        content: m.content,
        model: m.model ?? null,
        inputTokens: m.inputTokens ?? null,
        outputTokens: m.outputTokens ?? null,
        latencyMs: m.latencyMs ?? null,
        unmatchedFigures: m.unmatchedFigures ?? null,
      })),
    )
    .returning({ id: agentMessages.id });
  return rows.map((r) => r.id);
}

/** Messages kept verbatim for the model; older turns are summarized. */
export const HISTORY_WINDOW = 24;
const SUMMARY_CHARS = 2000;
const SUMMARY_QUESTIONS = Math.ceil(SUMMARY_CHARS / 5) + 1;

/**
 * The recent history, starting at a user question (never at a tool result whose call was cut off), and a
 * summary of the questions before it, which is stored on the conversation.
 */
export async function loadHistory(
  tx: Db,
  businessId: string,
  conversation: Conversation,
  window = HISTORY_WINDOW,
): Promise<{ messages: ChatMessage[]; summary: string | null }> {
  const rows = await tx
    .select({ seq: agentMessages.seq, role: agentMessages.role, content: agentMessages.content })
    .from(agentMessages)
    .where(
      and(
        eq(agentMessages.businessId, businessId),
        eq(agentMessages.conversationId, conversation.id),
        // Messages are numbered without gaps, so the last `window` are these: a bound on the index that holds
        // however long the conversation (a plan made for a short one otherwise sorts all of it). The subtraction
        // stays inside the subquery: under row-level security only a leakproof comparison with a plain value
        // becomes an index condition (with `- window` outside, it was a filter over every message: 25 ms → 0.8 ms
        // at 2,680 messages).
        sql`${agentMessages.seq} >= (select next_seq - ${window} from agent_conversations
              where business_id = ${businessId} and id = ${conversation.id})`,
      ),
    )
    .orderBy(desc(agentMessages.seq))
    .limit(window);
  const ascending = rows.reverse();
  const first = ascending.findIndex(
    (r) => r.role === 'user' && (r.content as ContentBlock[]).some((b) => b.type === 'text'),
  );
  const kept = first < 0 ? [] : ascending.slice(first);
  const messages = kept.map((r) => ({ role: r.role as ChatMessage['role'], content: r.content as ContentBlock[] }));
  const oldestKept = kept[0]?.seq ?? 0;
  if (oldestKept === 0) return { messages, summary: conversation.summary };
  // A full summary no longer changes: the window only moves on, adding questions after the ones it holds.
  if ((conversation.summary?.length ?? 0) >= SUMMARY_CHARS) return { messages, summary: conversation.summary };

  const older = await tx
    .select({ content: agentMessages.content })
    .from(agentMessages)
    .where(
      and(
        eq(agentMessages.businessId, businessId),
        eq(agentMessages.conversationId, conversation.id),
        eq(agentMessages.role, 'user'),
        sql`${agentMessages.seq} < ${oldestKept}`,
        // Questions, not the tool results that are also the user's turns.
        sql`${agentMessages.content} @> '[{"type":"text"}]'`,
      ),
    )
    .orderBy(asc(agentMessages.seq))
    // The summary is cut at 2,000 characters, and every question adds at least five ("“q”; "): the first
    // SUMMARY_QUESTIONS questions always fill it, so a long conversation does not read all of its past each turn.
    .limit(SUMMARY_QUESTIONS);
  const questions = older.map((r) => textOf(r.content as ContentBlock[])).filter(Boolean);
  const summary = questions.length
    ? `Earlier in this conversation the user asked: ${questions.map((q) => `“${q.slice(0, 120)}”`).join('; ')}`.slice(
        0,
        SUMMARY_CHARS,
      )
    : null;
  if (summary !== conversation.summary)
    await tx
      .update(agentConversations)
      .set({ summary })
      .where(and(eq(agentConversations.businessId, businessId), eq(agentConversations.id, conversation.id)));
  return { messages, summary };
}

export interface ConversationSummary {
  id: string;
  channel: string;
  sessionId: string | null;
  title: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The business's conversations (a person's own, with `userId`), most recently active first. */
export async function listConversations(
  tx: Db,
  businessId: string,
  limit = 50,
  opts: { userId?: string | undefined } = {},
): Promise<ConversationSummary[]> {
  const rows = await tx
    .select({
      id: agentConversations.id,
      channel: agentConversations.channel,
      sessionId: agentConversations.sessionId,
      title: agentConversations.title,
      createdAt: agentConversations.createdAt,
      updatedAt: agentConversations.updatedAt,
    })
    .from(agentConversations)
    .where(
      and(
        eq(agentConversations.businessId, businessId),
        opts.userId ? eq(agentConversations.userId, opts.userId) : undefined,
      ),
    )
    .orderBy(desc(agentConversations.updatedAt), desc(agentConversations.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) }));
}

/** The conversation a channel's session id names, if there is one (never creates it). */
export async function conversationBySession(
  tx: Db,
  businessId: string,
  channel: string,
  sessionId: string,
): Promise<string | null> {
  const [row] = await tx
    .select({ id: agentConversations.id })
    .from(agentConversations)
    .where(
      and(
        eq(agentConversations.businessId, businessId),
        eq(agentConversations.channel, channel),
        eq(agentConversations.sessionId, sessionId),
      ),
    );
  return row?.id ?? null;
}

/** One conversation's messages in order; a foreign or unknown id (or another person's) is "not found". */
export async function listMessages(
  tx: Db,
  businessId: string,
  conversationId: string,
  opts: { userId?: string | undefined } = {},
) {
  const conversation = await openConversation(tx, businessId, '', { id: conversationId, userId: opts.userId }, '');
  const rows = await tx
    .select({
      id: agentMessages.id,
      seq: agentMessages.seq,
      role: agentMessages.role,
      content: agentMessages.content,
      model: agentMessages.model,
      inputTokens: agentMessages.inputTokens,
      outputTokens: agentMessages.outputTokens,
      latencyMs: agentMessages.latencyMs,
      unmatchedFigures: agentMessages.unmatchedFigures,
      createdAt: agentMessages.createdAt,
    })
    .from(agentMessages)
    .where(and(eq(agentMessages.businessId, businessId), eq(agentMessages.conversationId, conversation.id)))
    .orderBy(asc(agentMessages.seq));
  return rows.map((r) => ({ ...r, createdAt: iso(r.createdAt) }));
}

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
