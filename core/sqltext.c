/* SPDX-License-Identifier: MIT */
/*
 * core/sqltext.c - SQL text rules shared by the dialects (see sqltext.h).
 */
#include "sqltext.h"

#include <retort/dialect.h>
#include "words.h"

int sqltext_requires_quotes(const char *name, int words)
{
	const char *p;

	if (!*name || (name[0] >= '0' && name[0] <= '9') || name[0] == '$')
		return 1;
	/* Oracle's preparer adds '_' to the illegal initial characters */
	if (words == RETORT_FAMILY_ORACLE && name[0] == '_')
		return 1;
	for (p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '$'))
			return 1;
	}
	return rt_words_reserved(words, name);
}

int sqltext_last_line_has_comment(const char *s, size_t n, int hash_comments)
{
	size_t i = n;

	while (i > 0 && s[i - 1] != '\n')
		i--;
	for (; i < n; i++) {
		if (s[i] == '-' && i + 1 < n && s[i + 1] == '-')
			return 1;
		if (hash_comments && s[i] == '#')
			return 1;
	}
	return 0;
}
