-- 0003-clusters.sql: Talos clusters (settings) and their secrets bundles,
-- sealed with AES-256-GCM under the key file (vault.key) made by
-- itl-maint init (API spec §6 clusters, §8).

CREATE TABLE clusters (
	id TEXT PRIMARY KEY,			-- [a-z0-9-]{1,63}
	name TEXT NOT NULL,
	endpoint TEXT,				-- https://host:6443
	talos_version TEXT NOT NULL,		-- v1.13.9
	kubernetes_version TEXT NOT NULL,	-- 1.34.1
	installer_image TEXT NOT NULL,
	install_disk TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- The secrets bundle as secrets.yaml, sealed: nonce, ciphertext || tag,
-- AAD "itl-cluster-secrets-v1|<cluster id>", key_id naming the key file.
CREATE TABLE cluster_secrets (
	cluster_id TEXT PRIMARY KEY,
	key_id TEXT NOT NULL,
	nonce BLOB NOT NULL,
	ciphertext BLOB NOT NULL,
	source TEXT NOT NULL CHECK (source IN ('import', 'bootstrap')),
	created_at INTEGER NOT NULL
);
