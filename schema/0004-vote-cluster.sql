-- 0004-vote-cluster.sql: a dual-control vote agrees on the cluster too,
-- so the operator who completes the quorum cannot pick it alone.
ALTER TABLE approval_votes ADD COLUMN cluster_id TEXT NOT NULL DEFAULT '';
