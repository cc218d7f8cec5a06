# tests/local.mk - unit tests (cmocka), fuzz seed replays, integration
# tests (shell, real nginx + workers + swtpm). All run under automake's
# parallel harness: exit 0 pass, 77 skip, 99 hard error.

AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir; \
	ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1; \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1; \
	TSS2_LOG=all+NONE; \
	export ASAN_OPTIONS UBSAN_OPTIONS TSS2_LOG;

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
# The whole service, for tests of the api layer.
SERVICE_LIBS = fcgi-app/libitlapi.a fcgi-app/lib/libitlhttp.a \
	fcgi-app/lib/libitltalos.a fcgi-app/lib/libitlfactory.a \
	fcgi-app/lib/libitldb.a fcgi-app/lib/libitlverify.a \
	fcgi-app/lib/libitlcfg.a fcgi-app/lib/libitlcore.a $(FCGI_LIBS) \
	$(JANSSON_LIBS) $(SQLITE_LIBS) $(TSS2_MU_LIBS) $(CURL_LIBS) \
	$(CRYPTO_LIBS) $(YAML_LIBS)

# ---- unit tests: one binary per module, linked with that layer only ----
UNIT_TESTS = tests/unit/test_core tests/unit/test_ek tests/unit/test_db \
	tests/unit/test_http tests/unit/test_audit tests/unit/test_tpm \
	tests/unit/test_quote tests/unit/test_makecred tests/unit/test_cfg \
	tests/unit/test_talos_render tests/unit/test_ek_chain \
	tests/unit/test_talos_secrets
TALOS_LIBS = fcgi-app/lib/libitltalos.a fcgi-app/lib/libitlcore.a \
	$(YAML_LIBS) $(CRYPTO_LIBS)
VERIFY_LIBS = fcgi-app/lib/libitlverify.a fcgi-app/lib/libitlcore.a \
	$(TSS2_MU_LIBS) $(CRYPTO_LIBS)
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_core_SOURCES = tests/unit/test_core.c
tests_unit_test_core_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_core_LDADD = fcgi-app/lib/libitlcore.a $(CMOCKA_LIBS)

tests_unit_test_ek_SOURCES = tests/unit/test_ek.c tests/unit/testdata.c \
	tests/unit/testdata.h
tests_unit_test_ek_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_ek_LDADD = fcgi-app/lib/libitlverify.a \
	fcgi-app/lib/libitlcore.a $(CMOCKA_LIBS) $(TSS2_MU_LIBS) $(CRYPTO_LIBS)

tests_unit_test_talos_render_SOURCES = tests/unit/test_talos_render.c
tests_unit_test_talos_render_CFLAGS = $(UNIT_CFLAGS) $(YAML_CFLAGS)
tests_unit_test_talos_render_LDADD = $(TALOS_LIBS) $(CMOCKA_LIBS)

# renders one config to stdout, for the schema test t0200
check_PROGRAMS += tests/unit/talos_render_tool
tests_unit_talos_render_tool_SOURCES = tests/unit/talos_render_tool.c
tests_unit_talos_render_tool_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
tests_unit_talos_render_tool_LDADD = $(TALOS_LIBS)

tests_unit_test_talos_secrets_SOURCES = tests/unit/test_talos_secrets.c
tests_unit_test_talos_secrets_CFLAGS = $(UNIT_CFLAGS) $(YAML_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_talos_secrets_LDADD = $(TALOS_LIBS) $(CMOCKA_LIBS)

tests_unit_test_ek_chain_SOURCES = tests/unit/test_ek_chain.c
tests_unit_test_ek_chain_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_ek_chain_LDADD = fcgi-app/lib/libitlverify.a \
	fcgi-app/lib/libitlcfg.a fcgi-app/lib/libitlcore.a $(CMOCKA_LIBS) \
	$(TSS2_MU_LIBS) $(CRYPTO_LIBS) $(YAML_LIBS)

tests_unit_test_cfg_SOURCES = tests/unit/test_cfg.c
tests_unit_test_cfg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cfg_LDADD = fcgi-app/lib/libitlcfg.a fcgi-app/lib/libitlcore.a \
	$(CMOCKA_LIBS) $(YAML_LIBS)

tests_unit_test_tpm_SOURCES = tests/unit/test_tpm.c tests/unit/testdata.c \
	tests/unit/testdata.h
tests_unit_test_tpm_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS) $(TSS2_MU_CFLAGS)
tests_unit_test_tpm_LDADD = $(VERIFY_LIBS) $(CMOCKA_LIBS)

tests_unit_test_quote_SOURCES = tests/unit/test_quote.c tests/unit/testdata.c \
	tests/unit/testdata.h
tests_unit_test_quote_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS) $(TSS2_MU_CFLAGS)
tests_unit_test_quote_LDADD = $(VERIFY_LIBS) $(CMOCKA_LIBS)

# drives a real swtpm through tests/integration/swtpm-fixture.sh
tests_unit_test_makecred_SOURCES = tests/unit/test_makecred.c tests/unit/testdata.c \
	tests/unit/testdata.h
tests_unit_test_makecred_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS) $(TSS2_MU_CFLAGS)
tests_unit_test_makecred_LDADD = $(VERIFY_LIBS) $(CMOCKA_LIBS)

tests_unit_test_db_SOURCES = tests/unit/test_db.c
tests_unit_test_db_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_db_LDADD = fcgi-app/lib/libitldb.a fcgi-app/lib/libitlcore.a \
	$(CMOCKA_LIBS) $(SQLITE_LIBS)

tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_http_LDADD = fcgi-app/lib/libitlhttp.a \
	fcgi-app/lib/libitlcore.a $(CMOCKA_LIBS) $(FCGI_LIBS) $(JANSSON_LIBS) \
	$(CRYPTO_LIBS)

tests_unit_test_audit_SOURCES = tests/unit/test_audit.c
tests_unit_test_audit_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) \
	$(TSS2_MU_CFLAGS)
tests_unit_test_audit_LDADD = $(SERVICE_LIBS) $(CMOCKA_LIBS)

# ---- fuzz targets: replay their seed corpora in make check, or libFuzzer ----
FUZZ_TARGETS = tests/fuzz/fuzz_ek tests/fuzz/fuzz_request \
	tests/fuzz/fuzz_tpm_public tests/fuzz/fuzz_quote tests/fuzz/fuzz_ek_chain \
	tests/fuzz/fuzz_talos_secrets
tests_fuzz_fuzz_ek_SOURCES = tests/fuzz/fuzz_ek.c
tests_fuzz_fuzz_ek_LDADD = fcgi-app/lib/libitlverify.a \
	fcgi-app/lib/libitlcore.a $(TSS2_MU_LIBS) $(CRYPTO_LIBS)
tests_fuzz_fuzz_tpm_public_SOURCES = tests/fuzz/fuzz_tpm_public.c
tests_fuzz_fuzz_tpm_public_CFLAGS = $(AM_CFLAGS) $(TSS2_MU_CFLAGS)
tests_fuzz_fuzz_tpm_public_LDADD = $(VERIFY_LIBS)
tests_fuzz_fuzz_quote_SOURCES = tests/fuzz/fuzz_quote.c
tests_fuzz_fuzz_quote_CFLAGS = $(AM_CFLAGS) $(TSS2_MU_CFLAGS)
tests_fuzz_fuzz_quote_LDADD = $(VERIFY_LIBS)
tests_fuzz_fuzz_ek_chain_SOURCES = tests/fuzz/fuzz_ek_chain.c
tests_fuzz_fuzz_ek_chain_LDADD = $(VERIFY_LIBS)
tests_fuzz_fuzz_talos_secrets_SOURCES = tests/fuzz/fuzz_talos_secrets.c
tests_fuzz_fuzz_talos_secrets_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
tests_fuzz_fuzz_talos_secrets_LDADD = $(TALOS_LIBS)
tests_fuzz_fuzz_request_SOURCES = tests/fuzz/fuzz_request.c
tests_fuzz_fuzz_request_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) \
	$(TSS2_MU_CFLAGS)
tests_fuzz_fuzz_request_LDADD = $(SERVICE_LIBS)
if FUZZING
# clang -fsanitize=fuzzer: run as tests/fuzz/fuzz_ek SCRATCH_DIR tests/fuzz/corpus/ek
noinst_PROGRAMS = $(FUZZ_TARGETS)
tests_fuzz_fuzz_ek_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_request_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_tpm_public_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_quote_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_ek_chain_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_talos_secrets_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
else
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += $(FUZZ_TARGETS)
tests_fuzz_fuzz_ek_SOURCES += tests/fuzz/replay.c
tests_fuzz_fuzz_request_SOURCES += tests/fuzz/replay.c
tests_fuzz_fuzz_tpm_public_SOURCES += tests/fuzz/replay.c
tests_fuzz_fuzz_quote_SOURCES += tests/fuzz/replay.c
tests_fuzz_fuzz_ek_chain_SOURCES += tests/fuzz/replay.c
tests_fuzz_fuzz_talos_secrets_SOURCES += tests/fuzz/replay.c
endif

# ---- integration tests: the stack as its users drive it ----
INTEGRATION_TESTS = \
	tests/integration/t0010-health.sh \
	tests/integration/t0020-register.sh \
	tests/integration/t0030-attest.sh \
	tests/integration/t0031-attest-policy.sh \
	tests/integration/t0040-lifecycle.sh \
	tests/integration/t0050-dual-control.sh \
	tests/integration/t0060-bad-input.sh \
	tests/integration/t0070-audit.sh \
	tests/integration/t0080-concurrency.sh \
	tests/integration/t0090-maint.sh \
	tests/integration/t0100-tpm-proof.sh \
	tests/integration/t0101-tpm-matrix.sh \
	tests/integration/t0102-reset-counter.sh \
	tests/integration/t0103-role-policy.sh \
	tests/integration/t0104-ek-chain.sh \
	tests/integration/t0200-talos-schema.sh \
	tests/integration/t0210-config-delivery.sh \
	tests/integration/t0211-cluster-file.sh \
	tests/integration/t0220-image-factory.sh \
	tests/integration/t0300-metrics.sh \
	tests/integration/t0400-deploy.sh
TESTS += $(INTEGRATION_TESTS)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(BASH)
BASH = bash

EXTRA_DIST += tests/data tests/fuzz/corpus tests/integration tests/run
