ALTER TABLE "contacts" ALTER COLUMN "late_payment_share" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ALTER COLUMN "gross_margin" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ALTER COLUMN "revenue_volatility" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ALTER COLUMN "refund_ratio" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ALTER COLUMN "chargeback_ratio" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ALTER COLUMN "subscriber_churn" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ALTER COLUMN "runway_months" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ALTER COLUMN "dso" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ALTER COLUMN "dpo" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "recommendations" ALTER COLUMN "impact_days" SET DATA TYPE numeric;