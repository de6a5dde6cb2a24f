/* SPDX-License-Identifier: BSD-3-Clause
 * vspin-traffic: what the roles share - the options, the port, the
 * run's clock and the report.
 */
#ifndef VT_H
#define VT_H

#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mempool.h>

enum vt_role { VT_GEN, VT_SINK };

#define VT_MAX_QUEUES 64u /* --queues */
#define VT_MAX_SEGS 8u	  /* --segs */
enum vt_pattern { VT_CONST, VT_POISSON, VT_ONOFF };

struct vt_conf {
	enum vt_role role;
	uint16_t port;
	double duration_s; /* gen: time sending; sink: cap (0: none) */
	double rate_pps;   /* gen: 0 is idle, < 0 is "max" (unpaced) */
	enum vt_pattern pattern;
	uint32_t on_us, off_us; /* on/off bursts */
	uint16_t burst;
	uint16_t size;	      /* frame length without CRC */
	uint16_t ring;	      /* descriptors per queue, 0: the PMD default */
	uint16_t mbuf_size;   /* packet bytes per mbuf, 0: DPDK's default */
	uint16_t segs;	      /* gen: mbuf segments a frame (VT_MAX_SEGS) */
	uint16_t queues;      /* rx and tx queues, all polled by one lcore */
	uint64_t count;	      /* gen: data packets to send (0: no limit) */
	uint64_t cost_cycles; /* sink: busy cycles per packet */
	uint32_t idle_ms;     /* sink: stop this long after the last packet */
	uint32_t interval_ms; /* sink: delivered rate sampled this often */
	uint32_t wait_s;      /* both: give up on the link / first packet */
	uint32_t warmup_ms;   /* gen: pause after link up */
	uint32_t linger_ms;   /* pause before closing the port */
	uint64_t seed;
	bool progress;
	bool payload; /* gen: fill a pattern after the header; sink: check it */
	const char *json_path; /* NULL: stdout */
};

/* Set by SIGINT/SIGTERM; every loop checks it. */
extern volatile sig_atomic_t vspin_traffic_quit;

/* Thread CPU time of the calling thread, in seconds. */
double vspin_traffic_thread_cpu_s(void);
/*
 * Minor page faults of the calling thread so far: with --no-huge a
 * consumer's first touch of each 4 KiB page of its peer's memory is one.
 */
uint64_t vspin_traffic_thread_minflt(void);
/* CLOCK_MONOTONIC in seconds. */
double vspin_traffic_wall_s(void);

/*
 * User-mode cycles and instructions of the calling thread (perf events),
 * read at the edges of the traffic window only: the cost per packet of
 * the data path, which other load on the machine changes much less than
 * the rate. ok is false where perf events are not allowed.
 */
struct vt_pmu {
	int fd, fd2; /* cycles (group leader), instructions */
	bool ok;
	uint64_t cycles, instructions; /* since vspin_traffic_pmu_start() */
};
void vspin_traffic_pmu_start(struct vt_pmu *p);
void vspin_traffic_pmu_stop(struct vt_pmu *p);

/*
 * Port set-up: queues rx and as many tx queues of ring descriptors (0: the
 * PMD's default), started. Returns 0 or -1.
 */
int vspin_traffic_port_init(uint16_t port, uint16_t queues, uint16_t ring,
			    struct rte_mempool *mp);
/* Wait up to wait_s for link up; returns true if it came up. */
bool vspin_traffic_port_wait_link(uint16_t port, uint32_t wait_s);
/* Tiny JSON writer: members of one flat-ish object, comma handled. */
struct vt_json {
	FILE *f;
	bool first[8];
	int depth;
};
void vspin_traffic_json_open(struct vt_json *j, FILE *f);
void vspin_traffic_json_obj(struct vt_json *j, const char *key);
void vspin_traffic_json_end(struct vt_json *j);
void vspin_traffic_json_u64(struct vt_json *j, const char *key, uint64_t v);
void vspin_traffic_json_dbl(struct vt_json *j, const char *key, double v);
void vspin_traffic_json_str(struct vt_json *j, const char *key, const char *v);
void vspin_traffic_json_dbl_array(struct vt_json *j, const char *key,
				  const double *v, unsigned int n);
void vspin_traffic_json_bool(struct vt_json *j, const char *key, bool v);

/* The port's name, driver and xstats as members "port" and "xstats". */
void vspin_traffic_port_json(struct vt_json *j, uint16_t port);

/* The roles: run, then write the JSON report to out. Return 0 or 1. */
int vspin_traffic_gen(const struct vt_conf *c, struct rte_mempool *mp,
		      FILE *out);
int vspin_traffic_sink(const struct vt_conf *c, FILE *out);

#endif /* VT_H */
