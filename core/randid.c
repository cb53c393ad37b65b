/* SPDX-License-Identifier: MIT */
/*
 * core/randid.c - random revision ids.  See randid.h.
 */
#include "randid.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* Fill buf with n bytes from getrandom(2), retrying interrupted and short
 * reads.  0, or -1 with errno set. */
static int random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		/* requests of up to 256 bytes never return short once the pool is
		 * initialised; the loop covers EINTR and larger requests anyway */
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

int rt_randid(char out[RT_RANDID_LEN + 1], struct rt_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[RT_RANDID_LEN / 2];
	int i;
	if (random_bytes(r, sizeof(r)) < 0)
		return rt_err_set(err, RT_EXIT_DB, "cannot get random bytes for a revision id "
		                  "(getrandom: %s); pass --rev-id ID", strerror(errno));
	for (i = 0; i < RT_RANDID_LEN / 2; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[RT_RANDID_LEN] = '\0';
	return 0;
}
