/* SPDX-License-Identifier: MIT */
/* tests/plugins/fake_abi_minor.c - built for a newer minor ABI than ours. */
#define FAKE_NAME "fakeabiminor"
#define FAKE_SCHEMES { "fakeabiminor", NULL }
#define FAKE_ABI_MINOR (RETORT_DIALECT_ABI_MINOR + 1)
#include "fake_common.h"
RETORT_DIALECT_DEFINE(fake_abi_minor, &fake_dialect, fake_host)
