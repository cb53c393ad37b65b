/* SPDX-License-Identifier: MIT */
/*
 * cli/suggest.c - see suggest.h.  Part of the CLI: it knows nothing of
 * migrations, only of words.
 */
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOO_FAR (RT_SUGGEST_MAX + 1)

size_t rt_suggest_distance(const char *a, const char *b)
{
	/* three rows of the optimal string alignment table */
	size_t rows[3][RT_SUGGEST_MAX + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t;
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > RT_SUGGEST_MAX || lb > RT_SUGGEST_MAX)
		return TOO_FAR;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

void rt_suggest_init(struct rt_suggest *sg, const char *word)
{
	memset(sg, 0, sizeof(*sg));
	sg->word = word;
	sg->best = TOO_FAR;
}

/* How close a candidate is: its edit distance, or 1 when the word is a
 * prefix of it ("hist" for "history"); TOO_FAR when it is not close: more
 * edits than a third of the candidate's length (at least one, at most 3). */
static size_t score(const char *word, const char *cand)
{
	size_t lw = strlen(word), lc = strlen(cand), d, limit;
	/* a prefix of two letters or more, past a leading "--" */
	size_t skip = strspn(word, "-");
	if (lw >= skip + 2 && lw < lc && strncmp(word, cand, lw) == 0)
		return 1;
	d = rt_suggest_distance(word, cand);
	limit = (lc - strspn(cand, "-")) / 3;
	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	return d <= limit && d < lw ? d : TOO_FAR;
}

void rt_suggest_add(struct rt_suggest *sg, const char *cand)
{
	size_t s, i;
	if (!sg->word || !cand)
		return;
	s = score(sg->word, cand);
	if (s == TOO_FAR || s > sg->best)
		return;
	if (s < sg->best) {
		sg->best = s;
		sg->n = 0;
	}
	for (i = 0; i < sg->n; i++)
		if (strcmp(sg->names[i], cand) == 0)
			return;
	if (sg->n < RT_SUGGEST_NAMES)
		sg->names[sg->n++] = cand;
}

const char *rt_suggest_hint(struct rt_suggest *sg)
{
	size_t i, len = 32;
	char *p;
	if (sg->n == 0)
		return NULL;
	for (i = 0; i < sg->n; i++)
		len += strlen(sg->names[i]) + 8;
	free(sg->hint);
	if (!(sg->hint = p = malloc(len)))
		return NULL;
	p += sprintf(p, "; did you mean ");
	for (i = 0; i < sg->n; i++)
		p += sprintf(p, "%s'%s'", i == 0 ? "" : i + 1 == sg->n ? " or " : ", ", sg->names[i]);
	strcpy(p, "?");
	return sg->hint;
}

void rt_suggest_free(struct rt_suggest *sg)
{
	free(sg->hint);
	sg->hint = NULL;
}
