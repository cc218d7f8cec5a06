-- 0002-tpm-proof.sql: attestation keys activated by credential activation,
-- pending activations, per-machine PCR policies and a bounded history of
-- verified quotes (API spec §3 ak-activate, §4.2, §4.3).

-- The machine's active AK (one per machine; a new activation replaces it).
CREATE TABLE aks (
	machine_id TEXT PRIMARY KEY,
	ak_public BLOB NOT NULL,		-- marshalled TPMT_PUBLIC
	ak_name TEXT NOT NULL,			-- hex: nameAlg || H(TPMT_PUBLIC)
	alg TEXT NOT NULL,			-- "rsa2048", "ecc-nist-p256", ...
	activated_at INTEGER NOT NULL
);

-- Pending credential activations: single use, short-lived. Only the
-- SHA-256 of the secret is kept.
CREATE TABLE ak_activations (
	id TEXT PRIMARY KEY,			-- 32 hex
	machine_id TEXT NOT NULL,
	ak_public BLOB NOT NULL,
	ak_name TEXT NOT NULL,
	alg TEXT NOT NULL,
	secret_sha256 TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at INTEGER
);
CREATE INDEX ak_activations_expiry ON ak_activations (expires_at);

-- PCR policy: every entry must be present and equal in a quote.
CREATE TABLE pcr_policies (
	machine_id TEXT NOT NULL,
	pcr TEXT NOT NULL,			-- "sha256:7"
	value TEXT NOT NULL,			-- lowercase hex
	source TEXT NOT NULL CHECK (source IN ('operator', 'tofu', 'role')),
	PRIMARY KEY (machine_id, pcr)
);

-- Verified quotes, newest kept (bounded per machine by the writer).
CREATE TABLE attestations (
	id INTEGER PRIMARY KEY,
	machine_id TEXT NOT NULL,
	at INTEGER NOT NULL,
	reset_count INTEGER NOT NULL,
	restart_count INTEGER NOT NULL,
	clock INTEGER NOT NULL
);
CREATE INDEX attestations_machine ON attestations (machine_id, id);
