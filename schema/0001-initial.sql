-- 0001-initial.sql: machines, their EK material, nonces, tokens, dual-control
-- votes and the hash-chained audit log. Standard SQL where possible (a
-- PostgreSQL backend is planned); times are Unix seconds (INTEGER) except
-- inside audit entries, whose canonical form carries RFC 3339 text.

CREATE TABLE machines (
	seq INTEGER PRIMARY KEY,		-- list order and cursor
	id TEXT NOT NULL UNIQUE,		-- UUIDv4
	ek_fingerprint TEXT NOT NULL UNIQUE,	-- hex SHA-256 of the SPKI (API §1)
	ek_source TEXT NOT NULL CHECK (ek_source IN ('cert', 'pub')),
	ek_cert_sha256 TEXT,
	ek_subject TEXT,
	ek_issuer TEXT,
	ek_trust TEXT NOT NULL DEFAULT 'none',
	ek_spki BLOB NOT NULL,			-- DER SubjectPublicKeyInfo
	ek_cert BLOB,				-- DER certificate, when known
	hw_uuid TEXT,
	hw_mac TEXT,
	hw_serial TEXT,
	hw_product TEXT,
	role TEXT NOT NULL CHECK (role IN ('controlplane', 'worker-infra', 'worker-app')),
	status TEXT NOT NULL CHECK (status IN ('registered', 'pending_approval',
	    'approved', 'attested', 'locked', 'revoked', 'rejected')),
	prev_status TEXT,			-- state to return to on unlock
	hostname TEXT,
	assigned_ip TEXT,
	gateway TEXT,
	install_disk TEXT,
	cluster_id TEXT,
	registration_path TEXT NOT NULL CHECK (registration_path IN ('usb', 'self', 'attest', 'import')),
	registered_at INTEGER NOT NULL,
	approved_at INTEGER,
	approved_by TEXT,
	attested_at INTEGER,
	last_seen_at INTEGER,
	locked_at INTEGER,
	revoked_at INTEGER,
	wipe_pending INTEGER NOT NULL DEFAULT 0,
	wipe_issued_at INTEGER,
	config_generation INTEGER NOT NULL DEFAULT 0,
	config_delivered_generation INTEGER NOT NULL DEFAULT -1,
	config_delivered_at INTEGER
);
CREATE INDEX machines_status ON machines (status, seq);
CREATE INDEX machines_hostname ON machines (hostname);
CREATE INDEX machines_serial ON machines (hw_serial);
CREATE INDEX machines_mac ON machines (hw_mac);

-- Server nonces of GET /attest/challenge: single use, shared by all workers.
CREATE TABLE nonces (
	id TEXT PRIMARY KEY,			-- 32 hex
	value BLOB NOT NULL,			-- 32 random bytes
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at INTEGER
);
CREATE INDEX nonces_expiry ON nonces (expires_at);

-- Boot and config tokens (API §5): only the SHA-256 of the token is kept.
CREATE TABLE config_tokens (
	token_sha256 TEXT PRIMARY KEY,
	machine_id TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('boot', 'config')),
	generation INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	first_used_at INTEGER,
	superseded_at INTEGER
);
CREATE INDEX config_tokens_machine ON config_tokens (machine_id);
-- the live token of a machine and kind: superseding stays O(1) however many
-- old tokens a machine has accumulated
CREATE INDEX config_tokens_live ON config_tokens (machine_id, kind)
	WHERE superseded_at IS NULL;

-- Dual-control approval votes (API §6).
CREATE TABLE approval_votes (
	id INTEGER PRIMARY KEY,
	machine_id TEXT NOT NULL,
	actor TEXT NOT NULL,
	role TEXT NOT NULL,
	hostname TEXT NOT NULL DEFAULT '',
	assigned_ip TEXT NOT NULL DEFAULT '',
	gateway TEXT NOT NULL DEFAULT '',
	install_disk TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	consumed_at INTEGER
);
CREATE INDEX approval_votes_machine ON approval_votes (machine_id, id);

-- Append-only, hash-chained audit log: hash = SHA-256(prev_hash || "\n" ||
-- canonical JSON of the entry). Appends are serialised by the write lock.
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	ts TEXT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	machine_id TEXT,
	detail TEXT NOT NULL,			-- canonical JSON object
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_machine ON audit_log (machine_id, id);
CREATE INDEX audit_action ON audit_log (action, id);

-- Counters shared by every worker (metrics).
CREATE TABLE counters (
	name TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
