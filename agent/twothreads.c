// SPDX-License-Identifier: GPL-2.0-only
#include "twothreads.h"

#include <pthread.h>
#include <signal.h>

void two_threads(void *(*fn)(void *), void *a, void *b)
{
	sigset_t all, old;
	pthread_t th;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&th, NULL, fn, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fn(a);
	if (r)
		fn(b);
	else
		pthread_join(th, NULL);
}
