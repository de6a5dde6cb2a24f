/* SPDX-License-Identifier: BSD-3-Clause
 * Inside the two-process harness: the shared memory layout, the packet
 * format, the random generator and the sleeping side of a direction.
 */
#ifndef VSPIN_PAIR_PRIV_H
#define VSPIN_PAIR_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vspin_clock.h"
#include "vspin_pair.h"
#include "vspin_policy.h"
#include "vspin_sleeper.h"
#include "vspin_vq_device.h"
#include "vspin_vq_driver.h"

#define PAIR_CACHE_LINE 64
#define PAIR_PKT_MIN 16 /* the header below */

/*
 * Head of the memfd. Each process writes its own line only; the stamps
 * (see vspin_pair_sleep.c) follow, then the ring, then the buffers.
 */
struct pair_shared {
	/* Written by the parent. */
	uint64_t start_tsc __attribute__((aligned(PAIR_CACHE_LINE)));
	uint32_t go;
	/* Written by the child. */
	uint32_t ready __attribute__((aligned(PAIR_CACHE_LINE)));
	uint32_t done;
	/* Written by either side: stop now (deadline or fatal error). */
	uint32_t abort __attribute__((aligned(PAIR_CACHE_LINE)));
	/* The child's half of the result, copied at the end. */
	struct vspin_pair_result child
		__attribute__((aligned(PAIR_CACHE_LINE)));
};

/* Everything one run needs, set up by the parent before the fork. */
struct pair_ctx {
	const struct vspin_pair_conf *conf;
	struct pair_shared *sh;
	uint64_t *avail_stamp; /* by avail slot, written by the producer */
	uint64_t *used_stamp;  /* by used slot, written by the consumer */
	struct vspin_vring vr;
	uint8_t *bufs; /* ring_size buffers of buf_size bytes */
	uint32_t buf_size;
	int kick_fd, call_fd;
	uint64_t hz;
	uint64_t deadline; /* TSC */
	pid_t parent;
};

/* The packet: a header, then bytes derived from seq. */
struct pair_pkt {
	uint64_t seq;
	uint32_t len; /* whole packet, header included */
	uint32_t hash;
	uint8_t data[];
};

/* splitmix64: a good 64-bit mix of the sequence number. */
static inline uint64_t
pair_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* Length of packet seq, in [PAIR_PKT_MIN, pkt_max]. */
static inline uint32_t
pair_pkt_len(uint64_t seq, uint32_t pkt_max)
{
	return PAIR_PKT_MIN + (uint32_t)(pair_mix(seq ^ 0x5a5a) %
					 (pkt_max - PAIR_PKT_MIN + 1));
}

static inline uint8_t
pair_pkt_byte(uint64_t h, uint32_t i)
{
	return (uint8_t)((h >> ((i & 7) * 8)) + i);
}

/* xorshift64*: the producer's bursts and gaps. */
static inline uint64_t
pair_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1du;
}

static inline void
pair_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Busy work of the given number of TSC cycles (the per-packet cost). */
static inline void
pair_busy(uint64_t cycles)
{
	uint64_t t0;

	if (cycles == 0)
		return;
	t0 = vspin_rdtsc();
	while (vspin_rdtsc() - t0 < cycles)
		pair_relax();
}

/*
 * The consumer of one direction: its policy, the eventfd it sleeps on, the
 * peer's publish stamps, and what its sleeps saw.
 */
struct pair_waiter {
	struct vspin_policy pol;
	struct vspin_sleeper sleeper; /* the PMDs' sleep path, the same code */
	struct vspin_notify_dir dir;
	int fd;
	uint16_t next; /* the next entry when it last armed */
	uint16_t k;    /* it armed for the k-th entry from next */
	const uint64_t *stamp;
	uint32_t num;
	uint64_t lost;
	uint64_t late; /* timeouts with work whose kick was still coming */
	int64_t lost_first_age; /* TSC cycles, first lost wake-up */
};

void vspin_pair_waiter_init(struct pair_waiter *w,
			    const struct vspin_policy_conf *pc, uint64_t hz,
			    struct vspin_stats *stats,
			    const struct vspin_notify_dir *dir, int fd,
			    const uint64_t *stamp, uint32_t num);

/*
 * After a poll that found n entries, next being the index of the next
 * entry to consume: let the policy decide, and maybe arm and sleep.
 */
void vspin_pair_waiter_poll(struct pair_waiter *w, unsigned int n,
			    uint16_t next);

/* Done: the sleeper lets go of its fd. */
void vspin_pair_waiter_fini(struct pair_waiter *w);

/*
 * The producer of a direction, after publishing entries [from, to) and
 * notifying if needed: stamp them as fully published (vspin_pair_sleep.c).
 */
void vspin_pair_stamp(uint64_t *stamp, uint32_t num, uint16_t from,
		      uint16_t to);

/*
 * The driver side. new() lays out and zeroes the ring (before the fork);
 * produce() sends every packet and waits until all came back.
 */
struct pair_producer;
struct pair_producer *vspin_pair_producer_new(struct pair_ctx *c,
					      struct vspin_pair_result *res);
void vspin_pair_produce(struct pair_producer *p);
void vspin_pair_producer_free(struct pair_producer *p);

/*
 * The device side, in the child: takes, checks and returns every packet.
 * vq was set up by the parent before the fork (its ring words are then
 * in place before the producer starts); its counters are res->cons.
 */
void vspin_pair_consume(struct pair_ctx *c, struct vspin_vq_dev *vq,
			struct vspin_pair_result *res);

/* Record an error; the first one is described in res->first_error. */
void vspin_pair_error(struct vspin_pair_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* VSPIN_PAIR_PRIV_H */
