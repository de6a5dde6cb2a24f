/* SPDX-License-Identifier: BSD-3-Clause
 * Ring benchmark: the two-process ring (tests/vspin_pair) with a producer
 * slower than its consumer, every spin mode side by side in one run,
 * repeated with the modes interleaved (the order rotates each repeat, so
 * a noisy neighbour hurts every mode alike). Prints a Markdown table:
 * delivered Mpps (median, min-max), kicks and sleeps per million packets,
 * consumer CPU (thread CPU time over wall time), and ratios to poll.
 * Every run is also checked (all delivered in order, no lost wake-up).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vspin_pair.h"

#define MAX_MODES 8
#define MAX_REPEATS 100

struct sample {
	double mpps, kicks_pm, sleeps_pm, cpu_pct, prod_cpu_pct, window_us;
};

struct mode_runs {
	char name[32];
	struct vspin_policy_conf pc;
	struct sample s[MAX_REPEATS];
	int n;
	int bad;       /* runs that failed a check */
	int redone;    /* runs repeated because a neighbour held a CPU */
	int disturbed; /* kept although disturbed: retries ran out */
};

static uint64_t sleep_cost_ns; /* B, as the adaptive policy measured it */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max of one field over the runs of a mode. */
static void
stat3(const struct mode_runs *m, size_t off, double *med, double *lo,
      double *hi)
{
	double v[MAX_REPEATS];
	int i;

	*med = *lo = *hi = 0;
	if (m->n == 0)
		return;
	for (i = 0; i < m->n; i++)
		memcpy(&v[i], (const char *)&m->s[i] + off, sizeof(v[i]));
	qsort(v, (size_t)m->n, sizeof(v[0]), cmp_double);
	*lo = v[0];
	*hi = v[m->n - 1];
	*med = m->n % 2 ? v[m->n / 2] : (v[m->n / 2 - 1] + v[m->n / 2]) / 2;
}

static double
median(const struct mode_runs *m, size_t off)
{
	double med, lo, hi;

	stat3(m, off, &med, &lo, &hi);
	return med;
}

/* The machine's load, printed with the table: neighbours skew it. */
static void
print_loadavg(const char *when)
{
	char buf[128] = "?";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			strcpy(buf, "?");
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	printf("load average %s: %s\n", when, buf);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [options]\n"
		"  --modes LIST         comma-separated, first is the "
		"reference\n"
		"                       "
		"(poll,notify,budget:20,spin:20,adaptive)\n"
		"  --repeats N          runs per mode, interleaved (5)\n"
		"  --csv FILE           also write one CSV row per run\n"
		"  --short              a quick demo: 3 repeats of 300000 "
		"packets\n"
		"  --max-stolen PCT     redo a run in which a side waited for "
		"its\n"
		"                       CPU more than PCT%% of the time (5)\n"
		"  --retries N          redo a run at most N times (10)\n"
		"harness options (defaults here: ring 256, burst 32, no gap,\n"
		"producer 60 ns/packet, consumer 0, 2000000 packets):\n%s",
		prog, VSPIN_PAIR_OPTIONS_HELP);
}

static int
parse_modes(const char *list, struct mode_runs *modes, int *nmodes)
{
	char buf[256], err[160], *tok, *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", list);
	*nmodes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		struct mode_runs *m = &modes[*nmodes];

		if (*nmodes == MAX_MODES) {
			fprintf(stderr, "at most %d modes\n", MAX_MODES);
			return -1;
		}
		memset(m, 0, sizeof(*m));
		vspin_policy_conf_default(&m->pc);
		if (vspin_policy_parse_mode(tok, &m->pc, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
		snprintf(m->name, sizeof(m->name), "%s", tok);
		(*nmodes)++;
	}
	return *nmodes > 0 ? 0 : -1;
}

static void
print_table(const struct vspin_pair_conf *c, struct mode_runs *modes,
	    int nmodes)
{
	double ref_mpps = median(&modes[0], offsetof(struct sample, mpps));
	double ref_cpu = median(&modes[0], offsetof(struct sample, cpu_pct));
	int i;

	printf("| mode | Mpps median | Mpps min-max | kicks/Mpkt | "
	       "consumer CPU %% | sleeps/Mpkt | Mpps / %s | CPU / %s |\n",
	       modes[0].name, modes[0].name);
	printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < nmodes; i++) {
		const struct mode_runs *m = &modes[i];
		double med, lo, hi, cpu;

		if (m->n == 0)
			continue;
		stat3(m, offsetof(struct sample, mpps), &med, &lo, &hi);
		cpu = median(m, offsetof(struct sample, cpu_pct));
		printf("| %s%s | %.3f | %.3f-%.3f | %.0f | %.0f | %.0f | %.2f "
		       "| "
		       "%.2f |\n",
		       m->name, m->bad ? " (FAILED CHECKS)" : "", med, lo, hi,
		       median(m, offsetof(struct sample, kicks_pm)), cpu,
		       median(m, offsetof(struct sample, sleeps_pm)),
		       ref_mpps > 0 ? med / ref_mpps : 0,
		       ref_cpu > 0 ? cpu / ref_cpu : 0);
	}
	printf("\n%llu packets per run, %d run(s) per mode; producer CPU %% "
	       "(median) per mode:",
	       (unsigned long long)c->packets, modes[0].n);
	for (i = 0; i < nmodes; i++)
		printf(" %s %.0f", modes[i].name,
		       median(&modes[i],
			      offsetof(struct sample, prod_cpu_pct)));
	printf("\nruns redone because another process held a CPU "
	       "(kept anyway when retries ran out):");
	for (i = 0; i < nmodes; i++)
		printf(" %s %d (%d)", modes[i].name, modes[i].redone,
		       modes[i].disturbed);
	printf("\n");
	for (i = 0; i < nmodes; i++)
		if (modes[i].pc.mode == VSPIN_MODE_ADAPTIVE && modes[i].n > 0)
			printf("%s: sleep cost B measured %.1f us, final "
			       "window "
			       "(median) %.1f us\n",
			       modes[i].name, (double)sleep_cost_ns / 1e3,
			       median(&modes[i],
				      offsetof(struct sample, window_us)));
}

/*
 * Share of the wall time one side was neither running nor sleeping by
 * choice: runnable, waiting for a CPU another process held (or the
 * hypervisor took). slept is the time it blocked in the policy's sleeps.
 */
static double
stolen_pct(uint64_t wall, uint64_t cpu, uint64_t slept)
{
	double s = (double)wall - (double)cpu - (double)slept;

	return s > 0 ? 100.0 * s / (double)wall : 0;
}

/*
 * Other processes share the two CPUs: the larger share of the two sides.
 * A run above --max-stolen measured the neighbours, not the ring.
 */
static double
run_stolen_pct(const struct vspin_pair_result *r)
{
	double ns_per_cycle = 1e9 / (double)r->tsc_hz;
	uint64_t cs = (uint64_t)((double)r->cons.sleep_cycles * ns_per_cycle);
	uint64_t ps = (uint64_t)((double)r->prod.sleep_cycles * ns_per_cycle);
	double c = stolen_pct(r->wall_ns, r->cons_cpu_ns, cs);
	double p = stolen_pct(r->wall_ns, r->prod_cpu_ns, ps);

	return c > p ? c : p;
}

/* The run is a measurement only if the ring behaved. */
static bool
run_ok(const struct vspin_pair_conf *c, const struct vspin_pair_result *r)
{
	return !r->timed_out && !r->child_failed && r->errors == 0 &&
	       r->received == c->packets && r->returned == c->packets &&
	       r->lost_wakeups == 0 && r->lost_wakeups_call == 0;
}

int
main(int argc, char **argv)
{
	static struct mode_runs modes[MAX_MODES];
	const char *mode_list = "poll,notify,budget:20,spin:20,adaptive";
	const char *csv_path = NULL;
	struct vspin_pair_conf c;
	int nmodes, repeats = 5, rep, i, try, failed = 0, retries = 10;
	double max_stolen = 5;
	bool packets_set = false, repeats_set = false, is_short = false;
	FILE *csv = NULL;
	char err[160];

	vspin_pair_conf_default(&c);
	c.packets = 2000000;
	c.burst = 32;
	c.burst_random = false;
	c.gap = VSPIN_PAIR_GAP_NONE;
	c.prod_cost_ns = 60;
	c.cons_cost_ns = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int ret;

		if (strcmp(a, "--short") == 0) {
			is_short = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || v == NULL) {
			usage(argv[0]);
			return 2;
		}
		i++;
		if (strcmp(a, "--modes") == 0) {
			mode_list = v;
		} else if (strcmp(a, "--repeats") == 0) {
			repeats = atoi(v);
			repeats_set = true;
			if (repeats < 1 || repeats > MAX_REPEATS) {
				fprintf(stderr, "--repeats: 1 to %d\n",
					MAX_REPEATS);
				return 2;
			}
		} else if (strcmp(a, "--max-stolen") == 0) {
			max_stolen = atof(v);
		} else if (strcmp(a, "--retries") == 0) {
			retries = atoi(v);
			if (retries < 0) {
				fprintf(stderr, "--retries: 0 or more\n");
				return 2;
			}
		} else if (strcmp(a, "--csv") == 0) {
			csv_path = v;
		} else {
			ret = vspin_pair_set_option(&c, a + 2, v, err,
						    sizeof(err));
			if (ret != 0) {
				fprintf(stderr, "%s\n",
					ret > 0 ? "unknown option" : err);
				usage(argv[0]);
				return 2;
			}
			packets_set |= strcmp(a, "--packets") == 0;
		}
	}
	if (is_short) {
		if (!packets_set)
			c.packets = 300000;
		if (!repeats_set)
			repeats = 3;
	}
	if (parse_modes(mode_list, modes, &nmodes) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (csv_path != NULL) {
		csv = fopen(csv_path, "w");
		if (csv == NULL) {
			perror(csv_path);
			return 2;
		}
		fprintf(csv, "repeat,mode,event_idx,packets,wall_ns,mpps,kicks,"
			     "arms,sleeps,wakeups,timeouts,spurious,"
			     "cons_cpu_ns,prod_cpu_ns,window_us,cons_preempted,"
			     "prod_preempted,stolen_pct\n");
	}
	printf("ring %u, burst %s%u, producer %u ns/packet, consumer %u "
	       "ns/packet, event_idx %s, sleep_max %u us, %llu packets x %d "
	       "repeats\n\n",
	       c.ring_size, c.burst_random ? "1.." : "", c.burst,
	       c.prod_cost_ns, c.cons_cost_ns, c.event_idx ? "on" : "off",
	       c.policy.sleep_max_us, (unsigned long long)c.packets, repeats);
	print_loadavg("before");
	printf("\n");
	fflush(stdout);

	for (rep = 0; rep < repeats; rep++) {
		for (i = 0; i < nmodes; i++) {
			/* Rotate the order so no mode always runs first. */
			struct mode_runs *m = &modes[(i + rep) % nmodes];
			struct vspin_pair_result r;
			struct sample *s = &m->s[m->n];
			double wall;

			c.policy = m->pc;
			c.policy.sleep_max_us = c.prod_policy.sleep_max_us;
			c.seed = (uint64_t)rep + 1;
			for (try = 0;; try++) {
				if (vspin_pair_run(&c, &r) != 0)
					return 1;
				if (run_stolen_pct(&r) <= max_stolen ||
				    !run_ok(&c, &r))
					break;
				if (try == retries) {
					m->disturbed++;
					break;
				}
				m->redone++;
			}
			if (!run_ok(&c, &r)) {
				fprintf(stderr, "run %d mode %s failed:\n", rep,
					m->name);
				vspin_pair_print(&c, &r);
				m->bad++;
				failed++;
				continue;
			}
			wall = (double)r.wall_ns;
			s->mpps = (double)r.received * 1e3 / wall;
			s->kicks_pm = (double)r.prod.notifies * 1e6 /
				      (double)r.received;
			s->sleeps_pm = (double)r.cons.sleeps * 1e6 /
				       (double)r.received;
			s->cpu_pct = 100.0 * (double)r.cons_cpu_ns / wall;
			s->prod_cpu_pct = 100.0 * (double)r.prod_cpu_ns / wall;
			s->window_us = (double)r.cons.window_cycles * 1e6 /
				       (double)r.tsc_hz;
			m->n++;
			if (r.sleep_cost_ns > 0 &&
			    m->pc.mode == VSPIN_MODE_ADAPTIVE)
				sleep_cost_ns = r.sleep_cost_ns;
			fprintf(stderr,
				"repeat %d %-10s %7.3f Mpps %8.0f "
				"kicks/Mpkt %4.0f%% CPU, stolen %.1f%% (tries "
				"%d)\n",
				rep, m->name, s->mpps, s->kicks_pm, s->cpu_pct,
				run_stolen_pct(&r), try + 1);
			if (csv != NULL)
				fprintf(csv,
					"%d,%s,%d,%llu,%llu,%.4f,%llu,%llu,"
					"%llu,%llu,%llu,%llu,%llu,%llu,%.1f,"
					"%llu,%llu,%.1f\n",
					rep, m->name, c.event_idx,
					(unsigned long long)r.received,
					(unsigned long long)r.wall_ns, s->mpps,
					(unsigned long long)r.prod.notifies,
					(unsigned long long)r.cons.arms,
					(unsigned long long)r.cons.sleeps,
					(unsigned long long)r.cons.wakeups,
					(unsigned long long)
						r.cons.sleep_timeouts,
					(unsigned long long)
						r.cons.spurious_wakeups,
					(unsigned long long)r.cons_cpu_ns,
					(unsigned long long)r.prod_cpu_ns,
					s->window_us,
					(unsigned long long)r.cons_preempted,
					(unsigned long long)r.prod_preempted,
					run_stolen_pct(&r));
		}
	}
	if (csv != NULL)
		fclose(csv);
	print_table(&c, modes, nmodes);
	print_loadavg("after");
	if (failed)
		printf("\n%d run(s) failed their checks and are not in the "
		       "table\n",
		       failed);
	return failed ? 1 : 0;
}
