/* SPDX-License-Identifier: MIT */
/*
 * cli/suggest.h - "did you mean ...?" for a mistyped command or option:
 * the candidates closest to the word by edit distance (Levenshtein with
 * transpositions), or that the word is a prefix of.
 *
 *   struct rt_suggest sg;
 *   rt_suggest_init(&sg, word);
 *   rt_suggest_add(&sg, "upgrade"); ...
 *   fputs(rt_suggest_hint(&sg) ? ... : "", stderr);
 *   rt_suggest_free(&sg);
 */
#ifndef RETORT_CLI_SUGGEST_H
#define RETORT_CLI_SUGGEST_H

#include <stddef.h>

/* Words longer than this are compared with nothing (an argument of 100 KB
 * costs no quadratic work) and get no suggestion. */
#define RT_SUGGEST_MAX 64
/* At most this many candidates are named. */
#define RT_SUGGEST_NAMES 3

struct rt_suggest {
	const char *word;
	size_t best;                               /* score of the names so far */
	const char *names[RT_SUGGEST_NAMES];
	size_t n;
	char *hint;                                /* rt_suggest_hint's text */
};

void rt_suggest_init(struct rt_suggest *sg, const char *word);
/* Consider a candidate (borrowed until rt_suggest_free; duplicates are
 * named once). */
void rt_suggest_add(struct rt_suggest *sg, const char *candidate);
/* "; did you mean 'x'?" or "; did you mean 'x' or 'y'?", or NULL when no
 * candidate is close (or out of memory). */
const char *rt_suggest_hint(struct rt_suggest *sg);
void rt_suggest_free(struct rt_suggest *sg);

/* The distance itself: edits (insert, delete, substitute, swap two
 * neighbours) from a to b, or RT_SUGGEST_MAX + 1 when either is longer
 * than RT_SUGGEST_MAX. */
size_t rt_suggest_distance(const char *a, const char *b);

#endif
