/*
 * maint.c - itl-maint: the cron-driven helper and set-up tool. A table of
 * idempotent subcommands:
 *   init          data directory, database (migrated), admin token and
 *                 vault key files (0600)
 *   migrate       apply the embedded schema migrations
 *   tick          purge expired nonces, dual-control votes and dead tokens;
 *                 checkpoint the WAL (run every minute from cron)
 *   backup DEST   online copy of the database (SQLite backup API)
 *   check-config  validate the ITL_* settings
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/timefmt.h"
#include "db/db.h"
#include "db/db_ak.h"
#include "db/db_nonce.h"
#include "db/db_token.h"
#include "db/db_vote.h"

/* Superseded or expired tokens stay this long, so a late fetch is answered. */
#define MAINT_TOKEN_RETENTION (30 * 86400)

static int
mkdir_mode(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		fprintf(stderr, "itl-maint: mkdir %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return chmod(path, mode);
}

static int
subdir(const struct cfg *c, const char *name, mode_t mode)
{
	char p[CFG_PATH_BYTES + 16];

	snprintf(p, sizeof(p), "%s/%s", c->data_dir, name);
	return mkdir_mode(p, mode);
}

static struct db *
open_db(const struct cfg *c, bool create)
{
	struct db_options o = {
		.busy_timeout_ms = c->db_busy_timeout_ms,
		.synchronous_full = c->db_synchronous == CFG_SYNC_FULL,
		.create = create,
	};
	struct err e;
	struct db *db;

	err_clear(&e);
	db = db_open(c->db_path, &o, &e);
	if (db == NULL)
		fprintf(stderr, "itl-maint: database %s: %s\n", c->db_path,
		    e.detail);
	return db;
}

static int
migrate(struct db *db)
{
	struct err e;
	unsigned applied;

	err_clear(&e);
	if (db_migrate(db, &applied, &e) == -1) {
		fprintf(stderr, "itl-maint: migrate: %s\n", e.detail);
		return -1;
	}
	printf("migrations applied: %u\n", applied);
	return 0;
}

/* A new random admin token in a 0600 file; an existing file is kept. */
static int
make_admin_token(const struct cfg *c)
{
	uint8_t raw[32];
	char tok[B64URL_ENCODED_LEN(32) + 2];
	size_t len;
	int fd;

	fd = open(c->admin_token_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd == -1 && errno == EEXIST) {
		printf("admin token: %s (kept)\n", c->admin_token_file);
		return chmod(c->admin_token_file, 0600);
	}
	if (fd == -1) {
		fprintf(stderr, "itl-maint: %s: %s\n", c->admin_token_file,
		    strerror(errno));
		return -1;
	}
	rand_bytes(raw, sizeof(raw));
	b64url_encode(raw, sizeof(raw), tok, sizeof(tok));
	len = strlen(tok);
	tok[len++] = '\n';
	if (write(fd, tok, len) != (ssize_t)len || fsync(fd) == -1) {
		fprintf(stderr, "itl-maint: writing %s: %s\n",
		    c->admin_token_file, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	printf("admin token: %s (new)\n", c->admin_token_file);
	return 0;
}

/* The vault key: 32 random bytes, 0600; an existing file is kept. */
static int
make_vault_key(const struct cfg *c)
{
	uint8_t key[32];
	int fd;

	fd = open(c->vault_key_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd == -1 && errno == EEXIST) {
		printf("vault key: %s (kept)\n", c->vault_key_file);
		return chmod(c->vault_key_file, 0600);
	}
	if (fd == -1) {
		fprintf(stderr, "itl-maint: %s: %s\n", c->vault_key_file,
		    strerror(errno));
		return -1;
	}
	rand_bytes(key, sizeof(key));
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) == -1) {
		fprintf(stderr, "itl-maint: writing %s: %s\n",
		    c->vault_key_file, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	explicit_bzero(key, sizeof(key));
	printf("vault key: %s (new)\n", c->vault_key_file);
	return 0;
}

static int
cmd_init(const struct cfg *c, int argc, char **argv)
{
	struct db *db;
	int rc;

	(void)argc;
	(void)argv;
	umask(077);
	if (mkdir_mode(c->data_dir, 0755) == -1 || subdir(c, "db", 0700) == -1 ||
	    subdir(c, "run", 0755) == -1)
		return 1;
	db = open_db(c, true);
	if (db == NULL)
		return 1;
	rc = migrate(db);
	db_close(db);
	if (rc == -1 || make_admin_token(c) == -1 || make_vault_key(c) == -1)
		return 1;
	printf("data directory: %s\ndatabase: %s\n", c->data_dir, c->db_path);
	return 0;
}

static int
cmd_migrate(const struct cfg *c, int argc, char **argv)
{
	struct db *db = open_db(c, false);
	int rc;

	(void)argc;
	(void)argv;
	if (db == NULL)
		return 1;
	rc = migrate(db);
	db_close(db);
	return rc == 0 ? 0 : 1;
}

static int
cmd_tick(const struct cfg *c, int argc, char **argv)
{
	struct db *db = open_db(c, false);
	int64_t now = timefmt_now(), nonces = 0, votes = 0, tokens = 0, acts = 0;
	struct err e;
	int rc = 1;

	(void)argc;
	(void)argv;
	if (db == NULL)
		return 1;
	err_clear(&e);
	if (db_schema_check(db, &e) == -1 || db_begin(db, &e) == -1)
		goto out;
	if (db_nonce_purge(db, now, &nonces, &e) == -1 ||
	    db_vote_purge(db, now, &votes, &e) == -1 ||
	    db_token_purge(db, now - MAINT_TOKEN_RETENTION, &tokens, &e) == -1 ||
	    db_activation_purge(db, now, &acts, &e) == -1 ||
	    db_commit(db, &e) == -1) {
		db_rollback(db);
		goto out;
	}
	if (db_checkpoint(db, &e) == -1)
		goto out;
	printf("tick: purged %lld nonces, %lld votes, %lld tokens, "
	    "%lld activations\n", (long long)nonces, (long long)votes,
	    (long long)tokens, (long long)acts);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "itl-maint: tick: %s\n", e.detail);
	db_close(db);
	return rc;
}

static int
cmd_backup(const struct cfg *c, int argc, char **argv)
{
	struct db *db;
	struct err e;
	int rc;

	if (argc != 1) {
		fprintf(stderr, "usage: itl-maint backup DEST\n");
		return 2;
	}
	if (access(argv[0], F_OK) == 0) {
		fprintf(stderr, "itl-maint: %s exists; refusing to overwrite\n",
		    argv[0]);
		return 1;
	}
	db = open_db(c, false);
	if (db == NULL)
		return 1;
	err_clear(&e);
	umask(077);
	rc = db_backup(db, argv[0], &e);
	db_close(db);
	if (rc == -1) {
		fprintf(stderr, "itl-maint: backup: %s\n", e.detail);
		return 1;
	}
	printf("backup written: %s\n", argv[0]);
	return 0;
}

static int
cmd_check_config(const struct cfg *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	printf("configuration OK\n");
	return 0;
}

static const struct {
	const char *name;
	int (*run)(const struct cfg *c, int argc, char **argv);
} commands[] = {
	{ "init", cmd_init },
	{ "migrate", cmd_migrate },
	{ "tick", cmd_tick },
	{ "backup", cmd_backup },
	{ "check-config", cmd_check_config },
};

int
main(int argc, char **argv)
{
	struct cfg c;
	char msg[256];
	size_t i;

	log_init("itl-maint", LOG_INFO);
	if (argc < 2) {
		fprintf(stderr, "usage: itl-maint init|migrate|tick|backup DEST|"
		    "check-config\n");
		return 2;
	}
	if (cfg_load(&c, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "itl-maint: invalid configuration: %s\n", msg);
		return 1;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(&c, argc - 2, argv + 2);
	fprintf(stderr, "itl-maint: unknown command %s\n", argv[1]);
	return 2;
}
