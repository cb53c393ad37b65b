/*
 * lib/sqltext.c - SQL text rules shared by the dialect plugins (see
 * sqltext.h).
 */
#include <stdlib.h>
#include <string.h>

#include "sqltext.h"

static int cmp_word(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

int sqltext_requires_quotes(const char *name, const char *const *words, size_t n_words)
{
	const char *p;

	if (!*name || (name[0] >= '0' && name[0] <= '9') || name[0] == '$')
		return 1;
	for (p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '$'))
			return 1;
	}
	return n_words && bsearch(name, words, n_words, sizeof(words[0]), cmp_word) != NULL;
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
