/* SPDX-License-Identifier: BSD-3-Clause
 * Handing a line this core wrote to the peer's core.
 *
 * A consumer on another core that reads a line this core holds modified
 * waits for a snoop of this core. x86's CLDEMOTE moves such a line out
 * to the shared cache ahead of that read, where the consumer finds it
 * sooner. It is a hint: a CPU without it executes a NOP (the encoding
 * lies in x86's reserved-NOP space), and other architectures get nothing.
 */
#ifndef VSPIN_CACHE_H
#define VSPIN_CACHE_H

#define VSPIN_CACHE_LINE 64

static inline void
vspin_cache_demote(const volatile void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("cldemote %0" : : "m"(*(const volatile char *)p));
#else
	(void)p;
#endif
}

#endif /* VSPIN_CACHE_H */
