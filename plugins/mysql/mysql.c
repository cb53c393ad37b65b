/* SPDX-License-Identifier: MIT */
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
	char **secrets;         /* the URL's secrets, masked in messages */
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

/* As SQLAlchemy writes an identifier for MySQL/MariaDB (the host has the
 * rule and SQLAlchemy's reserved words of both): bare when it can be, else
 * in backticks with '`' doubled. */
static void put_ident(struct retort_buf *b, const char *name)
{
	api->quote_ident(b, name, RETORT_FAMILY_MYSQL, '`', '`', 0);
}

/*
 * A string literal by MySQL's default rules: quotes doubled (valid with
 * and without NO_BACKSLASH_ESCAPES), backslash, newline, CR and ^Z
 * backslash-escaped as mysql_escape_string() does.  Valid
 * for UTF-8 and every ASCII-compatible character set whose multi-byte
 * characters never contain these bytes (utf8mb4, latin1; not sjis/gbk).
 */
static void put_literal(struct retort_buf *b, const char *value)
{
	const char *p;
	api->buf_putc(b, '\'');
	for (p = value; *p; p++) {
		switch (*p) {
		case '\'': api->buf_puts(b, "''"); break;
		case '\\': api->buf_puts(b, "\\\\"); break;
		case '\n': api->buf_puts(b, "\\n"); break;
		case '\r': api->buf_puts(b, "\\r"); break;
		case '\032': api->buf_puts(b, "\\Z"); break;
		default: api->buf_putc(b, *p); break;
		}
	}
	api->buf_putc(b, '\'');
}

static int my_quote_identifier(const struct retort_conn *conn, const char *name, char **out,
                               struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	(void)conn;
	*out = NULL;
	if (!name || !*name)
		return api->error_set(err, RETORT_EUSAGE, "an empty identifier cannot be quoted");
	put_ident(&b, name);
	if (!(*out = api->buf_detach(&b)))
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
	struct retort_buf b = RETORT_BUF_INIT;
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
	if (!(*out = api->buf_detach(&b)))
		return oom(err);
	return 0;
}

/* ------------------------------------------------------------ messages */

/*
 * Make a server message fit the one-line error contract (newlines become
 * "; ") with the URL's secrets masked by the host's policy.  NULL when out
 * of memory.
 */
static char *clean_message(const struct retort_conn *conn, const char *msg)
{
	return api->mask(msg, conn ? (const char *const *)conn->secrets : NULL,
	                 RETORT_MASK_ONELINE);
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

/* The known option `key` names, '-' standing for '_' as in MySQL's own
 * clients (ssl-mode, ssl-ca: the spelling of my.cnf and the command
 * line); -1 if none. */
static int find_opt(const char *key)
{
	size_t i, j;
	for (i = 0; i < N_KNOWN_OPTS; i++) {
		const char *k = known_opts[i].key;
		for (j = 0; k[j] && (key[j] == k[j] || (key[j] == '-' && k[j] == '_')); j++)
			;
		if (!k[j] && !key[j])
			return (int)i;
	}
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
		                      "ssl_verify_cert, read_default_file, read_default_group "
		                      "('-' may stand for '_': ssl-mode)",
		                      key);
	switch (known_opts[i].kind) {
	case OPT_UINT:
		if (parse_uint(value, &u) < 0)
			return api->error_set(err, RETORT_EUSAGE,
			                      "URL parameter %s must be a number of seconds", key);
		break;
	case OPT_SSL_MODE:
		if (parse_ssl_mode(known_opts[i].key, value, &b) < 0)
			return api->error_set(err, RETORT_EUSAGE,
			                      "URL parameter %s: use %s", key,
			                      strcmp(known_opts[i].key, "ssl_mode") != 0
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
	api->secrets_free(c->secrets);
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

/* MySQL's names are at most 64 characters. */
#define MY_NAME_MAX 64

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Names too long for MySQL, refused before anything is created. */
static int check_names(const struct retort_dialect_options *opts, struct retort_error *err)
{
	const char *t = opts && opts->version_table ? opts->version_table : "";
	const char *sc = opts && opts->version_table_schema ? opts->version_table_schema : "";
	if (utf8_chars(t) > MY_NAME_MAX)
		return api->error_set(err, RETORT_EUSAGE, "version_table is %zu characters long, "
		                      "but MySQL names are at most %d: write a shorter one",
		                      utf8_chars(t), MY_NAME_MAX);
	if (utf8_chars(sc) > MY_NAME_MAX)
		return api->error_set(err, RETORT_EUSAGE, "version_table_schema is %zu characters "
		                      "long, but MySQL names are at most %d: write a shorter one",
		                      utf8_chars(sc), MY_NAME_MAX);
	return 0;
}

static int my_create(struct retort_conn **out, const struct retort_url *url,
                     const struct retort_dialect_options *opts, struct retort_error *err)
{
	struct retort_conn *c;
	struct retort_buf b = RETORT_BUF_INIT;
	const char *table, *schema;
	size_t i;
	int rc;

	*out = NULL;
	if (!url)
		return api->error_set(err, RETORT_EUSAGE, "no URL given");
	if ((rc = check_names(opts, err)) < 0)
		return rc;
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
	    dup_opt(&c->database, url->database && *url->database ? url->database : NULL) < 0 ||
	    !(c->secrets = api->secrets_of(url)))
		goto fail;
	if (url->n_params) {
		c->opts = api->alloc(url->n_params * sizeof(*c->opts));
		if (!c->opts)
			goto fail;
		memset(c->opts, 0, url->n_params * sizeof(*c->opts));
	}
	for (i = 0; i < url->n_params; i++) {
		const struct retort_url_param *p = &url->params[i];
		/* kept under the known name (ssl-mode is ssl_mode); check_opt()
		 * made sure there is one */
		if (dup_opt(&c->opts[i].key, known_opts[find_opt(p->key ? p->key : "")].key) < 0 ||
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
		api->buf_putc(&b, '.');
	}
	put_ident(&b, table);
	if (!(c->qtable = api->buf_detach(&b)))
		goto fail;
	api->buf_puts(&b, table);
	api->buf_puts(&b, "_pkc");
	{
		char *pk = api->buf_detach(&b);
		if (!pk)
			goto fail;
		put_ident(&b, pk);
		api->free(pk);
		if (!(c->qpkey = api->buf_detach(&b)))
			goto fail;
	}
	*out = c;
	return 0;
fail:
	api->buf_free(&b);
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
	struct retort_buf b = RETORT_BUF_INIT;
	char *full, tail[24];
	uint64_t h;

	api->buf_puts(&b, "retort:");
	api->buf_puts(&b, db ? db : "");
	api->buf_putc(&b, '.');
	api->buf_puts(&b, table);
	if (!(full = api->buf_detach(&b)))
		return NULL;
	if (strlen(full) <= LOCK_NAME_MAX)
		return full;
	{
		unsigned char hb[8] = RETORT_HASH64_INIT;
		size_t i;
		api->hash64(hb, full, strlen(full));
		for (h = 0, i = 0; i < 8; i++)
			h = (h << 8) | hb[i];
	}
	snprintf(tail, sizeof(tail), "~%016llx", (unsigned long long)h);
	/* 38 + 17 < 64, and cut at a UTF-8 character boundary. */
	{
		size_t cut = 38;
		while (cut > 0 && ((unsigned char)full[cut] & 0xC0) == 0x80)
			cut--;
		api->buf_put(&b, full, cut);
	}
	api->buf_puts(&b, tail);
	api->free(full);
	return api->buf_detach(&b);
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
		struct retort_buf b = RETORT_BUF_INIT;
		put_ident(&b, row[0]);
		api->buf_putc(&b, '.');
		put_ident(&b, c->version_table);
		api->free(c->qtable_online);
		if (!(c->qtable_online = api->buf_detach(&b))) {
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
	return RETORT_CAP_ADVISORY_LOCK | RETORT_CAP_NONTX_SCRIPTS | RETORT_CAP_CREATE_IF_ABSENT;
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

static unsigned my_split_rules(const struct retort_conn *c)
{
	(void)c;
	return RETORT_SPLIT_MYSQL;
}

/* One statement; the core's loop splits, numbers and attaches it. */
static int my_execute_statement(struct retort_conn *c, const char *stmt, size_t len,
                                unsigned line, struct retort_error *err)
{
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	if ((rc = run(c, stmt, len, err)) < 0)
		return rc;
	if (mysql_warning_count(c->my) > 0)
		log_warnings(c, line);
	return 0;
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
	struct retort_buf b = RETORT_BUF_INIT;
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *sql;
	int rc = 0;

	if ((rc = need_conn(c, err)) < 0)
		return rc;
	api->buf_puts(&b, "SELECT version_num FROM ");
	api->buf_puts(&b, online_table(c));
	if (!(sql = api->buf_detach(&b)))
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
	struct retort_buf b = RETORT_BUF_INIT;
	api->buf_puts(&b, online ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ");
	api->buf_puts(&b, online ? online_table(c) : c->qtable);
	api->buf_puts(&b, " (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT ");
	api->buf_puts(&b, c->qpkey);
	api->buf_puts(&b, " PRIMARY KEY (version_num)\n)");
	return api->buf_detach(&b);
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
static void put_conn_literal(struct retort_conn *c, struct retort_buf *b, const char *v)
{
	size_t n = strlen(v);
	char *tmp = api->alloc(2 * n + 1);
	unsigned long k;
	if (!tmp) {
		b->oom = 1;
		return;
	}
	k = mysql_real_escape_string(c->my, tmp, v, (unsigned long)n);
	api->buf_putc(b, '\'');
	if (k != (unsigned long)-1)
		api->buf_put(b, tmp, k);
	else
		b->oom = 1;
	api->buf_putc(b, '\'');
	api->free(tmp);
}

/* Run a DML statement built in b; *rows = rows matched. */
static int dml(struct retort_conn *c, struct retort_buf *b, long *rows, struct retort_error *err)
{
	char *sql = api->buf_detach(b);
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
	struct retort_buf b = RETORT_BUF_INIT;
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	api->buf_puts(&b, "INSERT INTO ");
	api->buf_puts(&b, online_table(c));
	api->buf_puts(&b, " (version_num) VALUES (");
	put_conn_literal(c, &b, rev);
	api->buf_putc(&b, ')');
	return dml(c, &b, &rows, err);
}

static int my_version_update(struct retort_conn *c, const char *from, const char *to,
                             struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	api->buf_puts(&b, "UPDATE ");
	api->buf_puts(&b, online_table(c));
	api->buf_puts(&b, " SET version_num = ");
	put_conn_literal(c, &b, to);
	api->buf_puts(&b, " WHERE version_num = ");
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
	struct retort_buf b = RETORT_BUF_INIT;
	long rows;
	int rc;
	if ((rc = need_conn(c, err)) < 0)
		return rc;
	api->buf_puts(&b, "DELETE FROM ");
	api->buf_puts(&b, online_table(c));
	api->buf_puts(&b, " WHERE version_num = ");
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
	struct retort_buf b = RETORT_BUF_INIT;
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *sql;

	*value = -2;
	api->buf_puts(&b, "SELECT ");
	api->buf_puts(&b, fn);
	api->buf_putc(&b, '(');
	put_conn_literal(c, &b, c->lock_name);
	if (with_timeout)
		api->buf_puts(&b, ", 0");
	api->buf_putc(&b, ')');
	if (!(sql = api->buf_detach(&b)))
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
	struct retort_buf b = RETORT_BUF_INIT;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row = NULL;
	char num[32], *sql;
	long id;

	if (lock_call(c, "IS_USED_LOCK", 0, &id, NULL) < 0 || id < 0)
		return NULL;
	snprintf(num, sizeof(num), "%ld", id);
	api->buf_puts(&b, "SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = ");
	api->buf_puts(&b, num);
	if (!(sql = api->buf_detach(&b)))
		return NULL;
	if (mysql_real_query(c->my, sql, (unsigned long)strlen(sql)) == 0)
		res = mysql_store_result(c->my);
	api->free(sql);
	if (res)
		row = mysql_fetch_row(res);
	api->buf_puts(&b, "connection id ");
	api->buf_puts(&b, num);
	if (row && row[0] && row[1]) {
		api->buf_puts(&b, ", ");
		api->buf_puts(&b, row[0]);
		api->buf_putc(&b, '@');
		api->buf_puts(&b, row[1]);
	}
	if (row && row[2]) {
		api->buf_puts(&b, ", in its current state for ");
		api->buf_puts(&b, row[2]);
		api->buf_puts(&b, " s");
	}
	if (res)
		mysql_free_result(res);
	return api->buf_detach(&b);
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
	start = api->clock_ms();
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
		waited = api->clock_ms() - start;
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
		api->sleep_ms(step > 0 ? step : 1);
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

/* ------------------------------------------------------------ side queries (ABI 1.1) */

/* Fill err from a prepared statement's last error. */
static int stmt_error(struct retort_conn *c, MYSQL_STMT *st, struct retort_error *err)
{
	char *m = clean_message(c, mysql_stmt_error(st));
	if (!m)
		return oom(err);
	api->error_set(err, RETORT_EDB, "%s", *m ? m : "unknown error");
	api->error_db(err, mysql_stmt_sqlstate(st), (long)mysql_stmt_errno(st));
	api->free(m);
	return RETORT_EDB;
}

/* Result columns of a prepared statement, fetched as text. */
struct qcols {
	MYSQL_BIND *bind;
	unsigned long *lens;
	char **bufs;
	const char **cols;
	unsigned n;
};

static void qcols_free(struct qcols *q)
{
	unsigned i;
	for (i = 0; q->bufs && i < q->n; i++)
		api->free(q->bufs[i]);
	api->free(q->bind);
	api->free(q->lens);
	api->free(q->bufs);
	api->free(q->cols);
}

/* Give column i a buffer of cap bytes (cap - 1 for the value, 1 for a NUL). */
static int qcols_size(struct qcols *q, unsigned i, unsigned long cap)
{
	char *b = api->realloc(q->bufs[i], cap);
	if (!b)
		return -1;
	q->bufs[i] = b;
	q->bind[i].buffer = b;
	q->bind[i].buffer_length = cap - 1;
	return 0;
}

static int qcols_init(struct qcols *q, unsigned n)
{
	unsigned i;
	memset(q, 0, sizeof(*q));
	q->n = n;
	q->bind = api->alloc(n * sizeof(*q->bind));
	q->lens = api->alloc(n * sizeof(*q->lens));
	q->bufs = api->alloc(n * sizeof(*q->bufs));
	q->cols = api->alloc(n * sizeof(*q->cols));
	if (!q->bind || !q->lens || !q->bufs || !q->cols)
		return -1;
	memset(q->bind, 0, n * sizeof(*q->bind));
	memset(q->bufs, 0, n * sizeof(*q->bufs));
	for (i = 0; i < n; i++) {
		q->bind[i].buffer_type = MYSQL_TYPE_STRING;
		q->bind[i].length = &q->lens[i];
		q->bind[i].is_null = &q->bind[i].is_null_value;
		q->bind[i].error = &q->bind[i].error_value;
		if (qcols_size(q, i, 256) < 0)
			return -1;
	}
	return 0;
}

/* Read every row of st into cb (text columns; NULL for SQL NULL). */
static int fetch_rows(struct retort_conn *c, MYSQL_STMT *st, unsigned ncols,
                      retort_query_row_cb cb, void *payload, struct retort_error *err)
{
	struct qcols q;
	unsigned i;
	int r, rc = 0, stopped = 0;

	if (qcols_init(&q, ncols) < 0) {
		qcols_free(&q);
		return oom(err);
	}
	if (mysql_stmt_bind_result(st, q.bind)) {
		rc = stmt_error(c, st, err);
		goto done;
	}
	while ((r = mysql_stmt_fetch(st)) == 0 || r == MYSQL_DATA_TRUNCATED) {
		int rebind = 0;
		if (stopped || !cb)
			continue;
		for (i = 0; i < ncols; i++) {
			if (!q.bind[i].is_null_value && q.lens[i] > q.bind[i].buffer_length) {
				/* too long for its buffer: fetch it again whole */
				if (qcols_size(&q, i, q.lens[i] + 1) < 0) {
					rc = oom(err);
					goto done;
				}
				if (mysql_stmt_fetch_column(st, &q.bind[i], i, 0)) {
					rc = stmt_error(c, st, err);
					goto done;
				}
				rebind = 1;
			}
			if (q.bind[i].is_null_value) {
				q.cols[i] = NULL;
			} else {
				q.bufs[i][q.lens[i]] = '\0';
				q.cols[i] = q.bufs[i];
			}
		}
		if (rebind && mysql_stmt_bind_result(st, q.bind)) {
			rc = stmt_error(c, st, err);
			goto done;
		}
		if (cb(q.cols, ncols, payload) != 0)
			stopped = 1;
	}
	if (r != MYSQL_NO_DATA)
		rc = stmt_error(c, st, err);
done:
	qcols_free(&q);
	return rc;
}

static int my_query(struct retort_conn *c, const char *sql, const char *const *params,
                    size_t nparams, retort_query_row_cb cb, void *payload, long *affected,
                    struct retort_error *err)
{
	MYSQL_STMT *st = NULL;
	MYSQL_BIND *pb = NULL;
	MYSQL_RES *meta = NULL;
	size_t i;
	int rc = 0;

	if (affected)
		*affected = -1;
	if (need_conn(c, err) < 0)
		return -1;
	if (!sql) {
		api->error_set(err, RETORT_EUSAGE, "query: no SQL");
		return -1;
	}
	if (!(st = mysql_stmt_init(c->my))) {
		oom(err);
		return -1;
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql))) {
		rc = stmt_error(c, st, err);
		goto done;
	}
	if (mysql_stmt_param_count(st) != nparams) {
		rc = api->error_set(err, RETORT_EUSAGE, "query: the statement has %lu placeholders "
		                    "but %zu parameters were given",
		                    (unsigned long)mysql_stmt_param_count(st), nparams);
		goto done;
	}
	if (nparams) {
		if (!(pb = api->alloc(nparams * sizeof(*pb)))) {
			rc = oom(err);
			goto done;
		}
		memset(pb, 0, nparams * sizeof(*pb));
		for (i = 0; i < nparams; i++) {
			if (!params[i]) {
				pb[i].buffer_type = MYSQL_TYPE_NULL;
				continue;
			}
			pb[i].buffer_type = MYSQL_TYPE_STRING;
			pb[i].buffer = (void *)(uintptr_t)params[i];
			pb[i].buffer_length = (unsigned long)strlen(params[i]);
		}
		if (mysql_stmt_bind_param(st, pb)) {
			rc = stmt_error(c, st, err);
			goto done;
		}
	}
	if (mysql_stmt_execute(st)) {
		rc = stmt_error(c, st, err);
		goto done;
	}
	meta = mysql_stmt_result_metadata(st);
	if (meta) {
		rc = fetch_rows(c, st, mysql_num_fields(meta), cb, payload, err);
		mysql_free_result(meta);
	} else if (mysql_stmt_field_count(st) == 0 && affected) {
		my_ulonglong n = mysql_stmt_affected_rows(st);
		*affected = n == (my_ulonglong)-1 ? -1 : (long)n;
	}
	mysql_stmt_free_result(st);
	/* a CALL may leave further results: consume them */
	while (rc == 0 && mysql_stmt_next_result(st) == 0)
		mysql_stmt_free_result(st);
done:
	api->free(pb);
	mysql_stmt_close(st);
	return rc < 0 ? -1 : 0;
}

static int my_column_type(const struct retort_conn *c, int type, unsigned length, char *out,
                          size_t outsz)
{
	(void)c;
	return api->column_type(RETORT_FAMILY_MYSQL, type, length, out, outsz);
}

/* ------------------------------------------------------------ offline */

/*
 * Offline output must run through the `mariadb`/`mysql` client.  What a
 * MySQL script looks like (no BEGIN/COMMIT, the terminator, DELIMITER lines
 * around a procedure or trigger body) is the host's rule for the family
 * (host->offline_sql), which the odbc plugin follows too: one database,
 * one script.  Only the version table's DDL is this plugin's.
 */
static int my_offline_sql(const struct retort_conn *c, int what, const char *arg, size_t arg_len,
                          char **out, struct retort_error *err)
{
	struct retort_buf b = RETORT_BUF_INIT;
	char *ddl;
	int rc;

	*out = NULL;
	switch (what) {
	case RETORT_OFFLINE_BEGIN:
	case RETORT_OFFLINE_COMMIT:
		rc = api->offline_sql(&b, RETORT_FAMILY_MYSQL, what, NULL, 0, err);
		break;
	case RETORT_OFFLINE_VERSION_DDL:
		if (!c)
			return api->error_set(err, RETORT_ERROR, "no handle for the version table");
		if (!(ddl = version_ddl(c, 0)))
			return oom(err);
		rc = api->offline_sql(&b, RETORT_FAMILY_MYSQL, RETORT_OFFLINE_STATEMENT, ddl,
		                      strlen(ddl), err);
		api->free(ddl);
		break;
	case RETORT_OFFLINE_STATEMENT:
		rc = api->offline_sql(&b, RETORT_FAMILY_MYSQL, what, arg ? arg : "", arg ? arg_len : 0,
		                      err);
		break;
	default:
		return api->error_set(err, RETORT_ENOTSUPPORTED, "unknown offline SQL kind %d", what);
	}
	if (rc < 0) {
		api->buf_free(&b);
		return rc;
	}
	if (!(*out = api->buf_detach(&b)))
		return oom(err);
	return 0;
}

/* ------------------------------------------------------------ who */

/* The account the server authenticated the session as (user@host, as
 * GRANT names it), however the login was given (URL, option files). */
static const char *my_session_user_sql(const struct retort_conn *c)
{
	(void)c;
	return "SELECT CURRENT_USER()";
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
	NULL, /* execute: the core's loop runs my_execute_statement */
	NULL, /* split: the core splits by my_split_rules */
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
	my_query,
	my_column_type,
	my_split_rules,
	my_execute_statement,
	NULL, /* section */
	my_session_user_sql,
};

RETORT_DIALECT_DEFINE(retort_mysql, &dialect, api)
