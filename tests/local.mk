# tests/local.mk - unit tests (cmocka), fuzz seed replays, integration
# tests (shell, real nginx + workers + swtpm). All run under automake's
# parallel harness: exit 0 pass, 77 skip, 99 hard error.

AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir; \
	ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1; \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1; \
	export ASAN_OPTIONS UBSAN_OPTIONS;

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)

check_PROGRAMS += tests/unit/test_core tests/unit/test_ek
TESTS += tests/unit/test_core tests/unit/test_ek

tests_unit_test_core_SOURCES = tests/unit/test_core.c
tests_unit_test_core_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_core_LDADD = fcgi-app/lib/libitlcore.a $(CMOCKA_LIBS)

tests_unit_test_ek_SOURCES = tests/unit/test_ek.c
tests_unit_test_ek_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_ek_LDADD = fcgi-app/lib/libitlverify.a \
	fcgi-app/lib/libitlcore.a $(CMOCKA_LIBS) $(TSS2_MU_LIBS) $(CRYPTO_LIBS)

EXTRA_DIST += tests/data tests/fuzz/corpus tests/integration
