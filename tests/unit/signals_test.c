#include "pn_test.h"

#include <signal.h>

#include "../../platform/signals.h"

static void
test_flags(void **state)
{
	struct pn_signals *s = pn_signals_state();

	(void)state;
	assert_ok(pn_signals_init());
	assert_int_equal(s->stop, 0);
	assert_int_equal(s->reload, 0);
	raise(SIGHUP);
	assert_int_equal(s->reload, 1);
	assert_int_equal(s->stop, 0);
	raise(SIGTERM);
	assert_int_equal(s->stop, 1);
	raise(SIGPIPE); /* ignored: the process survives */
	s->stop = s->reload = 0;
	raise(SIGINT);
	assert_int_equal(s->stop, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags),
	};
	return cmocka_run_group_tests_name("signals", tests, NULL, NULL);
}
