/* SPDX-License-Identifier: BSD-3-Clause
 * vspin-traffic: a traffic generator and sink for any ethdev port.
 *
 *   vspin-traffic <EAL args> -- --role gen|sink [options]
 *
 * Options, their parsing and the process around the roles live here.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "vt.h"
#include "vt_pkt.h"

#define VT_NB_MBUF 8191
/*
 * Each queue beyond the first: room for its rx ring and tx backlog (the
 * longest default: net_virtio_spin's adaptive rings, 1024 rx and 4096
 * tx, and a burst).
 */
#define VT_NB_MBUF_PER_QUEUE 6144
#define VT_MBUF_CACHE 256

/*
 * The pool: room for every queue's rx ring and tx backlog. A --ring
 * longer than the defaults needs more: rx set-up fills a ring from the
 * pool, and a tx ring keeps its mbufs until the PMD cleans it near full,
 * so a pool of 8191 under 32768-entry rings left the generator 224 mbufs
 * and then none.
 */
static unsigned int
pool_size(const struct vt_conf *conf)
{
	unsigned int n =
		VT_NB_MBUF + (conf->queues - 1u) * VT_NB_MBUF_PER_QUEUE;
	unsigned int rings = 2u * conf->ring * conf->queues + VT_NB_MBUF;

	return RTE_MAX(n, rings);
}

static void
usage_to(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s <EAL args> -- --role gen|sink [options]\n"
		" --port N        ethdev port (default 0)\n"
		" --duration S    gen: seconds of sending (default 5);\n"
		"                 sink: cap on the run (default 0: none)\n"
		" --rate R        gen: packets/s, k/M suffix; 'max' unpaced;\n"
		"                 0 or 'idle' sends nothing (default max)\n"
		" --pattern P     const, poisson or onoff (default const)\n"
		" --on-us U       onoff: on phase (default 1000)\n"
		" --off-us U      onoff: off phase (default 1000)\n"
		" --burst N       packets per rx/tx burst (default 32)\n"
		" --size B        frame bytes without CRC (default 64)\n"
		" --mbuf-size B   packet bytes per mbuf after the headroom\n"
		"                 (default 0: 2048); sink: below the frame\n"
		"                 size a packet arrives in several segments\n"
		"                 (gen: a frame is built in one mbuf)\n"
		" --segs N        gen: each frame in N mbuf segments, the\n"
		"                 first holding the header (default 1, at\n"
		"                 most 8): a chain of N + 1 descriptors on a\n"
		"                 virtio ring\n"
		" --ring N        descriptors per queue (default 0: the\n"
		"                 PMD's own default)\n"
		" --queues N      rx and tx queues, polled in turn by one\n"
		"                 lcore (default 1); gen: bursts go round the\n"
		"                 tx queues, each numbered from 0; sink: each\n"
		"                 rx queue checks its own sequence\n"
		" --count N       gen: stop after N data packets (default 0:\n"
		"                 the duration alone)\n"
		" --cost C        sink: busy TSC cycles per packet (0)\n"
		" --idle-ms M     sink: stop M ms after the last packet\n"
		"                 if no end-of-stream came (default 2000)\n"
		" --interval-ms M sink: delivered rate sampled every M ms\n"
		"                 into the JSON (default 100)\n"
		" --wait S        wait for link / first packet (default 30)\n"
		" --warmup-ms M   gen: pause after link up (default 200)\n"
		" --linger-ms M   gen: pause after end-of-stream (500);\n"
		"                 sink: keep the port open after the\n"
		"                 report (default 0)\n"
		" --seed N        gen: seed of the Poisson gaps\n"
		" --payload       gen: fill each payload with a pattern of\n"
		"                 its packet; sink: check it (bad_payload)\n"
		" --json FILE     the JSON report (default stdout)\n"
		" --quiet         no progress line\n"
		" --help          this text (also shown after EAL's own\n"
		"                 options by `%s --help`)\n",
		prog, prog);
}

static void
usage(const char *prog)
{
	usage_to(stderr, prog);
}

/* EAL's --help: ours follows EAL's own options. */
static void
usage_hook(const char *prog)
{
	usage_to(stdout, prog);
}

/*
 * `vspin-traffic -- --help` (or -h): the application's options, without
 * initialising EAL first (which could fail for lack of hugepages and hide
 * the help behind an unrelated error).
 */
static bool
app_help_requested(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	for (i++; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
	  uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end != '\0' || *s == '-' || v < min ||
	    v > max) {
		fprintf(stderr,
			"vspin-traffic: %s: '%s' is not an integer "
			"in [%" PRIu64 ", %" PRIu64 "]\n",
			opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0) || v > 1e6) {
		fprintf(stderr,
			"vspin-traffic: %s: '%s' is not a number of "
			"seconds in [0, 1e6]\n",
			opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* "max" -> -1, "idle" -> 0, else a rate with an optional k/M/G suffix. */
static int
parse_rate(const char *s, double *out)
{
	char *end;
	double v;

	if (strcmp(s, "max") == 0) {
		*out = -1;
		return 0;
	}
	if (strcmp(s, "idle") == 0) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (!errno && end != s) {
		if (*end == 'k' || *end == 'K')
			v *= 1e3, end++;
		else if (*end == 'M' || *end == 'm')
			v *= 1e6, end++;
		else if (*end == 'G' || *end == 'g')
			v *= 1e9, end++;
	}
	if (errno || end == s || *end != '\0' || !(v >= 0) || v > 1e10) {
		fprintf(stderr,
			"vspin-traffic: --rate: '%s' is not 'max', "
			"'idle' or a rate in packets/s (e.g. 250k, 1.5M)\n",
			s);
		return -1;
	}
	*out = v;
	return 0;
}

enum {
	OPT_ROLE = 256,
	OPT_PORT,
	OPT_DURATION,
	OPT_RATE,
	OPT_RING,
	OPT_MBUF_SIZE,
	OPT_QUEUES,
	OPT_COUNT,
	OPT_PATTERN,
	OPT_ON,
	OPT_OFF,
	OPT_BURST,
	OPT_SIZE,
	OPT_COST,
	OPT_IDLE,
	OPT_WAIT,
	OPT_WARMUP,
	OPT_LINGER,
	OPT_INTERVAL,
	OPT_SEED,
	OPT_PAYLOAD,
	OPT_SEGS,
	OPT_JSON,
	OPT_QUIET,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{"role", required_argument, NULL, OPT_ROLE},
	{"port", required_argument, NULL, OPT_PORT},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"rate", required_argument, NULL, OPT_RATE},
	{"pattern", required_argument, NULL, OPT_PATTERN},
	{"on-us", required_argument, NULL, OPT_ON},
	{"off-us", required_argument, NULL, OPT_OFF},
	{"burst", required_argument, NULL, OPT_BURST},
	{"size", required_argument, NULL, OPT_SIZE},
	{"ring", required_argument, NULL, OPT_RING},
	{"mbuf-size", required_argument, NULL, OPT_MBUF_SIZE},
	{"queues", required_argument, NULL, OPT_QUEUES},
	{"count", required_argument, NULL, OPT_COUNT},
	{"cost", required_argument, NULL, OPT_COST},
	{"idle-ms", required_argument, NULL, OPT_IDLE},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"interval-ms", required_argument, NULL, OPT_INTERVAL},
	{"warmup-ms", required_argument, NULL, OPT_WARMUP},
	{"linger-ms", required_argument, NULL, OPT_LINGER},
	{"seed", required_argument, NULL, OPT_SEED},
	{"payload", no_argument, NULL, OPT_PAYLOAD},
	{"segs", required_argument, NULL, OPT_SEGS},
	{"json", required_argument, NULL, OPT_JSON},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static int
parse_args(int argc, char **argv, struct vt_conf *c)
{
	bool have_role = false;
	uint64_t v = 0;
	int opt, rc = 0;

	*c = (struct vt_conf){
		.duration_s = -1,
		.rate_pps = -1,
		.pattern = VT_CONST,
		.on_us = 1000,
		.off_us = 1000,
		.burst = 32,
		.segs = 1,
		.queues = 1,
		.size = 64,
		.idle_ms = 2000,
		.interval_ms = 100,
		.wait_s = 30,
		.warmup_ms = 200,
		.linger_ms = UINT32_MAX, /* role's default, below */
		.progress = true,
	};
	optind = 1;
	while (rc == 0 &&
	       (opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_ROLE:
			have_role = true;
			if (strcmp(optarg, "gen") == 0) {
				c->role = VT_GEN;
			} else if (strcmp(optarg, "sink") == 0) {
				c->role = VT_SINK;
			} else {
				fprintf(stderr,
					"vspin-traffic: --role: '%s' "
					"is not gen or sink\n",
					optarg);
				rc = -1;
			}
			break;
		case OPT_PORT:
			rc = parse_u64("--port", optarg, 0,
				       RTE_MAX_ETHPORTS - 1, &v);
			c->port = (uint16_t)v;
			break;
		case OPT_DURATION:
			rc = parse_seconds("--duration", optarg,
					   &c->duration_s);
			break;
		case OPT_RATE:
			rc = parse_rate(optarg, &c->rate_pps);
			break;
		case OPT_PATTERN:
			if (strcmp(optarg, "const") == 0) {
				c->pattern = VT_CONST;
			} else if (strcmp(optarg, "poisson") == 0) {
				c->pattern = VT_POISSON;
			} else if (strcmp(optarg, "onoff") == 0) {
				c->pattern = VT_ONOFF;
			} else {
				fprintf(stderr,
					"vspin-traffic: --pattern: "
					"'%s' is not const, poisson or onoff\n",
					optarg);
				rc = -1;
			}
			break;
		case OPT_ON:
			rc = parse_u64("--on-us", optarg, 1, 10000000, &v);
			c->on_us = (uint32_t)v;
			break;
		case OPT_OFF:
			rc = parse_u64("--off-us", optarg, 0, 10000000, &v);
			c->off_us = (uint32_t)v;
			break;
		case OPT_BURST:
			rc = parse_u64("--burst", optarg, 1, 512, &v);
			c->burst = (uint16_t)v;
			break;
		case OPT_SIZE:
			rc = parse_u64("--size", optarg, VT_MIN_FRAME,
				       VT_MAX_FRAME, &v);
			c->size = (uint16_t)v;
			break;
		case OPT_RING:
			rc = parse_u64("--ring", optarg, 0, 32768, &v);
			c->ring = (uint16_t)v;
			break;
		case OPT_MBUF_SIZE:
			rc = parse_u64("--mbuf-size", optarg, 0,
				       65535 - RTE_PKTMBUF_HEADROOM, &v);
			c->mbuf_size = (uint16_t)v;
			if (rc == 0 && v != 0 && v < 128) {
				fprintf(stderr,
					"vspin-traffic: --mbuf-size: "
					"0 (default) or at least 128\n");
				rc = -1;
			}
			break;
		case OPT_QUEUES:
			rc = parse_u64("--queues", optarg, 1, VT_MAX_QUEUES,
				       &v);
			c->queues = (uint16_t)v;
			break;
		case OPT_COUNT:
			rc = parse_u64("--count", optarg, 0, UINT64_MAX,
				       &c->count);
			break;
		case OPT_COST:
			rc = parse_u64("--cost", optarg, 0, 100000000,
				       &c->cost_cycles);
			break;
		case OPT_IDLE:
			rc = parse_u64("--idle-ms", optarg, 1, 3600000, &v);
			c->idle_ms = (uint32_t)v;
			break;
		case OPT_INTERVAL:
			rc = parse_u64("--interval-ms", optarg, 1, 3600000, &v);
			c->interval_ms = (uint32_t)v;
			break;
		case OPT_WAIT:
			rc = parse_u64("--wait", optarg, 0, 3600, &v);
			c->wait_s = (uint32_t)v;
			break;
		case OPT_WARMUP:
			rc = parse_u64("--warmup-ms", optarg, 0, 60000, &v);
			c->warmup_ms = (uint32_t)v;
			break;
		case OPT_LINGER:
			rc = parse_u64("--linger-ms", optarg, 0, 60000, &v);
			c->linger_ms = (uint32_t)v;
			break;
		case OPT_SEED:
			rc = parse_u64("--seed", optarg, 0, UINT64_MAX,
				       &c->seed);
			break;
		case OPT_PAYLOAD:
			c->payload = true;
			break;
		case OPT_SEGS:
			rc = parse_u64("--segs", optarg, 1, VT_MAX_SEGS, &v);
			c->segs = (uint16_t)v;
			break;
		case OPT_JSON:
			c->json_path = optarg;
			break;
		case OPT_QUIET:
			c->progress = false;
			break;
		case OPT_HELP:
			usage(argv[0]);
			exit(0);
		default:
			rc = -1;
		}
	}
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "vspin-traffic: unexpected argument '%s'\n",
			argv[optind]);
		rc = -1;
	}
	if (rc == 0 && !have_role) {
		fprintf(stderr, "vspin-traffic: --role gen|sink is required\n");
		rc = -1;
	}
	/* The generator builds each frame in one mbuf. */
	if (rc == 0 && c->role == VT_GEN && c->mbuf_size != 0 &&
	    c->size > c->mbuf_size) {
		fprintf(stderr,
			"vspin-traffic: --size %u does not fit in one mbuf of "
			"--mbuf-size %u (the generator sends one segment)\n",
			c->size, c->mbuf_size);
		rc = -1;
	}
	/* Each segment past the first takes at least a byte of payload. */
	if (rc == 0 && c->segs > 1 && c->size < VT_MIN_FRAME + c->segs) {
		fprintf(stderr,
			"vspin-traffic: --size %u has %zu bytes after the "
			"header, too few for --segs %u\n",
			c->size, c->size - VT_MIN_FRAME, c->segs);
		rc = -1;
	}
	if (c->duration_s < 0)
		c->duration_s = c->role == VT_GEN ? 5 : 0;
	if (c->linger_ms == UINT32_MAX)
		c->linger_ms = c->role == VT_GEN ? 500 : 0;
	if (rc != 0)
		usage(argv[0]);
	return rc;
}

static void
on_signal(int sig)
{
	(void)sig;
	vspin_traffic_quit = 1;
}

/*
 * EAL leaves its runtime directory (/var/run/dpdk/<file-prefix>: the
 * config, the memseg lists' fbarrays, about 2 MB) behind at exit, and
 * each run here has a prefix of its own: thousands of runs of a sweep
 * would fill /run. Clean up EAL, then remove it (its files, no subdirs),
 * unless this process is a secondary: the directory is its primary's.
 */
static void
eal_cleanup_all(void)
{
	bool primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (!primary || dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    (int)sizeof(path))
			(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(dir);
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	struct vt_conf conf;
	struct sigaction sa;
	FILE *out = stdout;
	int n, rc;

	if (app_help_requested(argc, argv)) {
		usage_to(stdout, argv[0]);
		return 0;
	}
	rte_set_application_usage_hook(usage_hook);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "vspin-traffic: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	argv[n] = argv[0];
	if (parse_args(argc - n, argv + n, &conf) != 0) {
		eal_cleanup_all();
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Closing a vhost-user port whose peer already left writes to a
	 * dead socket: an error to handle, not a reason to die. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (conf.json_path != NULL) {
		out = fopen(conf.json_path, "w");
		if (out == NULL) {
			fprintf(stderr, "vspin-traffic: --json %s: %s\n",
				conf.json_path, strerror(errno));
			eal_cleanup_all();
			return 2;
		}
	}
	mp = rte_pktmbuf_pool_create(
		"vt_pool", pool_size(&conf), VT_MBUF_CACHE, 0,
		conf.mbuf_size ? conf.mbuf_size + RTE_PKTMBUF_HEADROOM :
				 RTE_MBUF_DEFAULT_BUF_SIZE,
		(int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "vspin-traffic: mbuf pool: %s\n",
			rte_strerror(rte_errno));
		rc = 2;
	} else if (vspin_traffic_port_init(conf.port, conf.queues, conf.ring,
					   mp) != 0) {
		rc = 2;
	} else {
		/* The roles poll from here: the main lcore, one thread. */
		rc = conf.role == VT_GEN ? vspin_traffic_gen(&conf, mp, out) :
					   vspin_traffic_sink(&conf, out);
		rte_eth_dev_stop(conf.port);
		rte_eth_dev_close(conf.port);
	}
	if (out != stdout)
		fclose(out);
	rte_mempool_free(mp);
	eal_cleanup_all();
	return rc;
}
