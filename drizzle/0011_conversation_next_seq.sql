ALTER TABLE "agent_conversations" ADD COLUMN "next_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Conversations already stored continue after their last message (every business: the migration's role may
-- be bound by the policies).
SELECT set_config('app.rls_bypass', 'on', true);--> statement-breakpoint
UPDATE "agent_conversations" c SET "next_seq" = m.next_seq
FROM (SELECT business_id, conversation_id, max(seq) + 1 AS next_seq FROM "agent_messages" GROUP BY 1, 2) m
WHERE m.business_id = c.business_id AND m.conversation_id = c.id;--> statement-breakpoint
SELECT set_config('app.rls_bypass', 'off', true);
