/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One job in two halves on two threads: fn(a) on the caller's thread,
 * fn(b) on a thread of its own that takes no signal (the daemon's loop
 * takes them), joined before the return; both on the caller's, one after
 * the other, when no thread can be made.
 */
#ifndef XDPFW_TWOTHREADS_H
#define XDPFW_TWOTHREADS_H

void two_threads(void *(*fn)(void *), void *a, void *b);

#endif
