/* SPDX-License-Identifier: MIT */
/*
 * retort/dialect.h - the dialect plugin ABI.
 *
 * A dialect plugin is a shared object that teaches retort one database
 * family.  It exports exactly one symbol, made with RETORT_DIALECT_DEFINE(),
 * which returns a pointer to a static, never-freed struct retort_dialect.
 *
 * Rules (read these before writing a plugin):
 *
 *  - ABI: the struct starts with abi_major, abi_minor and struct_size.  The
 *    core accepts a plugin iff abi_major == RETORT_DIALECT_ABI_MAJOR and
 *    abi_minor <= RETORT_DIALECT_ABI_MINOR.  Members are only ever appended;
 *    the core reads a member only when struct_size covers it.  These two
 *    macros are the one source of the ABI version: configure reads them
 *    for retort-dialect.pc.
 *  - Contract: every member below is marked REQUIRED or OPTIONAL.  The
 *    loader refuses a plugin whose struct lacks a REQUIRED member (NULL, or
 *    beyond struct_size), naming the member; it never calls a NULL one.
 *    An OPTIONAL member may be NULL, meaning "not supported": the core falls
 *    back or says so.  lock and unlock come as a pair.  The engine decides
 *    strategy from caps() flags, never from the dialect's name.
 *  - Memory: inputs are borrowed for the duration of a call.  Anything a
 *    plugin hands back (strings, handles) is allocated with host->alloc and
 *    freed by the core with host->free.  Never mix allocators.
 *  - Return values: functions return 0 (RETORT_OK) on success and a
 *    negative RETORT_E* code on failure, describing it in the struct
 *    retort_error the core passes in, through host->error_set() and
 *    friends (query() returns -1, with the code in err).  Messages are one
 *    line, impersonal, and never quote a URL, a DSN or a password.
 *  - Callbacks the core passes (retort_stmt_cb, retort_row_cb,
 *    retort_query_row_cb) return 0 to go on and non-zero to stop.  A
 *    plugin stops at once and returns: from split() and version_read(), the
 *    callback's value if negative, else RETORT_ERROR (a stop is a failure
 *    there, and err may stay empty); from query(), 0 (a stop is not an
 *    error there).
 *  - Threads: none.  The core calls a plugin from one thread at a time and
 *    never concurrently; each handle (struct retort_conn) is used by one
 *    thread only, and calls on one handle never overlap.  A plugin needs
 *    no locking of its own, but must not assume which thread calls it.
 *  - Lifecycle: the loader opens the module once per process, calls the
 *    entry point (which only returns the vtable: no I/O, no allocation),
 *    checks the ABI and the REQUIRED members, then calls global_init once.
 *    Then any number of handles: create() (no I/O), connect(), the other
 *    calls, destroy().  At normal exit, after every handle was destroyed,
 *    global_shutdown runs once (only if global_init succeeded or is NULL).
 *    Modules are never unloaded.
 *  - A plugin links nothing of libretort: everything it needs from the host
 *    comes through struct retort_host.
 *  - Plugins hold no revision logic: they execute SQL, read and write the
 *    version table rows they are told to, and lock.
 *  - Build with -fvisibility=hidden: RETORT_DIALECT_DEFINE() marks the
 *    entry point visible, and it is the only symbol a plugin exports.
 *
 * This header is C89 and C++ clean and depends only on <stddef.h>.
 */
#ifndef INCLUDE_retort_dialect_h__
#define INCLUDE_retort_dialect_h__

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RETORT_DIALECT_ABI_MAJOR 1
#define RETORT_DIALECT_ABI_MINOR 3

/* ------------------------------------------------------------------ codes */

/** Return codes shared by the core and plugins. */
enum retort_code {
	RETORT_OK = 0,
	RETORT_ERROR = -1,         /**< generic failure, see the error object */
	RETORT_ENOTFOUND = -2,     /**< e.g. the version table does not exist */
	RETORT_ELOCKED = -3,       /**< the migration lock was not obtained in time */
	RETORT_ENOTSUPPORTED = -4, /**< the dialect cannot do what was asked */
	RETORT_ECONNECT = -5,      /**< could not connect / authenticate */
	RETORT_EDB = -6,           /**< the database rejected a statement */
	RETORT_EUSAGE = -7,        /**< bad URL, option or argument (exit status 2) */
	RETORT_ENOMEM = -8         /**< out of memory */
};

/** Log levels for host->log. */
enum retort_log_level {
	RETORT_LOG_ERROR = 0,
	RETORT_LOG_WARNING = 1,
	RETORT_LOG_INFO = 2,
	RETORT_LOG_DEBUG = 3
};

/** Capability flags returned by retort_dialect.caps(). */
#define RETORT_CAP_TRANSACTIONAL_DDL 0x0001u /**< DDL rolls back with the transaction */
#define RETORT_CAP_ADVISORY_LOCK     0x0002u /**< lock() is a server-side lock */
#define RETORT_CAP_SCHEMAS           0x0004u /**< version_table_schema is meaningful */
#define RETORT_CAP_NONTX_SCRIPTS     0x0008u /**< can run a script outside a transaction */
/** CREATE TABLE IF NOT EXISTS is understood (ABI 1.1; offline scripts use it
 *  for retort's own side tables, which outlive a downgrade to base). */
#define RETORT_CAP_CREATE_IF_ABSENT  0x0010u
/** Every flag this header defines; a plugin returning others is refused by
 *  retort-dialect-check. */
#define RETORT_CAP_KNOWN             0x001fu

/* ------------------------------------------------------------------ error */

/**
 * Error detail for one failed call.  The core zeroes it before each call and
 * frees its strings afterwards; plugins fill it only through host->error_*().
 */
struct retort_error {
	int code;               /**< RETORT_E* */
	char *message;          /**< one line, host-allocated, may be NULL */
	char sqlstate[8];       /**< SQLSTATE if the database gave one, else "" */
	long native_code;       /**< server's native error number, 0 if none */
	unsigned stmt_index;    /**< 1-based index of the failing statement in
	                             the section, 0 if not about a statement */
	unsigned stmt_line;     /**< 1-based line of that statement in the file,
	                             0 if unknown */
	char *statement;        /**< host-allocated copy of the statement text
	                             (the host truncates long ones), or NULL */
};

/* ------------------------------------------------------------------ host */

struct retort_url;

/**
 * Callback receiving one statement of a split section (borrowed text, no
 * terminator, outer blanks dropped); line is its first line in the file.
 */
typedef int (*retort_stmt_cb)(const char *stmt, size_t len,
                              unsigned line, void *payload);

/**
 * Lexical rules of host->split() (ABI 1.2), one flag each; always known:
 * '...' strings with '' escapes, "..." identifiers, -- and C-style
 * comments, ';' terminators.
 */
#define RETORT_SPLIT_DOLLAR           0x0001u /**< $$...$$, $tag$...$tag$ */
#define RETORT_SPLIT_NESTED_COMMENTS  0x0002u /**< nested block comments */
#define RETORT_SPLIT_BACKSLASH        0x0004u /**< backslash escapes in quotes */
#define RETORT_SPLIT_BACKTICK         0x0008u /**< `...` identifiers */
#define RETORT_SPLIT_HASH_COMMENT     0x0010u /**< # line comments */
#define RETORT_SPLIT_DELIMITER        0x0020u /**< the client command DELIMITER xx
                                                   on its own line changes the
                                                   terminator (not a statement) */
#define RETORT_SPLIT_BRACKET          0x0040u /**< [...] identifiers */
#define RETORT_SPLIT_GO               0x0080u /**< a line GO ends a batch; ';'
                                                   does not split */
#define RETORT_SPLIT_SLASH            0x0100u /**< Oracle: PL/SQL blocks end at a
                                                   line '/', keeping their ';' */
#define RETORT_SPLIT_BEGIN_END        0x0200u /**< SQLite: CREATE TRIGGER ... END; */
#define RETORT_SPLIT_BEGIN_ATOMIC     0x0400u /**< PostgreSQL 14+: BEGIN ATOMIC
                                                   ... END bodies */
/** The rule sets of the common dialects. */
#define RETORT_SPLIT_GENERIC    0u
#define RETORT_SPLIT_SQLITE     (RETORT_SPLIT_BACKTICK | RETORT_SPLIT_BRACKET | \
                                 RETORT_SPLIT_BEGIN_END)
#define RETORT_SPLIT_POSTGRESQL (RETORT_SPLIT_DOLLAR | RETORT_SPLIT_NESTED_COMMENTS | \
                                 RETORT_SPLIT_BEGIN_ATOMIC)
#define RETORT_SPLIT_MYSQL      (RETORT_SPLIT_BACKSLASH | RETORT_SPLIT_BACKTICK | \
                                 RETORT_SPLIT_HASH_COMMENT | RETORT_SPLIT_DELIMITER)
#define RETORT_SPLIT_MSSQL      (RETORT_SPLIT_BRACKET | RETORT_SPLIT_GO)
#define RETORT_SPLIT_ORACLE     (RETORT_SPLIT_SLASH)

/**
 * A growable string on the host allocator (ABI 1.2), filled with the
 * host->buf_* members.  Out of memory is sticky: once an append fails, oom
 * is set, later appends do nothing and buf_detach() returns NULL, so a
 * caller appends freely and checks once.  ptr is NUL-terminated once
 * anything was appended.
 */
struct retort_buf {
	char *ptr;
	size_t len;
	size_t cap;
	int oom;
};
#define RETORT_BUF_INIT { NULL, 0, 0, 0 }

/**
 * Database families (ABI 1.2): host->quote_ident() quotes from the
 * family's reserved words (SQLAlchemy's, generated into the core),
 * host->column_type() spells its column types, and host->offline_sql()
 * (ABI 1.3) writes its offline SQL.  A native plugin and the ODBC plugin
 * talking to the same database pass the same family, so they write the
 * same SQL.
 */
enum retort_family {
	RETORT_FAMILY_NONE = 0,     /**< only the character rule */
	RETORT_FAMILY_POSTGRESQL,
	RETORT_FAMILY_MYSQL,        /**< MySQL's and MariaDB's lists together */
	RETORT_FAMILY_SQLITE,
	RETORT_FAMILY_MSSQL,
	RETORT_FAMILY_ORACLE        /**< also quotes a leading '_' */
};

/** The FNV-1a 64 offset basis, big-endian, for host->hash64() (ABI 1.2). */
#define RETORT_HASH64_INIT { 0xcb, 0xf2, 0x9c, 0xe4, 0x84, 0x22, 0x23, 0x25 }

/** Flags of host->mask() (ABI 1.2). */
#define RETORT_MASK_ONELINE 0x0001u /**< each line break, with the blanks
                                         after it, becomes "; " */
#define RETORT_MASK_TRIM    0x0002u /**< drop blanks at the end */

/** Services the core offers to plugins.  Valid until global_shutdown. */
struct retort_host {
	unsigned abi_major;
	unsigned abi_minor;
	size_t struct_size;

	void *(*alloc)(size_t size);
	void *(*realloc)(void *ptr, size_t size);
	void (*free)(void *ptr);
	char *(*strdup)(const char *s);
	char *(*strndup)(const char *s, size_t n);

	/** Set code and a printf-style message; returns code for tail calls. */
	int (*error_set)(struct retort_error *err, int code, const char *fmt, ...);
	/** Attach the database's SQLSTATE (may be NULL) and native code. */
	void (*error_db)(struct retort_error *err, const char *sqlstate, long native_code);
	/** Attach the failing statement: index in section, line in file, text. */
	void (*error_statement)(struct retort_error *err, unsigned index,
	                        unsigned line, const char *text, size_t len);

	void (*log)(int level, const char *fmt, ...);

	/* -- ABI 1.2: shared services.  Present whenever the core accepted a
	 *    plugin declaring abi_minor >= 2 (an older core refuses it); a
	 *    plugin declaring less must check struct_size first. ------------- */
	/**
	 * Split sql[0..len) into statements by the RETORT_SPLIT_* `rules`,
	 * calling cb for each.  0 when all went; when cb returns non-zero the
	 * split stops and returns cb's value if negative, else RETORT_ERROR; a
	 * lexical error (an unterminated string, quote or comment) returns
	 * RETORT_EUSAGE with err saying what and where (its line is attached as
	 * error_statement(err, 0, line, NULL, 0)).
	 */
	int (*split)(const char *sql, size_t len, unsigned rules, unsigned first_line,
	             retort_stmt_cb cb, void *payload, struct retort_error *err);

	/** Append n bytes, a string, one byte, printf-style text. */
	void (*buf_put)(struct retort_buf *b, const char *s, size_t n);
	void (*buf_puts)(struct retort_buf *b, const char *s);
	void (*buf_putc)(struct retort_buf *b, char c);
	void (*buf_printf)(struct retort_buf *b, const char *fmt, ...);
	/** Append s between open and close, doubling every close inside it:
	 *  ("a\"b", '"', '"') gives "a""b"; ("x]", '[', ']') gives [x]]]. */
	void (*buf_put_quoted)(struct retort_buf *b, const char *s, char open, char close);
	/** Hand the text over (host-allocated; "" when empty), or NULL when
	 *  oom is set (the text is freed).  The buffer is left empty, oom clear. */
	char *(*buf_detach)(struct retort_buf *b);
	/** Free the text; the buffer is left empty and usable, oom clear. */
	void (*buf_free)(struct retort_buf *b);

	/**
	 * The secrets a URL carries, as a NULL-terminated host-allocated array
	 * of host-allocated strings: its password, the value of every query
	 * parameter whose key names a secret (password, pwd, passwd, ...), and
	 * what follows the name in a mistyped one (?password:x).  NULL when out
	 * of memory.  Free with secrets_free (which wipes them).
	 */
	char **(*secrets_of)(const struct retort_url *url);
	void (*secrets_free)(char **secrets);
	/**
	 * The core's one masking policy, for text bound for a message or a
	 * log line: every whole-token occurrence of each secret (any length;
	 * never a piece of a longer word), the password of any URL, and the
	 * value of any password=/pwd=/passwd= becomes "***"; flags
	 * RETORT_MASK_*.  secrets may be NULL.  Host-allocated; NULL when out
	 * of memory.
	 */
	char *(*mask)(const char *text, const char *const *secrets, unsigned flags);

	/**
	 * Append an identifier as SQLAlchemy writes it for a dialect of
	 * `family` (enum retort_family; its reserved words): bare when it is lower
	 * case letters, digits, '_' and '$' not starting with a digit or '$'
	 * and not a reserved word, else between open and close (close doubled
	 * inside); always quoted with `force`.  -1 (nothing appended) for an
	 * empty name, else 0.
	 */
	int (*quote_ident)(struct retort_buf *b, const char *name, int family, char open,
	                   char close, int force);
	/** 1 when the last line of s[0..n) holds "--" (or '#', with
	 *  hash_comments), so a terminator appended there could be commented
	 *  out; a false alarm (inside a string) only costs a line break. */
	int (*last_line_has_comment)(const char *s, size_t n, int hash_comments);
	/** Continue the 64-bit FNV-1a hash in h (big-endian bytes; start from
	 *  RETORT_HASH64_INIT) over data[0..len).  Stable across versions: for
	 *  lock keys and names several processes must agree on. */
	void (*hash64)(unsigned char h[8], const void *data, size_t len);
	/** Sleep ms milliseconds (resumed after signals). */
	void (*sleep_ms)(long ms);
	/** Milliseconds on a monotonic clock, for measuring waits. */
	long (*clock_ms)(void);
	/**
	 * The family's spelling of a column type, for the vtable's
	 * column_type(): same arguments and result (0, or -1 when the family
	 * or the type is unknown or the text does not fit; out is then "").
	 * POSTGRESQL and SQLITE: VARCHAR(n), TEXT, BIGINT, TIMESTAMP; MYSQL:
	 * VARCHAR(n), LONGTEXT, BIGINT, DATETIME(6); MSSQL: NVARCHAR(n),
	 * NVARCHAR(max), BIGINT, DATETIME2; ORACLE: VARCHAR2(n CHAR), CLOB,
	 * NUMBER(19), TIMESTAMP.
	 */
	int (*column_type)(int family, int type, unsigned length, char *out, size_t outsz);

	/* -- ABI 1.3.  Present whenever the core accepted a plugin declaring
	 *    abi_minor >= 3; a plugin declaring less checks struct_size. ---- */
	/**
	 * The family's offline (--sql) text, for the vtable's offline_sql():
	 * appends to b what offline_sql() returns for `what`, so that every
	 * plugin writing for one database family writes the same script.
	 * RETORT_OFFLINE_BEGIN and _COMMIT: Alembic's framing, which only its
	 * dialects with transactional DDL get: "BEGIN;" and "COMMIT;" for
	 * POSTGRESQL, "BEGIN TRANSACTION;" and "COMMIT;\n\nGO" for MSSQL,
	 * nothing for SQLITE, MYSQL, ORACLE and NONE.  RETORT_OFFLINE_STATEMENT:
	 * arg[0..len) (a statement without terminator; outer blanks dropped)
	 * with the family's terminator: ';', on a line of its own when the
	 * last line holds a line comment ("--", or '#' for MYSQL); MSSQL then
	 * adds "\n\nGO" (and no second ';'); ORACLE writes no ';' but
	 * "\n\n/"; MYSQL wraps a statement the mysql client would cut at an
	 * inner ';' in "DELIMITER d\n...\nd\nDELIMITER ;", d being the first
	 * of // $$ ;; @@ %% ~~ that the statement does not hold.  For
	 * VERSION_DDL and VERSION_INSERT the plugin builds the statement and
	 * passes it as a STATEMENT.  Returns 0 (out of memory sets b->oom, as
	 * the buf_* members do); RETORT_ENOTSUPPORTED (nothing appended) for
	 * another kind or an unknown family; RETORT_EUSAGE when the statement
	 * cannot be written (a MYSQL body holding every delimiter), with err
	 * saying what to change and the statement attached.
	 */
	int (*offline_sql)(struct retort_buf *b, int family, int what, const char *arg,
	                   size_t len, struct retort_error *err);
};

/* ------------------------------------------------------------------ url */

/** One key=value pair of a URL query string, percent-decoded. */
struct retort_url_param {
	const char *key;
	const char *value;
};

/**
 * A parsed, percent-decoded URL:
 *   scheme[+driver]://[user[:password]@]host[:port]/database[?k=v&...]
 * Absent parts are NULL (port: 0).  For sqlite, database is the path after
 * the third slash: "relative/x.db", "/absolute/x.db", or NULL for memory.
 */
struct retort_url {
	const char *scheme;       /**< "postgresql", "mssql", "odbc", ... */
	const char *driver;       /**< "odbc" in "mssql+odbc", else NULL */
	const char *user;
	const char *password;     /**< never print this */
	const char *host;
	unsigned port;
	const char *database;
	const struct retort_url_param *params;
	size_t n_params;
	const char *masked;       /**< the URL with the password as "***" */
};

/** Options the core passes to create(). */
struct retort_dialect_options {
	size_t struct_size;
	const char *version_table;        /**< "alembic_version" */
	const char *version_table_schema; /**< NULL or "" for the default */
	const char *base_dir;             /**< directory relative paths resolve
	                                       against (the config file's) */
	long lock_timeout_ms;             /**< < 0: wait forever; 0: try once */
};

/* ------------------------------------------------------------------ vtable */

/** A plugin's per-database state; defined by each plugin. */
struct retort_conn;

/** Callback receiving one version_num row (borrowed text). */
typedef int (*retort_row_cb)(const char *version_num, void *payload);

/**
 * One result row of query() (ABI 1.1): cols[i] is NUL-terminated text or
 * NULL for SQL NULL, borrowed for the call.  Return 0 to go on, non-zero to
 * stop reading rows (not an error: query() then returns 0).
 */
typedef int (*retort_query_row_cb)(const char *const *cols, size_t ncols, void *payload);

/** Portable column types whose spelling column_type() gives (ABI 1.1). */
enum retort_column_type {
	RETORT_TYPE_VARCHAR = 1, /**< length given */
	RETORT_TYPE_TEXT,        /**< unbounded text */
	RETORT_TYPE_BIGINT,      /**< 64-bit integer */
	RETORT_TYPE_TIMESTAMP    /**< date and time, UTC */
};

/** What offline_sql() renders. */
enum retort_offline_what {
	RETORT_OFFLINE_BEGIN = 0,     /**< transaction start, or "" if DDL autocommits */
	RETORT_OFFLINE_COMMIT = 1,    /**< transaction end, or "" */
	RETORT_OFFLINE_VERSION_DDL = 2,/**< CREATE TABLE for the version table */
	RETORT_OFFLINE_STATEMENT = 3, /**< one statement (arg) with its terminator */
	RETORT_OFFLINE_VERSION_INSERT = 4 /**< the version table INSERT of revision
	                                     `arg`, with terminator, as Alembic
	                                     renders it for this dialect (e.g. with
	                                     RETURNING); RETORT_ENOTSUPPORTED lets the
	                                     core render the standard INSERT */
};

struct retort_dialect {
	/* -- descriptor: never reordered ----------------------------------- */
	unsigned abi_major;        /**< REQUIRED: RETORT_DIALECT_ABI_MAJOR */
	unsigned abi_minor;        /**< REQUIRED: RETORT_DIALECT_ABI_MINOR */
	size_t struct_size;        /**< REQUIRED: sizeof(struct retort_dialect) */
	const char *name;          /**< REQUIRED: "sqlite", "postgresql", ... */
	const char *description;   /**< OPTIONAL: one line for `retort plugins` */
	const char *version;       /**< OPTIONAL: the plugin's own version */
	const char *const *schemes;/**< REQUIRED: NULL-terminated URL schemes
	                                handled (the registry decides which
	                                plugin serves a scheme; these document it) */

	/* -- lifecycle ----------------------------------------------------- */
	/**
	 * OPTIONAL.  Called once after loading, before any other member; a
	 * failure (its message masked) makes every URL of the plugin fail to
	 * load, and is not retried in the process.
	 */
	int (*global_init)(const struct retort_host *host, struct retort_error *err);
	/**
	 * OPTIONAL.  Called once at normal process exit, after every handle was
	 * destroyed, if global_init succeeded or is NULL.  Release what
	 * global_init acquired (a client library's global state).
	 */
	void (*global_shutdown)(void);

	/* -- connection ---------------------------------------------------- */
	/**
	 * REQUIRED.  Validate the URL and options and make a handle WITHOUT
	 * any I/O (offline mode uses the handle without ever connecting).
	 * RETORT_EUSAGE for a URL or option the dialect refuses.
	 */
	int (*create)(struct retort_conn **out, const struct retort_url *url,
	              const struct retort_dialect_options *opts,
	              struct retort_error *err);
	/** REQUIRED.  Open the connection; RETORT_ECONNECT on failure. */
	int (*connect)(struct retort_conn *conn, struct retort_error *err);
	/** REQUIRED.  Close (if connected) and free the handle, releasing a
	 *  lock still held.  destroy(NULL) is a no-op. */
	void (*destroy)(struct retort_conn *conn);
	/** OPTIONAL (NULL: no flags).  RETORT_CAP_* flags; may depend on what
	 *  create()/connect() learned. */
	unsigned (*caps)(const struct retort_conn *conn);

	/* -- transactions: REQUIRED ---------------------------------------- */
	/* begin() opens a transaction; commit() ends it, and a failed commit
	 * leaves nothing of it applied; rollback() undoes it (and is called
	 * after a failed statement).  Without transactional DDL (caps) a
	 * script's DDL may commit at once: the engine plans for that. */
	int (*begin)(struct retort_conn *conn, struct retort_error *err);
	int (*commit)(struct retort_conn *conn, struct retort_error *err);
	int (*rollback)(struct retort_conn *conn, struct retort_error *err);

	/* -- scripts ------------------------------------------------------- */
	/**
	 * REQUIRED unless execute_statement (ABI 1.2) is set, which is the
	 * simpler way: then the core runs the loop below and this may be NULL.
	 * Execute one script section: split it with the dialect's lexical rules
	 * and run each statement in order.  first_line is the file line of the
	 * section's first character, so errors can name the statement's line.
	 * On failure stop, fill err (error_db + error_statement) and return
	 * RETORT_EDB.  Transaction control is the core's business.
	 */
	int (*execute)(struct retort_conn *conn, const char *sql, size_t len,
	               unsigned first_line, struct retort_error *err);
	/**
	 * OPTIONAL.  Split a section into statements without executing them,
	 * calling cb for each.  Used by offline mode and by `check`.  A NULL
	 * member makes the core split by split_rules (ABI 1.2) with
	 * host->split(), or else by its generic ';' rules; split_rules, when
	 * set, wins over this member.
	 */
	int (*split)(const struct retort_conn *conn, const char *sql, size_t len,
	             unsigned first_line, retort_stmt_cb cb, void *payload,
	             struct retort_error *err);

	/* -- version table: REQUIRED --------------------------------------- */
	/**
	 * Call cb for each row of the version table.  RETORT_ENOTFOUND (with no
	 * message needed) if the table does not exist.
	 */
	int (*version_read)(struct retort_conn *conn, retort_row_cb cb,
	                    void *payload, struct retort_error *err);
	/** CREATE TABLE the version table if it does not exist. */
	int (*version_create)(struct retort_conn *conn, struct retort_error *err);
	/** INSERT a row (bound parameter). */
	int (*version_insert)(struct retort_conn *conn, const char *rev,
	                      struct retort_error *err);
	/** UPDATE from -> to; RETORT_ERROR if not exactly one row changed. */
	int (*version_update)(struct retort_conn *conn, const char *from,
	                      const char *to, struct retort_error *err);
	/** DELETE a row; RETORT_ERROR if not exactly one row was deleted. */
	int (*version_delete)(struct retort_conn *conn, const char *rev,
	                      struct retort_error *err);

	/* -- locking ------------------------------------------------------- */
	/**
	 * OPTIONAL (with unlock: both or neither).  Take the migration lock for this database and version
	 * table, waiting up to opts->lock_timeout_ms; RETORT_ELOCKED on timeout.
	 * Held until unlock() or destroy().  NULL: the dialect has no lock and
	 * the core says so.
	 */
	int (*lock)(struct retort_conn *conn, struct retort_error *err);
	/** OPTIONAL with lock.  Release the lock; 0 when not held. */
	int (*unlock)(struct retort_conn *conn, struct retort_error *err);

	/* -- quoting and offline SQL (no connection needed) ---------------- */
	/** OPTIONAL (NULL: offline SQL writes identifiers unquoted).  Quote
	 *  an identifier; *out is host-allocated. */
	int (*quote_identifier)(const struct retort_conn *conn, const char *name,
	                        char **out, struct retort_error *err);
	/** OPTIONAL (NULL: the core writes '...' with '' doubling).  Quote a
	 *  string literal; *out is host-allocated. */
	int (*quote_literal)(const struct retort_conn *conn, const char *value,
	                     char **out, struct retort_error *err);
	/**
	 * OPTIONAL (NULL: no --sql for this dialect).  Render SQL text for
	 * offline (--sql) mode; *out is host-allocated
	 * ("" when there is nothing to emit).  For RETORT_OFFLINE_STATEMENT, arg
	 * is one statement without terminator and the result includes the
	 * dialect's terminator (";", or "\nGO" on SQL Server); the other kinds
	 * ignore arg.  The version table name comes from the create() options.
	 * host->offline_sql() (ABI 1.3) writes BEGIN, COMMIT and statements
	 * by the rules of a database family: call it rather than copy them.
	 */
	int (*offline_sql)(const struct retort_conn *conn, int what,
	                   const char *arg, size_t arg_len, char **out,
	                   struct retort_error *err);

	/* -- ABI 1.1: side queries (the core reads these only when
	 *    struct_size covers them; a 1.0 plugin simply lacks them) ------- */
	/**
	 * OPTIONAL (ABI 1.1).  Run ONE statement with '?' placeholders bound, in
	 * order, to params (text; a NULL pointer is SQL NULL), inside whatever
	 * transaction is open.  A '?' inside a string literal, a quoted
	 * identifier or a comment is not a placeholder.  cb (may be NULL) gets
	 * each result row.  *affected (may be NULL) gets the rows changed by an
	 * INSERT/UPDATE/DELETE, or -1 if unknown.  Returns 0, or -1 with err
	 * filled.  Offline (--sql) runs never call it.
	 */
	int (*query)(struct retort_conn *conn, const char *sql,
	             const char *const *params, size_t nparams,
	             retort_query_row_cb cb, void *payload, long *affected,
	             struct retort_error *err);
	/**
	 * OPTIONAL (ABI 1.1).  Write the dialect's spelling of a column type
	 * (enum retort_column_type; e.g. "VARCHAR(64)", "NVARCHAR(64)",
	 * "BIGINT", "TIMESTAMP", "DATETIME2") into out, NUL-terminated.
	 * length is used by RETORT_TYPE_VARCHAR only.  Returns 0, or -1 if it
	 * does not fit in outsz bytes or type is unknown.  conn may be NULL
	 * where the spelling does not depend on the connection.
	 */
	int (*column_type)(const struct retort_conn *conn, int type, unsigned length,
	                   char *out, size_t outsz);

	/* -- ABI 1.2: the statement loop in the core ----------------------- */
	/**
	 * OPTIONAL (ABI 1.2; NULL: RETORT_SPLIT_GENERIC).  The RETORT_SPLIT_*
	 * lexical rules of this handle's SQL (may depend on what create() or
	 * connect() learned).  The core splits with host->split() by them, for
	 * execute_statement and for offline output; split() is then not used.
	 */
	unsigned (*split_rules)(const struct retort_conn *conn);
	/**
	 * OPTIONAL (ABI 1.2), but REQUIRED when execute is NULL.  Execute ONE
	 * statement: stmt[0..len) without its terminator (not NUL-terminated),
	 * `line` its first line in the file.  When it is set the core runs each
	 * section itself: it lexes the whole section first (nothing runs from a
	 * script that cannot be split), calls section(BEGIN), this member for
	 * each statement in order, and section(END); on a failure it stops and
	 * attaches the statement's index, line and text to err (unless the
	 * member did, with host->error_statement()), then masks the URL's
	 * secrets in err's message and statement text by host->mask()'s
	 * policy (as it does for an older plugin's execute()).  An error thus
	 * names the failing statement and its line, and shows no password,
	 * whatever the plugin.  Fill err (message, error_db) and return a
	 * negative RETORT_E* code on failure.
	 */
	int (*execute_statement)(struct retort_conn *conn, const char *stmt, size_t len,
	                         unsigned line, struct retort_error *err);
	/**
	 * OPTIONAL (ABI 1.2).  Called around the statements of a section the
	 * core runs through execute_statement: phase RETORT_SECTION_BEGIN
	 * before the first statement (rc 0; a failure stops the section), and
	 * RETORT_SECTION_END after the last or the failing one, with rc 0 or
	 * that failure's code.  At END return rc to keep the outcome (leave err
	 * alone when rc < 0), or a new failure.  For dialects whose section
	 * needs set-up (SQLite lets go of its lock transaction for a script
	 * run outside a transaction).
	 */
	int (*section)(struct retort_conn *conn, int phase, int rc, struct retort_error *err);

	/* -- ABI 1.3: who the session is ---------------------------------- */
	/**
	 * OPTIONAL (ABI 1.3; NULL: the dialect cannot tell).  A statement for
	 * query(), without parameters, whose first row's first column is the
	 * database user this handle is logged in as, however the login was
	 * given (URL, DSN, environment, the client library's defaults): e.g.
	 * "SELECT session_user" on PostgreSQL, "SELECT CURRENT_USER()" on
	 * MySQL, "SELECT SUSER_SNAME()" on SQL Server, "SELECT USER FROM DUAL"
	 * on Oracle.  Static text, valid while the handle lives; it may depend
	 * on what connect() learned.  The member, or the text, is NULL where
	 * the database has no users (SQLite).  The core runs it once after
	 * connect() and before the run's first transaction, for the audit
	 * trail (retort_audit.db_user), and falls back to the URL's user when
	 * it is NULL, gives no row or a NULL, or fails (which is never the
	 * command's failure).
	 */
	const char *(*session_user_sql)(const struct retort_conn *conn);
};

/** Phases of retort_dialect.section() (ABI 1.2). */
enum retort_section_phase {
	RETORT_SECTION_BEGIN = 0,
	RETORT_SECTION_END = 1
};

/** Signature of the entry point every plugin exports. */
typedef const struct retort_dialect *(*retort_dialect_entry_fn)(
	const struct retort_host *host);

/** Name of the entry symbol, without libtool's "<module>_LTX_" prefix. */
#define RETORT_DIALECT_ENTRY_NAME "retort_dialect_entry"

/* How the entry point is exported: C linkage under C++, and visible even
 * when the plugin is built with -fvisibility=hidden (as it should be). */
#ifdef __cplusplus
#define RETORT_DIALECT_LINKAGE_ extern "C"
#else
#define RETORT_DIALECT_LINKAGE_
#endif
#if defined(_WIN32) || defined(__CYGWIN__)
#define RETORT_DIALECT_EXPORT_ __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define RETORT_DIALECT_EXPORT_ __attribute__((visibility("default")))
#else
#define RETORT_DIALECT_EXPORT_
#endif

/**
 * Define the plugin's entry point.  `module` is the module's file name
 * without extension (e.g. retort_sqlite for retort_sqlite.so), so that the
 * exported symbol is <module>_LTX_retort_dialect_entry, which libltdl finds
 * both in shared modules and when preopened in a static build.  `host_var`
 * is the plugin's variable (of type const struct retort_host *) that
 * receives the host table; any name works, `host` included.  Use it once,
 * at file scope, after the vtable:
 *
 *     static const struct retort_host *host;
 *     static const struct retort_dialect vtable = { ... };
 *     RETORT_DIALECT_DEFINE(retort_mydb, &vtable, host)
 *
 * The entry point only stores the table and returns the vtable; work
 * belongs in global_init.
 */
#define RETORT_DIALECT_DEFINE(module, vtable_ptr, host_var)                  \
	RETORT_DIALECT_LINKAGE_ RETORT_DIALECT_EXPORT_                         \
	const struct retort_dialect *module##_LTX_retort_dialect_entry(       \
		const struct retort_host *retort_dialect_host_arg_);            \
	RETORT_DIALECT_LINKAGE_ RETORT_DIALECT_EXPORT_                         \
	const struct retort_dialect *module##_LTX_retort_dialect_entry(       \
		const struct retort_host *retort_dialect_host_arg_)             \
	{                                                                     \
		host_var = retort_dialect_host_arg_;                          \
		return (vtable_ptr);                                          \
	}

#ifdef __cplusplus
}
#endif

#endif /* INCLUDE_retort_dialect_h__ */
