/* SPDX-License-Identifier: BSD-3-Clause
 * The generator: sends stamped packets at a target rate with a chosen
 * arrival pattern, then one end-of-stream packet carrying the count sent.
 *
 * Departures follow a schedule in TSC cycles; each turn of the loop sends
 * every departure that is due (at most one burst), so a generator that
 * falls behind catches up in full bursts and the offered load holds on
 * average. Packets the port does not take (ring full) are retried first
 * on the next turn, restamped: latency counts from the accepted transmit.
 *
 * With several queues the turns go round the tx queues, one burst each;
 * every queue numbers its packets from 0 and keeps its unsent packets for
 * its next turn, so each queue's sequence stays in order, and each queue
 * ends with its own end-of-stream packet carrying its count. With a count
 * the generator stops once that many data packets have been built (all
 * of them are sent unless the duration ends first).
 *
 * At rate 0 (idle) the loop only polls the port's receive queue, as an
 * idle guest application would, so a PMD that sleeps in rx_burst shows
 * its idle CPU cost; at any other rate the pacing itself busy-waits.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "vt.h"
#include "vt_pkt.h"

#define VT_MAX_BURST 512
#define VT_EOS_TIMEOUT_S 2

struct sched {
	enum vt_pattern pattern;
	double next;   /* next departure, cycles since start */
	double gap;    /* mean gap between departures, cycles */
	double on_len; /* on/off: length of the on phase, cycles */
	double period; /* on/off: on + off, cycles */
	uint64_t rng;
};

/* xorshift64*: enough for exponential gaps, and reproducible by seed. */
static double
uniform01(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	/* 53 random bits, shifted into (0, 1]: log() never sees 0. */
	return ((double)((x * 0x2545F4914F6CDD1DULL) >> 11) + 1.0) /
	       9007199254740992.0;
}

static void
sched_init(struct sched *s, const struct vt_conf *c, uint64_t hz)
{
	*s = (struct sched){.pattern = c->pattern};
	s->gap = c->rate_pps > 0 ? (double)hz / c->rate_pps : 0;
	s->rng = c->seed ? c->seed : 0x9E3779B97F4A7C15ULL;
	if (c->pattern == VT_ONOFF) {
		s->on_len = (double)c->on_us * 1e-6 * (double)hz;
		s->period = s->on_len + (double)c->off_us * 1e-6 * (double)hz;
		/* Same mean rate: the period's packets go in the on phase. */
		s->gap *= s->on_len / s->period;
	}
}

static void
sched_advance(struct sched *s)
{
	double phase;

	switch (s->pattern) {
	case VT_CONST:
		s->next += s->gap;
		break;
	case VT_POISSON:
		s->next += -log(uniform01(&s->rng)) * s->gap;
		break;
	case VT_ONOFF:
		s->next += s->gap;
		phase = fmod(s->next, s->period);
		if (phase >= s->on_len)
			s->next += s->period - phase;
		break;
	}
}

static const char *const pattern_names[] = {"const", "poisson", "onoff"};

struct gen_result {
	uint64_t sent, tx_calls, tx_short, alloc_fail, rx_seen;
	uint64_t sent_q[VT_MAX_QUEUES];
	double active_s, wall_s, cpu_s;
	struct vt_pmu pmu; /* over the sending loop */
	bool eos;
};

/* One tx queue's packets built but not yet taken, and its numbering. */
struct gen_queue {
	struct rte_mbuf *pend[VT_MAX_BURST];
	unsigned int npend;
	uint64_t seq;
};

/* Send queue q's end-of-stream packet; true once the port took it. */
static bool
send_eos(const struct vt_conf *c, struct rte_mempool *mp, uint16_t q,
	 uint64_t sent)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t end = rte_rdtsc() + VT_EOS_TIMEOUT_S * hz;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct vt_hdr *h;

	if (m == NULL)
		return false;
	h = vt_pkt_build(m, c->size, VT_F_EOS, sent, sent, q);
	if (c->payload)
		vt_pkt_fill(m, h);
	/* Also after a signal: the sink then knows the exact count. */
	while (rte_rdtsc() < end) {
		h->tsc = rte_rdtsc();
		if (rte_eth_tx_burst(c->port, q, &m, 1) == 1)
			return true;
	}
	rte_pktmbuf_free(m);
	return false;
}

/*
 * m, one built frame, into segs segments: the bytes after the header are
 * shared out evenly, the first segment keeping the header and any
 * remainder, the others copied into new mbufs. -1 if the pool is short
 * (m is left whole).
 */
static int
split_segments(struct rte_mempool *mp, struct rte_mbuf *m, unsigned int segs)
{
	struct rte_mbuf *s[VT_MAX_SEGS - 1], *prev = m;
	uint16_t per = (uint16_t)((m->data_len - VT_MIN_FRAME) / segs);
	uint16_t off = (uint16_t)(m->data_len - per * (segs - 1));
	unsigned int i;

	if (segs < 2)
		return 0;
	if (rte_pktmbuf_alloc_bulk(mp, s, segs - 1) != 0)
		return -1;
	m->data_len = off;
	for (i = 0; i < segs - 1; i++) {
		memcpy(rte_pktmbuf_mtod(s[i], char *),
		       rte_pktmbuf_mtod_offset(m, char *, off), per);
		s[i]->data_len = per;
		off = (uint16_t)(off + per);
		prev->next = s[i];
		prev = s[i];
	}
	m->nb_segs = (uint16_t)segs;
	return 0;
}

static void
run(const struct vt_conf *c, struct rte_mempool *mp, struct gen_result *r)
{
	const uint64_t hz = rte_get_tsc_hz();
	struct rte_mbuf *rx[VT_MAX_BURST];
	uint64_t due[VT_MAX_BURST]; /* each packet's scheduled departure */
	struct gen_queue *gq, *queues;
	unsigned int room, ndue, i, k;
	uint64_t start, end, now, next_report, last_sent = 0, built = 0;
	uint16_t q = 0, nq = c->queues;
	double cpu0, wall0, t;
	struct sched s;

	queues = calloc(nq, sizeof(*queues));
	if (queues == NULL) {
		fprintf(stderr, "vspin-traffic: gen: out of memory\n");
		return;
	}
	sched_init(&s, c, hz);
	cpu0 = vspin_traffic_thread_cpu_s();
	wall0 = vspin_traffic_wall_s();
	vspin_traffic_pmu_start(&r->pmu);
	start = rte_rdtsc();
	end = start + (uint64_t)(c->duration_s * (double)hz);
	next_report = start + hz;
	for (;; q = (uint16_t)(q + 1 == nq ? 0 : q + 1)) {
		now = rte_rdtsc();
		if (now >= end || vspin_traffic_quit)
			break;
		if (c->progress && now >= next_report) {
			t = (double)(now - start) / (double)hz;
			fprintf(stderr,
				"gen  %6.1fs  sent %8.3f Mpps  total %12" PRIu64
				"  short bursts %" PRIu64 "\n",
				t, (double)(r->sent - last_sent) * 1e-6,
				r->sent, r->tx_short);
			last_sent = r->sent;
			next_report += hz;
		}
		if (c->rate_pps == 0) {
			k = rte_eth_rx_burst(c->port, q, rx, c->burst);
			r->rx_seen += k;
			rte_pktmbuf_free_bulk(rx, k);
			continue;
		}
		gq = &queues[q];
		room = c->burst - gq->npend;
		if (c->count != 0 && c->count - built < room)
			room = (unsigned int)(c->count - built);
		ndue = 0;
		if (c->rate_pps < 0) {
			ndue = room;
		} else {
			while (ndue < room && s.next <= (double)(now - start)) {
				due[ndue++] = start + (uint64_t)s.next;
				sched_advance(&s);
			}
		}
		if (ndue > 0) {
			if (rte_pktmbuf_alloc_bulk(mp, gq->pend + gq->npend,
						   ndue)) {
				/* Offered but never built: counted, skipped. */
				r->alloc_fail += ndue;
			} else {
				for (i = 0; i < ndue; i++) {
					struct rte_mbuf *m =
						gq->pend[gq->npend + i];
					const struct vt_hdr *h = vt_pkt_build(
						m, c->size, 0, gq->seq,
						c->rate_pps < 0 ? 0 : due[i],
						q);

					if (c->payload)
						vt_pkt_fill(m, h);
					/* Short of mbufs: as a failed alloc. */
					if (split_segments(mp, m, c->segs)) {
						rte_pktmbuf_free_bulk(
							gq->pend + gq->npend +
								i,
							ndue - i);
						r->alloc_fail += ndue - i;
						ndue = i;
						break;
					}
					gq->seq++;
				}
				gq->npend += ndue;
				built += ndue;
			}
		}
		if (gq->npend == 0) {
			if (c->count != 0 && r->sent == c->count)
				break; /* all built and all taken */
			continue;
		}
		for (i = 0; i < gq->npend; i++)
			vt_pkt_hdr(gq->pend[i])->tsc = now;
		k = rte_eth_tx_burst(c->port, q, gq->pend, (uint16_t)gq->npend);
		r->tx_calls++;
		r->sent += k;
		r->sent_q[q] += k;
		if (k < gq->npend) {
			r->tx_short++;
			memmove(gq->pend, gq->pend + k,
				(gq->npend - k) * sizeof(gq->pend[0]));
		}
		gq->npend -= k;
	}
	vspin_traffic_pmu_stop(&r->pmu);
	r->active_s = (double)(rte_rdtsc() - start) / (double)hz;
	r->eos = true;
	for (q = 0; q < nq; q++) {
		/* Built but never taken: not sent, so not counted. */
		rte_pktmbuf_free_bulk(queues[q].pend, queues[q].npend);
		if (!send_eos(c, mp, q, r->sent_q[q]))
			r->eos = false;
	}
	free(queues);
	r->cpu_s = vspin_traffic_thread_cpu_s() - cpu0;
	r->wall_s = vspin_traffic_wall_s() - wall0;
}

static void
report(const struct vt_conf *c, const struct gen_result *r, FILE *out)
{
	char offered[32], key[8];
	struct vt_json j;
	uint16_t q;

	if (c->rate_pps < 0)
		snprintf(offered, sizeof(offered), "max (unpaced)");
	else
		snprintf(offered, sizeof(offered), "%.0f pps", c->rate_pps);

	vspin_traffic_json_open(&j, out);
	vspin_traffic_json_str(&j, "role", "gen");
	vspin_traffic_json_obj(&j, "config");
	vspin_traffic_json_dbl(&j, "rate_pps", c->rate_pps);
	vspin_traffic_json_str(&j, "pattern", pattern_names[c->pattern]);
	vspin_traffic_json_u64(&j, "on_us", c->on_us);
	vspin_traffic_json_u64(&j, "off_us", c->off_us);
	vspin_traffic_json_u64(&j, "burst", c->burst);
	vspin_traffic_json_u64(&j, "size", c->size);
	vspin_traffic_json_u64(&j, "segs", c->segs);
	vspin_traffic_json_dbl(&j, "duration_s", c->duration_s);
	vspin_traffic_json_u64(&j, "queues", c->queues);
	vspin_traffic_json_u64(&j, "count", c->count);
	vspin_traffic_json_end(&j);
	vspin_traffic_json_u64(&j, "sent", r->sent);
	/* Per tx queue: the count its end-of-stream carries. */
	vspin_traffic_json_obj(&j, "sent_per_queue");
	for (q = 0; q < c->queues; q++) {
		snprintf(key, sizeof(key), "%u", q);
		vspin_traffic_json_u64(&j, key, r->sent_q[q]);
	}
	vspin_traffic_json_end(&j);
	vspin_traffic_json_dbl(
		&j, "sent_mpps",
		r->active_s > 0 ? (double)r->sent / r->active_s * 1e-6 : 0);
	vspin_traffic_json_u64(&j, "tx_calls", r->tx_calls);
	vspin_traffic_json_u64(&j, "tx_short_bursts", r->tx_short);
	vspin_traffic_json_u64(&j, "alloc_fail", r->alloc_fail);
	vspin_traffic_json_u64(&j, "rx_seen", r->rx_seen);
	vspin_traffic_json_bool(&j, "eos_sent", r->eos);
	vspin_traffic_json_dbl(&j, "active_s", r->active_s);
	vspin_traffic_json_dbl(&j, "wall_s", r->wall_s);
	vspin_traffic_json_dbl(&j, "cpu_s", r->cpu_s);
	if (r->pmu.ok) {
		vspin_traffic_json_u64(&j, "traffic_cycles", r->pmu.cycles);
		vspin_traffic_json_u64(&j, "traffic_instructions",
				       r->pmu.instructions);
	}
	vspin_traffic_json_dbl(&j, "cpu_pct",
			       r->wall_s > 0 ? 100 * r->cpu_s / r->wall_s : 0);
	vspin_traffic_json_u64(&j, "tsc_hz", rte_get_tsc_hz());
	vspin_traffic_port_json(&j, c->port);
	vspin_traffic_json_end(&j);
	fflush(out);

	fprintf(stderr,
		"\n== vspin-traffic gen on port %u ==\n"
		"offered  %s (%s), burst %u, %u-byte frames\n"
		"sent     %" PRIu64 " packets in %.2f s = %.3f Mpps\n"
		"tx       %" PRIu64 " calls, %" PRIu64
		" short (ring full), %" PRIu64 " alloc failures\n"
		"eos      %s\n"
		"cpu      %.1f%% of a core (%.3f s over %.3f s)\n",
		c->port, offered, pattern_names[c->pattern], c->burst, c->size,
		r->sent, r->active_s,
		r->active_s > 0 ? (double)r->sent / r->active_s * 1e-6 : 0,
		r->tx_calls, r->tx_short, r->alloc_fail,
		r->eos ? "sent" : "NOT sent (port never took it)",
		r->wall_s > 0 ? 100 * r->cpu_s / r->wall_s : 0, r->cpu_s,
		r->wall_s);
}

int
vspin_traffic_gen(const struct vt_conf *c, struct rte_mempool *mp, FILE *out)
{
	struct gen_result r = {0};

	if (c->queues > VT_MAX_QUEUES) {
		fprintf(stderr, "vspin-traffic: gen: at most %u queues\n",
			VT_MAX_QUEUES);
		return 1;
	}
	if (!vspin_traffic_port_wait_link(c->port, c->wait_s)) {
		fprintf(stderr,
			"vspin-traffic: gen: port %u: no link in %u s\n",
			c->port, c->wait_s);
		return 1;
	}
	/* Let the peer finish enabling its queues before the clock starts. */
	usleep(c->warmup_ms * 1000u);
	run(c, mp, &r);
	/* Let the peer drain the ring before this process's memory goes. */
	usleep(c->linger_ms * 1000u);
	report(c, &r, out);
	return r.eos ? 0 : 1;
}
