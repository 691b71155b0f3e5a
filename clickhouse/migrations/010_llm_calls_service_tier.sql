-- The service tier that served each call (issue 6): batch, flex and priority calls are billed at other
-- prices than the default tier, so price overrides can select a tier and a re-rating of history must
-- know each stored call's tier. '' = the span did not say (billed as the default tier). Low cardinality:
-- the exporter stores only canonical tier names (default, batch, priority, flex, scale, ...).
-- No DEFAULT expression: the type's default '' fills rows written before this migration, and the
-- exporter writes the column with every row like any other.
ALTER TABLE pnl.llm_calls ADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) COMMENT 'canonical service tier; empty = not reported (billed as default)';
