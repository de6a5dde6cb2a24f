/* SPDX-License-Identifier: BSD-3-Clause
 * One run of the two-process ring: shared memory, eventfds, fork, CPU
 * pinning, the start line, and collecting both halves of the result.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vspin_pair_priv.h"

#define RING_ALIGN 4096
#define CHILD_GRACE_S 5 /* after the deadline, before SIGKILL */

void
vspin_pair_conf_default(struct vspin_pair_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ring_size = 256;
	c->packets = 1000000;
	c->burst = 32;
	c->burst_random = true;
	c->gap = VSPIN_PAIR_GAP_NONE;
	c->gap_pct = 100;
	c->pkt_max = 64;
	vspin_policy_conf_default(&c->policy);
	c->event_idx = true;
	vspin_policy_conf_default(&c->prod_policy);
	c->prod_cpu = 0;
	c->cons_cpu = 1;
	c->seed = 1;
	c->timeout_s = 60;
}

void
vspin_pair_error(struct vspin_pair_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->errors++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(res->first_error, sizeof(res->first_error), fmt, ap);
	va_end(ap);
}

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Involuntary context switches of the calling thread so far. */
static uint64_t
thread_preemptions(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_nivcsw;
}

static void
pin(int cpu, const char *who)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		fprintf(stderr, "vspin_pair: cannot pin the %s to CPU %d: %s\n",
			who, cpu, strerror(errno));
}

static int
check_conf(const struct vspin_pair_conf *c)
{
	const char *bad = NULL;

	if (c->ring_size < 2 || c->ring_size > VSPIN_VRING_MAX_SIZE ||
	    (c->ring_size & (c->ring_size - 1)))
		bad = "ring size must be a power of two, 2 to 32768";
	else if (c->packets == 0)
		bad = "packets must be 1 or more";
	else if (c->burst == 0 || c->burst > 65535)
		bad = "burst must be 1 to 65535";
	else if (c->pkt_max < PAIR_PKT_MIN || c->pkt_max > 65536)
		bad = "pkt_max must be 16 to 65536";
	else if (c->gap_pct > 100)
		bad = "gap percentage must be 0 to 100";
	else if (c->gap == VSPIN_PAIR_GAP_UNIFORM &&
		 c->gap_max_ns < c->gap_min_ns)
		bad = "uniform gap: MAX below MIN";
	else if (c->timeout_s == 0)
		bad = "timeout must be 1 second or more";
	if (bad != NULL)
		fprintf(stderr, "vspin_pair: %s\n", bad);
	return bad != NULL ? -1 : 0;
}

/* The child: pin, say ready, wait for the start, consume, report. */
static void __attribute__((noreturn))
child(struct pair_ctx *c, struct vspin_vq_dev *vq)
{
	struct vspin_pair_result *res = &c->sh->child;
	uint64_t cpu0, pre0;

	/* Die with the parent rather than spin until the deadline. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != c->parent)
		_exit(1);
	pin(c->conf->cons_cpu, "consumer");
	__atomic_store_n(&c->sh->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&c->sh->go, __ATOMIC_ACQUIRE)) {
		if (vspin_rdtsc() > c->deadline) {
			res->timed_out = true;
			_exit(0);
		}
		pair_relax();
	}
	cpu0 = thread_cpu_ns();
	pre0 = thread_preemptions();
	vspin_pair_consume(c, vq, res);
	res->cons_preempted = thread_preemptions() - pre0;
	res->wall_ns =
		vspin_cycles_to_ns(vspin_rdtsc() - c->sh->start_tsc, c->hz);
	res->cons_cpu_ns = thread_cpu_ns() - cpu0;
	__atomic_store_n(&c->sh->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

/* Wait for the child until the deadline plus a grace; kill it then. */
static bool
reap(pid_t pid, const struct pair_ctx *c)
{
	struct timespec ms = {0, 1000000};
	uint64_t limit = c->deadline + CHILD_GRACE_S * c->hz;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (r < 0 && errno != EINTR)
			return false;
		if (vspin_rdtsc() > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return false;
		}
		nanosleep(&ms, NULL);
	}
}

/* Merge the child's half into the parent's. */
static void
merge(struct vspin_pair_result *res, const struct vspin_pair_result *ch)
{
	if (ch->errors > 0 &&
	    (res->errors == 0 || strncmp(ch->first_error, "consumer", 8) == 0))
		memcpy(res->first_error, ch->first_error,
		       sizeof(res->first_error));
	res->errors += ch->errors;
	res->received = ch->received;
	res->cons = ch->cons;
	res->lost_wakeups = ch->lost_wakeups;
	res->late_wakeups = ch->late_wakeups;
	res->lost_first_age_ns = ch->lost_first_age_ns;
	res->cons_bad_avail = ch->cons_bad_avail;
	res->wall_ns = ch->wall_ns;
	res->cons_cpu_ns = ch->cons_cpu_ns;
	res->cons_preempted = ch->cons_preempted;
	res->sleep_cost_ns = ch->sleep_cost_ns;
	res->timed_out = res->timed_out || ch->timed_out;
}

int
vspin_pair_run(const struct vspin_pair_conf *cf, struct vspin_pair_result *res)
{
	struct pair_ctx c = {.conf = cf, .kick_fd = -1, .call_fd = -1};
	size_t stamps, ring_off, buf_off, total;
	struct pair_producer *prod = NULL;
	struct vspin_vq_dev dev;
	cpu_set_t saved;
	bool restore;
	uint64_t cpu0, pre0;
	int fd, ret = -1;
	void *mem;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (check_conf(cf) != 0)
		return -1;
	c.hz = vspin_tsc_hz();
	res->tsc_hz = c.hz;
	/*
	 * Measured here, before the first run, so that no run pays for it
	 * (later tries may lower it: vspin_sleep_cost.h).
	 */
	if ((cf->policy.mode == VSPIN_MODE_ADAPTIVE &&
	     cf->policy.sleep_cost_us == 0) ||
	    (cf->prod_policy.mode == VSPIN_MODE_ADAPTIVE &&
	     cf->prod_policy.sleep_cost_us == 0))
		(void)vspin_sleep_cost_ns();

	c.buf_size =
		(cf->pkt_max + PAIR_CACHE_LINE - 1) & ~(PAIR_CACHE_LINE - 1u);
	stamps = sizeof(uint64_t) * cf->ring_size;
	ring_off = (sizeof(struct pair_shared) + 2 * stamps + RING_ALIGN - 1) &
		   ~(size_t)(RING_ALIGN - 1);
	buf_off = (ring_off + vspin_vring_size(cf->ring_size, RING_ALIGN) +
		   PAIR_CACHE_LINE - 1) &
		  ~(size_t)(PAIR_CACHE_LINE - 1);
	total = buf_off + (size_t)c.buf_size * cf->ring_size;

	fd = memfd_create("vspin_pair", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)total) != 0) {
		perror("vspin_pair: memfd");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd); /* the mapping keeps the memory */
	if (mem == MAP_FAILED) {
		perror("vspin_pair: mmap");
		return -1;
	}
	c.sh = mem;
	c.avail_stamp = (uint64_t *)((char *)mem + sizeof(struct pair_shared));
	c.used_stamp = c.avail_stamp + cf->ring_size;
	c.bufs = (uint8_t *)mem + buf_off;
	vspin_vring_init(&c.vr, (char *)mem + ring_off, cf->ring_size,
			 RING_ALIGN);
	c.kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c.call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c.kick_fd < 0 || c.call_fd < 0) {
		perror("vspin_pair: eventfd");
		goto out;
	}
	/* Stamps start as "index 0 not published": slot i holds i - num. */
	for (size_t i = 0; i < cf->ring_size; i++)
		c.avail_stamp[i] = c.used_stamp[i] =
			(uint16_t)(i - cf->ring_size);
	prod = vspin_pair_producer_new(&c, res);
	if (prod == NULL) {
		fprintf(stderr, "vspin_pair: out of memory\n");
		goto out;
	}
	/* The device's ring words are set before the producer can run. */
	vspin_vq_dev_init(&dev, &c.vr, cf->event_idx, &c.sh->child.cons);
	c.deadline = vspin_rdtsc() + (uint64_t)cf->timeout_s * c.hz;

	fflush(NULL); /* the child must not flush our buffers again */
	c.parent = getpid();
	pid = fork();
	if (pid < 0) {
		perror("vspin_pair: fork");
		goto out;
	}
	if (pid == 0)
		child(&c, &dev);

	restore = sched_getaffinity(0, sizeof(saved), &saved) == 0;
	pin(cf->prod_cpu, "producer");
	while (!__atomic_load_n(&c.sh->ready, __ATOMIC_ACQUIRE) &&
	       vspin_rdtsc() < c.deadline)
		pair_relax();
	cpu0 = thread_cpu_ns();
	pre0 = thread_preemptions();
	c.sh->start_tsc = vspin_rdtsc();
	__atomic_store_n(&c.sh->go, 1, __ATOMIC_RELEASE);
	vspin_pair_produce(prod);
	res->prod_cpu_ns = thread_cpu_ns() - cpu0;
	res->prod_preempted = thread_preemptions() - pre0;
	if (restore)
		sched_setaffinity(0, sizeof(saved), &saved);

	res->child_failed = !reap(pid, &c) ||
			    !__atomic_load_n(&c.sh->done, __ATOMIC_ACQUIRE);
	merge(res, &c.sh->child);
	if (res->child_failed && !res->timed_out)
		vspin_pair_error(res, "consumer process failed");
	ret = 0;
out:
	vspin_pair_producer_free(prod);
	if (c.kick_fd >= 0)
		close(c.kick_fd);
	if (c.call_fd >= 0)
		close(c.call_fd);
	munmap(mem, total);
	return ret;
}

/* "spin:20", "budget:20", "adaptive"... */
static void
mode_str(const struct vspin_policy_conf *p, char *buf, size_t len)
{
	if (p->mode == VSPIN_MODE_BUDGET)
		snprintf(buf, len, "budget:%u", p->budget);
	else if (p->mode == VSPIN_MODE_SPIN)
		snprintf(buf, len, "spin:%u", p->spin_us);
	else
		snprintf(buf, len, "%s", vspin_mode_name(p->mode));
}

void
vspin_pair_print(const struct vspin_pair_conf *c,
		 const struct vspin_pair_result *r)
{
	double wall = r->wall_ns ? (double)r->wall_ns : 1;
	const struct vspin_stats *k = &r->cons, *p = &r->prod;
	char mode[32], pmode[32];

	mode_str(&c->policy, mode, sizeof(mode));
	mode_str(&c->prod_policy, pmode, sizeof(pmode));
	printf("run: mode %s event_idx %s ring %u prod-wait %s: sent %llu "
	       "received %llu returned %llu, errors %llu, lost wake-ups "
	       "%llu (used direction %llu)%s\n",
	       mode, c->event_idx ? "on" : "off", c->ring_size, pmode,
	       (unsigned long long)r->sent, (unsigned long long)r->received,
	       (unsigned long long)r->returned, (unsigned long long)r->errors,
	       (unsigned long long)r->lost_wakeups,
	       (unsigned long long)r->lost_wakeups_call,
	       r->timed_out ? ", TIMED OUT" : "");
	if (r->errors)
		printf("  first error: %s\n", r->first_error);
	printf("  producer: bursts %llu kicks %llu suppressed %llu | "
	       "arms %llu sleeps %llu wakeups %llu timeouts %llu\n",
	       (unsigned long long)r->bursts, (unsigned long long)p->notifies,
	       (unsigned long long)p->notifies_suppressed,
	       (unsigned long long)p->arms, (unsigned long long)p->sleeps,
	       (unsigned long long)p->wakeups,
	       (unsigned long long)p->sleep_timeouts);
	printf("  consumer: arms %llu rechecks_hit %llu sleeps %llu wakeups "
	       "%llu timeouts %llu (late kicks %llu) spurious %llu | calls "
	       "%llu suppressed %llu | window %.1f us\n",
	       (unsigned long long)k->arms,
	       (unsigned long long)k->arm_rechecks_hit,
	       (unsigned long long)k->sleeps, (unsigned long long)k->wakeups,
	       (unsigned long long)k->sleep_timeouts,
	       (unsigned long long)r->late_wakeups,
	       (unsigned long long)k->spurious_wakeups,
	       (unsigned long long)k->notifies,
	       (unsigned long long)k->notifies_suppressed,
	       r->tsc_hz ? (double)k->window_cycles * 1e6 / (double)r->tsc_hz :
			   0);
	printf("  wall %.1f ms, %.3f Mpps, consumer CPU %.0f%%, producer "
	       "CPU %.0f%%, preempted %llu (consumer) %llu (producer)\n",
	       wall / 1e6, (double)r->received * 1e3 / wall,
	       100.0 * (double)r->cons_cpu_ns / wall,
	       100.0 * (double)r->prod_cpu_ns / wall,
	       (unsigned long long)r->cons_preempted,
	       (unsigned long long)r->prod_preempted);
}
