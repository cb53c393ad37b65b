/* SPDX-License-Identifier: MIT */
/*
 * core/sqltext.c - SQL text rules shared by the dialects (see sqltext.h).
 */
#include "sqltext.h"

#include <string.h>

#include "sqlsplit.h"
#include "util.h"
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

/* ------------------------------------------------------------ offline */

/* The DELIMITERs tried, in order, for a MySQL body holding ';'.  Each is
 * punctuation (so core/sqlsplit.c reads the DELIMITER line back) and none
 * starts a comment ('#' would, for a reader that does not match the
 * delimiter first). */
static const char *const mysql_delimiters[] = { "//", "$$", ";;", "@@", "%%", "~~" };
#define N_MYSQL_DELIMITERS (sizeof(mysql_delimiters) / sizeof(mysql_delimiters[0]))

static int count_two(const char *stmt, size_t len, unsigned line, void *payload)
{
	(void)stmt;
	(void)len;
	(void)line;
	return ++*(unsigned *)payload >= 2;
}

/* Would the mysql client end this statement at one of its ';'?  Quoted and
 * commented ones do not count (the client's lexer knows quotes); text that
 * cannot be lexed is wrapped, to be safe. */
static int mysql_needs_delimiter(const char *s, size_t n)
{
	unsigned count = 0;
	int rc;
	if (!memchr(s, ';', n))
		return 0;
	rc = sqlsplit(s, n, SQLSPLIT_MYSQL & ~SQLSPLIT_DELIMITER, 1, count_two, &count, NULL);
	return rc < 0 || count >= 2;
}

static int holds(const char *s, size_t n, const char *what)
{
	size_t k = strlen(what), i;
	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, what, k) == 0)
			return 1;
	return 0;
}

static void put_terminator(struct rt_buf *b, const char *s, size_t n, int hash_comments)
{
	if (sqltext_last_line_has_comment(s, n, hash_comments))
		rt_buf_putc(b, '\n');
	rt_buf_putc(b, ';');
}

static int offline_statement(struct rt_buf *b, int family, const char *s, size_t n,
                             const char **why)
{
	size_t i;

	while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	switch (family) {
	case RETORT_FAMILY_MSSQL:
		/* Alembic: text + ";" then the "GO" batch separator as its own
		 * piece.  A batch that already ends in ';' keeps just one. */
		rt_buf_put(b, s, n);
		if (n == 0 || s[n - 1] != ';')
			put_terminator(b, s, n, 0);
		rt_buf_puts(b, "\n\nGO");
		return 0;
	case RETORT_FAMILY_ORACLE:
		/* Alembic: no terminator, then "/" as its own piece.  SQL*Plus
		 * ends a SQL statement at the blank line and runs it at "/";
		 * a PL/SQL block keeps its final "END;" and runs at "/" too. */
		rt_buf_put(b, s, n);
		rt_buf_puts(b, "\n\n/");
		return 0;
	case RETORT_FAMILY_MYSQL:
		if (!mysql_needs_delimiter(s, n))
			break;
		/* The script author wrote it in a DELIMITER block: so does the
		 * script, with a delimiter the body does not hold. */
		for (i = 0; i < N_MYSQL_DELIMITERS; i++)
			if (!holds(s, n, mysql_delimiters[i]))
				break;
		if (i == N_MYSQL_DELIMITERS) {
			*why = "no DELIMITER can wrap this statement for the mysql client: it "
			       "holds a ';' the client would end it at, and each of // $$ ;; @@ "
			       "%% ~~; change one of these in it (e.g. CONCAT('/', '/') for a "
			       "'//' in a string)";
			return RETORT_EUSAGE;
		}
		rt_buf_printf(b, "DELIMITER %s\n", mysql_delimiters[i]);
		rt_buf_put(b, s, n);
		rt_buf_printf(b, "\n%s\nDELIMITER ;", mysql_delimiters[i]);
		return 0;
	case RETORT_FAMILY_NONE:
	case RETORT_FAMILY_POSTGRESQL:
	case RETORT_FAMILY_SQLITE:
		break;
	default:
		return RETORT_ENOTSUPPORTED;
	}
	rt_buf_put(b, s, n);
	put_terminator(b, s, n, family == RETORT_FAMILY_MYSQL);
	return 0;
}

int sqltext_offline(struct rt_buf *b, int family, int what, const char *s, size_t n,
                    const char **why)
{
	int begin = what == RETORT_OFFLINE_BEGIN;

	*why = NULL;
	if (family < RETORT_FAMILY_NONE || family > RETORT_FAMILY_ORACLE)
		return RETORT_ENOTSUPPORTED;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
	case RETORT_OFFLINE_COMMIT:
		/* Alembic frames offline output only for the dialects whose
		 * impl says transactional_ddl: PostgreSQL and SQL Server.
		 * SQLite's says not (though SQLite rolls DDL back), and the
		 * script is Alembic's. */
		if (family == RETORT_FAMILY_POSTGRESQL)
			rt_buf_puts(b, begin ? "BEGIN;" : "COMMIT;");
		else if (family == RETORT_FAMILY_MSSQL)
			rt_buf_puts(b, begin ? "BEGIN TRANSACTION;" : "COMMIT;\n\nGO");
		return 0;
	case RETORT_OFFLINE_STATEMENT:
		return offline_statement(b, family, s ? s : "", s ? n : 0, why);
	default:
		return RETORT_ENOTSUPPORTED;
	}
}
