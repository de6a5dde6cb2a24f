/* SPDX-License-Identifier: BSD-3-Clause
 * One direction of a virtio ring and its notification handshake
 * (lib/vspin/vspin_handshake.h), with x86-TSO memory: every store goes
 * through its process's FIFO store buffer and reaches memory when a
 * flusher process decides, so a store followed by a load of another word
 * can be reordered unless a full fence (wait until the buffer is empty)
 * sits between them. See README.md.
 *
 * Variants and mutants (spin -D...):
 *   EVENT_IDX    the consumer arms with the event index, else with the flag
 *   NO_P_FENCE   producer: no fence between its idx store and event load
 *   NO_C_FENCE   consumer: no fence between its event store and idx load
 *   NO_RECHECK   consumer: sleeps after arming without looking again
 *
 * Property: no lost wake-up. The producer publishes up to N entries and
 * may go quiet for ever after any burst. The consumer's sleep has no
 * timeout. When nothing can move any more (every store visible, P quiet,
 * C blocked in its sleep), C must have consumed everything P published:
 * otherwise C sleeps for ever on work it was never told about. The
 * monitor asserts exactly that in every such state; pan also reports any
 * other state where the system is stuck (an invalid end state).
 */

#ifndef N
#define N 5 /* most entries the producer publishes, bursts of 1 or 2 */
#endif

/* Indexes are bytes: no wrap with N small (the C tests cover the wrap). */
#define MASK 255

/* vspin_need_event(): event lies in [old, new), modular. */
#define need_event(ev, new, old) \
	((((new) - (ev) - 1) & MASK) < (((new) - (old)) & MASK))

/* Addresses of the shared words. */
#define IDX 0   /* the producer's index (avail->idx or used->idx) */
#define EVENT 1 /* the consumer's event index */
#define FLAG 2  /* the consumer's "do not notify" flag */

/*
 * Memory as every process sees it once stores are flushed. A fresh ring
 * is disarmed (vspin_vq_*_init): event one behind index 0, flag set.
 */
byte mem[3] = 0;

/* Store buffers: (address, value), drained in order. */
chan pbuf = [N] of { byte, byte };
chan cbuf = [3] of { byte, byte };

byte efd = 0; /* the eventfd: a counting semaphore */

/* Ghosts, for the property and the trails: no process decides on them. */
byte published = 0, consumed = 0;
byte kicks = 0, arms = 0;
mtype = { POLL, SPIN, ARMED, SLEEP };
mtype cstate = POLL; /* the consumer's state, as vspin_policy.h names it */

/* Make one buffered store visible, whenever the hardware likes. */
proctype flusher(chan buf)
{
	byte a, v;
end:
	do
	:: atomic {
		buf?a, v -> mem[a] = v;
		printf("   mem[%d] = %d visible (0 idx, 1 event, 2 flag)\n", a, v)
	   }
	od
}

/* A full fence: later loads wait until every earlier store is visible. */
#define fence(buf) (len(buf) == 0)

proctype producer()
{
	byte idx = 0, old, ev;
	bool notify;

	do
	:: idx < N ->
		old = idx;
		idx++;
		if
		:: idx < N -> idx++ /* a burst of two */
		:: true
		fi;
		published = idx;
		/* Store idx (release: TSO keeps the entries' stores first). */
		pbuf!IDX, idx;
#ifndef NO_P_FENCE
		fence(pbuf);
#endif
#ifdef EVENT_IDX
		ev = mem[EVENT];
		notify = need_event(ev, idx, old);
#else
		notify = (mem[FLAG] == 0);
#endif
		if
		:: notify ->
			/* The eventfd write is a syscall: it serialises. */
			atomic { fence(pbuf) -> efd++; kicks++ };
#ifdef EVENT_IDX
			/* One kick at most per arm (indexes do not wrap here). */
			assert(kicks <= arms);
#endif
			printf("P: published %d (from %d), kick\n", idx, old)
		:: else ->
			printf("P: published %d (from %d), no kick\n", idx, old)
		fi
	:: idx > 0 -> break /* quiet from now on */
	:: idx == N -> break
	od;
	printf("P: quiet after %d\n", idx)
}

/* The consumer quiets the producer again (a no-op with the event index). */
#ifdef EVENT_IDX
#define disarm() skip
#else
#define disarm() cbuf!FLAG, 1
#endif

proctype consumer()
{
	byte next = 0, seen;

poll:
	seen = mem[IDX]; /* never in its own buffer: only P stores idx */
	if
	:: seen != next ->
		printf("C: consumed up to %d\n", seen);
		next = seen;
		consumed = seen;
		cstate = POLL;
		goto poll
	:: else
	fi;
	/* Empty. Spin on, or arm: the policy's choice, any of them. */
	if
	:: cstate = SPIN; goto poll
	:: true
	fi;
	cstate = ARMED;
	arms++;
	printf("C: arms at %d\n", next);
#ifdef EVENT_IDX
	cbuf!EVENT, next;
#else
	cbuf!FLAG, 0;
#endif
#ifndef NO_C_FENCE
	fence(cbuf);
#endif
#ifndef NO_RECHECK
	if
	:: mem[IDX] != next ->
		printf("C: recheck found work\n");
		disarm();
		cstate = POLL;
		goto poll
	:: else
	fi;
#endif
	printf("C: sleeps, next %d\n", next);
	cstate = SLEEP;
	/*
	 * SLEEP: block with no timeout; the read (a syscall) clears the
	 * counter. Blocked here for ever is an end state only if nothing
	 * was left to consume: the monitor checks that.
	 */
end_sleep:
	atomic { efd > 0 && fence(cbuf) -> efd = 0 };
	printf("C: woken\n");
	disarm();
	cstate = POLL;
	goto poll
}

/* Runs only when no other process can move: the system is at rest. */
proctype monitor()
{
	timeout ->
	printf("at rest: published %d, consumed %d\n", published, consumed);
	assert(cstate == SLEEP); /* only the sleep blocks */
	assert(consumed == published) /* else: a lost wake-up */
}

init
{
	atomic {
#ifdef EVENT_IDX
		mem[EVENT] = MASK;
#else
		mem[FLAG] = 1;
#endif
		run flusher(pbuf);
		run flusher(cbuf);
		run producer();
		run consumer();
		run monitor()
	}
}
