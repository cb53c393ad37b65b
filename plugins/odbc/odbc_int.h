/* SPDX-License-Identifier: MIT */
/*
 * plugins/odbc/odbc_int.h - internals shared by the files of the odbc
 * dialect plugin (not installed, not part of any ABI).
 *
 * odbc_flavour.c holds everything that needs no ODBC call: the per-flavour
 * rules (splitter flags, capabilities, quoting, Alembic's version table DDL
 * and offline SQL text) and the translation of a URL into an ODBC
 * connection string.  odbc.c holds the vtable and everything that talks to
 * the driver manager.
 */
#ifndef RETORT_PLUGIN_ODBC_INT_H
#define RETORT_PLUGIN_ODBC_INT_H

#include <stddef.h>
#include <retort/dialect.h>

/* The host table, set by the entry point before any other call. */
extern const struct retort_host *odbc__host;
#define H odbc__host

/*
 * The SQL dialect spoken behind the ODBC driver.  UNKNOWN only for an
 * odbc:// URL without ?flavour= before connect() asked the DBMS.
 */
enum odbc_flavour {
	ODBC_FL_UNKNOWN = 0,
	ODBC_FL_MSSQL,
	ODBC_FL_ORACLE,
	ODBC_FL_POSTGRESQL,
	ODBC_FL_MYSQL,
	ODBC_FL_SQLITE
};

struct odbc_flavour_info {
	enum odbc_flavour id;
	const char *name;         /* as written in ?flavour= and in messages */
	unsigned split_flags;     /* RETORT_SPLIT_* rules for host->split() */
	unsigned caps;            /* RETORT_CAP_* */
	char q_open, q_close;     /* identifier quotes: [] `` or "" */
	int literal_backslash;    /* backslash escapes in '...' (MySQL) */
	const char *version_type; /* column type of version_num, as Alembic */
	int words;                /* RETORT_FAMILY_*: SQLAlchemy's reserved words,
	                             the column types and the offline SQL text,
	                             which the host holds */
	const char *session_user_sql; /* the login's user name, one row and
	                                 column; NULL: no users (SQLite) */
	/* Identifier length, as the native plugins check it (0: no limit) */
	const char *engine;       /* the DBMS in messages: "PostgreSQL" */
	unsigned name_max;        /* longest name the engine keeps */
	int name_in_chars;        /* name_max counts characters, not bytes */
	int name_cut;             /* longer names are cut silently, not refused */
	int pkc_counts;           /* <version_table>_pkc must fit as well */
};

/* Rules of a known flavour; NULL for ODBC_FL_UNKNOWN. */
const struct odbc_flavour_info *odbc_flavour_get(enum odbc_flavour f);
/* Flavour named in ?flavour= (a few aliases accepted); UNKNOWN if none. */
enum odbc_flavour odbc_flavour_by_name(const char *name);
/* Flavour from SQLGetInfo(SQL_DBMS_NAME); UNKNOWN if not recognised. */
enum odbc_flavour odbc_flavour_by_dbms(const char *dbms_name);

/*
 * The longest name the flavour's engine takes: fl->name_max, except on an
 * Oracle server before 12.2 (dbms_ver, SQL_DBMS_VER as "11.02.0000";
 * NULL when not connected), which takes 30 bytes.  0: no limit.
 */
unsigned odbc_name_max(const struct odbc_flavour_info *fl, const char *dbms_ver);
/*
 * Refuse (RETORT_EUSAGE) a version table or schema name the engine would
 * refuse or cut (name_max from odbc_name_max()), worded as the native
 * plugins word it; 0 when both fit.  table and schema may be NULL.
 */
int odbc_check_names(const struct odbc_flavour_info *fl, unsigned name_max, const char *table,
                     const char *schema, struct retort_error *err);

/* ------------------------------------------------------------ SQL text */

/* SQL text is built in a struct retort_buf through the host's buf_*
 * members (odbc__host): RETORT_BUF_INIT. */

/*
 * Append `name` as SQLAlchemy would write it for the flavour: bare when it
 * is a lower-case legal identifier and not a reserved word, quoted
 * otherwise (or always, with `force`).  Empty names are rejected (-1).
 */
int odbc_quote_ident(struct retort_buf *b, const struct odbc_flavour_info *fl,
                     const char *name, int force);
/* Append 'value' with quotes doubled (and backslashes on MySQL). */
void odbc_quote_literal(struct retort_buf *b, const struct odbc_flavour_info *fl,
                        const char *value);
/* Append [schema.]table, each part through odbc_quote_ident(). */
int odbc_table_name(struct retort_buf *b, const struct odbc_flavour_info *fl,
                    const char *schema, const char *table);
/* Append Alembic's CREATE TABLE for the version table, no terminator. */
int odbc_version_ddl(struct retort_buf *b, const struct odbc_flavour_info *fl,
                     const char *schema, const char *table);
/*
 * Append the offline text of `what` (RETORT_OFFLINE_BEGIN, _COMMIT, or a
 * _STATEMENT stmt[0..len)) as Alembic's offline mode writes it for the
 * flavour's family: the host's rule (host->offline_sql), the native
 * plugins' too.  The caller puts the blank line between pieces (Alembic
 * writes "\n\n" after every piece).  0, or a negative RETORT_E* code with
 * err filled; out of memory sets b->oom.
 */
int odbc_offline_sql(struct retort_buf *b, const struct odbc_flavour_info *fl, int what,
                     const char *stmt, size_t len, struct retort_error *err);

/*
 * The vtable's column_type() for a flavour: the spelling Alembic's
 * SQLAlchemy types get there (NVARCHAR(n)/DATETIME2 on SQL Server,
 * VARCHAR2(n)/CLOB/NUMBER(19) on Oracle; the native plugins' spelling for
 * PostgreSQL, MySQL and SQLite).  0, or -1 if unknown or too long.
 */
int odbc_column_type(const struct odbc_flavour_info *fl, int type, unsigned length, char *out,
                     size_t outsz);

/* ------------------------------------------------------------ URL */

/*
 * Translate a URL into an ODBC connection string (it holds the password:
 * never log it) and pick up the flavour the URL asks for:
 *   mssql+odbc://user:pw@DSN           DSN=DSN;UID=user;PWD=pw
 *   mssql+odbc://u:p@host:1433/db?driver=X
 *                                      SERVER=host,1433;DATABASE=db;...
 *   oracle+odbc://u:p@host:1521/svc?driver=X
 *                                      DBQ=host:1521/svc;...
 *   odbc://?dsn=X&uid=..&pwd=..        every parameter becomes KEY=VALUE
 * ?flavour= (or ?flavor=) is taken out.  Values holding ';', '{', '}' or
 * blanks at either end are braced per ODBC ('}' doubled).  *flavour_out
 * is the scheme's flavour, else the parameter's, else UNKNOWN.
 * Returns 0 or RETORT_EUSAGE / RETORT_ENOMEM with err set.
 */
int odbc_connstr_build(char **out, enum odbc_flavour *flavour_out,
                       const struct retort_url *url, struct retort_error *err);

/*
 * The connection string (as odbc_connstr_build() writes it) sets keyword
 * `key` (ASCII case-insensitive; braced values are skipped whole).
 */
int odbc_connstr_has_key(const char *connstr, const char *key);

/*
 * FNV-1a 64-bit hash of the NUL-separated parts (NULL parts count as
 * empty): the migration lock's key, so that the lock is per database,
 * schema and version table.
 */
unsigned long long odbc_lock_hash(const char *a, const char *b, const char *c);

#endif
