/* SPDX-License-Identifier: BSD-3-Clause
 * The sink: receives, checks sequence numbers (loss, reordering,
 * duplicates), records latency from the sender's TSC stamp, and burns a
 * configured number of cycles per packet so that the consumer can be
 * made slower or faster than the producer.
 *
 * It waits for the link, then for the first packet, and stops on the
 * end-of-stream packet (exact loss: the sender says how many it sent),
 * idle_ms after the last packet, at the duration cap, or on a signal.
 * After the last end-of-stream it polls on for VT_DRAIN_MS: anything
 * that still comes (a packet replayed, a second end-of-stream) is
 * counted in after_eos, as is a data packet after its queue's
 * end-of-stream. A frame whose length (or whose segments' lengths) is
 * not what the sender stamped counts in bad_length; with --payload, one
 * whose bytes after the header are not its pattern (vt_pkt_fill()) in
 * bad_payload. A number at or above its queue's end-of-stream count was
 * never sent: it counts in beyond_eos (and in data_packets, as it came),
 * and fills no gap of lost.
 *
 * With several queues one lcore polls them in turn. Sequence numbers are
 * per queue (the generator numbers each tx queue from 0, and a vhost-user
 * link maps tx queue q to rx queue q): each rx queue checks its own
 * sequence, a packet stamped with another queue counts as misrouted, and
 * the run ends when every queue has seen its end-of-stream.
 */
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_pause.h>

#include "vt.h"
#include "vt_hist.h"
#include "vt_pkt.h"

#define VT_MAX_BURST 512
/* Duplicates are detected within this many sequence numbers. */
#define VT_WIN_BITS 20
#define VT_WIN (1ull << VT_WIN_BITS)
/* Delivered rate per interval, to see instability within a run. */
#define VT_SERIES_MAX 4096
/* Polling on after the last end-of-stream, for what should not come. */
#define VT_DRAIN_MS 20

/* One rx queue's sequence: what it received of its tx queue's packets. */
struct sink_queue {
	uint64_t data, dups, reordered, too_late, misrouted;
	uint64_t max_seq;
	bool any_seq;
	bool eos;
	uint64_t eos_count;
	uint64_t *seen; /* bitmap of the last VT_WIN sequence numbers */
};

struct sink_state {
	uint64_t rx, rx_bytes, data, foreign, dups, reordered, too_late;
	uint64_t misrouted, bad_len, bad_payload, after_eos;
	uint64_t clock_skew;
	bool eos;	    /* every queue's end-of-stream seen */
	uint16_t nb_eos;    /* queues whose end-of-stream came */
	uint64_t eos_count; /* the sum of their counts */
	uint64_t first_tsc, last_tsc;
	struct sink_queue *q; /* c->queues of them */
	struct vt_hist lat;
	/* From the schedule's departure: the sender's own waits too. */
	struct vt_hist lat_sched;
	double wall_s, cpu_s;
	/* At the first packet; after the run, the time since then. */
	double wall_first, cpu_first;
	uint64_t minflt_first, minflt_end; /* the thread's minor faults */
	struct vt_pmu pmu;		   /* first data packet to the end */
	double series[VT_SERIES_MAX]; /* Mpps per interval from the first */
	/* Per interval, the worst latency from the schedule (cycles). */
	uint64_t series_sched[VT_SERIES_MAX];
	uint64_t ivl_sched_max; /* cycles, in the current interval */
	unsigned int nseries;
	uint64_t sample_tsc, sample_data;
};

static inline bool
seen_test(const uint64_t *map, uint64_t seq)
{
	return (map[(seq % VT_WIN) >> 6] >> (seq & 63)) & 1;
}

static inline bool
seen_test_set(uint64_t *map, uint64_t seq)
{
	bool was = seen_test(map, seq);

	map[(seq % VT_WIN) >> 6] |= 1ull << (seq & 63);
	return was;
}

static inline void
seen_clear(uint64_t *map, uint64_t seq)
{
	map[(seq % VT_WIN) >> 6] &= ~(1ull << (seq & 63));
}

static inline void
account_seq(struct sink_queue *s, uint64_t seq)
{
	uint64_t q;

	if (!s->any_seq) {
		s->any_seq = true;
		s->max_seq = seq;
		seen_test_set(s->seen, seq);
		return;
	}
	if (seq > s->max_seq) {
		/* Forget what the window held for the numbers skipped. */
		if (seq - s->max_seq >= VT_WIN)
			memset(s->seen, 0, VT_WIN / 8);
		else
			for (q = s->max_seq + 1; q < seq; q++)
				seen_clear(s->seen, q);
		seen_clear(s->seen, seq);
		seen_test_set(s->seen, seq);
		s->max_seq = seq;
		return;
	}
	if (s->max_seq - seq >= VT_WIN) {
		s->too_late++; /* reordered beyond the window */
		s->reordered++;
		return;
	}
	if (seen_test_set(s->seen, seq))
		s->dups++;
	else
		s->reordered++;
}

/* The end of the run's measurements: CPU, wall time, counters. */
static void
measure_end(struct sink_state *s)
{
	if (s->wall_first != 0)
		vspin_traffic_pmu_stop(&s->pmu);
	s->cpu_s = vspin_traffic_thread_cpu_s();
	s->wall_s = vspin_traffic_wall_s();
	s->minflt_end = vspin_traffic_thread_minflt();
}

/* The frame is as long as its sender made it, and its segments add up. */
static inline bool
length_ok(const struct rte_mbuf *m, const struct vt_hdr *h)
{
	const struct rte_mbuf *seg;
	uint32_t sum = 0;
	uint16_t nsegs = 0;

	if (rte_pktmbuf_pkt_len(m) != h->len)
		return false;
	if (likely(m->nb_segs == 1))
		return m->data_len == h->len && m->next == NULL;
	for (seg = m; seg != NULL && nsegs <= m->nb_segs; seg = seg->next) {
		sum += seg->data_len;
		nsegs++;
	}
	return sum == h->len && nsegs == m->nb_segs;
}

static void
run(const struct vt_conf *c, struct sink_state *s)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t idle = (uint64_t)c->idle_ms * hz / 1000;
	struct rte_mbuf *pkts[VT_MAX_BURST];
	uint64_t start, now, t, cap, first_deadline, next_report, last_rx = 0;
	uint64_t until, last_data = 0, dups, reord, drain_end = 0;
	const uint64_t interval = (uint64_t)c->interval_ms * hz / 1000;
	const struct vt_hdr *h;
	struct sink_queue *sq;
	double cpu0, wall0;
	uint16_t n, i, q = 0, nq = c->queues;

	cpu0 = vspin_traffic_thread_cpu_s();
	wall0 = vspin_traffic_wall_s();
	start = rte_rdtsc();
	cap = c->duration_s > 0 ?
		      start + (uint64_t)(c->duration_s * (double)hz) :
		      UINT64_MAX;
	first_deadline = start + (uint64_t)c->wait_s * hz;
	next_report = start + hz;
	for (; !vspin_traffic_quit; q = (uint16_t)(q + 1 == nq ? 0 : q + 1)) {
		now = rte_rdtsc();
		if (s->eos && drain_end == 0) {
			/* The run ends here; the drain is not measured. */
			measure_end(s);
			drain_end = now + (uint64_t)VT_DRAIN_MS * hz / 1000;
		}
		if (drain_end != 0 && now >= drain_end)
			break;
		if (now >= cap)
			break;
		if (s->rx == 0 ? now >= first_deadline :
				 now - s->last_tsc >= idle)
			break;
		if (c->progress && now >= next_report) {
			for (dups = 0, reord = 0, i = 0; i < nq; i++) {
				dups += s->q[i].dups;
				reord += s->q[i].reordered;
			}
			fprintf(stderr,
				"sink %6.1fs  rx %8.3f Mpps  total %12" PRIu64
				"  dups %" PRIu64 "  reordered %" PRIu64 "\n",
				(double)(now - start) / (double)hz,
				(double)(s->data - last_data) * 1e-6, s->data,
				dups, reord);
			last_data = s->data;
			next_report += hz;
		}
		if (s->rx != 0 && now - s->sample_tsc >= interval &&
		    s->nseries < VT_SERIES_MAX) {
			/* The real elapsed time: a sleep in rx_burst may
			 * have stretched the interval. */
			s->series[s->nseries++] =
				(double)(s->data - s->sample_data) * 1e-6 *
				(double)hz / (double)(now - s->sample_tsc);
			s->series_sched[s->nseries - 1] = s->ivl_sched_max;
			s->ivl_sched_max = 0;
			s->sample_tsc = now;
			s->sample_data = s->data;
		}
		n = rte_eth_rx_burst(c->port, q, pkts, c->burst);
		if (n == 0)
			continue;
		t = rte_rdtsc();
		sq = &s->q[q];
		for (i = 0; i < n; i++) {
			s->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
			h = vt_pkt_parse(pkts[i]);
			if (h == NULL) {
				s->foreign++;
				continue;
			}
			if (h->queue != q) {
				/* Another queue's number: not ours to check. */
				sq->misrouted++;
				s->misrouted++;
				continue;
			}
			if (unlikely(!length_ok(pkts[i], h)))
				s->bad_len++;
			else if (c->payload && !(h->flags & VT_F_EOS) &&
				 unlikely(!vt_pkt_payload_ok(pkts[i], h)))
				s->bad_payload++; /* of data packets */
			if (h->flags & VT_F_EOS) {
				if (!sq->eos) {
					sq->eos = true;
					sq->eos_count = h->count;
					s->eos_count += h->count;
					s->eos = ++s->nb_eos == nq;
				} else {
					s->after_eos++; /* a second one */
				}
				continue;
			}
			if (unlikely(sq->eos))
				s->after_eos++; /* its queue had ended */
			s->data++;
			sq->data++;
			last_rx = t;
			account_seq(sq, h->seq);
			if (t >= h->tsc) {
				vt_hist_add(&s->lat, t - h->tsc);
			} else {
				/* TSCs of two cores disagree: count it. */
				s->clock_skew++;
				vt_hist_add(&s->lat, 0);
			}
			if (h->count != 0) {
				uint64_t late =
					t >= h->count ? t - h->count : 0;

				vt_hist_add(&s->lat_sched, late);
				if (late > s->ivl_sched_max)
					s->ivl_sched_max = late;
			}
		}
		rte_pktmbuf_free_bulk(pkts, n);
		if (s->rx == 0) {
			s->first_tsc = t;
			s->sample_tsc = t;
		}
		if (s->wall_first == 0 && s->data != 0) {
			/* Once: CPU over the traffic, without the wait. */
			s->cpu_first = vspin_traffic_thread_cpu_s();
			s->wall_first = vspin_traffic_wall_s();
			s->minflt_first = vspin_traffic_thread_minflt();
			vspin_traffic_pmu_start(&s->pmu);
		}
		s->rx += n;
		s->last_tsc = t;
		/* The per-packet cost knob: the consumer's work, on the TSC. */
		if (c->cost_cycles) {
			until = t + c->cost_cycles * n;
			while (rte_rdtsc() < until)
				rte_pause();
		}
	}
	/* Rate over the data, first packet to last data packet. */
	if (last_rx)
		s->last_tsc = last_rx;
	if (drain_end == 0)
		measure_end(s);
	if (s->wall_first != 0) {
		s->cpu_first = s->cpu_s - s->cpu_first;
		s->wall_first = s->wall_s - s->wall_first;
	}
	s->cpu_s -= cpu0;
	s->wall_s -= wall0;
	for (q = 0; q < nq; q++) {
		s->dups += s->q[q].dups;
		s->reordered += s->q[q].reordered;
		s->too_late += s->q[q].too_late;
	}
}

/* Exact with the sender's count; else up to the highest number. */
static uint64_t
queue_expected(const struct sink_queue *sq)
{
	return sq->eos ? sq->eos_count : (sq->any_seq ? sq->max_seq + 1 : 0);
}

/*
 * Distinct numbers at or above the end-of-stream's count (none was sent):
 * another run's packet, a corrupt number, or one the sender built and
 * freed unsent. Counted within the window of numbers kept.
 */
static uint64_t
queue_beyond_eos(const struct sink_queue *sq)
{
	uint64_t seq, from, n = 0;

	if (!sq->eos || !sq->any_seq || sq->max_seq < sq->eos_count)
		return 0;
	from = sq->max_seq - sq->eos_count >= VT_WIN ?
		       sq->max_seq - VT_WIN + 1 :
		       sq->eos_count;
	for (seq = from; seq <= sq->max_seq; seq++)
		n += seen_test(sq->seen, seq);
	return n;
}

static uint64_t
queue_lost(const struct sink_queue *sq)
{
	/* Too late to tell from a duplicate: never counted as received. */
	uint64_t unique = sq->data - sq->dups - sq->too_late;
	uint64_t expected = queue_expected(sq);

	/* A number never sent fills no gap. */
	unique -= queue_beyond_eos(sq);
	return expected > unique ? expected - unique : 0;
}

static double
cyc_to_ns(uint64_t c, uint64_t hz)
{
	return (double)c * 1e9 / (double)hz;
}

static void
report(const struct vt_conf *c, const struct sink_state *s, FILE *out)
{
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t expected = 0, lost = 0, beyond = 0;
	double active =
		s->last_tsc > s->first_tsc ?
			(double)(s->last_tsc - s->first_tsc) / (double)hz :
			0;
	double mpps = active > 0 ? (double)s->data / active * 1e-6 : 0;
	const struct vt_hist *l = &s->lat; /* then lat_sched */
	double p50 = cyc_to_ns(vspin_traffic_hist_quantile(l, 0.50), hz);
	double p99 = cyc_to_ns(vspin_traffic_hist_quantile(l, 0.99), hz);
	double p999 = cyc_to_ns(vspin_traffic_hist_quantile(l, 0.999), hz);
	double sched_us[VT_SERIES_MAX];
	unsigned int i;
	const struct sink_queue *sq;
	struct vt_json j;
	char key[8];
	uint16_t q;

	for (q = 0; q < c->queues; q++) {
		expected += queue_expected(&s->q[q]);
		lost += queue_lost(&s->q[q]);
		beyond += queue_beyond_eos(&s->q[q]);
	}

	vspin_traffic_json_open(&j, out);
	vspin_traffic_json_str(&j, "role", "sink");
	vspin_traffic_json_obj(&j, "config");
	vspin_traffic_json_u64(&j, "cost_cycles", c->cost_cycles);
	vspin_traffic_json_u64(&j, "burst", c->burst);
	vspin_traffic_json_u64(&j, "idle_ms", c->idle_ms);
	vspin_traffic_json_dbl(&j, "duration_s", c->duration_s);
	vspin_traffic_json_u64(&j, "queues", c->queues);
	vspin_traffic_json_end(&j);
	vspin_traffic_json_u64(&j, "rx_packets", s->rx);
	vspin_traffic_json_u64(&j, "rx_bytes", s->rx_bytes);
	vspin_traffic_json_u64(&j, "data_packets", s->data);
	vspin_traffic_json_u64(&j, "foreign_packets", s->foreign);
	vspin_traffic_json_bool(&j, "eos", s->eos);
	if (s->pmu.ok) {
		vspin_traffic_json_u64(&j, "traffic_cycles", s->pmu.cycles);
		vspin_traffic_json_u64(&j, "traffic_instructions",
				       s->pmu.instructions);
	}
	vspin_traffic_json_u64(&j, "expected", expected);
	vspin_traffic_json_u64(&j, "lost", lost);
	vspin_traffic_json_bool(&j, "loss_exact", s->eos);
	vspin_traffic_json_u64(&j, "duplicates", s->dups);
	vspin_traffic_json_u64(&j, "reordered", s->reordered);
	vspin_traffic_json_u64(&j, "reordered_beyond_window", s->too_late);
	vspin_traffic_json_u64(&j, "misrouted", s->misrouted);
	vspin_traffic_json_u64(&j, "bad_length", s->bad_len);
	vspin_traffic_json_bool(&j, "payload_checked", c->payload);
	vspin_traffic_json_u64(&j, "bad_payload", s->bad_payload);
	vspin_traffic_json_u64(&j, "beyond_eos", beyond);
	vspin_traffic_json_u64(&j, "after_eos", s->after_eos);
	vspin_traffic_json_u64(&j, "clock_skew", s->clock_skew);
	/* Each rx queue's own sequence check. */
	vspin_traffic_json_obj(&j, "per_queue");
	for (q = 0; q < c->queues; q++) {
		sq = &s->q[q];
		snprintf(key, sizeof(key), "%u", q);
		vspin_traffic_json_obj(&j, key);
		vspin_traffic_json_u64(&j, "data_packets", sq->data);
		vspin_traffic_json_bool(&j, "eos", sq->eos);
		vspin_traffic_json_u64(&j, "expected", queue_expected(sq));
		vspin_traffic_json_u64(&j, "lost", queue_lost(sq));
		vspin_traffic_json_u64(&j, "beyond_eos", queue_beyond_eos(sq));
		vspin_traffic_json_u64(&j, "duplicates", sq->dups);
		vspin_traffic_json_u64(&j, "reordered", sq->reordered);
		vspin_traffic_json_u64(&j, "misrouted", sq->misrouted);
		vspin_traffic_json_end(&j);
	}
	vspin_traffic_json_end(&j);
	vspin_traffic_json_dbl(&j, "active_s", active);
	vspin_traffic_json_dbl(&j, "mpps", mpps);
	vspin_traffic_json_obj(&j, "latency_ns");
	vspin_traffic_json_u64(&j, "count", l->count);
	vspin_traffic_json_dbl(&j, "min", l->count ? cyc_to_ns(l->min, hz) : 0);
	vspin_traffic_json_dbl(
		&j, "mean",
		l->count ? cyc_to_ns(l->sum, hz) / (double)l->count : 0);
	vspin_traffic_json_dbl(&j, "p50", p50);
	vspin_traffic_json_dbl(&j, "p99", p99);
	vspin_traffic_json_dbl(&j, "p999", p999);
	vspin_traffic_json_dbl(&j, "max", cyc_to_ns(l->max, hz));
	vspin_traffic_json_end(&j);
	/* Paced loads only (count 0 where nothing was scheduled). */
	l = &s->lat_sched;
	vspin_traffic_json_obj(&j, "latency_sched_ns");
	vspin_traffic_json_u64(&j, "count", l->count);
	vspin_traffic_json_dbl(
		&j, "p99", cyc_to_ns(vspin_traffic_hist_quantile(l, 0.99), hz));
	vspin_traffic_json_dbl(
		&j, "p999",
		cyc_to_ns(vspin_traffic_hist_quantile(l, 0.999), hz));
	vspin_traffic_json_end(&j);
	vspin_traffic_json_u64(&j, "interval_ms", c->interval_ms);
	vspin_traffic_json_dbl_array(&j, "interval_mpps", s->series,
				     s->nseries);
	for (i = 0; i < s->nseries; i++)
		sched_us[i] = cyc_to_ns(s->series_sched[i], hz) / 1000;
	vspin_traffic_json_dbl_array(&j, "interval_sched_max_us", sched_us,
				     s->nseries);
	vspin_traffic_json_dbl(&j, "wall_s", s->wall_s);
	vspin_traffic_json_dbl(&j, "cpu_s", s->cpu_s);
	vspin_traffic_json_dbl(&j, "cpu_pct",
			       s->wall_s > 0 ? 100 * s->cpu_s / s->wall_s : 0);
	/* From the first packet on: without the wait for the generator. */
	vspin_traffic_json_dbl(&j, "traffic_wall_s", s->wall_first);
	vspin_traffic_json_dbl(
		&j, "traffic_cpu_pct",
		s->wall_first > 0 ? 100 * s->cpu_first / s->wall_first : 0);
	vspin_traffic_json_u64(
		&j, "traffic_minor_faults",
		s->wall_first > 0 ? s->minflt_end - s->minflt_first : 0);
	vspin_traffic_json_u64(&j, "tsc_hz", hz);
	vspin_traffic_port_json(&j, c->port);
	vspin_traffic_json_end(&j);
	fflush(out);

	fprintf(stderr,
		"\n== vspin-traffic sink on port %u ==\n"
		"received  %" PRIu64 " data packets in %.2f s = %.3f Mpps"
		" (%" PRIu64 " foreign)\n"
		"loss      %" PRIu64 " of %" PRIu64 " (%s)\n"
		"order     %" PRIu64 " reordered, %" PRIu64 " duplicates\n"
		"latency   p50 %.1f us  p99 %.1f us  p99.9 %.1f us"
		"  max %.1f us\n"
		"cost      %" PRIu64 " cycles per packet\n"
		"cpu       %.1f%% of a core (%.3f s over %.3f s)\n",
		c->port, s->data, active, mpps, s->foreign, lost, expected,
		s->eos ? "exact: end-of-stream seen" :
			 "no end-of-stream: up to the highest number",
		s->reordered, s->dups, p50 * 1e-3, p99 * 1e-3, p999 * 1e-3,
		cyc_to_ns(l->max, hz) * 1e-3, c->cost_cycles,
		s->wall_s > 0 ? 100 * s->cpu_s / s->wall_s : 0, s->cpu_s,
		s->wall_s);
}

int
vspin_traffic_sink(const struct vt_conf *c, FILE *out)
{
	struct sink_state *s;
	uint16_t q;
	int ret = 1;

	if (!vspin_traffic_port_wait_link(c->port, c->wait_s)) {
		fprintf(stderr,
			"vspin-traffic: sink: port %u: no link in %u s\n",
			c->port, c->wait_s);
		return 1;
	}
	s = calloc(1, sizeof(*s));
	if (s != NULL)
		s->q = calloc(c->queues, sizeof(*s->q));
	for (q = 0; s != NULL && s->q != NULL && q < c->queues; q++)
		if ((s->q[q].seen = calloc(VT_WIN / 64, 8)) == NULL)
			break;
	if (s == NULL || s->q == NULL || q < c->queues) {
		fprintf(stderr, "vspin-traffic: sink: out of memory\n");
		goto out;
	}
	vspin_traffic_hist_init(&s->lat);
	vspin_traffic_hist_init(&s->lat_sched);
	run(c, s);
	report(c, s, out);
	/* A peer that reads its port's counters after our end-of-stream
	 * (a vhost port's counters need the frontend attached) gets time. */
	usleep(c->linger_ms * 1000u);
	ret = s->rx > 0 ? 0 : 1;
out:
	for (q = 0; s != NULL && s->q != NULL && q < c->queues; q++)
		free(s->q[q].seen);
	if (s != NULL)
		free(s->q);
	free(s);
	return ret;
}
