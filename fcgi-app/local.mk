# fcgi-app/local.mk - the service: layered static libraries and the two
# programs. A per-target _CFLAGS replaces AM_CFLAGS, so it is repeated.
# Link lines follow the layer arrows (STYLE §2); core comes last.

noinst_LIBRARIES += \
	%reldir%/lib/libitlcore.a \
	%reldir%/lib/libitlcfg.a \
	%reldir%/lib/libitlverify.a \
	%reldir%/lib/libitldb.a \
	%reldir%/lib/libitlhttp.a \
	%reldir%/lib/libitltalos.a \
	%reldir%/lib/libitlfactory.a \
	%reldir%/libitlapi.a

%canon_reldir%_lib_libitlcore_a_SOURCES = \
	%reldir%/lib/core/arena.c %reldir%/lib/core/arena.h \
	%reldir%/lib/core/b64.c %reldir%/lib/core/b64.h \
	%reldir%/lib/core/buf.c %reldir%/lib/core/buf.h \
	%reldir%/lib/core/err.c %reldir%/lib/core/err.h \
	%reldir%/lib/core/limits.h \
	%reldir%/lib/core/log.c %reldir%/lib/core/log.h \
	%reldir%/lib/core/rand.c %reldir%/lib/core/rand.h \
	%reldir%/lib/core/str.c %reldir%/lib/core/str.h \
	%reldir%/lib/core/timefmt.c %reldir%/lib/core/timefmt.h

%canon_reldir%_lib_libitlcfg_a_SOURCES = \
	%reldir%/lib/cfg/cfg.c %reldir%/lib/cfg/cfg.h \
	%reldir%/lib/cfg/cfg_file.c %reldir%/lib/cfg/cfg_file.h \
	%reldir%/lib/cfg/cfg_bundle.c %reldir%/lib/cfg/cfg_bundle.h
%canon_reldir%_lib_libitlcfg_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)

%canon_reldir%_lib_libitlverify_a_SOURCES = \
	%reldir%/lib/verify/digest.c %reldir%/lib/verify/digest.h \
	%reldir%/lib/verify/ek.c %reldir%/lib/verify/ek.h \
	%reldir%/lib/verify/ek_chain.c %reldir%/lib/verify/ek_chain.h \
	%reldir%/lib/verify/makecred.c %reldir%/lib/verify/makecred.h \
	%reldir%/lib/verify/quote.c %reldir%/lib/verify/quote.h \
	%reldir%/lib/verify/seal.c %reldir%/lib/verify/seal.h \
	%reldir%/lib/verify/tpm.c %reldir%/lib/verify/tpm.h
%canon_reldir%_lib_libitlverify_a_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(TSS2_MU_CFLAGS) -Wconversion -Wsign-conversion

%canon_reldir%_lib_libitldb_a_SOURCES = \
	%reldir%/lib/db/db.c %reldir%/lib/db/db.h \
	%reldir%/lib/db/db_ak.c %reldir%/lib/db/db_ak.h \
	%reldir%/lib/db/db_audit.c %reldir%/lib/db/db_audit.h \
	%reldir%/lib/db/db_cluster.c %reldir%/lib/db/db_cluster.h \
	%reldir%/lib/db/db_machine.c %reldir%/lib/db/db_machine.h \
	%reldir%/lib/db/db_nonce.c %reldir%/lib/db/db_nonce.h \
	%reldir%/lib/db/db_token.c %reldir%/lib/db/db_token.h \
	%reldir%/lib/db/db_vote.c %reldir%/lib/db/db_vote.h \
	%reldir%/lib/db/schema_sql.h
nodist_%canon_reldir%_lib_libitldb_a_SOURCES = %reldir%/lib/db/schema_sql.c
%canon_reldir%_lib_libitldb_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)

# The migrations of schema/ are compiled in, so binaries and schema agree.
SCHEMA_FILES = $(top_srcdir)/schema/0001-initial.sql \
	$(top_srcdir)/schema/0002-tpm-proof.sql \
	$(top_srcdir)/schema/0003-clusters.sql \
	$(top_srcdir)/schema/0004-vote-cluster.sql
EXTRA_DIST += $(SCHEMA_FILES) %reldir%/lib/db/gen-schema.sh
BUILT_SOURCES = %reldir%/lib/db/schema_sql.c
CLEANFILES += %reldir%/lib/db/schema_sql.c
%reldir%/lib/db/schema_sql.c: $(SCHEMA_FILES) $(top_srcdir)/%reldir%/lib/db/gen-schema.sh
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sh $(top_srcdir)/%reldir%/lib/db/gen-schema.sh $(SCHEMA_FILES) >$@.tmp && \
	mv $@.tmp $@

%canon_reldir%_lib_libitltalos_a_SOURCES = \
	%reldir%/lib/talos/render.c %reldir%/lib/talos/render.h \
	%reldir%/lib/talos/secrets.c %reldir%/lib/talos/secrets.h \
	%reldir%/lib/talos/talosconfig.c %reldir%/lib/talos/talosconfig.h
%canon_reldir%_lib_libitltalos_a_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(YAML_CFLAGS)

%canon_reldir%_lib_libitlfactory_a_SOURCES = \
	%reldir%/lib/factory/factory.c %reldir%/lib/factory/factory.h
%canon_reldir%_lib_libitlfactory_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) \
	$(JANSSON_CFLAGS) $(CRYPTO_CFLAGS) $(YAML_CFLAGS)

%canon_reldir%_lib_libitlhttp_a_SOURCES = \
	%reldir%/lib/http/http.c %reldir%/lib/http/http.h \
	%reldir%/lib/http/resp.c %reldir%/lib/http/router.c
%canon_reldir%_lib_libitlhttp_a_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS) \
	$(JANSSON_CFLAGS) $(CRYPTO_CFLAGS)

%canon_reldir%_libitlapi_a_SOURCES = \
	%reldir%/api/api.h %reldir%/api/audit.h %reldir%/api/proof.h \
	%reldir%/api/cluster.h \
	%reldir%/api/api_ak.c %reldir%/api/api_attest.c %reldir%/api/api_audit.c \
	%reldir%/api/api_clusters.c %reldir%/api/api_config.c \
	%reldir%/api/api_health.c %reldir%/api/api_machines.c \
	%reldir%/api/api_register.c %reldir%/api/audit.c %reldir%/api/auth.c \
	%reldir%/api/ek_input.c %reldir%/api/machine_json.c %reldir%/api/proof.c \
	%reldir%/api/metrics.c %reldir%/api/metrics.h \
	%reldir%/api/routes.c %reldir%/api/token.c
%canon_reldir%_libitlapi_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(SQLITE_CFLAGS) $(CRYPTO_CFLAGS) $(TSS2_MU_CFLAGS) $(YAML_CFLAGS)

bin_PROGRAMS += %reldir%/itl-attestd %reldir%/itl-maint

%canon_reldir%_itl_attestd_SOURCES = %reldir%/main.c
%canon_reldir%_itl_attestd_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS) \
	$(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(CRYPTO_CFLAGS)
%canon_reldir%_itl_attestd_LDADD = %reldir%/libitlapi.a \
	%reldir%/lib/libitlhttp.a %reldir%/lib/libitltalos.a \
	%reldir%/lib/libitlfactory.a %reldir%/lib/libitldb.a \
	%reldir%/lib/libitlverify.a %reldir%/lib/libitlcfg.a \
	%reldir%/lib/libitlcore.a $(FCGI_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) \
	$(TSS2_MU_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS) $(YAML_LIBS)

%canon_reldir%_itl_maint_SOURCES = %reldir%/maint.c
%canon_reldir%_itl_maint_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
%canon_reldir%_itl_maint_LDADD = %reldir%/lib/libitldb.a \
	%reldir%/lib/libitlcfg.a %reldir%/lib/libitlcore.a $(SQLITE_LIBS) \
	$(YAML_LIBS)
