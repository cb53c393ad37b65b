/* SPDX-License-Identifier: MIT */
/* tests/plugins/fake_abi_major.c - built for a future major ABI. */
#define FAKE_NAME "fakeabimajor"
#define FAKE_SCHEMES { "fakeabimajor", NULL }
#define FAKE_ABI_MAJOR (RETORT_DIALECT_ABI_MAJOR + 1)
#define FAKE_ABI_MINOR 0
#include "fake_common.h"
RETORT_DIALECT_DEFINE(fake_abi_major, &fake_dialect, fake_host)
