/*
 * plugins/mysql/mysql.c - the MySQL / MariaDB dialect, on libmariadb (or
 * libmysqlclient, whichever configure found).
 *
 * URLs: mysql://[user[:password]@][host][:port][/database][?key=value...]
 * (scheme "mariadb" too).  Query parameters map onto client options:
 *   charset=utf8mb4 (the default), unix_socket=/path, connect_timeout=s,
 *   read_timeout=s, write_timeout=s, ssl=true, ssl_mode=DISABLED|PREFERRED|
 *   REQUIRED|VERIFY_CA|VERIFY_IDENTITY, ssl_ca, ssl_capath, ssl_cert, ssl_key,
 *   ssl_cipher, ssl_crl, ssl_crlpath, ssl_verify_cert=true,
 *   read_default_file=path, read_default_group=name (option files, e.g. a
 *   password kept in ~/.my.cnf).
 * Unknown keys are refused in create(), before any I/O.
 *
 * MySQL commits DDL implicitly, so the dialect does not claim transactional
 * DDL: the engine then commits each migration's version row right after its
 * script, and a failure names the statement that failed.  Scripts are split
 * with the MySQL lexer (backslash escapes, backticks, # comments, DELIMITER
 * blocks for procedures and triggers) and sent one statement at a time.
 *
 * The version table is Alembic's; version_table_schema names another
 * database.  Online statements qualify the table with the database
 * connected to, so a script's USE cannot move it; offline SQL names it as
 * Alembic does.
 *
 * The migration lock is GET_LOCK() on a name made of the database and the
 * version table, so runs against different databases of one server do not
 * wait for each other.
 */
/* clock_gettime(), nanosleep() and strcasecmp() under -std=c99 too. */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mysql.h>

#include <retort/dialect.h>
#include "hostbuf.h"
#include "plugutil.h"
#include "sqlsplit.h"
#include "sqltext.h"

static const struct retort_host *api;

static const char *const schemes[] = { "mysql", "mariadb", NULL };

/* Server error numbers that mean "the version table is not there". */
#define ER_NO_SUCH_TABLE_ 1146
#define ER_BAD_DB_ERROR_ 1049

#ifdef MARIADB_BASE_VERSION
#define CLIENT_NAME "libmariadb"
#else
#define CLIENT_NAME "libmysqlclient"
#endif

/* MySQL's limit on GET_LOCK() names. */
#define LOCK_NAME_MAX 64

struct opt {
	char *key;
	char *value;
};

struct retort_conn {
	MYSQL *my;
	char *host, *user, *password, *database, *unix_socket;
	unsigned port;
	struct opt *opts;       /* client options from the query string */
	size_t n_opts;
	char *version_table;
	char *schema;           /* NULL: the connection's database */
	char *qtable;           /* quoted [schema.]table, as Alembic writes it */
	char *qtable_online;    /* qtable qualified with the database connected
	                           to, so a script's USE cannot redirect it */
	char *qpkey;            /* quoted <table>_pkc */
	char *lock_name;        /* computed at connect */
	long lock_timeout_ms;
	int locked;
};

/* ------------------------------------------------------------ errors */

static int oom(struct retort_error *err)
{
	return api->error_set(err, RETORT_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------ quoting */

/*
 * SQLAlchemy's MySQL and MariaDB reserved words (sqlalchemy/dialects/mysql/
 * reserved_words.py, both sets): an identifier equal to one is quoted.
 * Sorted for bsearch.
 */
static const char *const reserved[] = {
	"accessible", "add", "admin", "all", "alter", "analyze", "and", "array", "as", "asc",
	"asensitive", "before", "between", "bigint", "binary", "blob", "body", "both", "by",
	"call", "cascade", "case", "change", "char", "character", "check", "collate", "column",
	"condition", "constraint", "continue", "convert", "create", "cross", "cube", "cume_dist",
	"current_date", "current_role", "current_time", "current_timestamp", "current_user",
	"cursor", "database", "databases", "day_hour", "day_microsecond", "day_minute",
	"day_second", "dec", "decimal", "declare", "default", "delayed", "delete", "dense_rank",
	"desc", "describe", "deterministic", "distinct", "distinctrow", "div", "do_domain_ids",
	"double", "drop", "dual", "each", "else", "elseif", "elsif", "empty", "enclosed",
	"escaped", "except", "exists", "exit", "explain", "false", "fetch", "first_value",
	"float", "float4", "float8", "for", "force", "foreign", "from", "fulltext", "function",
	"general", "generated", "get", "get_master_public_key", "goto", "grant", "group",
	"grouping", "groups", "having", "high_priority", "history", "hour_microsecond",
	"hour_minute", "hour_second", "if", "ignore", "ignore_domain_ids", "ignore_server_ids",
	"in", "index", "infile", "inner", "inout", "insensitive", "insert", "int", "int1",
	"int2", "int3", "int4", "int8", "integer", "intersect", "interval", "into",
	"io_after_gtids", "io_before_gtids", "is", "iterate", "join", "json_table", "key",
	"keys", "kill", "lag", "last_value", "lateral", "lead", "leading", "leave", "left",
	"like", "limit", "linear", "lines", "load", "localtime", "localtimestamp", "lock",
	"long", "longblob", "longtext", "loop", "low_priority", "master_bind",
	"master_heartbeat_period", "master_ssl_verify_server_cert", "match", "maxvalue",
	"mediumblob", "mediumint", "mediumtext", "member", "middleint", "minute_microsecond",
	"minute_second", "mod", "modifies", "natural", "no_write_to_binlog", "not",
	"nth_value", "ntile", "null", "numeric", "of", "offset", "on", "optimize",
	"optimizer_costs", "option", "optionally", "or", "order", "others", "out", "outer",
	"outfile", "over", "package", "page_checksum", "parse_gcol_expr", "parse_vcol_expr",
	"partition", "percent_rank", "period", "persist", "persist_only", "position",
	"precision", "primary", "procedure", "purge", "raise", "range", "rank", "read",
	"read_write", "reads", "real", "recursive", "ref_system_id", "references", "regexp",
	"release", "rename", "repeat", "replace", "require", "resignal", "restrict", "return",
	"returning", "revoke", "right", "rlike", "role", "row", "row_number", "rows", "rowtype",
	"schema", "schemas", "second_microsecond", "select", "sensitive", "separator", "set",
	"show", "signal", "slow", "smallint", "spatial", "specific", "sql", "sql_after_gtids",
	"sql_before_gtids", "sql_big_result", "sql_calc_found_rows", "sql_small_result",
	"sqlexception", "sqlstate", "sqlwarning", "ssl", "starting", "stats_auto_recalc",
	"stats_persistent", "stats_sample_pages", "stored", "straight_join", "system",
	"system_time", "table", "terminated", "then", "tinyblob", "tinyint", "tinytext", "to",
	"trailing", "trigger", "true", "undo", "union", "unique", "unlock", "unsigned",
	"update", "usage", "use", "using", "utc_date", "utc_time", "utc_timestamp", "values",
	"varbinary", "varchar", "varcharacter", "varying", "versioning", "virtual", "when",
	"where", "while", "window", "with", "without", "write", "xor", "year_month",
	"zerofill",
};

/*
 * As SQLAlchemy writes an identifier (its rule is in lib/sqltext.c): bare
 * when it can be, else in backticks with '`' doubled.
 */
static void put_ident(struct hostbuf *b, const char *name)
{
	if (sqltext_requires_quotes(name, reserved, sizeof(reserved) / sizeof(reserved[0])))
		hostbuf_put_quoted(b, name, '`', '`');
	else
		hostbuf_puts(b, name);
}

/*
 * A string literal by MySQL's default rules: quotes doubled (valid with
 * and without NO_BACKSLASH_ESCAPES), backslash, newline, CR and ^Z
 * backslash-escaped as mysql_escape_string() does.  Valid
 * for UTF-8 and every ASCII-compatible character set whose multi-byte
 * characters never contain these bytes (utf8mb4, latin1; not sjis/gbk).
 */
static void put_literal(struct hostbuf *b, const char *value)
{
	const char *p;
	hostbuf_putc(b, '\'');
	for (p = value; *p; p++) {
		switch (*p) {
		case '\'': hostbuf_puts(b, "''"); break;
		case '\\': hostbuf_puts(b, "\\\\"); break;
		case '\n': hostbuf_puts(b, "\\n"); break;
		case '\r': hostbuf_puts(b, "\\r"); break;
		case '\032': hostbuf_puts(b, "\\Z"); break;
		default: hostbuf_putc(b, *p); break;
		}
	}
	hostbuf_putc(b, '\'');
}

static int my_quote_identifier(const struct retort_conn *conn, const char *name, char **out,
                               struct retort_error *err)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	(void)conn;
	*out = NULL;
	if (!name || !*name)
		return api->error_set(err, RETORT_EUSAGE, "an empty identifier cannot be quoted");
	put_ident(&b, name);
	if (!(*out = hostbuf_detach(&b)))
		return oom(err);
	return 0;
}

/*
 * With a connection, mysql_real_escape_string() knows the character set
 * and the server's NO_BACKSLASH_ESCAPES mode; without one, the default
 * rules above apply.
 */
static int my_quote_literal(const struct retort_conn *conn, const char *value, char **out,
                            struct retort_error *err)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	*out = NULL;
	if (!value)
		return api->error_set(err, RETORT_EUSAGE, "a NULL string cannot be quoted");
	if (conn && conn->my) {
		size_t n = strlen(value);
		char *p = api->alloc(2 * n + 3);
		unsigned long k;
		if (!p)
			return oom(err);
		p[0] = '\'';
		k = mysql_real_escape_string(conn->my, p + 1, value, (unsigned long)n);
		if (k == (unsigned long)-1) {
			api->free(p);
			return api->error_set(err, RETORT_ERROR,
			                      "the string cannot be quoted in the connection's "
			                      "character set");
		}
		p[k + 1] = '\'';
		p[k + 2] = '\0';
		*out = p;
		return 0;
	}
	put_literal(&b, value);
	if (!(*out = hostbuf_detach(&b)))
		return oom(err);
	return 0;
}

/* ------------------------------------------------------------ messages */

/*
 * Make a server message fit the one-line error contract (newlines become
 * "; ") with the URL's password masked: lib/plugutil.c.  NULL when out of
 * memory.
 */
static char *clean_message(const struct retort_conn *conn, const char *msg)
{
	return plugutil_mask(api, msg, conn ? conn->password : NULL, 1, 0);
}

/* Attach the failing statement, with the URL's password masked in it too. */
static void statement_error(const struct retort_conn *conn, struct retort_error *err,
                            unsigned index, unsigned line, const char *stmt, size_t len)
{
	plugutil_error_statement(api, err, index, line, stmt, len,
	                         conn ? conn->password : NULL, 0);
}

/* Fill err from the connection's last error: message, SQLSTATE, errno. */
static int db_error(struct retort_conn *c, struct retort_error *err, int code, const char *what)
{
	char *m = clean_message(c, mysql_error(c->my));
	unsigned no = mysql_errno(c->my);
	if (!m)
		return oom(err);
	if (what)
		api->error_set(err, code, "%s: %s", what, *m ? m : "unknown error");
	else
		api->error_set(err, code, "%s", *m ? m : "unknown error");
	api->error_db(err, mysql_sqlstate(c->my), (long)no);
	api->free(m);
	return code;
}

/* ------------------------------------------------------------ options */

enum opt_kind { OPT_STR, OPT_UINT, OPT_SSL_MODE, OPT_SOCKET };

static const struct {
	const char *key;
	enum opt_kind kind;
	int option; /* enum mysql_option, or -1 */
} known_opts[] = {
	{ "charset", OPT_STR, MYSQL_SET_CHARSET_NAME },
	{ "unix_socket", OPT_SOCKET, -1 },
	{ "connect_timeout", OPT_UINT, MYSQL_OPT_CONNECT_TIMEOUT },
	{ "read_timeout", OPT_UINT, MYSQL_OPT_READ_TIMEOUT },
	{ "write_timeout", OPT_UINT, MYSQL_OPT_WRITE_TIMEOUT },
	{ "ssl_ca", OPT_STR, MYSQL_OPT_SSL_CA },
	{ "ssl_capath", OPT_STR, MYSQL_OPT_SSL_CAPATH },
	{ "ssl_cert", OPT_STR, MYSQL_OPT_SSL_CERT },
	{ "ssl_key", OPT_STR, MYSQL_OPT_SSL_KEY },
	{ "ssl_cipher", OPT_STR, MYSQL_OPT_SSL_CIPHER },
	{ "ssl_crl", OPT_STR, MYSQL_OPT_SSL_CRL },
	{ "ssl_crlpath", OPT_STR, MYSQL_OPT_SSL_CRLPATH },
	{ "ssl_mode", OPT_SSL_MODE, -1 },
	{ "ssl", OPT_SSL_MODE, -1 },
	{ "ssl_verify_cert", OPT_SSL_MODE, -1 },
	{ "read_default_file", OPT_STR, MYSQL_READ_DEFAULT_FILE },
	{ "read_default_group", OPT_STR, MYSQL_READ_DEFAULT_GROUP },
};
#define N_KNOWN_OPTS (sizeof(known_opts) / sizeof(known_opts[0]))

static int find_opt(const char *key)
{
	size_t i;
	for (i = 0; i < N_KNOWN_OPTS; i++)
		if (strcmp(known_opts[i].key, key) == 0)
			return (int)i;
	return -1;
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t i;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int parse_uint(const char *v, unsigned *out)
{
	char *end;
	unsigned long n;
	if (!*v || *v == '-')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > 86400UL * 365)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/*
 * ssl_mode / ssl / ssl_verify_cert values: 0 off, 1 preferred, 2 required,
 * 3 verify the certificate (VERIFY_CA and VERIFY_IDENTITY; libmariadb checks
 * both the chain and the host name when asked to verify).  ssl=true means
 * required, ssl_verify_cert=true verified, ssl_verify_cert=false preferred.
 */
static int parse_ssl_mode(const char *key, const char *v, int *out)
{
	int b;
	if (strcmp(key, "ssl") == 0 || strcmp(key, "ssl_verify_cert") == 0) {
		if (parse_bool(v, &b) < 0)
			return -1;
		if (strcmp(key, "ssl") == 0)
			*out = b ? 2 : 0;
		else
			*out = b ? 3 : 1;
		return 0;
	}
	if (strcasecmp(v, "DISABLED") == 0)
		*out = 0;
	else if (strcasecmp(v, "PREFERRED") == 0)
		*out = 1;
	else if (strcasecmp(v, "REQUIRED") == 0)
		*out = 2;
	else if (strcasecmp(v, "VERIFY_CA") == 0 || strcasecmp(v, "VERIFY_IDENTITY") == 0)
		*out = 3;
	else
		return -1;
	return 0;
}

/* Validate one query parameter (create(): no I/O yet). */
static int check_opt(const char *key, const char *value, struct retort_error *err)
{
	int i = find_opt(key), b;
	unsigned u;
	if (i < 0)
		return api->error_set(err, RETORT_EUSAGE,
		                      "unknown MySQL connection parameter '%s' in the URL's query "
		                      "string; known: charset, unix_socket, connect_timeout, "
		                      "read_timeout, write_timeout, ssl, ssl_mode, ssl_ca, ssl_capath, "
		                      "ssl_cert, ssl_key, ssl_cipher, ssl_crl, ssl_crlpath, "
		                      "ssl_verify_cert, read_default_file, read_default_group",
		                      key);
	switch (known_opts[i].kind) {
	case OPT_UINT:
		if (parse_uint(value, &u) < 0)
			return api->error_set(err, RETORT_EUSAGE,
			                      "URL parameter %s must be a number of seconds", key);
		break;
	case OPT_SSL_MODE:
		if (parse_ssl_mode(key, value, &b) < 0)
			return api->error_set(err, RETORT_EUSAGE,
			                      "URL parameter %s: use %s", key,
			                      strcmp(key, "ssl_mode") != 0
			                              ? "true or false"
			                              : "DISABLED, PREFERRED, REQUIRED, VERIFY_CA or "
			                                "VERIFY_IDENTITY");
		break;
	default:
		break;
	}
	return 0;
}

/* Apply the validated options to a fresh MYSQL handle. */
static int apply_opts(struct retort_conn *c, struct retort_error *err)
{
	size_t i;
	int rc = 0, b = 0;
	unsigned u = 0;
	const char *charset = "utf8mb4";

	for (i = 0; i < c->n_opts && rc == 0; i++) {
		const struct opt *o = &c->opts[i];
		int k = find_opt(o->key);
		if (k < 0)
			continue;
		switch (known_opts[k].kind) {
		case OPT_STR:
			if (known_opts[k].option == MYSQL_SET_CHARSET_NAME)
				charset = o->value;
			else
				rc = mysql_options(c->my, (enum mysql_option)known_opts[k].option,
				                   o->value);
			break;
		case OPT_UINT:
			parse_uint(o->value, &u);
			rc = mysql_options(c->my, (enum mysql_option)known_opts[k].option, &u);
			break;
		case OPT_SSL_MODE: {
			parse_ssl_mode(o->key, o->value, &b);
#ifdef MARIADB_BASE_VERSION
			{
				my_bool on = b >= 2, verify = b >= 3;
				if (b >= 1)
					mysql_ssl_set(c->my, NULL, NULL, NULL, NULL, NULL);
				rc = mysql_options(c->my, MYSQL_OPT_SSL_ENFORCE, &on);
				if (rc == 0)
					rc = mysql_options(c->my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT,
					                   &verify);
			}
#else
			{
				unsigned mode = b == 0 ? SSL_MODE_DISABLED
				                : b == 1 ? SSL_MODE_PREFERRED
				                : b == 2 ? SSL_MODE_REQUIRED
				                         : SSL_MODE_VERIFY_IDENTITY;
				rc = mysql_options(c->my, MYSQL_OPT_SSL_MODE, &mode);
			}
#endif
			break;
		}
		case OPT_SOCKET:
			break; /* a mysql_real_connect() argument */
		}
		if (rc != 0)
			return api->error_set(err, RETORT_EUSAGE,
			                      "the MySQL client library rejected URL parameter %s",
			                      o->key);
	}
	if (mysql_options(c->my, MYSQL_SET_CHARSET_NAME, charset) != 0)
		return api->error_set(err, RETORT_EUSAGE, "unknown character set '%s'", charset);
	return 0;
}

/* ------------------------------------------------------------ lifecycle */

static void wipe(char *s)
{
	volatile char *v = s;
	while (v && *v)
		*v++ = '\0';
}

static void free_conn(struct retort_conn *c)
{
	size_t i;
	if (!c)
		return;
	if (c->my)
		mysql_close(c->my);
	api->free(c->host);
	api->free(c->user);
	wipe(c->password);
	api->free(c->password);
	api->free(c->database);
	api->free(c->unix_socket);
	for (i = 0; i < c->n_opts; i++) {
		api->free(c->opts[i].key);
		api->free(c->opts[i].value);
	}
	api->free(c->opts);
	api->free(c->version_table);
	api->free(c->schema);
	api->free(c->qtable);
	api->free(c->qtable_online);
	api->free(c->qpkey);
	api->free(c->lock_name);
	api->free(c);
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = api->strdup(src);
	return *dst ? 0 : -1;
}

static int my_global_init(const struct retort_host *h, struct retort_error *err)
{
	(void)h;
	if (mysql_library_init(0, NULL, NULL) != 0)
		return api->error_set(err, RETORT_ERROR,
		                      "the MySQL client library failed to initialise");
	return 0;
}

static void my_global_shutdown(void)
{
	mysql_library_end();
}

static int my_create(struct retort_conn **out, const struct retort_url *url,
                     const struct retort_dialect_options *opts, struct retort_error *err)
{
	struct retort_conn *c;
	struct hostbuf b = HOSTBUF_INIT(api);
	const char *table, *schema;
	size_t i;
	int rc;

	*out = NULL;
	if (!url)
		return api->error_set(err, RETORT_EUSAGE, "no URL given");
	for (i = 0; i < url->n_params; i++) {
		const struct retort_url_param *p = &url->params[i];
		if ((rc = check_opt(p->key ? p->key : "", p->value ? p->value : "", err)) < 0)
			return rc;
	}

	c = api->alloc(sizeof(*c));
	if (!c)
		return oom(err);
	memset(c, 0, sizeof(*c));
	c->lock_timeout_ms = opts ? opts->lock_timeout_ms : -1;
	c->port = url->port;
	if (dup_opt(&c->host, url->host && *url->host ? url->host : NULL) < 0 ||
	    dup_opt(&c->user, url->user) < 0 || dup_opt(&c->password, url->password) < 0 ||
	    dup_opt(&c->database, url->database && *url->database ? url->database : NULL) < 0)
		goto fail;
	if (url->n_params) {
		c->opts = api->alloc(url->n_params * sizeof(*c->opts));
		if (!c->opts)
			goto fail;
		memset(c->opts, 0, url->n_params * sizeof(*c->opts));
	}
	for (i = 0; i < url->n_params; i++) {
		const struct retort_url_param *p = &url->params[i];
		if (dup_opt(&c->opts[i].key, p->key) < 0 ||
		    dup_opt(&c->opts[i].value, p->value ? p->value : "") < 0) {
			c->n_opts = i + 1;
			goto fail;
		}
		c->n_opts = i + 1;
		if (p->key && strcmp(p->key, "unix_socket") == 0) {
			api->free(c->unix_socket);
			if (dup_opt(&c->unix_socket, c->opts[i].value) < 0)
				goto fail;
		}
	}

	table = opts && opts->version_table && *opts->version_table ? opts->version_table
	                                                            : "alembic_version";
	schema = opts && opts->version_table_schema && *opts->version_table_schema
	                 ? opts->version_table_schema
	                 : NULL;
	if (dup_opt(&c->version_table, table) < 0 || dup_opt(&c->schema, schema) < 0)
		goto fail;
	if (schema) {
		put_ident(&b, schema);
		hostbuf_putc(&b, '.');
	}
	put_ident(&b, table);
	if (!(c->qtable = hostbuf_detach(&b)))
		goto fail;
	hostbuf_puts(&b, table);
	hostbuf_puts(&b, "_pkc");
	{
		char *pk = hostbuf_detach(&b);
		if (!pk)
			goto fail;
		put_ident(&b, pk);
		api->free(pk);
		if (!(c->qpkey = hostbuf_detach(&b)))
			goto fail;
	}
	*out = c;
	return 0;
fail:
	hostbuf_free(&b);
	free_conn(c);
	return oom(err);
}

/*
 * "retort:<db>.<table>" (schema replaces db when given), or, when that is
 * longer than MySQL's 64 characters, its first 38 bytes plus '~' and a
 * 64-bit hash of the whole name in hex.
 */
static char *make_lock_name(const char *db, const char *table)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	char *full, tail[24];
	uint64_t h;

	hostbuf_puts(&b, "retort:");
	hostbuf_puts(&b, db ? db : "");
	hostbuf_putc(&b, '.');
	hostbuf_puts(&b, table);
	if (!(full = hostbuf_detach(&b)))
		return NULL;
	if (strlen(full) <= LOCK_NAME_MAX)
		return full;
	h = plugutil_fnv1a(PLUGUTIL_FNV1A_INIT, full, strlen(full));
	snprintf(tail, sizeof(tail), "~%016llx", (unsigned long long)h);
	/* 38 + 17 < 64, and cut at a UTF-8 character boundary. */
	{
		size_t cut = 38;
		while (cut > 0 && ((unsigned char)full[cut] & 0xC0) == 0x80)
			cut--;
		hostbuf_put(&b, full, cut);
	}
	hostbuf_puts(&b, tail);
	api->free(full);
	return hostbuf_detach(&b);
}

static int my_connect(struct retort_conn *c, struct retort_error *err)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	int rc;

	if (c->my)
		return 0;
	c->my = mysql_init(NULL);
	if (!c->my)
		return oom(err);
	if ((rc = apply_opts(c, err)) < 0)
		goto fail;
	if (!mysql_real_connect(c->my, c->host, c->user, c->password, c->database, c->port,
	                        c->unix_socket, CLIENT_MULTI_RESULTS | CLIENT_FOUND_ROWS)) {
		rc = db_error(c, err, RETORT_ECONNECT, NULL);
		goto fail;
	}

	/* The lock name needs the database actually in use. */
	if (mysql_query(c->my, "SELECT DATABASE()") != 0 || !(res = mysql_store_result(c->my))) {
		rc = db_error(c, err, RETORT_ECONNECT, "SELECT DATABASE()");
		goto fail;
	}
	row = mysql_fetch_row(res);
	c->lock_name = make_lock_name(c->schema ? c->schema : (row && row[0] ? row[0] : ""),
	                              c->version_table);
	if (!c->schema && row && row[0]) {
		struct hostbuf b = HOSTBUF_INIT(api);
		put_ident(&b, row[0]);
		hostbuf_putc(&b, '.');
		put_ident(&b, c->version_table);
		api->free(c->qtable_online);
		if (!(c->qtable_online = hostbuf_detach(&b))) {
			api->free(c->lock_name);
			c->lock_name = NULL;
		}
	}
	mysql_free_result(res);
	if (!c->lock_name) {
		rc = oom(err);
		goto fail;
	}
	return 0;
fail:
	mysql_close(c->my);
	c->my = NULL;
	return rc;
}

static int my_unlock(struct retort_conn *c, struct retort_error *err);

/*
 * Release the lock explicitly before closing: the server drops a closed
 * session's locks only when it notices the disconnect, and a waiting run
 * should not have to wait for that.
 */
static void my_destroy(struct retort_conn *c)
{
	if (c && c->my && c->locked)
		my_unlock(c, NULL);
	free_conn(c);
}

static unsigned my_caps(const struct retort_conn *c)
{
	(void)c;
	return RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_NONTX_SCRIPTS;
}

static int need_conn(struct retort_conn *c, struct retort_error *err)
{
	if (!c || !c->my)
		return api->error_set(err, RETORT_ERROR, "not connected to MySQL");
	return 0;
}

/*
 * Run one statement and consume every result it produces (a CALL returns
 * several); 0 or a RETORT_EDB with err filled.  *affected (may be NULL)
 * gets the first result's row count, read before mysql_next_result()
 * resets it.
 */
static int run_counted(struct retort_conn *c, const char *sql, size_t len, long *affected,
                       struct retort_error *err)
{
	int st, first = 1;
	if (affected)
		*affected = 0;
	if (mysql_real_query(c->my, sql, (unsigned long)len) != 0)
		return db_error(c, err, RETORT_EDB, NULL);
	do {
		MYSQL_RES *res = mysql_store_result(c->my);
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(c->my) != 0)
			return db_error(c, err, RETORT_EDB, NULL);
		if (first && affected)
			*affected = (long)mysql_affected_rows(c->my);
		first = 0;
		st = mysql_next_result(c->my);
		if (st > 0)
			return db_error(c, err, RETORT_EDB, NULL);
	} while (st == 0);
	return 0;
}

static int run(struct retort_conn *c, const char *sql, size_t len, struct retort_error *err)
{
	return run_counted(c, sql, len, NULL, err);
}

static int simple(struct retort_conn *c, const char *sql, struct retort_error *err)
{
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	rc = run(c, sql, strlen(sql), err);
	if (rc < 0 && err && err->message) {
		char *m = api->strdup(err->message);
		if (m) {
			api->error_set(err, rc, "%s: %s", sql, m);
			api->free(m);
		}
	}
	return rc;
}

static int my_begin(struct retort_conn *c, struct retort_error *err)
{
	return simple(c, "BEGIN", err);
}

static int my_commit(struct retort_conn *c, struct retort_error *err)
{
	return simple(c, "COMMIT", err);
}

static int my_rollback(struct retort_conn *c, struct retort_error *err)
{
	return simple(c, "ROLLBACK", err);
}

/* ------------------------------------------------------------ scripts */

struct exec_ctx {
	struct retort_conn *c;
	struct retort_error *err;
	unsigned index;
	int rc;
};

/*
 * Pass the server's warnings about a statement that succeeded on to the
 * user: MySQL warns where other databases fail (truncated data, implicit
 * conversions).  Notes ("table does not exist" after IF EXISTS) go to the
 * info level, which -v shows.
 */
static void log_warnings(struct retort_conn *c, unsigned line)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	if (mysql_query(c->my, "SHOW WARNINGS") != 0 || !(res = mysql_store_result(c->my)))
		return;
	while ((row = mysql_fetch_row(res)) != NULL) {
		int note = row[0] && strcmp(row[0], "Note") == 0;
		char *m = clean_message(c, row[2] ? row[2] : "");
		if (m)
			api->log(note ? RETORT_LOG_INFO : RETORT_LOG_WARNING,
			         "mysql: statement at line %u: %s %s: %s", line,
			         row[0] ? row[0] : "Warning", row[1] ? row[1] : "", m);
		api->free(m);
	}
	mysql_free_result(res);
}

static int exec_one(const char *stmt, size_t len, unsigned line, void *payload)
{
	struct exec_ctx *x = payload;
	x->index++;
	x->rc = run(x->c, stmt, len, x->err);
	if (x->rc < 0) {
		statement_error(x->c, x->err, x->index, line, stmt, len);
		return 1;
	}
	if (mysql_warning_count(x->c->my) > 0)
		log_warnings(x->c, line);
	return 0;
}

static int my_execute(struct retort_conn *c, const char *sql, size_t len, unsigned first_line,
                      struct retort_error *err)
{
	struct exec_ctx x;
	struct sqlsplit_error se = { 0, NULL };
	int rc;

	if ((rc = need_conn(c, err)) < 0)
		return rc;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.err = err;
	rc = sqlsplit(sql, len, SQLSPLIT_MYSQL, first_line, exec_one, &x, &se);
	if (rc < 0)
		return plugutil_split_error(api, err, &se);
	if (rc > 0)
		return x.rc < 0 ? x.rc : RETORT_EDB;
	return 0;
}

static int my_split(const struct retort_conn *c, const char *sql, size_t len, unsigned first_line,
                    retort_stmt_cb cb, void *payload, struct retort_error *err)
{
	(void)c;
	return plugutil_split(api, SQLSPLIT_MYSQL, sql, len, first_line, cb, payload, err);
}

/* ------------------------------------------------------------ version table */

/* The version table as online statements name it. */
static const char *online_table(const struct retort_conn *c)
{
	return c->qtable_online ? c->qtable_online : c->qtable;
}

static int my_version_read(struct retort_conn *c, retort_row_cb cb, void *payload,
                           struct retort_error *err)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *sql;
	int rc = 0;

	if ((rc = need_conn(c, err)) < 0)
		return rc;
	hostbuf_puts(&b, "SELECT version_num FROM ");
	hostbuf_puts(&b, online_table(c));
	if (!(sql = hostbuf_detach(&b)))
		return oom(err);
	/* A failed statement does not end a MySQL transaction: just try. */
	if (mysql_real_query(c->my, sql, (unsigned long)strlen(sql)) != 0) {
		unsigned no = mysql_errno(c->my);
		api->free(sql);
		if (no == ER_NO_SUCH_TABLE_ || no == ER_BAD_DB_ERROR_)
			return RETORT_ENOTFOUND;
		return db_error(c, err, RETORT_EDB, "cannot read the version table");
	}
	api->free(sql);
	if (!(res = mysql_store_result(c->my)))
		return db_error(c, err, RETORT_EDB, "cannot read the version table");
	while ((row = mysql_fetch_row(res)) != NULL) {
		if (!row[0])
			continue;
		if ((rc = cb(row[0], payload)) != 0) {
			if (rc > 0)
				rc = RETORT_ERROR;
			if (err && !err->message)
				api->error_set(err, rc, "reading the version table was stopped");
			break;
		}
	}
	mysql_free_result(res);
	return rc;
}

/* Alembic's DDL for MySQL (online: qualified), without the terminator. */
static char *version_ddl(const struct retort_conn *c, int online)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	hostbuf_puts(&b, online ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ");
	hostbuf_puts(&b, online ? online_table(c) : c->qtable);
	hostbuf_puts(&b, " (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT ");
	hostbuf_puts(&b, c->qpkey);
	hostbuf_puts(&b, " PRIMARY KEY (version_num)\n)");
	return hostbuf_detach(&b);
}

static int my_version_create(struct retort_conn *c, struct retort_error *err)
{
	char *sql;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if (!(sql = version_ddl(c, 1)))
		return oom(err);
	rc = run(c, sql, strlen(sql), err);
	api->free(sql);
	if (rc < 0 && err && err->message) {
		char *m = api->strdup(err->message);
		if (m) {
			api->error_set(err, rc, "cannot create the version table %s: %s", c->qtable, m);
			api->free(m);
		}
	}
	return rc;
}

/* Append a literal escaped for this connection. */
static void put_conn_literal(struct retort_conn *c, struct hostbuf *b, const char *v)
{
	size_t n = strlen(v);
	char *tmp = api->alloc(2 * n + 1);
	unsigned long k;
	if (!tmp) {
		b->oom = 1;
		return;
	}
	k = mysql_real_escape_string(c->my, tmp, v, (unsigned long)n);
	hostbuf_putc(b, '\'');
	if (k != (unsigned long)-1)
		hostbuf_put(b, tmp, k);
	else
		b->oom = 1;
	hostbuf_putc(b, '\'');
	api->free(tmp);
}

/* Run a DML statement built in b; *rows = rows matched. */
static int dml(struct retort_conn *c, struct hostbuf *b, long *rows, struct retort_error *err)
{
	char *sql = hostbuf_detach(b);
	int rc;
	*rows = 0;
	if (!sql)
		return oom(err);
	rc = run_counted(c, sql, strlen(sql), rows, err);
	api->free(sql);
	return rc;
}

static int my_version_insert(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	hostbuf_puts(&b, "INSERT INTO ");
	hostbuf_puts(&b, online_table(c));
	hostbuf_puts(&b, " (version_num) VALUES (");
	put_conn_literal(c, &b, rev);
	hostbuf_putc(&b, ')');
	return dml(c, &b, &rows, err);
}

static int my_version_update(struct retort_conn *c, const char *from, const char *to,
                             struct retort_error *err)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	hostbuf_puts(&b, "UPDATE ");
	hostbuf_puts(&b, online_table(c));
	hostbuf_puts(&b, " SET version_num = ");
	put_conn_literal(c, &b, to);
	hostbuf_puts(&b, " WHERE version_num = ");
	put_conn_literal(c, &b, from);
	if ((rc = dml(c, &b, &rows, err)) < 0)
		return rc;
	if (rows != 1)
		/* Alembic's wording. */
		return api->error_set(err, RETORT_ERROR,
		                      "Online migration expected to match one row when updating '%s' "
		                      "to '%s' in '%s'; %ld found",
		                      from, to, c->version_table, rows);
	return 0;
}

static int my_version_delete(struct retort_conn *c, const char *rev, struct retort_error *err)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	hostbuf_puts(&b, "DELETE FROM ");
	hostbuf_puts(&b, online_table(c));
	hostbuf_puts(&b, " WHERE version_num = ");
	put_conn_literal(c, &b, rev);
	if ((rc = dml(c, &b, &rows, err)) < 0)
		return rc;
	if (rows != 1)
		return api->error_set(err, RETORT_ERROR,
		                      "Online migration expected to match one row when deleting '%s' "
		                      "in '%s'; %ld found",
		                      rev, c->version_table, rows);
	return 0;
}

/* ------------------------------------------------------------ locking */

/* Run "SELECT <fn>(<lock name>[, 0])" and return its integer (-2 for NULL). */
static int lock_call(struct retort_conn *c, const char *fn, int with_timeout, long *value,
                     struct retort_error *err)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *sql;

	*value = -2;
	hostbuf_puts(&b, "SELECT ");
	hostbuf_puts(&b, fn);
	hostbuf_putc(&b, '(');
	put_conn_literal(c, &b, c->lock_name);
	if (with_timeout)
		hostbuf_puts(&b, ", 0");
	hostbuf_putc(&b, ')');
	if (!(sql = hostbuf_detach(&b)))
		return oom(err);
	if (mysql_real_query(c->my, sql, (unsigned long)strlen(sql)) != 0) {
		api->free(sql);
		return db_error(c, err, RETORT_EDB, fn);
	}
	api->free(sql);
	if (!(res = mysql_store_result(c->my)))
		return db_error(c, err, RETORT_EDB, fn);
	row = mysql_fetch_row(res);
	*value = row && row[0] ? strtol(row[0], NULL, 10) : -2;
	mysql_free_result(res);
	return 0;
}

/* Describe the connection holding our lock (allocated), or NULL. */
static char *lock_holder(struct retort_conn *c)
{
	struct hostbuf b = HOSTBUF_INIT(api);
	MYSQL_RES *res = NULL;
	MYSQL_ROW row = NULL;
	char num[32], *sql;
	long id;

	if (lock_call(c, "IS_USED_LOCK", 0, &id, NULL) < 0 || id < 0)
		return NULL;
	snprintf(num, sizeof(num), "%ld", id);
	hostbuf_puts(&b, "SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = ");
	hostbuf_puts(&b, num);
	if (!(sql = hostbuf_detach(&b)))
		return NULL;
	if (mysql_real_query(c->my, sql, (unsigned long)strlen(sql)) == 0)
		res = mysql_store_result(c->my);
	api->free(sql);
	if (res)
		row = mysql_fetch_row(res);
	hostbuf_puts(&b, "connection id ");
	hostbuf_puts(&b, num);
	if (row && row[0] && row[1]) {
		hostbuf_puts(&b, ", ");
		hostbuf_puts(&b, row[0]);
		hostbuf_putc(&b, '@');
		hostbuf_puts(&b, row[1]);
	}
	if (row && row[2]) {
		hostbuf_puts(&b, ", in its current state for ");
		hostbuf_puts(&b, row[2]);
		hostbuf_puts(&b, " s");
	}
	if (res)
		mysql_free_result(res);
	return hostbuf_detach(&b);
}

static int my_lock(struct retort_conn *c, struct retort_error *err)
{
	long long start, waited;
	long step = 50, got;
	int rc, logged = 0;

	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if (c->locked)
		return 0;
	start = plugutil_now_ms();
	for (;;) {
		/* Poll with a zero timeout: GET_LOCK's own timeout is whole
		 * seconds on MySQL, and polling lets us log the holder. */
		if ((rc = lock_call(c, "GET_LOCK", 1, &got, err)) < 0)
			return rc;
		if (got == 1) {
			c->locked = 1;
			return 0;
		}
		if (got != 0)
			return api->error_set(err, RETORT_EDB, "GET_LOCK('%s') failed", c->lock_name);
		waited = plugutil_now_ms() - start;
		if (c->lock_timeout_ms >= 0 && waited >= c->lock_timeout_ms) {
			char *who = lock_holder(c);
			api->error_set(err, RETORT_ELOCKED,
			               "the migration lock '%s' is held by another session (%s); waited "
			               "%lld ms: let that run finish, or raise the lock timeout",
			               c->lock_name, who ? who : "holder unknown", waited);
			api->free(who);
			return RETORT_ELOCKED;
		}
		if (!logged) {
			char *who = lock_holder(c);
			api->log(RETORT_LOG_INFO, "mysql: waiting for the migration lock '%s' held by %s",
			         c->lock_name, who ? who : "another session");
			api->free(who);
			logged = 1;
		}
		if (c->lock_timeout_ms >= 0 && step > c->lock_timeout_ms - waited)
			step = (long)(c->lock_timeout_ms - waited);
		plugutil_sleep_ms(step > 0 ? step : 1);
		if (step < 500)
			step *= 2;
	}
}

static int my_unlock(struct retort_conn *c, struct retort_error *err)
{
	long v;
	int rc;
	if (!c || !c->my || !c->locked)
		return 0;
	if ((rc = lock_call(c, "RELEASE_LOCK", 0, &v, err)) < 0)
		return rc;
	c->locked = 0;
	return 0;
}

/* ------------------------------------------------------------ offline */


/* Count the statements sqlsplit finds (stops at two). */
static int count_stmt(const char *stmt, size_t len, unsigned line, void *payload)
{
	(void)stmt;
	(void)len;
	(void)line;
	return ++*(int *)payload >= 2 ? 1 : 0;
}

/* Would the mysql client cut this statement at one of its ';'?  Quoted or
 * commented ';' do not count: the client's lexer knows quotes too. */
static int needs_delimiter(const char *stmt, size_t n)
{
	int count = 0;
	if (!memchr(stmt, ';', n))
		return 0;
	if (sqlsplit(stmt, n, SQLSPLIT_MYSQL & ~SQLSPLIT_DELIMITER, 1, count_stmt, &count, NULL) < 0)
		return 1;
	return count >= 2;
}

/*
 * Offline output must run through the `mariadb`/`mysql` client: a statement
 * holding a ';' the client would cut at (a procedure or trigger body) is
 * wrapped in DELIMITER lines with a delimiter it does not contain; others
 * are printed as Alembic prints them.
 */
static int my_offline_sql(const struct retort_conn *c, int what, const char *arg, size_t arg_len,
                          char **out, struct retort_error *err)
{
	static const char *const delims[] = { "//", "$$", ";;", "@@", "%%", "~~" };
	struct hostbuf b = HOSTBUF_INIT(api);
	char *ddl;

	*out = NULL;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
	case RETORT_OFFLINE_COMMIT:
		/* Alembic prints no transaction around MySQL's implicit commits. */
		break;
	case RETORT_OFFLINE_VERSION_DDL:
		if (!c)
			return api->error_set(err, RETORT_ERROR, "no handle for the version table");
		if (!(ddl = version_ddl(c, 0)))
			return oom(err);
		hostbuf_puts(&b, ddl);
		hostbuf_putc(&b, ';');
		api->free(ddl);
		break;
	case RETORT_OFFLINE_STATEMENT: {
		const char *stmt = arg ? arg : "";
		size_t n = arg ? arg_len : 0, i;
		const char *d = NULL;
		if (!needs_delimiter(stmt, n)) {
			hostbuf_put(&b, stmt, n);
			if (sqltext_last_line_has_comment(stmt, n, 1))
				hostbuf_putc(&b, '\n');
			hostbuf_putc(&b, ';');
			break;
		}
		for (i = 0; i < sizeof(delims) / sizeof(delims[0]) && !d; i++) {
			size_t k;
			d = delims[i];
			for (k = 0; k + 1 < n; k++)
				if (stmt[k] == d[0] && stmt[k + 1] == d[1]) {
					d = NULL;
					break;
				}
		}
		if (!d)
			return api->error_set(err, RETORT_ENOTSUPPORTED,
			                      "no DELIMITER can wrap this statement for the mysql client");
		hostbuf_puts(&b, "DELIMITER ");
		hostbuf_puts(&b, d);
		hostbuf_putc(&b, '\n');
		hostbuf_put(&b, stmt, n);
		hostbuf_puts(&b, "\n");
		hostbuf_puts(&b, d);
		hostbuf_puts(&b, "\nDELIMITER ;");
		break;
	}
	default:
		return api->error_set(err, RETORT_ENOTSUPPORTED, "unknown offline SQL kind %d", what);
	}
	if (!(*out = hostbuf_detach(&b)))
		return oom(err);
	return 0;
}

/* ------------------------------------------------------------ vtable */

static const struct retort_dialect dialect = {
	RETORT_DIALECT_ABI_MAJOR,
	RETORT_DIALECT_ABI_MINOR,
	sizeof(struct retort_dialect),
	"mysql",
	"MySQL and MariaDB (" CLIENT_NAME ")",
	PACKAGE_VERSION,
	schemes,
	my_global_init,
	my_global_shutdown,
	my_create,
	my_connect,
	my_destroy,
	my_caps,
	my_begin,
	my_commit,
	my_rollback,
	my_execute,
	my_split,
	my_version_read,
	my_version_create,
	my_version_insert,
	my_version_update,
	my_version_delete,
	my_lock,
	my_unlock,
	my_quote_identifier,
	my_quote_literal,
	my_offline_sql,
};

RETORT_DIALECT_DEFINE(retort_mysql, &dialect, api)
