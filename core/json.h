/* SPDX-License-Identifier: MIT */
/*
 * core/json.h - the one JSON writer of the core: the documents of
 * `--format json` and any other JSON retort writes.
 *
 * Strings are written so that the result is always valid JSON (RFC 8259)
 * and safe to print, whatever bytes they hold (script messages, version
 * rows, paths and database messages can hold any):
 *  - '"' and '\' as \" and \\, newline and tab as \n and \t;
 *  - every other control character as \u00XX: C0 (U+0000..U+001F), DEL
 *    (U+007F) and the C1 controls (U+0080..U+009F, which some terminals
 *    obey), and U+2028 / U+2029 as \u2028 / \u2029;
 *  - each byte that is not part of well-formed UTF-8 (a stray continuation
 *    byte, a truncated sequence, an overlong form, a surrogate, anything
 *    above U+10FFFF) as \ufffd, one per byte;
 *  - everything else (valid UTF-8) as is.
 *
 * The documents of `--format json` are one top-level object on one line,
 * ending in "\n", that starts with the format version and the command:
 *   {"format": 1, "command": "heads", ...}
 * doc/retort-json.schema.json describes every document.  Adding a member
 * keeps RT_JSON_FORMAT; removing or changing one bumps it.
 *
 * The writer tracks nesting and commas; `key` is the member name inside an
 * object and NULL inside an array.  Errors (out of memory) stick in the
 * buffer (b->oom), as with every rt_buf.
 */
#ifndef RETORT_CORE_JSON_H
#define RETORT_CORE_JSON_H

#include "util.h" /* IWYU pragma: export */

#define RT_JSON_FORMAT 1
/* Deepest nesting a document may have (our documents are shallow). */
#define RT_JSON_MAX_DEPTH 16

/* Append s[0..len) (or s up to its NUL) as a JSON string; NULL as null. */
int rt_buf_json_strn(struct rt_buf *b, const char *s, size_t len);
int rt_buf_json_str(struct rt_buf *b, const char *s);

struct rt_json {
	struct rt_buf *b;
	unsigned depth;
	unsigned char has_member[RT_JSON_MAX_DEPTH]; /* a comma goes before the next */
};

void rt_json_init(struct rt_json *j, struct rt_buf *b);
/* {"format": RT_JSON_FORMAT, "command": command ... and its end "}\n". */
void rt_json_doc_begin(struct rt_json *j, const char *command);
void rt_json_doc_end(struct rt_json *j);

void rt_json_object(struct rt_json *j, const char *key);
void rt_json_object_end(struct rt_json *j);
void rt_json_array(struct rt_json *j, const char *key);
void rt_json_array_end(struct rt_json *j);

void rt_json_str(struct rt_json *j, const char *key, const char *s);  /* NULL: null */
void rt_json_strn(struct rt_json *j, const char *key, const char *s, size_t len);
void rt_json_int(struct rt_json *j, const char *key, long long v);
/* A duration given in microseconds, as milliseconds with 3 decimals. */
void rt_json_ms(struct rt_json *j, const char *key, long long us);
void rt_json_bool(struct rt_json *j, const char *key, int v);
void rt_json_null(struct rt_json *j, const char *key);
/* An array of the strings of v. */
void rt_json_strvec(struct rt_json *j, const char *key, const struct rt_strvec *v);
void rt_json_strs(struct rt_json *j, const char *key, const char *const *v, size_t n);

#endif
