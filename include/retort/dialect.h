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
 *    the core reads a member only when struct_size covers it.
 *  - Memory: inputs are borrowed for the duration of a call.  Anything a
 *    plugin hands back (strings, handles) is allocated with host->alloc and
 *    freed by the core with host->free.  Never mix allocators.
 *  - Errors: functions return 0 on success, a negative RETORT_E* code on
 *    failure, and describe the failure in the struct retort_error the core
 *    passes in, through host->error_set() and friends.  Messages are one
 *    line, impersonal, and never quote a URL, a DSN or a password.
 *  - Optional members may be NULL, meaning "not supported"; the core falls
 *    back or reports it.  The engine decides strategy from caps() flags,
 *    never from the dialect's name.
 *  - A plugin links nothing of libretort: everything it needs from the host
 *    comes through struct retort_host.
 *  - Plugins hold no revision logic: they execute SQL, read and write the
 *    version table rows they are told to, and lock.
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
#define RETORT_DIALECT_ABI_MINOR 0

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

/** Callback receiving one statement of a split section (borrowed text). */
typedef int (*retort_stmt_cb)(const char *stmt, size_t len,
                              unsigned line, void *payload);
/** Callback receiving one version_num row (borrowed text). */
typedef int (*retort_row_cb)(const char *version_num, void *payload);

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
	unsigned abi_major;        /**< RETORT_DIALECT_ABI_MAJOR */
	unsigned abi_minor;        /**< RETORT_DIALECT_ABI_MINOR */
	size_t struct_size;        /**< sizeof(struct retort_dialect) */
	const char *name;          /**< "sqlite", "postgresql", ... */
	const char *description;
	const char *version;       /**< the plugin's own version */
	const char *const *schemes;/**< NULL-terminated URL schemes handled */

	/* -- lifecycle (optional) ------------------------------------------ */
	/** Called once after loading, before anything else. */
	int (*global_init)(const struct retort_host *host, struct retort_error *err);
	void (*global_shutdown)(void);

	/* -- connection ---------------------------------------------------- */
	/**
	 * Validate the URL and options and make a handle WITHOUT any I/O
	 * (offline mode uses the handle without ever connecting).
	 */
	int (*create)(struct retort_conn **out, const struct retort_url *url,
	              const struct retort_dialect_options *opts,
	              struct retort_error *err);
	/** Open the connection. */
	int (*connect)(struct retort_conn *conn, struct retort_error *err);
	/** Close (if connected) and free the handle.  NULL is a no-op. */
	void (*destroy)(struct retort_conn *conn);
	/** RETORT_CAP_* flags; may depend on what create()/connect() learned. */
	unsigned (*caps)(const struct retort_conn *conn);

	/* -- transactions -------------------------------------------------- */
	int (*begin)(struct retort_conn *conn, struct retort_error *err);
	int (*commit)(struct retort_conn *conn, struct retort_error *err);
	int (*rollback)(struct retort_conn *conn, struct retort_error *err);

	/* -- scripts ------------------------------------------------------- */
	/**
	 * Execute one script section: split it with the dialect's lexical rules
	 * and run each statement in order.  first_line is the file line of the
	 * section's first character, so errors can name the statement's line.
	 * On failure stop, fill err (error_db + error_statement) and return
	 * RETORT_EDB.  Transaction control is the core's business.
	 */
	int (*execute)(struct retort_conn *conn, const char *sql, size_t len,
	               unsigned first_line, struct retort_error *err);
	/**
	 * (optional) Split a section into statements without executing them,
	 * calling cb for each.  Used by offline mode and by `check`.  A NULL
	 * member makes the core use its generic ';' splitter.
	 */
	int (*split)(const struct retort_conn *conn, const char *sql, size_t len,
	             unsigned first_line, retort_stmt_cb cb, void *payload,
	             struct retort_error *err);

	/* -- version table ------------------------------------------------- */
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
	 * (optional) Take the migration lock for this database and version
	 * table, waiting up to opts->lock_timeout_ms; RETORT_ELOCKED on timeout.
	 * Held until unlock() or destroy().  NULL: the dialect has no lock and
	 * the core says so.
	 */
	int (*lock)(struct retort_conn *conn, struct retort_error *err);
	int (*unlock)(struct retort_conn *conn, struct retort_error *err);

	/* -- quoting and offline SQL (no connection needed) ---------------- */
	/** Quote an identifier; *out is host-allocated. */
	int (*quote_identifier)(const struct retort_conn *conn, const char *name,
	                        char **out, struct retort_error *err);
	/** Quote a string literal; *out is host-allocated. */
	int (*quote_literal)(const struct retort_conn *conn, const char *value,
	                     char **out, struct retort_error *err);
	/**
	 * Render SQL text for offline (--sql) mode; *out is host-allocated
	 * ("" when there is nothing to emit).  For RETORT_OFFLINE_STATEMENT, arg
	 * is one statement without terminator and the result includes the
	 * dialect's terminator (";", or "\nGO" on SQL Server); the other kinds
	 * ignore arg.  The version table name comes from the create() options.
	 */
	int (*offline_sql)(const struct retort_conn *conn, int what,
	                   const char *arg, size_t arg_len, char **out,
	                   struct retort_error *err);
};

/** Signature of the entry point every plugin exports. */
typedef const struct retort_dialect *(*retort_dialect_entry_fn)(
	const struct retort_host *host);

/** Name of the entry symbol, without libtool's "<module>_LTX_" prefix. */
#define RETORT_DIALECT_ENTRY_NAME "retort_dialect_entry"

/**
 * Define the plugin's entry point.  `module` is the module's file name
 * without extension (e.g. retort_sqlite for retort_sqlite.so), so that the
 * exported symbol is <module>_LTX_retort_dialect_entry, which libltdl finds
 * both in shared modules and when preopened in a static build.
 */
#define RETORT_DIALECT_DEFINE(module, vtable_ptr, host_var)                  \
	const struct retort_dialect *module##_LTX_retort_dialect_entry(       \
		const struct retort_host *host);                                \
	const struct retort_dialect *module##_LTX_retort_dialect_entry(       \
		const struct retort_host *host)                                 \
	{                                                                     \
		host_var = host;                                              \
		return (vtable_ptr);                                          \
	}

#ifdef __cplusplus
}
#endif

#endif /* INCLUDE_retort_dialect_h__ */
