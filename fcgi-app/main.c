/*
 * main.c - itl-attestd: loads the configuration, binds the FastCGI unix
 * socket, and supervises ITL_WORKERS single-threaded worker processes. A
 * worker that dies is replaced; SIGTERM or SIGINT lets every worker finish
 * the request it is serving, then stops. Workers open their own database
 * connection after the fork (a SQLite handle never crosses a fork).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <openssl/crypto.h>

#include "api/api.h"
#include "cfg/cfg.h"
#include "core/log.h"
#include "db/db.h"
#include "cfg/cfg_bundle.h"
#include "verify/ek_chain.h"
#include "verify/seal.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t worker_busy;

static void
supervisor_on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Idle in accept: leave now. Serving: finish the request, then leave. */
static void
worker_on_term(int sig)
{
	(void)sig;
	if (!worker_busy)
		_exit(0);
	stop_requested = 1;
}

static void
warn_unknown(const char *name)
{
	log_warn("unknown setting in the environment: %.*s",
	    (int)strcspn(name, "="), name);
}

static int
load_admin_token(const struct cfg *c, struct app *app)
{
	char tok[LIMIT_TOKEN_FILE_BYTES + 1];
	int rc = -1;

	app->has_admin_token = false;
	if (cfg_admin_token(c, tok, sizeof(tok)) == -1)
		goto out;
	/* keep only the digest: the token itself never stays in memory */
	if (digest_sha256(tok, strlen(tok), NULL, 0,
	    app->admin_token_sha256) == -1)
		goto out;
	app->has_admin_token = true;
	rc = 0;
out:
	OPENSSL_cleanse(tok, sizeof(tok));
	return rc;
}

/* The vault key (32 bytes) and the service CA certificate for pending configs. */
static void
load_keys(const struct cfg *c, struct app *app)
{
	uint8_t ca[APP_CA_PEM_MAX];
	size_t len = 0;

	app->has_vault_key = cfg_read_file(c->vault_key_file, app->vault_key,
	    sizeof(app->vault_key), &len) == 0 && len == sizeof(app->vault_key);
	if (app->has_vault_key)
		seal_key_id(app->vault_key, app->vault_key_id);
	else
		log_warn("no vault key at %s: cluster secrets unavailable",
		    c->vault_key_file);
	app->service_ca_pem = NULL;
	if (c->service_ca_file[0] == '\0')
		return;
	if (cfg_read_file(c->service_ca_file, ca, sizeof(ca) - 1, &len) == -1) {
		log_warn("cannot read ITL_SERVICE_CA_FILE %s",
		    c->service_ca_file);
		return;
	}
	ca[len] = '\0';
	app->service_ca_pem = strdup((const char *)ca);
}

struct anchor_load {
	struct ek_anchor_set *set;
	struct err e;
};

static int
anchor_add(const uint8_t *der, size_t len, void *ctx)
{
	struct anchor_load *l = ctx;

	return ek_anchors_add_der(l->set, der, len, &l->e);
}

/*
 * ITL_EK_TRUST=chain: the roots and intermediates of ITL_TPM_CA_BUNDLE,
 * kept for the process's life. NULL (logged) when the bundle is unusable:
 * fail closed, the service does not start.
 */
static struct ek_anchor_set *
load_anchors(const struct cfg *c)
{
	struct anchor_load l;
	char msg[256];

	l.set = calloc(1, sizeof(*l.set));
	if (l.set == NULL)
		abort();
	ek_anchors_init(l.set);
	err_clear(&l.e);
	if (cfg_bundle_load(c->tpm_ca_bundle, anchor_add, &l, msg,
	    sizeof(msg)) == -1) {
		log_err("ITL_TPM_CA_BUNDLE: %s%s%s", msg,
		    l.e.detail[0] != '\0' ? ": " : "", l.e.detail);
		goto fail;
	}
	if (ek_anchors_n_roots(l.set) == 0) {
		log_err("ITL_TPM_CA_BUNDLE: %s holds no self-signed root",
		    c->tpm_ca_bundle);
		goto fail;
	}
	return l.set;
fail:
	ek_anchors_release(l.set);
	free(l.set);
	return NULL;
}

static struct db_options
db_options_of(const struct cfg *c)
{
	struct db_options o = {
		.busy_timeout_ms = c->db_busy_timeout_ms,
		.synchronous_full = c->db_synchronous == CFG_SYNC_FULL,
		.create = false,
	};
	return o;
}

static struct metrics *shared_metrics;	/* made before the first fork */

static void
worker_main(int listen_fd, const struct cfg *c)
{
	struct sigaction sa;
	struct app app;
	struct db_options o = db_options_of(c);
	struct err e;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);	/* Ctrl-C reaches the supervisor */
	sigaction(SIGPIPE, &sa, NULL);
	/* die with the supervisor rather than serve unsupervised */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	memset(&app, 0, sizeof(app));
	app.cfg = c;
	app.metrics = shared_metrics;
	err_clear(&e);
	app.db = db_open(c->db_path, &o, &e);
	if (app.db == NULL) {
		log_err("worker cannot open the database: %s", e.detail);
		_exit(3);
	}
	if (load_admin_token(c, &app) == -1)
		log_warn("no admin token (%s): break-glass access disabled",
		    c->admin_token_file);
	load_keys(c, &app);
	if (c->ek_trust_chain) {
		app.anchors = load_anchors(c);
		if (app.anchors == NULL)
			_exit(3);
	}
	rc = http_serve(listen_fd, api_routes, api_n_routes, &api_hooks, &app,
	    &stop_requested, &worker_busy);
	db_close(app.db);
	OPENSSL_cleanse(app.vault_key, sizeof(app.vault_key));
	if (app.anchors != NULL) {
		ek_anchors_release(app.anchors);
		free(app.anchors);
	}
	free(app.service_ca_pem);
	exit(rc == 0 ? 0 : 1);
}

static pid_t
worker_spawn(int listen_fd, const struct cfg *c)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(listen_fd, c);
	if (pid == -1)
		log_err("fork failed: %s", strerror(errno));
	return pid;
}

static int
bind_socket(const struct cfg *c)
{
	int fd;

	unlink(c->socket_path);
	fd = FCGX_OpenSocket(c->socket_path, 128);
	if (fd < 0) {
		log_err("cannot bind %s", c->socket_path);
		return -1;
	}
	/*
	 * Only nginx may connect: a client of the socket chooses every FastCGI
	 * param, SSL_CLIENT_VERIFY included. nginx's workers reach it through
	 * ITL_SOCKET_GROUP (its group, e.g. www-data) and ITL_SOCKET_MODE.
	 */
	if (c->socket_group[0] != '\0') {
		struct group *g = getgrnam(c->socket_group);

		if (g == NULL || chown(c->socket_path, (uid_t)-1, g->gr_gid) == -1) {
			log_err("ITL_SOCKET_GROUP %s: cannot give %s to it",
			    c->socket_group, c->socket_path);
			close(fd);
			return -1;
		}
	}
	if (chmod(c->socket_path, (mode_t)c->socket_mode) == -1) {
		log_err("chmod %s: %s", c->socket_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
preflight(const struct cfg *c)
{
	struct db_options o = db_options_of(c);
	struct err e;
	struct db *db;
	int rc;

	err_clear(&e);
	db = db_open(c->db_path, &o, &e);
	if (db == NULL) {
		log_err("database %s: %s (run itl-maint init)", c->db_path,
		    e.detail);
		return -1;
	}
	rc = db_schema_check(db, &e);
	if (rc == -1)
		log_err("%s", e.detail);
	db_close(db);
	if (rc == 0 && c->ek_trust_chain) {
		struct ek_anchor_set *a = load_anchors(c);

		if (a == NULL)
			return -1;
		log_info("ITL_EK_TRUST=chain: %zu roots in %s",
		    ek_anchors_n_roots(a), c->tpm_ca_bundle);
		ek_anchors_release(a);
		free(a);
	}
	return rc;
}

static void
stop_workers(pid_t *pids, unsigned n)
{
	unsigned i, alive;
	int waited;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	/* give in-flight requests up to 10 s, then insist */
	for (waited = 0; waited < 100; waited++) {
		alive = 0;
		for (i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], NULL, WNOHANG) == pids[i])
				pids[i] = 0;
			else
				alive++;
		}
		if (alive == 0)
			return;
		usleep(100 * 1000);
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
}

static void
supervise(int listen_fd, const struct cfg *c, pid_t *pids)
{
	unsigned i;
	time_t last_death = 0;

	while (!stop_requested) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid == -1) {
			if (errno != EINTR)
				usleep(100 * 1000);
			continue;
		}
		for (i = 0; i < c->workers; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			if (WIFSIGNALED(status))
				log_warn("worker %d killed by signal %d",
				    (int)pid, WTERMSIG(status));
			else
				log_warn("worker %d exited with %d", (int)pid,
				    WEXITSTATUS(status));
			if (stop_requested)
				break;
			/* a worker that keeps dying at once: do not spin */
			if (time(NULL) == last_death)
				sleep(1);
			last_death = time(NULL);
			pids[i] = worker_spawn(listen_fd, c);
		}
	}
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct cfg c;
	char msg[256];
	pid_t pids[LIMIT_WORKERS] = { 0 };
	unsigned i;
	int fd;

	log_init("itl-attestd", LOG_INFO);
	/* tss2-mu logs every malformed structure to stderr: hostile input
	 * would flood the log; our own request line says what failed */
	setenv("TSS2_LOG", "all+NONE", 0);
	if (cfg_load(&c, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "itl-attestd: invalid configuration: %s\n", msg);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "--check-config") == 0) {
		printf("configuration OK\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: itl-attestd [--check-config]\n");
		return 2;
	}
	if (c.log_debug)
		log_init("itl-attestd", LOG_DEBUG);
	cfg_warn_unknown(warn_unknown);
	if (preflight(&c) == -1)
		return 1;
	fd = bind_socket(&c);
	if (fd < 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = supervisor_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	shared_metrics = metrics_create(api_n_routes);
	if (shared_metrics == NULL)
		log_warn("no shared memory for metrics: counters disabled");
	for (i = 0; i < c.workers; i++)
		pids[i] = worker_spawn(fd, &c);
	log_info("serving on %s with %u workers", c.socket_path, c.workers);
	supervise(fd, &c, pids);
	log_info("stopping");
	stop_workers(pids, c.workers);
	close(fd);
	unlink(c.socket_path);
	return 0;
}
