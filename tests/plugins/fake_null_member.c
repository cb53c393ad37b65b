/* SPDX-License-Identifier: MIT */
/* tests/plugins/fake_null_member.c - right ABI and size, but a required
 * member (connect) is NULL: the loader must refuse it, naming the member,
 * rather than let retort call through a NULL pointer later. */
#define FAKE_NAME "fakenullmember"
#define FAKE_SCHEMES { "fakenullmember", NULL }
#include "fake_common.h"

static struct retort_dialect broken;

const struct retort_dialect *fake_null_member_LTX_retort_dialect_entry(
	const struct retort_host *host);
const struct retort_dialect *fake_null_member_LTX_retort_dialect_entry(
	const struct retort_host *host)
{
	fake_host = host;
	broken = fake_dialect;
	broken.connect = NULL;
	return &broken;
}
