/* SPDX-License-Identifier: MIT */
/*
 * plugins/odbc/odbc_flavour.c - what the odbc plugin knows without talking
 * to a driver: per-flavour rules, SQL text as Alembic writes it, and the
 * translation of a retort URL into an ODBC connection string.
 *
 * The SQL text matches Alembic's offline output byte for byte (tests
 * regenerate it with Alembic and compare): identifiers are quoted exactly
 * when SQLAlchemy quotes them (the host holds its reserved words), the
 * version table DDL is SQLAlchemy's CREATE TABLE, and BEGIN, COMMIT and
 * statements (Alembic's command terminator and batch separator) are the
 * host's per family (host->offline_sql), as the native plugins write them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc_int.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Capabilities: every flavour runs statements with autocommit on, so a
 * script can always run outside a transaction. */
#define CAPS_COMMON RETORT_CAP_NONTX_SCRIPTS

/* Identifier limits, as the native plugins apply them: PostgreSQL cuts a
 * name to 63 bytes (a version table over 59 then shares its cut name with
 * <table>_pkc); MySQL takes 64 characters (its primary key is always named
 * PRIMARY); SQL Server 128 characters, Oracle 128 bytes (30 before 12.2,
 * see odbc_name_max()), both refusing a longer name, <table>_pkc too. */
static const struct odbc_flavour_info flavours[] = {
	{ ODBC_FL_MSSQL, "mssql", RETORT_SPLIT_MSSQL,
	  CAPS_COMMON | RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK |
		  RETORT_CAP_SCHEMAS,
	  '[', ']', 0, "VARCHAR(32)", RETORT_FAMILY_MSSQL, "SELECT SUSER_SNAME()",
	  "SQL Server", 128, 1, 0, 1 },
	/* Oracle DDL commits implicitly: no transactional DDL. */
	{ ODBC_FL_ORACLE, "oracle", RETORT_SPLIT_ORACLE,
	  CAPS_COMMON | RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS,
	  '"', '"', 0, "VARCHAR2(32 CHAR)", RETORT_FAMILY_ORACLE, "SELECT USER FROM DUAL",
	  "Oracle", 128, 0, 0, 1 },
	{ ODBC_FL_POSTGRESQL, "postgresql", RETORT_SPLIT_POSTGRESQL,
	  CAPS_COMMON | RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_ADVISORY_LOCK |
		  RETORT_CAP_SCHEMAS | RETORT_CAP_CREATE_IF_ABSENT,
	  '"', '"', 0, "VARCHAR(32)", RETORT_FAMILY_POSTGRESQL, "SELECT session_user",
	  "PostgreSQL", 63, 0, 1, 1 },
	{ ODBC_FL_MYSQL, "mysql", RETORT_SPLIT_MYSQL,
	  CAPS_COMMON | RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_SCHEMAS | RETORT_CAP_CREATE_IF_ABSENT,
	  '`', '`', 1, "VARCHAR(32)", RETORT_FAMILY_MYSQL, "SELECT CURRENT_USER()",
	  "MySQL", 64, 1, 0, 0 },
	/* SQLite rolls DDL back, but has no server-side lock. */
	{ ODBC_FL_SQLITE, "sqlite", RETORT_SPLIT_SQLITE,
	  CAPS_COMMON | RETORT_CAP_TRANSACTIONAL_DDL | RETORT_CAP_CREATE_IF_ABSENT,
	  '"', '"', 0, "VARCHAR(32)", RETORT_FAMILY_SQLITE, NULL,
	  "SQLite", 0, 0, 0, 0 },
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

/* ------------------------------------------------------------ names */

unsigned odbc_name_max(const struct odbc_flavour_info *fl, const char *dbms_ver)
{
	long major, minor = 0;
	char *end;

	if (!fl)
		return 0;
	if (fl->id == ODBC_FL_ORACLE && dbms_ver) {
		major = strtol(dbms_ver, &end, 10);
		if (end != dbms_ver && *end == '.')
			minor = strtol(end + 1, NULL, 10);
		if (end != dbms_ver && (major < 12 || (major == 12 && minor < 2)))
			return 30;
	}
	return fl->name_max;
}

/* Length of s as the engine counts it: UTF-8 characters or bytes. */
static size_t name_len(const struct odbc_flavour_info *fl, const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	if (!fl->name_in_chars)
		return strlen(s);
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

int odbc_check_names(const struct odbc_flavour_info *fl, unsigned name_max, const char *table,
                     const char *schema, struct retort_error *err)
{
	struct retort_buf rule = RETORT_BUF_INIT;
	const char *unit;
	size_t t, sc;
	unsigned table_max;
	int error = 0;

	if (!fl || !name_max)
		return 0;
	unit = fl->name_in_chars ? "characters" : "bytes";
	t = name_len(fl, table);
	sc = name_len(fl, schema);
	table_max = name_max - (fl->pkc_counts ? 4 : 0);
	if (t <= table_max && sc <= name_max)
		return 0;
	/* the native plugins' words: "PostgreSQL keeps 63 bytes of a name",
	 * "MySQL names are at most 64" */
	if (fl->name_cut)
		H->buf_printf(&rule, "%s keeps %u %s of a name", fl->engine, name_max, unit);
	else
		H->buf_printf(&rule, "%s names are at most %u %s", fl->engine, name_max, unit);
	if (rule.oom)
		error = H->error_set(err, RETORT_ENOMEM, "out of memory");
	else if (t > table_max && fl->pkc_counts)
		error = H->error_set(err, RETORT_EUSAGE, "version_table is %zu %s long, but %s and "
		                     "the table's primary key is named <version_table>_pkc: write a "
		                     "name of at most %u %s", t, unit, rule.ptr, table_max, unit);
	else if (t > table_max)
		error = H->error_set(err, RETORT_EUSAGE, "version_table is %zu %s long, but %s: "
		                     "write a shorter one", t, unit, rule.ptr);
	else
		error = H->error_set(err, RETORT_EUSAGE, "version_table_schema is %zu %s long, but "
		                     "%s: write a shorter one", sc, unit, rule.ptr);
	H->buf_free(&rule);
	return error;
}

/* ------------------------------------------------------------ SQL text */

int odbc_quote_ident(struct retort_buf *b, const struct odbc_flavour_info *fl,
                     const char *name, int force)
{
	/* SQLAlchemy's rule, Oracle's leading '_' included, is the host's */
	return H->quote_ident(b, name, fl->words, fl->q_open, fl->q_close, force);
}

void odbc_quote_literal(struct retort_buf *b, const struct odbc_flavour_info *fl,
                        const char *value)
{
	const char *p;
	H->buf_putc(b, '\'');
	for (p = value; *p; p++) {
		H->buf_putc(b, *p);
		if (*p == '\'' || (*p == '\\' && fl->literal_backslash))
			H->buf_putc(b, *p);
	}
	H->buf_putc(b, '\'');
}

int odbc_table_name(struct retort_buf *b, const struct odbc_flavour_info *fl,
                    const char *schema, const char *table)
{
	if (schema && *schema) {
		if (odbc_quote_ident(b, fl, schema, 0) < 0)
			return -1;
		H->buf_putc(b, '.');
	}
	return odbc_quote_ident(b, fl, table, 0);
}

int odbc_version_ddl(struct retort_buf *b, const struct odbc_flavour_info *fl,
                     const char *schema, const char *table)
{
	struct retort_buf pkc = RETORT_BUF_INIT;
	int error = -1;

	/* SQLAlchemy's CreateTable output, as Alembic's offline mode prints it
	 * (note the blank after the first comma). */
	H->buf_puts(b, "CREATE TABLE ");
	if (odbc_table_name(b, fl, schema, table) < 0)
		goto done;
	H->buf_puts(b, " (\n    version_num ");
	H->buf_puts(b, fl->version_type);
	H->buf_puts(b, " NOT NULL, \n    CONSTRAINT ");
	/* The constraint name is quoted on its own terms, like the table. */
	H->buf_puts(&pkc, table);
	H->buf_puts(&pkc, "_pkc");
	if (pkc.oom || odbc_quote_ident(b, fl, pkc.ptr, 0) < 0)
		goto done;
	H->buf_puts(b, " PRIMARY KEY (version_num)\n)");
	error = b->oom ? -1 : 0;
done:
	H->buf_free(&pkc);
	return error;
}

int odbc_offline_sql(struct retort_buf *b, const struct odbc_flavour_info *fl, int what,
                     const char *stmt, size_t len, struct retort_error *err)
{
	/* The family's rules are the host's, so that this plugin and the
	 * native one write the same script for one database (issue 11). */
	return H->offline_sql(b, fl->words, what, stmt, len, err);
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

static int put_pair(struct retort_buf *b, struct keyset *ks, const char *key,
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
		H->buf_putc(b, ';');
	H->buf_puts(b, key);
	H->buf_putc(b, '=');
	if (!needs_braces(value)) {
		H->buf_puts(b, value);
		return 0;
	}
	H->buf_putc(b, '{');
	for (p = value; *p; p++) {
		H->buf_putc(b, *p);
		if (*p == '}')
			H->buf_putc(b, '}');
	}
	H->buf_putc(b, '}');
	return 0;
}

int odbc_connstr_build(char **out, enum odbc_flavour *flavour_out,
                       const struct retort_url *url, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	struct retort_buf tmp = RETORT_BUF_INIT;
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
			H->buf_puts(&tmp, url->host);
			if (url->port) {
				snprintf(port, sizeof(port), ":%u", url->port);
				H->buf_puts(&tmp, port);
			}
			H->buf_putc(&tmp, '/');
			H->buf_puts(&tmp, url->database);
			if (tmp.oom)
				goto oom;
			error = put_pair(&b, &ks, "DBQ", tmp.ptr, err);
		} else {
			H->buf_puts(&tmp, url->host);
			if (url->port && scheme_fl == ODBC_FL_MSSQL) {
				/* SQL Server drivers take "host,port". */
				snprintf(port, sizeof(port), ",%u", url->port);
				H->buf_puts(&tmp, port);
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
	*out = H->buf_detach(&b);
	if (!*out)
		goto oom;
	*flavour_out = scheme_fl != ODBC_FL_UNKNOWN ? scheme_fl : param_fl;
	goto done;
oom:
	error = odbc__host->error_set(err, RETORT_ENOMEM, "out of memory");
done:
	H->buf_free(&b);
	H->buf_free(&tmp);
	return error;
}

int odbc_connstr_has_key(const char *connstr, const char *key)
{
	const char *p = connstr, *k, *eq;
	size_t n = strlen(key);

	while (*p) {
		while (*p == ';' || *p == ' ')
			p++;
		if (!*p)
			break;
		k = p;
		if (!(eq = strchr(p, '=')))
			return 0;
		while (eq > k && eq[-1] == ' ')
			eq--;
		if ((size_t)(eq - k) == n) {
			size_t i;
			for (i = 0; i < n && lower((unsigned char)k[i]) == lower((unsigned char)key[i]); i++)
				;
			if (i == n)
				return 1;
		}
		p = strchr(p, '=') + 1;
		if (*p == '{') {
			/* a braced value: '}}' is a '}' inside it */
			for (p++; *p; p++) {
				if (*p == '}' && p[1] == '}')
					p++;
				else if (*p == '}')
					break;
			}
		}
		while (*p && *p != ';')
			p++;
	}
	return 0;
}

unsigned long long odbc_lock_hash(const char *a, const char *b, const char *c)
{
	const char *parts[3];
	unsigned char h[8] = RETORT_HASH64_INIT;
	unsigned long long k = 0;
	size_t i;

	parts[0] = a;
	parts[1] = b;
	parts[2] = c;
	for (i = 0; i < 3; i++) {
		const char *p = parts[i] ? parts[i] : "";
		H->hash64(h, p, strlen(p) + 1); /* the NUL separates */
	}
	for (i = 0; i < 8; i++)
		k = (k << 8) | h[i];
	return k;
}

int odbc_column_type(const struct odbc_flavour_info *fl, int type, unsigned length, char *out,
                     size_t outsz)
{
	/* one spelling per family, the native plugins' too (host->column_type) */
	return H->column_type(fl ? fl->words : RETORT_FAMILY_NONE, type, length, out, outsz);
}
