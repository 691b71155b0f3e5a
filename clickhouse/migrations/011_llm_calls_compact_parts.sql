-- Keep freshly inserted llm_calls parts in the Compact format (one data file per part) until merges
-- make them larger than 256 MiB uncompressed. An insert of 50,000 calls is ~24 MB uncompressed: with
-- the default 10 MiB threshold it was written as a Wide part, one file per column stream (~150 for
-- this table's 53 columns, Map and LowCardinality columns counting several), which measured
-- 5.3-7.5 CPU-us per row on the embedded engine against 3.5-3.7 for the same rows as a Compact part.
-- Merged parts past the threshold are Wide, so long-range reads still read only their columns.
ALTER TABLE pnl.llm_calls MODIFY SETTING min_bytes_for_wide_part = 268435456;
