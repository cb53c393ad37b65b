/* SPDX-License-Identifier: MIT */
/*
 * tests/plugins/fake_v10.c - a plugin built for dialect ABI 1.0: its
 * struct ends before the 1.1 members query and column_type.  It must load,
 * and the core must report "does not support queries (ABI 1.0)" instead of
 * reading past its struct.
 */
#include <stddef.h>
#include <retort/dialect.h>
#define FAKE_NAME "fakev10"
#define FAKE_SCHEMES { "fakev10", NULL }
#define FAKE_ABI_MINOR 0
#define FAKE_STRUCT_SIZE offsetof(struct retort_dialect, query)
#include "fake_common.h"
RETORT_DIALECT_DEFINE(fake_v10, &fake_dialect, fake_host)
