/* SPDX-License-Identifier: MIT */
/* tests/plugins/fake_small.c - right ABI numbers, but a struct_size too
 * small to hold ABI 1.0's members (a corrupt or mis-built plugin). */
#define FAKE_NAME "fakesmall"
#define FAKE_SCHEMES { "fakesmall", NULL }
#define FAKE_STRUCT_SIZE 40
#include "fake_common.h"
RETORT_DIALECT_DEFINE(fake_small, &fake_dialect, fake_host)
