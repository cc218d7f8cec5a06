/*
 * db_cluster.c - SQL for clusters and cluster_secrets (see db_cluster.h).
 */
#include "config.h"

#include <string.h>

#include "db/db_cluster.h"

#define CLUSTER_COLUMNS \
	"c.id, c.name, coalesce(c.endpoint, ''), c.talos_version, " \
	"c.kubernetes_version, c.installer_image, c.install_disk, " \
	"c.created_at, c.updated_at, s.source"

static const char sql_get[] =
    "SELECT " CLUSTER_COLUMNS " FROM clusters c LEFT JOIN cluster_secrets s "
    "ON s.cluster_id = c.id WHERE c.id = ?1";
static const char sql_list[] =
    "SELECT " CLUSTER_COLUMNS " FROM clusters c LEFT JOIN cluster_secrets s "
    "ON s.cluster_id = c.id ORDER BY c.id LIMIT 1000";
static const char sql_put[] =
    "INSERT INTO clusters (id, name, endpoint, talos_version, "
    "kubernetes_version, installer_image, install_disk, created_at, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
    "endpoint = excluded.endpoint, talos_version = excluded.talos_version, "
    "kubernetes_version = excluded.kubernetes_version, "
    "installer_image = excluded.installer_image, "
    "install_disk = excluded.install_disk, updated_at = excluded.updated_at";
static const char sql_secrets_put[] =
    "INSERT INTO cluster_secrets (cluster_id, key_id, nonce, ciphertext, "
    "source, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (cluster_id) DO UPDATE SET key_id = excluded.key_id, "
    "nonce = excluded.nonce, ciphertext = excluded.ciphertext, "
    "source = excluded.source, created_at = excluded.created_at";
static const char sql_secrets_get[] =
    "SELECT key_id, nonce, ciphertext, source FROM cluster_secrets "
    "WHERE cluster_id = ?1";

static void
cluster_from_row(sqlite3_stmt *st, struct cluster *c)
{
	memset(c, 0, sizeof(*c));
	db_column_text(st, 0, c->id, sizeof(c->id));
	db_column_text(st, 1, c->name, sizeof(c->name));
	db_column_text(st, 2, c->endpoint, sizeof(c->endpoint));
	db_column_text(st, 3, c->talos_version, sizeof(c->talos_version));
	db_column_text(st, 4, c->kubernetes_version,
	    sizeof(c->kubernetes_version));
	db_column_text(st, 5, c->installer_image, sizeof(c->installer_image));
	db_column_text(st, 6, c->install_disk, sizeof(c->install_disk));
	c->created_at = sqlite3_column_int64(st, 7);
	c->updated_at = sqlite3_column_int64(st, 8);
	c->has_secrets = sqlite3_column_type(st, 9) != SQLITE_NULL;
	db_column_text(st, 9, c->secrets_source, sizeof(c->secrets_source));
}

int
db_cluster_get(struct db *db, const char *id, struct cluster *c, bool *found,
    struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_get, e);
	int rc;

	if (st == NULL)
		return -1;
	*found = false;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cluster_from_row(st, c);
		*found = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "cluster get", e);
	return 0;
}

int
db_cluster_put(struct db *db, const struct cluster *c, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_put, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	db_bind_text_or_null(st, 3, c->endpoint);
	sqlite3_bind_text(st, 4, c->talos_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->kubernetes_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->installer_image, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->install_disk, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, c->created_at);
	sqlite3_bind_int64(st, 9, c->updated_at);
	return db_step_done(db, st, "cluster put", e);
}

int
db_cluster_list(struct db *db, int (*fn)(const struct cluster *c, void *ctx),
    void *ctx, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_list, e);
	struct cluster c;
	int rc, ret = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cluster_from_row(st, &c);
		if (fn(&c, ctx) == -1) {
			ret = err_set(e, ERR_INTERNAL, "internal error");
			break;
		}
	}
	sqlite3_reset(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_fail(db, rc, "cluster list", e);
	return ret;
}

int
db_cluster_secrets_put(struct db *db, const char *id,
    const struct cluster_sealed *s, int64_t now, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_secrets_put, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, s->nonce, sizeof(s->nonce), SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, s->ct, (int)s->ct_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	return db_step_done(db, st, "cluster secrets put", e);
}

int
db_cluster_secrets_get(struct db *db, const char *id, struct cluster_sealed *s,
    bool *found, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, sql_secrets_get, e);
	int rc, n;

	if (st == NULL)
		return -1;
	*found = false;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db_column_text(st, 0, s->key_id, sizeof(s->key_id));
		n = sqlite3_column_bytes(st, 2);
		if (sqlite3_column_bytes(st, 1) != (int)sizeof(s->nonce) ||
		    n < 0 || (size_t)n > s->ct_cap) {
			sqlite3_reset(st);
			return db_fail(db, SQLITE_CORRUPT, "cluster secrets size",
			    e);
		}
		memcpy(s->nonce, sqlite3_column_blob(st, 1), sizeof(s->nonce));
		if (n > 0)
			memcpy(s->ct, sqlite3_column_blob(st, 2), (size_t)n);
		s->ct_len = (size_t)n;
		db_column_text(st, 3, s->source, sizeof(s->source));
		*found = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "cluster secrets get", e);
	return 0;
}
