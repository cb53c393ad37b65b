/* SPDX-License-Identifier: MIT */
/*
 * core/url.h - SQLAlchemy-style database URLs (SPEC section 3).
 *
 *   scheme[+driver]://[user[:password]@]host[:port]/database[?key=value&...]
 *
 * Every component is percent-decoded.  The parsed form is handed to plugins
 * as a struct retort_url (include/retort/dialect.h), whose strings point
 * into the rt_url that owns them.
 */
#ifndef RETORT_CORE_URL_H
#define RETORT_CORE_URL_H

#include <retort/dialect.h>
#include "util.h" /* IWYU pragma: export */

struct rt_url {
	struct retort_url pub;           /* what plugins see; strings owned below */
	char *scheme, *driver, *user, *password, *host, *database, *masked;
	struct retort_url_param *params; /* keys/values owned */
	size_t n_params;
};

/*
 * Parse `text` into a new URL.  On error, the message names what is wrong
 * and never quotes the password (the URL is masked before anything is
 * echoed).  Exit class RT_EXIT_USAGE.
 *
 * sqlite: "sqlite:///rel.db" -> database "rel.db"; "sqlite:////abs.db" ->
 * "/abs.db"; "sqlite://" and "sqlite:///:memory:" -> database NULL / ":memory:".
 * odbc: "odbc://?dsn=X" has no host; "mssql+odbc://u:p@Dsn" has host "Dsn".
 */
int rt_url_parse(struct rt_url **out, const char *text, struct rt_err *err);
void rt_url_free(struct rt_url *url);

/* Return a newly allocated copy of `text` with any password replaced by
 * "***" (best effort even when `text` does not parse).  NULL on oom. */
char *rt_url_mask(const char *text);

/*
 * Mask secrets in free text (a plugin's or a client library's message):
 * every "scheme://..." token goes through rt_url_mask(), and the values of
 * password=, pwd=, passwd= (also 'quoted', {braced} and "password: x")
 * become "***".  Newly allocated; NULL on oom.
 */
char *rt_url_mask_text(const char *text);

/*
 * Does `text` (a URL, parsed or not) hold a secret, i.e. would masking
 * change it?  A non-empty password, or a value of password=, pwd=,
 * passwd=, ... (any case), or an ODBC connection string holding one.
 */
int rt_url_has_secret(const char *text);

/*
 * Does query key `k` name a secret: password, passwd, pwd, pass, secret,
 * token, sslpassword, odbc_connect, auth (any case), or one of them
 * followed by a separator, mistyped for '=' ("password:x")?  *tail is
 * where a secret inside the key starts (strlen(k) when none).
 */
int rt_url_secret_key(const char *k, size_t *tail);

/* Percent-decode s[0..n) into a new string; -1 on a bad escape (or one
 * decoding to NUL), -2 on out of memory. */
int rt_url_decode(char **out, const char *s, size_t n);

#endif
