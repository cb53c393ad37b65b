/* SPDX-License-Identifier: MIT */
/*
 * core/printable.h - text made fit for a terminal: what retort prints
 * comes partly from elsewhere (version rows, script headers, arguments,
 * settings, database messages), and none of it may move the cursor,
 * recolour the screen or bury the message under megabytes of echoed input.
 */
#ifndef RETORT_CORE_PRINTABLE_H
#define RETORT_CORE_PRINTABLE_H

#include "util.h" /* IWYU pragma: export */

/* A word (run of bytes that are not blanks) longer than this is cut to
 * this many bytes and "…" (with RT_PRINT_CLIP). */
#define RT_PRINT_WORD_MAX 300
/* A message longer than this is cut here and ends in "…" (with RT_PRINT_CLIP). */
#define RT_PRINT_TOTAL_MAX 16384

#define RT_PRINT_CLIP 0x1u   /* cut over-long words and messages */

/*
 * Append s[0..len) with every control character but '\n' and '\t' (the C0
 * bytes, DEL, and the C1 controls U+0080..U+009F in UTF-8, which some
 * terminals obey) written as "\xHH" per byte, so that a version row holding
 * ESC[31m shows as \x1b[31m.  With RT_PRINT_CLIP, over-long words and
 * messages are cut (see above), on a UTF-8 character boundary.
 */
void rt_buf_put_printable(struct rt_buf *b, const char *s, size_t len, unsigned flags);

/* The same as a new string; NULL when out of memory. */
char *rt_printable(const char *s, unsigned flags);

#endif
