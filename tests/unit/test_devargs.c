/* SPDX-License-Identifier: BSD-3-Clause
 * The devargs grammar of the policy, shared by both PMDs:
 * vspin_policy_parse_mode() (spin_mode=) and vspin_parse_us() (spin_us=,
 * sleep_max_us=, ...). Good values parse to the right conf; bad ones are
 * refused with a message naming the key and the value, and leave the
 * conf untouched.
 */
#include <stdint.h>
#include <string.h>

#include "vspin_parse.h"
#include "vspin_policy.h"
#include "vspin_sleep_rule.h"
#include "vspin_test.h"

struct good_mode {
	const char *s;
	enum vspin_mode mode;
	uint32_t budget, spin_us; /* expected after parsing */
};

static void
test_good_modes_parse(void)
{
	static const struct good_mode good[] = {
		{"poll", VSPIN_MODE_POLL, VSPIN_DEFAULT_BUDGET,
		 VSPIN_DEFAULT_SPIN_US},
		{"notify", VSPIN_MODE_NOTIFY, VSPIN_DEFAULT_BUDGET,
		 VSPIN_DEFAULT_SPIN_US},
		{"budget", VSPIN_MODE_BUDGET, VSPIN_DEFAULT_BUDGET,
		 VSPIN_DEFAULT_SPIN_US},
		{"budget:1", VSPIN_MODE_BUDGET, 1, VSPIN_DEFAULT_SPIN_US},
		{"budget:64", VSPIN_MODE_BUDGET, 64, VSPIN_DEFAULT_SPIN_US},
		{"budget:1000000000", VSPIN_MODE_BUDGET, 1000000000,
		 VSPIN_DEFAULT_SPIN_US},
		{"spin", VSPIN_MODE_SPIN, VSPIN_DEFAULT_BUDGET,
		 VSPIN_DEFAULT_SPIN_US},
		{"spin:0", VSPIN_MODE_SPIN, VSPIN_DEFAULT_BUDGET, 0},
		{"spin:35", VSPIN_MODE_SPIN, VSPIN_DEFAULT_BUDGET, 35},
		{"spin:007", VSPIN_MODE_SPIN, VSPIN_DEFAULT_BUDGET, 7},
		{"spin:1000000", VSPIN_MODE_SPIN, VSPIN_DEFAULT_BUDGET,
		 1000000},
		{"adaptive", VSPIN_MODE_ADAPTIVE, VSPIN_DEFAULT_BUDGET,
		 VSPIN_DEFAULT_SPIN_US},
	};
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct vspin_policy_conf c;
		char err[256] = "";
		int r;

		vspin_policy_conf_default(&c);
		r = vspin_policy_parse_mode(good[i].s, &c, err, sizeof(err));
		VT_CHECK(r == 0, "'%s' refused: %s", good[i].s, err);
		VT_CHECK(c.mode == good[i].mode && c.budget == good[i].budget &&
				 c.spin_us == good[i].spin_us,
			 "'%s': mode %s budget %u spin_us %u", good[i].s,
			 vspin_mode_name(c.mode), c.budget, c.spin_us);
	}
}

/* Member by member: a struct's padding takes no part in its value. */
_Static_assert(sizeof(struct vspin_policy_conf) == 9 * sizeof(uint32_t),
	       "a new member of vspin_policy_conf: compare it in conf_equal()");
static bool
conf_equal(const struct vspin_policy_conf *a, const struct vspin_policy_conf *b)
{
	return a->mode == b->mode && a->budget == b->budget &&
	       a->spin_us == b->spin_us && a->sleep_max_us == b->sleep_max_us &&
	       a->sleep_cost_us == b->sleep_cost_us &&
	       a->latency_us == b->latency_us &&
	       a->nap_max_us == b->nap_max_us && a->ring_size == b->ring_size &&
	       a->timed_naps == b->timed_naps;
}

static void
test_bad_modes_refused_with_message(void)
{
	static const char *const bad[] = {
		"",
		"budget:0",
		"budget:-1",
		"budget:",
		"budget:1000000001",
		"budget:99999999999999999999999",
		"budget:4294967297",
		"spin:abc",
		"spin:-1",
		"spin:",
		"spin:1000001",
		"spin:18446744073709551616",
		"spin:10x",
		"spin: 10",
		"spin:+10",
		"spin:10:20",
		"adaptive:5",
		"poll:1",
		"notify:",
		"Poll",
		"spinning",
		"spi",
		" poll",
		"poll ",
		"budget:5 ",
		":5",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vspin_policy_conf c, before;
		char err[256] = "";
		int r;

		vspin_policy_conf_default(&c);
		c.mode = VSPIN_MODE_NOTIFY; /* not the default: must stay */
		before = c;
		r = vspin_policy_parse_mode(bad[i], &c, err, sizeof(err));
		VT_CHECK(r == -1, "'%s' accepted: mode %s budget %u spin_us %u",
			 bad[i], vspin_mode_name(c.mode), c.budget, c.spin_us);
		VT_CHECK(conf_equal(&c, &before),
			 "'%s' refused but changed the conf", bad[i]);
		VT_CHECK(strstr(err, "spin_mode") != NULL,
			 "'%s': message does not name the key: \"%s\"", bad[i],
			 err);
		{
			char quoted[64];

			snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
			VT_CHECK(strstr(err, quoted) != NULL,
				 "'%s': message does not quote the value: "
				 "\"%s\"",
				 bad[i], err);
		}
	}
}

/* Out of range: the message gives the range, both ends. */
static void
test_budget_range_named(void)
{
	struct vspin_policy_conf c;
	char err[256] = "";

	vspin_policy_conf_default(&c);
	VT_CHECK(vspin_policy_parse_mode("budget:1000000001", &c, err,
					 sizeof(err)) == -1,
		 "budget:1000000001 accepted");
	VT_CHECK(strstr(err, "1 to 1000000000") != NULL, "message \"%s\"", err);
}

static void
test_null_mode_refused(void)
{
	struct vspin_policy_conf c;
	char err[256] = "";

	vspin_policy_conf_default(&c);
	VT_CHECK(vspin_policy_parse_mode(NULL, &c, err, sizeof(err)) == -1,
		 "NULL accepted");
	VT_CHECK(strstr(err, "spin_mode") != NULL, "message \"%s\"", err);
}

/* A short error buffer truncates, never overflows (ASan watches). */
static void
test_short_error_buffer(void)
{
	struct vspin_policy_conf c;
	char err[8];
	uint32_t v;

	vspin_policy_conf_default(&c);
	memset(err, 'x', sizeof(err));
	VT_CHECK(vspin_policy_parse_mode("spin:abc", &c, err, 4) == -1,
		 "accepted");
	VT_CHECK(err[3] == '\0' && err[4] == 'x', "buffer of 4 overrun");
	memset(err, 'x', sizeof(err));
	VT_CHECK(vspin_parse_us("sleep_max_us", "x", 0, &v, err, 1) == -1,
		 "accepted");
	VT_CHECK(err[0] == '\0' && err[1] == 'x', "buffer of 1 overrun");
}

static void
test_parse_us_good_values(void)
{
	static const struct {
		const char *s;
		uint32_t min, want;
	} good[] = {
		{"0", 0, 0},
		{"1", 1, 1},
		{"20", 0, 20},
		{"10000", 1, 10000},
		{"1000000", 0, 1000000},
		{"0042", 0, 42},
	};
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char err[256] = "";
		uint32_t v = 0xdeadbeef;
		int r = vspin_parse_us("spin_us", good[i].s, good[i].min, &v,
				       err, sizeof(err));

		VT_CHECK(r == 0 && v == good[i].want,
			 "'%s' (min %u): r=%d v=%u err \"%s\"", good[i].s,
			 good[i].min, r, v, err);
	}
}

static void
test_parse_us_bad_values_name_key_and_value(void)
{
	static const struct {
		const char *key, *s;
		uint32_t min;
	} bad[] = {
		{"spin_us", "", 0},
		{"spin_us", "-1", 0},
		{"spin_us", "abc", 0},
		{"spin_us", "12abc", 0},
		{"spin_us", "1000001", 0},
		{"spin_us", "4294967296", 0},
		{"spin_us", "99999999999999999999999", 0},
		{"spin_us", " 5", 0},
		{"spin_us", "5 ", 0},
		{"spin_us", "+5", 0},
		{"spin_us", "0x10", 0},
		{"spin_us", "1e3", 0},
		{"sleep_max_us", "0", 1},
		{"sleep_max_us", "2.5", 1},
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "", quoted[64];
		uint32_t v = 0xdeadbeef;
		int r = vspin_parse_us(bad[i].key, bad[i].s, bad[i].min, &v,
				       err, sizeof(err));

		VT_CHECK(r == -1, "%s='%s' accepted as %u", bad[i].key,
			 bad[i].s, v);
		VT_CHECK(v == 0xdeadbeef, "%s='%s' refused but wrote %u",
			 bad[i].key, bad[i].s, v);
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i].s);
		VT_CHECK(strstr(err, bad[i].key) && strstr(err, quoted),
			 "%s='%s': message \"%s\"", bad[i].key, bad[i].s, err);
	}
}

static void
test_mode_names(void)
{
	static const char *const names[] = {"poll", "notify",	"budget",
					    "spin", "adaptive", "ovs_sleep"};
	unsigned int m;

	for (m = 0; m < 6; m++)
		VT_CHECK(strcmp(vspin_mode_name((enum vspin_mode)m),
				names[m]) == 0,
			 "mode %u named %s", m,
			 vspin_mode_name((enum vspin_mode)m));
	VT_CHECK(strcmp(vspin_mode_name((enum vspin_mode)6), "?") == 0,
		 "mode 6 named %s", vspin_mode_name((enum vspin_mode)6));
}

static void
test_conf_defaults(void)
{
	struct vspin_policy_conf c;

	vspin_policy_conf_default(&c);
	VT_CHECK(c.mode == VSPIN_MODE_POLL && c.budget == 20 &&
			 c.spin_us == VSPIN_DEFAULT_SPIN_US &&
			 c.sleep_max_us == 10000 && c.sleep_cost_us == 0 &&
			 c.latency_us == 0 && c.nap_max_us == VSPIN_OVS_MAX_US,
		 "defaults: mode %s budget %u spin_us %u sleep_max_us %u",
		 vspin_mode_name(c.mode), c.budget, c.spin_us, c.sleep_max_us);
}

struct conf_case {
	const char *mode, *spin_us, *sleep_max_us;
	int ret;
	enum vspin_mode want_mode;
	uint32_t want_spin_us, want_sleep_max_us;
	const char *err_has; /* a word the message must name on refusal */
};

/* The three policy devargs together, as both PMDs pass them. */
static void
test_conf_parse_combines_the_three_keys(void)
{
	static const struct conf_case cases[] = {
		{NULL, NULL, NULL, 0, VSPIN_MODE_POLL, VSPIN_DEFAULT_SPIN_US,
		 VSPIN_DEFAULT_SLEEP_MAX_US, NULL},
		{NULL, "35", NULL, 0, VSPIN_MODE_SPIN, 35,
		 VSPIN_DEFAULT_SLEEP_MAX_US, NULL},
		{"spin", "35", "500", 0, VSPIN_MODE_SPIN, 35, 500, NULL},
		{"spin:35", "35", NULL, 0, VSPIN_MODE_SPIN, 35,
		 VSPIN_DEFAULT_SLEEP_MAX_US, NULL},
		{"spin", NULL, NULL, 0, VSPIN_MODE_SPIN, VSPIN_DEFAULT_SPIN_US,
		 VSPIN_DEFAULT_SLEEP_MAX_US, NULL},
		{"adaptive", NULL, NULL, 0, VSPIN_MODE_ADAPTIVE, 0,
		 VSPIN_DEFAULT_SLEEP_MAX_US, NULL},
		{"adaptive", "50", NULL, 0, VSPIN_MODE_ADAPTIVE, 50,
		 VSPIN_DEFAULT_SLEEP_MAX_US, NULL},
		{"spin:10", "20", NULL, -1, 0, 0, 0, "disagree"},
		/* spin_us where the mode has no spin: refused, not ignored. */
		{"notify", "20", NULL, -1, 0, 0, 0, "spin_us"},
		{"budget:5", "50", NULL, -1, 0, 0, 0, "spin_us"},
		{"poll", "20", NULL, -1, 0, 0, 0, "spin_us"},
		{"ovs_sleep", "20", NULL, -1, 0, 0, 0, "spin_us"},
		{"poll", NULL, "500", -1, 0, 0, 0, "sleep_max_us"},
		{NULL, NULL, "500", -1, 0, 0, 0, "sleep_max_us"},
		{"ovs_sleep:50", NULL, "500", -1, 0, 0, 0, "sleep_max_us"},
		{"notify", NULL, "500", 0, VSPIN_MODE_NOTIFY,
		 VSPIN_DEFAULT_SPIN_US, 500, NULL},
		{"spin", "x", NULL, -1, 0, 0, 0, "spin_us"},
		{NULL, NULL, "0", -1, 0, 0, 0, "sleep_max_us"},
		{"sleepy", NULL, NULL, -1, 0, 0, 0, "sleepy"},
		/* A window longer than one sleep: raise sleep_max_us. */
		{"spin:600", NULL, "500", -1, 0, 0, 0, "sleep_max_us"},
		{NULL, "20000", NULL, -1, 0, 0, 0, "sleep_max_us"},
		{"adaptive", "600", "500", -1, 0, 0, 0, "sleep_max_us"},
		{"spin:500", NULL, "500", 0, VSPIN_MODE_SPIN, 500, 500, NULL},
		/* adaptive without spin_us has no window to compare. */
		{"adaptive", NULL, "15", 0, VSPIN_MODE_ADAPTIVE, 0, 15, NULL},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct conf_case *k = &cases[i];
		struct vspin_policy_conf c;
		char err[256] = "";
		int r = vspin_policy_conf_parse(&c, k->mode, k->spin_us,
						k->sleep_max_us, NULL, err,
						sizeof(err));

		VT_CHECK(r == k->ret, "case %u (%s,%s,%s): returned %d (%s)", i,
			 k->mode ? k->mode : "-", k->spin_us ? k->spin_us : "-",
			 k->sleep_max_us ? k->sleep_max_us : "-", r, err);
		if (r != 0 || k->ret != 0) {
			VT_CHECK(k->err_has == NULL ||
					 strstr(err, k->err_has) != NULL,
				 "case %u: message '%s' does not name '%s'", i,
				 err, k->err_has);
			continue;
		}
		VT_CHECK(c.mode == k->want_mode &&
				 c.spin_us == k->want_spin_us &&
				 c.sleep_max_us == k->want_sleep_max_us,
			 "case %u: mode %s spin_us %u sleep_max_us %u", i,
			 vspin_mode_name(c.mode), c.spin_us, c.sleep_max_us);
	}
}

/* latency_us is adaptive's alone: any other mode refuses it. */
static void
test_conf_parse_latency_us_adaptive_only(void)
{
	static const char *const modes[] = {NULL,	"poll", "notify",
					    "budget:5", "spin", "ovs_sleep"};
	struct vspin_policy_conf c;
	char err[256] = "";
	unsigned int i;

	VT_CHECK(vspin_policy_conf_parse(&c, "adaptive", NULL, NULL, "150", err,
					 sizeof(err)) == 0 &&
			 c.latency_us == 150,
		 "adaptive,latency_us=150: latency %u (%s)", c.latency_us, err);
	/* A budget longer than one sleep: every batch would end short. */
	err[0] = '\0';
	VT_CHECK(vspin_policy_conf_parse(&c, "adaptive", NULL, "1000", "1001",
					 err, sizeof(err)) != 0 &&
			 strstr(err, "sleep_max_us") != NULL,
		 "latency_us=1001,sleep_max_us=1000: accepted or message '%s'",
		 err);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		err[0] = '\0';
		VT_CHECK(vspin_policy_conf_parse(&c, modes[i], NULL, NULL,
						 "150", err,
						 sizeof(err)) != 0 &&
				 strstr(err, "latency_us") != NULL,
			 "spin_mode %s with latency_us=150: accepted or "
			 "message '%s'",
			 modes[i] ? modes[i] : "(none)", err);
	}
}

/* The strict number parser every devarg and option goes through. */
static void
test_parse_u64_strict(void)
{
	static const char *const bad[] = {
		"",   "-1", "+1",   " 1",
		"1 ", "1x", "0x10", "18446744073709551616",
		"11"};
	uint64_t v = 7;
	unsigned int i;

	VT_CHECK(vspin_parse_u64("0", 0, 10, &v) == 0 && v == 0,
		 "'0' in [0,10]: got %llu", (unsigned long long)v);
	VT_CHECK(vspin_parse_u64("10", 0, 10, &v) == 0 && v == 10,
		 "'10' in [0,10]: got %llu", (unsigned long long)v);
	VT_CHECK(vspin_parse_u64("18446744073709551615", 0, UINT64_MAX, &v) ==
				 0 &&
			 v == UINT64_MAX,
		 "UINT64_MAX refused or wrong: %llu", (unsigned long long)v);
	VT_CHECK(vspin_parse_u64(NULL, 0, 10, &v) == -1, "NULL accepted");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		VT_CHECK(vspin_parse_u64(bad[i], 0, 10, &v) == -1 && v == 7,
			 "'%s' accepted in [0,10] as %llu", bad[i],
			 (unsigned long long)v);
	}
}

/*
 * sleep=auto blocks only in applications known to keep no work between
 * two rx bursts (testpmd, vspin-traffic), with every port ours and no rx
 * interrupts; never in others (l3fwd's tx buffers, OVS's vhost ports).
 */
static void
test_sleep_auto_only_known_apps(void)
{
	static const char *const blocks[] = {"dpdk-testpmd", "testpmd",
					     "vspin-traffic"};
	static const char *const polls[] = {"dpdk-l3fwd",
					    "dpdk-l2fwd",
					    "dpdk-l3fwd-power",
					    "ovs-vswitchd",
					    "testpmd2",
					    "",
					    NULL};
	struct vspin_sleep_facts f = {.only_our_ports = true};
	unsigned int i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		f.app_only_ethdev = vspin_app_only_ethdev(blocks[i]);
		VT_CHECK(vspin_sleep_allowed(VSPIN_SLEEP_AUTO, &f),
			 "sleep=auto does not block in %s", blocks[i]);
	}
	for (i = 0; i < sizeof(polls) / sizeof(polls[0]); i++) {
		f.app_only_ethdev = vspin_app_only_ethdev(polls[i]);
		VT_CHECK(!vspin_sleep_allowed(VSPIN_SLEEP_AUTO, &f) &&
				 vspin_sleep_allowed(VSPIN_SLEEP_ALWAYS, &f),
			 "sleep=auto blocks in %s, or always does not",
			 polls[i] ? polls[i] : "(no name)");
	}
	f.app_only_ethdev = true;
	f.app_rx_intr = true;
	VT_CHECK(!vspin_sleep_allowed(VSPIN_SLEEP_AUTO, &f),
		 "sleep=auto blocks in an application with rx interrupts");
	f.app_rx_intr = false;
	f.only_our_ports = false;
	VT_CHECK(!vspin_sleep_allowed(VSPIN_SLEEP_AUTO, &f) &&
			 !vspin_sleep_allowed(VSPIN_SLEEP_NEVER, &f),
		 "sleep=auto blocks beside a foreign port, or never blocks");
}

/*
 * sleep=auto and the thread's own packets: forwarding sends at most what
 * it received; a generator (testpmd's flowgen, tx_first) sends more,
 * and a block in its rx_burst would stop it.
 */
static void
test_sleep_auto_not_in_a_generator(void)
{
	struct vspin_sleep_facts f = {.only_our_ports = true,
				      .app_only_ethdev = true};
	struct vspin_thread_traffic mark = vspin_thread_traffic;
	int pass;

	/* Idle, then forwarding (with a drop): not its own. */
	VT_CHECK(!vspin_thread_sent_own(&mark), "idle thread sends its own");
	for (pass = 0; pass < 3; pass++) {
		vspin_thread_received(32);
		vspin_thread_sent(pass == 1 ? 31 : 32);
		VT_CHECK(!vspin_thread_sent_own(&mark),
			 "forwarding, pass %d: counted as its own packets",
			 pass);
	}
	/* tx_first: one burst of its own, then forwarding again. */
	vspin_thread_sent(32);
	VT_CHECK(vspin_thread_sent_own(&mark), "tx_first's burst not seen");
	vspin_thread_received(32);
	vspin_thread_sent(32);
	VT_CHECK(!vspin_thread_sent_own(&mark),
		 "after tx_first, forwarding still counted as its own");
	/* flowgen: sends every pass, receives nothing. */
	for (pass = 0; pass < 3; pass++) {
		vspin_thread_sent(32);
		f.thread_sends_own = vspin_thread_sent_own(&mark);
		VT_CHECK(f.thread_sends_own &&
				 !vspin_sleep_allowed(VSPIN_SLEEP_AUTO, &f) &&
				 vspin_sleep_allowed(VSPIN_SLEEP_ALWAYS, &f),
			 "generator, pass %d: own %d, auto blocks or always "
			 "does not",
			 pass, f.thread_sends_own);
	}
	f.thread_sends_own = vspin_thread_sent_own(&mark);
	VT_CHECK(!f.thread_sends_own &&
			 vspin_sleep_allowed(VSPIN_SLEEP_AUTO, &f),
		 "a quiet pass after the generator stopped: own %d",
		 f.thread_sends_own);
}

int
main(void)
{
	VT_RUN(test_good_modes_parse);
	VT_RUN(test_bad_modes_refused_with_message);
	VT_RUN(test_budget_range_named);
	VT_RUN(test_null_mode_refused);
	VT_RUN(test_short_error_buffer);
	VT_RUN(test_parse_us_good_values);
	VT_RUN(test_parse_us_bad_values_name_key_and_value);
	VT_RUN(test_mode_names);
	VT_RUN(test_conf_defaults);
	VT_RUN(test_conf_parse_combines_the_three_keys);
	VT_RUN(test_conf_parse_latency_us_adaptive_only);
	VT_RUN(test_parse_u64_strict);
	VT_RUN(test_sleep_auto_only_known_apps);
	VT_RUN(test_sleep_auto_not_in_a_generator);
	return vt_summary();
}
