/*
 * plugins/odbc/odbc_flavour.c - what the odbc plugin knows without talking
 * to a driver: per-flavour rules, SQL text as Alembic writes it, and the
 * translation of a retort URL into an ODBC connection string.
 *
 * The SQL text matches Alembic's offline output byte for byte (tests
 * regenerate it with Alembic and compare): identifiers are quoted exactly
 * when SQLAlchemy quotes them (odbc_words.h holds its reserved words), the
 * version table DDL is SQLAlchemy's CREATE TABLE, and statements carry
 * Alembic's command terminator and batch separator.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc_int.h"
#include "plugutil.h"
#include "sqlsplit.h"
#include "sqltext.h"
#include "odbc_words.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Capabilities: every flavour runs statements with autocommit on, so a
 * script can always run outside a transaction. */
#define CAPS_COMMON RETORT_CAP_NONTX_SCRIPTS

static const struct odbc_flavour_info flavours[] = {
	{ ODBC_FL_MSSQL, "mssql", SQLSPLIT_MSSQL,
	  CAPS_COMMON | RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK |
		  RETORT_CAP_SCHEMAS,
	  '[', ']', 0, "VARCHAR(32)", "BEGIN TRANSACTION;", "COMMIT",
	  words_mssql, N_OF(words_mssql) },
	/* Oracle DDL commits implicitly: no transactional DDL, and offline
	 * output has no BEGIN/COMMIT (as Alembic's). */
	{ ODBC_FL_ORACLE, "oracle", SQLSPLIT_ORACLE,
	  CAPS_COMMON | RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS,
	  '"', '"', 0, "VARCHAR2(32 CHAR)", "", "",
	  words_oracle, N_OF(words_oracle) },
	{ ODBC_FL_POSTGRESQL, "postgresql", SQLSPLIT_POSTGRESQL,
	  CAPS_COMMON | RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK |
		  RETORT_CAP_SCHEMAS,
	  '"', '"', 0, "VARCHAR(32)", "BEGIN;", "COMMIT",
	  words_postgresql, N_OF(words_postgresql) },
	{ ODBC_FL_MYSQL, "mysql", SQLSPLIT_MYSQL,
	  CAPS_COMMON | RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS,
	  '`', '`', 1, "VARCHAR(32)", "", "",
	  words_mysql, N_OF(words_mysql) },
	/* SQLite rolls DDL back, but has no server-side lock.  Alembic treats
	 * it as non-transactional in offline output (no BEGIN/COMMIT). */
	{ ODBC_FL_SQLITE, "sqlite", SQLSPLIT_SQLITE,
	  CAPS_COMMON | RETORT_CAP_TRANSACTIONAL_DDL,
	  '"', '"', 0, "VARCHAR(32)", "", "",
	  words_sqlite, N_OF(words_sqlite) },
};

/* ASCII-only case-insensitive comparisons (no locale surprises). */
static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int ieq(const char *a, const char *b)
{
	while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

static int iprefix(const char *s, const char *prefix)
{
	while (*prefix && lower((unsigned char)*s) == lower((unsigned char)*prefix)) {
		s++;
		prefix++;
	}
	return *prefix == '\0';
}

static int icontains(const char *s, const char *needle)
{
	for (; *s; s++)
		if (iprefix(s, needle))
			return 1;
	return 0;
}

const struct odbc_flavour_info *odbc_flavour_get(enum odbc_flavour f)
{
	size_t i;
	for (i = 0; i < N_OF(flavours); i++)
		if (flavours[i].id == f)
			return &flavours[i];
	return NULL;
}

enum odbc_flavour odbc_flavour_by_name(const char *name)
{
	static const struct { const char *alias; enum odbc_flavour f; } names[] = {
		{ "mssql", ODBC_FL_MSSQL }, { "sqlserver", ODBC_FL_MSSQL },
		{ "sql_server", ODBC_FL_MSSQL }, { "oracle", ODBC_FL_ORACLE },
		{ "postgresql", ODBC_FL_POSTGRESQL }, { "postgres", ODBC_FL_POSTGRESQL },
		{ "mysql", ODBC_FL_MYSQL }, { "mariadb", ODBC_FL_MYSQL },
		{ "sqlite", ODBC_FL_SQLITE }, { "sqlite3", ODBC_FL_SQLITE },
	};
	size_t i;
	if (!name)
		return ODBC_FL_UNKNOWN;
	for (i = 0; i < N_OF(names); i++)
		if (ieq(name, names[i].alias))
			return names[i].f;
	return ODBC_FL_UNKNOWN;
}

enum odbc_flavour odbc_flavour_by_dbms(const char *dbms)
{
	if (!dbms)
		return ODBC_FL_UNKNOWN;
	/* "Microsoft SQL Server"; Azure SQL reports the same. */
	if (icontains(dbms, "sql server"))
		return ODBC_FL_MSSQL;
	if (iprefix(dbms, "oracle"))
		return ODBC_FL_ORACLE;
	if (iprefix(dbms, "postgres"))
		return ODBC_FL_POSTGRESQL;
	if (iprefix(dbms, "mysql") || iprefix(dbms, "mariadb"))
		return ODBC_FL_MYSQL;
	if (iprefix(dbms, "sqlite"))
		return ODBC_FL_SQLITE;
	return ODBC_FL_UNKNOWN;
}

/* ------------------------------------------------------------ SQL text */

/*
 * SQLAlchemy's IdentifierPreparer._requires_quotes(): the rule it shares
 * with the other dialects (lib/sqltext.c), plus Oracle's leading '_'.
 */
static int requires_quotes(const struct odbc_flavour_info *fl, const char *name)
{
	if (fl->id == ODBC_FL_ORACLE && name[0] == '_')
		return 1;
	return sqltext_requires_quotes(name, fl->words, fl->n_words);
}

int odbc_quote_ident(struct hostbuf *b, const struct odbc_flavour_info *fl,
                     const char *name, int force)
{
	if (!name || !*name)
		return -1;
	if (!force && !requires_quotes(fl, name)) {
		hostbuf_puts(b, name);
		return 0;
	}
	hostbuf_put_quoted(b, name, fl->q_open, fl->q_close);
	return 0;
}

void odbc_quote_literal(struct hostbuf *b, const struct odbc_flavour_info *fl,
                        const char *value)
{
	const char *p;
	hostbuf_putc(b, '\'');
	for (p = value; *p; p++) {
		hostbuf_putc(b, *p);
		if (*p == '\'' || (*p == '\\' && fl->literal_backslash))
			hostbuf_putc(b, *p);
	}
	hostbuf_putc(b, '\'');
}

int odbc_table_name(struct hostbuf *b, const struct odbc_flavour_info *fl,
                    const char *schema, const char *table)
{
	if (schema && *schema) {
		if (odbc_quote_ident(b, fl, schema, 0) < 0)
			return -1;
		hostbuf_putc(b, '.');
	}
	return odbc_quote_ident(b, fl, table, 0);
}

int odbc_version_ddl(struct hostbuf *b, const struct odbc_flavour_info *fl,
                     const char *schema, const char *table)
{
	struct hostbuf pkc = HOSTBUF_INIT(odbc__host);
	int error = -1;

	/* SQLAlchemy's CreateTable output, as Alembic's offline mode prints it
	 * (note the blank after the first comma). */
	hostbuf_puts(b, "CREATE TABLE ");
	if (odbc_table_name(b, fl, schema, table) < 0)
		goto done;
	hostbuf_puts(b, " (\n    version_num ");
	hostbuf_puts(b, fl->version_type);
	hostbuf_puts(b, " NOT NULL, \n    CONSTRAINT ");
	/* The constraint name is quoted on its own terms, like the table. */
	hostbuf_puts(&pkc, table);
	hostbuf_puts(&pkc, "_pkc");
	if (pkc.oom || odbc_quote_ident(b, fl, pkc.ptr, 0) < 0)
		goto done;
	hostbuf_puts(b, " PRIMARY KEY (version_num)\n)");
	error = b->oom ? -1 : 0;
done:
	hostbuf_free(&pkc);
	return error;
}

/* Trim blanks at both ends of s[0..*len); returns the new start. */
static const char *trim(const char *s, size_t *len)
{
	size_t n = *len;
	while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
	             s[n - 1] == '\r'))
		n--;
	*len = n;
	return s;
}

static int count_stmt(const char *stmt, size_t len, unsigned line, void *payload)
{
	(void)stmt;
	(void)len;
	(void)line;
	return ++*(unsigned *)payload > 1;
}

/* The text is more than one statement to the flavour's lexer (a ';'
 * outside quotes and comments), or cannot be lexed at all. */
static int splits_in_several(const char *stmt, size_t len, unsigned flags)
{
	unsigned n = 0;
	return sqlsplit(stmt, len, flags, 1, count_stmt, &n, NULL) != 0 || n > 1;
}

/*
 * Put the terminator on a line of its own when the statement's last line
 * may end in a line comment ("-- note", or "# note" on MySQL), which would
 * swallow it.  A false alarm (a "--" inside a string) costs a line break.
 */
static void put_terminator(struct hostbuf *b, const struct odbc_flavour_info *fl,
                           const char *stmt, size_t len)
{
	if (sqltext_last_line_has_comment(stmt, len, fl->id == ODBC_FL_MYSQL))
		hostbuf_putc(b, '\n');
	hostbuf_putc(b, ';');
}

/* A DELIMITER the statement does not contain. */
static const char *pick_delimiter(const char *stmt, size_t len)
{
	static const char *const cands[] = { "//", "$$", ";;", "@@", "##" };
	size_t i, j, n;
	for (i = 0; i < N_OF(cands); i++) {
		n = strlen(cands[i]);
		for (j = 0; j + n <= len; j++)
			if (memcmp(stmt + j, cands[i], n) == 0)
				break;
		if (j + n > len)
			return cands[i];
	}
	return "//";
}

void odbc_offline_statement(struct hostbuf *b, const struct odbc_flavour_info *fl,
                            const char *stmt, size_t len)
{
	stmt = trim(stmt, &len);
	switch (fl->id) {
	case ODBC_FL_MSSQL:
		/* Alembic: text + ";" then the "GO" batch separator as its own
		 * piece.  A batch that already ends in ';' keeps just one. */
		hostbuf_put(b, stmt, len);
		if (len == 0 || stmt[len - 1] != ';')
			put_terminator(b, fl, stmt, len);
		hostbuf_puts(b, "\n\nGO");
		break;
	case ODBC_FL_ORACLE:
		/* Alembic: no terminator, then "/" as its own piece.  SQL*Plus
		 * ends a SQL statement at the blank line and runs it at "/";
		 * a PL/SQL block keeps its final "END;" and runs at "/" too. */
		hostbuf_put(b, stmt, len);
		hostbuf_puts(b, "\n\n/");
		break;
	case ODBC_FL_MYSQL:
		/* A statement the mysql client would cut at an inner ';' (a
		 * procedure or trigger body that came from a DELIMITER block)
		 * gets a delimiter of its own, as the script author gave it. */
		if (splits_in_several(stmt, len, fl->split_flags)) {
			const char *delim = pick_delimiter(stmt, len);
			hostbuf_puts(b, "DELIMITER ");
			hostbuf_puts(b, delim);
			hostbuf_putc(b, '\n');
			hostbuf_put(b, stmt, len);
			hostbuf_putc(b, '\n');
			hostbuf_puts(b, delim);
			hostbuf_puts(b, "\nDELIMITER ;");
			break;
		}
		hostbuf_put(b, stmt, len);
		put_terminator(b, fl, stmt, len);
		break;
	default:
		hostbuf_put(b, stmt, len);
		put_terminator(b, fl, stmt, len);
		break;
	}
}

/* ------------------------------------------------------------ URL */

/* Keys already written, to refuse one given twice (drivers differ on
 * which of two values wins). */
struct keyset {
	const char *keys[64];
	size_t n;
};

static int valid_key(const char *k)
{
	const char *p;
	if (!*k || k[0] == ' ' || k[strlen(k) - 1] == ' ')
		return 0;
	for (p = k; *p; p++)
		if (strchr("[]{}(),;?*=!@", *p) || (unsigned char)*p < 0x20)
			return 0;
	return 1;
}

static int needs_braces(const char *v)
{
	size_t n = strlen(v);
	if (n && (v[0] == ' ' || v[n - 1] == ' '))
		return 1;
	return strpbrk(v, ";{}") != NULL;
}

static int put_pair(struct hostbuf *b, struct keyset *ks, const char *key,
                    const char *value, struct retort_error *err)
{
	size_t i;
	const char *p;

	if (!valid_key(key))
		return odbc__host->error_set(err, RETORT_EUSAGE,
			"invalid ODBC connection string keyword '%s' in the URL: keywords "
			"may not be empty or contain []{}(),;?*=!@", key);
	for (i = 0; i < ks->n; i++)
		if (ieq(ks->keys[i], key))
			return odbc__host->error_set(err, RETORT_EUSAGE,
				"ODBC keyword '%s' is given twice by the URL (its user, "
				"password or host part and a ?%s= parameter): keep one", key, key);
	if (ks->n == N_OF(ks->keys))
		return odbc__host->error_set(err, RETORT_EUSAGE,
			"too many parameters in the ODBC URL (at most %u)",
			(unsigned)N_OF(ks->keys));
	ks->keys[ks->n++] = key;

	if (b->len)
		hostbuf_putc(b, ';');
	hostbuf_puts(b, key);
	hostbuf_putc(b, '=');
	if (!needs_braces(value)) {
		hostbuf_puts(b, value);
		return 0;
	}
	hostbuf_putc(b, '{');
	for (p = value; *p; p++) {
		hostbuf_putc(b, *p);
		if (*p == '}')
			hostbuf_putc(b, '}');
	}
	hostbuf_putc(b, '}');
	return 0;
}

int odbc_connstr_build(char **out, enum odbc_flavour *flavour_out,
                       const struct retort_url *url, struct retort_error *err)
{
	struct hostbuf b = HOSTBUF_INIT(odbc__host);
	struct hostbuf tmp = HOSTBUF_INIT(odbc__host);
	struct keyset ks;
	enum odbc_flavour scheme_fl = ODBC_FL_UNKNOWN, param_fl = ODBC_FL_UNKNOWN;
	const char *param_name = NULL;
	int has_source = 0, error = 0;
	size_t i;
	char port[16];

	*out = NULL;
	*flavour_out = ODBC_FL_UNKNOWN;
	ks.n = 0;

	if (url->driver && !ieq(url->driver, "odbc"))
		return odbc__host->error_set(err, RETORT_EUSAGE,
			"URL driver '+%s' is not served by the odbc plugin: write %s+odbc://",
			url->driver, url->scheme ? url->scheme : "mssql");
	if (url->scheme && !ieq(url->scheme, "odbc")) {
		scheme_fl = odbc_flavour_by_name(url->scheme);
		if (scheme_fl == ODBC_FL_UNKNOWN)
			return odbc__host->error_set(err, RETORT_EUSAGE,
				"URL scheme '%s' is not one the odbc plugin knows: use "
				"mssql+odbc://, oracle+odbc:// or odbc://", url->scheme);
	}

	for (i = 0; i < url->n_params; i++) {
		const char *k = url->params[i].key;
		if (k && (ieq(k, "flavour") || ieq(k, "flavor"))) {
			param_name = url->params[i].value ? url->params[i].value : "";
			param_fl = odbc_flavour_by_name(param_name);
			if (param_fl == ODBC_FL_UNKNOWN)
				return odbc__host->error_set(err, RETORT_EUSAGE,
					"unknown ODBC flavour '%s' in the URL: use one of mssql, "
					"oracle, postgresql, mysql, sqlite", param_name);
		}
	}
	if (scheme_fl != ODBC_FL_UNKNOWN && param_fl != ODBC_FL_UNKNOWN &&
	    scheme_fl != param_fl)
		return odbc__host->error_set(err, RETORT_EUSAGE,
			"URL scheme %s:// contradicts ?flavour=%s: drop the parameter",
			url->scheme, param_name);

	if (url->host && *url->host) {
		has_source = 1;
		if (!url->database || !*url->database) {
			if (url->port)
				return odbc__host->error_set(err, RETORT_EUSAGE,
					"the host part of an ODBC URL without a /database names a "
					"data source (DSN), which has no port: drop the port, or "
					"give host:port/database and ?driver=");
			error = put_pair(&b, &ks, "DSN", url->host, err);
		} else if (scheme_fl == ODBC_FL_ORACLE) {
			/* Oracle's driver takes an Easy Connect string. */
			hostbuf_puts(&tmp, url->host);
			if (url->port) {
				snprintf(port, sizeof(port), ":%u", url->port);
				hostbuf_puts(&tmp, port);
			}
			hostbuf_putc(&tmp, '/');
			hostbuf_puts(&tmp, url->database);
			if (tmp.oom)
				goto oom;
			error = put_pair(&b, &ks, "DBQ", tmp.ptr, err);
		} else {
			hostbuf_puts(&tmp, url->host);
			if (url->port && scheme_fl == ODBC_FL_MSSQL) {
				/* SQL Server drivers take "host,port". */
				snprintf(port, sizeof(port), ",%u", url->port);
				hostbuf_puts(&tmp, port);
			}
			if (tmp.oom)
				goto oom;
			error = put_pair(&b, &ks, "SERVER", tmp.ptr, err);
			if (!error && url->port && scheme_fl != ODBC_FL_MSSQL) {
				snprintf(port, sizeof(port), "%u", url->port);
				error = put_pair(&b, &ks, "PORT", port, err);
			}
			if (!error)
				error = put_pair(&b, &ks, "DATABASE", url->database, err);
		}
	} else if (url->database && *url->database) {
		return odbc__host->error_set(err, RETORT_EUSAGE,
			"an ODBC URL with a /database needs a host: write "
			"odbc://host/database?driver=..., or pass ?database= for a file database");
	}
	if (!error && url->user && *url->user)
		error = put_pair(&b, &ks, "UID", url->user, err);
	if (!error && url->password)
		error = put_pair(&b, &ks, "PWD", url->password, err);

	for (i = 0; !error && i < url->n_params; i++) {
		const char *k = url->params[i].key ? url->params[i].key : "";
		const char *v = url->params[i].value ? url->params[i].value : "";
		if (ieq(k, "flavour") || ieq(k, "flavor"))
			continue;
		if (ieq(k, "dsn") || ieq(k, "driver") || ieq(k, "filedsn"))
			has_source = 1;
		error = put_pair(&b, &ks, k, v, err);
	}
	if (error)
		goto done;
	if (!has_source) {
		error = odbc__host->error_set(err, RETORT_EUSAGE,
			"the ODBC URL names no data source: write mssql+odbc://user:pw@DSN, "
			"odbc://?dsn=NAME or odbc://?driver=NAME&...");
		goto done;
	}
	if (b.oom)
		goto oom;
	*out = hostbuf_detach(&b);
	if (!*out)
		goto oom;
	*flavour_out = scheme_fl != ODBC_FL_UNKNOWN ? scheme_fl : param_fl;
	goto done;
oom:
	error = odbc__host->error_set(err, RETORT_ENOMEM, "out of memory");
done:
	hostbuf_free(&b);
	hostbuf_free(&tmp);
	return error;
}

unsigned long long odbc_lock_hash(const char *a, const char *b, const char *c)
{
	const char *parts[3];
	uint64_t h = PLUGUTIL_FNV1A_INIT;
	size_t i;

	parts[0] = a;
	parts[1] = b;
	parts[2] = c;
	for (i = 0; i < 3; i++) {
		const char *p = parts[i] ? parts[i] : "";
		h = plugutil_fnv1a(h, p, strlen(p) + 1); /* the NUL separates */
	}
	return (unsigned long long)h;
}
