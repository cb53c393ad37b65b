/* SPDX-License-Identifier: MIT */
/*
 * core/sqlsplit.c - split a script section into statements (see sqlsplit.h).
 *
 * One pass over the text, token by token, outside of any token the lexer is
 * in "normal" state.  A token is blank space, a comment, a quoted string or
 * identifier, a word (identifier, keyword or number) or one punctuation
 * byte.  Everything except blank space and comments is "significant": a
 * statement runs from the start of its first significant token to the end
 * of its last one, so leading and trailing comments and blanks are never
 * part of it (a trailing "-- note" would otherwise swallow a terminator an
 * offline renderer appends), while comments between tokens are kept.
 *
 * Decisions beyond the header's contract:
 *  - SQLSPLIT_HASH_COMMENT also selects MySQL's comment rules: "--" starts a
 *    comment only when followed by a blank or control byte ("1--1" is an
 *    expression), and MySQL's executable comments (a block comment opened
 *    by slash-star-bang or slash-star-M-bang) are statement text.
 *  - SQLSPLIT_DOLLAR also selects PostgreSQL's E'...' strings, in which a
 *    backslash escapes the next byte.  A '$' right after an identifier byte
 *    is part of the identifier (foo$bar$), and "$1" is a parameter.
 *  - SQLSPLIT_DELIMITER: like the mysql client, the delimiter is matched
 *    anywhere outside strings and comments, even inside a word ("END$$").
 *    A line "DELIMITER x" ends a pending statement, as in the mysql client,
 *    but only if x is made of punctuation (";", "$$", "//"), so that a
 *    column named "delimiter" at the start of a line in a pending CREATE
 *    TABLE is not taken for the command.  The rest of the line after the
 *    delimiter string is ignored.
 *  - SQLSPLIT_SLASH: a line holding only '/' ends any statement (sqlplus
 *    executes the buffer), not only PL/SQL blocks; with nothing pending it
 *    is ignored.  Oracle's alternative quoting q'[...]' (nq'...' too, any
 *    delimiter byte; brackets pair up) is recognised.
 *  - SQLSPLIT_BEGIN_END: CASE ... END pairs inside the trigger (its WHEN
 *    clause or its body) are counted, so "CASE ... END;" in a trigger body
 *    does not end the trigger (sqlite3_complete() gets this wrong).
 *  - A UTF-8 byte order mark at the very start counts as blank space.
 *  - Lines are counted by '\n' only, so CRLF text numbers lines correctly.
 */
#include "sqlsplit.h"

#include <string.h>

/* Classification of the pending statement for SQLSPLIT_SLASH (Oracle). */
enum ora_state {
	ORA_START = 0,  /* no significant token yet */
	ORA_CREATE,     /* CREATE */
	ORA_OR,         /* CREATE OR */
	ORA_REPLACE,    /* CREATE [OR REPLACE] [[NON]EDITIONABLE] */
	ORA_PLAIN,      /* a SQL statement: ends at ';' */
	ORA_PLSQL       /* a PL/SQL block: ends at a '/' line only */
};

/* Classification of the pending statement for SQLSPLIT_BEGIN_END (SQLite). */
enum trg_state {
	TRG_START = 0,  /* no significant token yet */
	TRG_CREATE,     /* CREATE [TEMP|TEMPORARY] */
	TRG_NONE,       /* not a trigger */
	TRG_HEAD,       /* CREATE TRIGGER ..., before the body's BEGIN */
	TRG_BODY,       /* inside BEGIN ... END: ';' does not terminate */
	TRG_DONE        /* after the body's END */
};

/* Classification for SQLSPLIT_BEGIN_ATOMIC (PostgreSQL SQL-standard bodies). */
enum pgf_state {
	PGF_START = 0,  /* no significant token yet */
	PGF_CREATE,     /* CREATE */
	PGF_OR,         /* CREATE OR */
	PGF_REPLACE,    /* CREATE OR REPLACE */
	PGF_ROUTINE,    /* CREATE [OR REPLACE] FUNCTION|PROCEDURE */
	PGF_NONE        /* anything else */
};

struct splitter {
	const char *sql;
	size_t len;
	unsigned flags;
	size_t pos;             /* next byte to look at */
	unsigned line;          /* file line of sql[pos] */

	sqlsplit_cb cb;
	void *payload;
	struct sqlsplit_error *err;

	const char *delim;      /* current terminator (SQLSPLIT_DELIMITER) */
	size_t delim_len;

	/* the pending statement */
	int have;               /* a significant token was seen */
	size_t s_begin, s_end;  /* [begin, end) of its text */
	unsigned s_line;        /* line of s_begin */
	enum ora_state ora;
	enum trg_state trg;
	unsigned case_depth;    /* open CASE ... END inside a trigger */
	enum pgf_state pgf;
	unsigned begin_depth;   /* open BEGIN/CASE ... END in a routine */
	unsigned paren_depth;   /* open '(' in the statement */
};

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_word_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_word_char(unsigned char c)
{
	return is_word_start(c) || is_digit(c) || c == '$';
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive: is s[0..n) the (lower-case) keyword kw? */
static int word_is(const char *s, size_t n, const char *kw)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (kw[i] == '\0' || lower((unsigned char)s[i]) != (unsigned char)kw[i])
			return 0;
	}
	return kw[n] == '\0';
}

/* Move to `to`, counting the newlines passed. */
static void advance_to(struct splitter *sp, size_t to)
{
	if (to > sp->len)
		to = sp->len;
	for (; sp->pos < to; sp->pos++) {
		if (sp->sql[sp->pos] == '\n')
			sp->line++;
	}
}

static int lex_error(struct splitter *sp, unsigned line, const char *what)
{
	if (sp->err) {
		sp->err->line = line;
		sp->err->what = what;
	}
	return -1;
}

/* Is p preceded, on its line, by blanks only? */
static int at_line_start(const struct splitter *sp, size_t p)
{
	while (p > 0 && (sp->sql[p - 1] == ' ' || sp->sql[p - 1] == '\t'))
		p--;
	return p == 0 || sp->sql[p - 1] == '\n';
}

/*
 * If only blanks follow p up to the end of the line, return the position
 * just past that line's '\n' (or len); otherwise return 0 (never a valid
 * answer, since p itself holds a token).
 */
static size_t rest_of_line_blank(const struct splitter *sp, size_t p)
{
	for (; p < sp->len; p++) {
		char c = sp->sql[p];
		if (c == '\n')
			return p + 1;
		if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v')
			return 0;
	}
	return sp->len;
}

static size_t end_of_line(const struct splitter *sp, size_t p)
{
	while (p < sp->len && sp->sql[p] != '\n')
		p++;
	return p;
}

static void reset_statement(struct splitter *sp)
{
	sp->have = 0;
	sp->s_begin = sp->s_end = 0;
	sp->s_line = 0;
	sp->ora = ORA_START;
	sp->trg = TRG_START;
	sp->case_depth = 0;
	sp->pgf = PGF_START;
	sp->begin_depth = 0;
	sp->paren_depth = 0;
}

/* Hand the pending statement (if any) to the callback. */
static int flush(struct splitter *sp)
{
	int rc = 0;
	if (sp->have)
		rc = sp->cb(sp->sql + sp->s_begin, sp->s_end - sp->s_begin, sp->s_line, sp->payload);
	reset_statement(sp);
	return rc;
}

/* Record a significant token [begin, end) that started on `line`. */
static void significant(struct splitter *sp, size_t begin, size_t end, unsigned line)
{
	if (!sp->have) {
		sp->have = 1;
		sp->s_begin = begin;
		sp->s_line = line;
	}
	sp->s_end = end;
}

/* A significant token that is not a word settles undecided classifications. */
static void classify_other(struct splitter *sp)
{
	if (sp->ora < ORA_PLAIN)
		sp->ora = ORA_PLAIN;
	if (sp->trg == TRG_START || sp->trg == TRG_CREATE)
		sp->trg = TRG_NONE;
	if (sp->pgf < PGF_ROUTINE)
		sp->pgf = PGF_NONE;
}

static int is_plsql_unit(const char *w, size_t n)
{
	return word_is(w, n, "function") || word_is(w, n, "procedure") ||
	       word_is(w, n, "package") || word_is(w, n, "trigger") || word_is(w, n, "type");
}

/* Feed one word of the pending statement to the classifiers. */
static void classify_word(struct splitter *sp, const char *w, size_t n)
{
	if (sp->flags & SQLSPLIT_SLASH) {
		switch (sp->ora) {
		case ORA_START:
			if (word_is(w, n, "declare") || word_is(w, n, "begin"))
				sp->ora = ORA_PLSQL;
			else if (word_is(w, n, "create"))
				sp->ora = ORA_CREATE;
			else
				sp->ora = ORA_PLAIN;
			break;
		case ORA_CREATE:
			if (word_is(w, n, "or")) {
				sp->ora = ORA_OR;
				break;
			}
			/* fall through */
		case ORA_REPLACE:
			if (word_is(w, n, "editionable") || word_is(w, n, "noneditionable"))
				sp->ora = ORA_REPLACE;
			else if (is_plsql_unit(w, n))
				sp->ora = ORA_PLSQL;
			else
				sp->ora = ORA_PLAIN;
			break;
		case ORA_OR:
			sp->ora = word_is(w, n, "replace") ? ORA_REPLACE : ORA_PLAIN;
			break;
		case ORA_PLAIN:
		case ORA_PLSQL:
			break;
		}
	}

	if (sp->flags & SQLSPLIT_BEGIN_ATOMIC) {
		switch (sp->pgf) {
		case PGF_START:
			sp->pgf = word_is(w, n, "create") ? PGF_CREATE : PGF_NONE;
			break;
		case PGF_CREATE:
			if (word_is(w, n, "or")) {
				sp->pgf = PGF_OR;
				break;
			}
			/* fall through */
		case PGF_REPLACE:
			sp->pgf = word_is(w, n, "function") || word_is(w, n, "procedure") ?
			          PGF_ROUTINE : PGF_NONE;
			break;
		case PGF_OR:
			sp->pgf = word_is(w, n, "replace") ? PGF_REPLACE : PGF_NONE;
			break;
		case PGF_ROUTINE:
			if (sp->paren_depth > 0)
				break;
			if (word_is(w, n, "begin"))
				sp->begin_depth++;
			else if (word_is(w, n, "case") && sp->begin_depth > 0)
				sp->begin_depth++;
			else if (word_is(w, n, "end") && sp->begin_depth > 0)
				sp->begin_depth--;
			break;
		case PGF_NONE:
			break;
		}
	}

	if (sp->flags & SQLSPLIT_BEGIN_END) {
		switch (sp->trg) {
		case TRG_START:
			sp->trg = word_is(w, n, "create") ? TRG_CREATE : TRG_NONE;
			break;
		case TRG_CREATE:
			if (word_is(w, n, "trigger"))
				sp->trg = TRG_HEAD;
			else if (!word_is(w, n, "temp") && !word_is(w, n, "temporary"))
				sp->trg = TRG_NONE;
			break;
		case TRG_HEAD:
		case TRG_BODY:
			if (word_is(w, n, "case")) {
				sp->case_depth++;
			} else if (word_is(w, n, "end")) {
				if (sp->case_depth > 0)
					sp->case_depth--;
				else if (sp->trg == TRG_BODY)
					sp->trg = TRG_DONE;
			} else if (sp->trg == TRG_HEAD && word_is(w, n, "begin")) {
				sp->trg = TRG_BODY;
			}
			break;
		case TRG_NONE:
		case TRG_DONE:
			break;
		}
	}
}

/* Does the current delimiter start at p? */
static int delim_at(const struct splitter *sp, size_t p)
{
	return sp->delim_len > 0 && sp->len - p >= sp->delim_len &&
	       memcmp(sp->sql + p, sp->delim, sp->delim_len) == 0;
}

/* Is the default delimiter ";" the current one? */
static int delim_is_semicolon(const struct splitter *sp)
{
	return sp->delim_len == 1 && sp->delim[0] == ';';
}

/*
 * Skip a quoted token opened by sql[pos] == q and closed by `close`, where a
 * doubled closing byte stands for itself and, when `backslash`, a backslash
 * escapes the next byte.  Returns the position after the closing byte or 0
 * if unterminated.
 */
static size_t skip_quoted(const struct splitter *sp, size_t pos, char close, int backslash)
{
	size_t p = pos + 1;
	while (p < sp->len) {
		char c = sp->sql[p];
		if (backslash && c == '\\') {
			p += 2;
			continue;
		}
		if (c == close) {
			if (p + 1 < sp->len && sp->sql[p + 1] == close) {
				p += 2;
				continue;
			}
			return p + 1;
		}
		p++;
	}
	return 0;
}

/*
 * At sql[pos] == '$': if a dollar-quote opener $tag$ starts here, return its
 * length, else 0.
 */
static size_t dollar_tag_len(const struct splitter *sp, size_t pos)
{
	size_t p = pos + 1;
	if (p < sp->len && is_word_start((unsigned char)sp->sql[p])) {
		p++;
		while (p < sp->len && (is_word_start((unsigned char)sp->sql[p]) ||
		                       is_digit((unsigned char)sp->sql[p])))
			p++;
	}
	if (p < sp->len && sp->sql[p] == '$')
		return p + 1 - pos;
	return 0;
}

/* Position after the closing $tag$ of a dollar quote, or 0. */
static size_t skip_dollar(const struct splitter *sp, size_t pos, size_t tag_len)
{
	const char *tag = sp->sql + pos;
	size_t p = pos + tag_len;
	while (p + tag_len <= sp->len) {
		const char *d = memchr(sp->sql + p, '$', sp->len - p);
		if (!d)
			return 0;
		p = (size_t)(d - sp->sql);
		if (sp->len - p >= tag_len && memcmp(sp->sql + p, tag, tag_len) == 0)
			return p + tag_len;
		p++;
	}
	return 0;
}

/*
 * Oracle's q'Xtext X'' at sql[pos] == '\'': the closing is the partner of
 * X ([ ] { } ( ) < >) or X itself, followed by a quote.  Returns the
 * position after it, or 0 if unterminated.
 */
static size_t skip_q_quote(const struct splitter *sp, size_t pos)
{
	char open = sp->sql[pos + 1], close;
	size_t p;
	switch (open) {
	case '[': close = ']'; break;
	case '{': close = '}'; break;
	case '(': close = ')'; break;
	case '<': close = '>'; break;
	default: close = open; break;
	}
	for (p = pos + 2; p + 1 < sp->len; p++) {
		if (sp->sql[p] == close && sp->sql[p + 1] == '\'')
			return p + 2;
	}
	return 0;
}

/* Position after the end of a block comment opened at pos, or 0. */
static size_t skip_block_comment(const struct splitter *sp, size_t pos, int nested)
{
	size_t p = pos + 2;
	unsigned depth = 1;
	while (p + 1 < sp->len) {
		if (sp->sql[p] == '*' && sp->sql[p + 1] == '/') {
			p += 2;
			if (--depth == 0)
				return p;
		} else if (nested && sp->sql[p] == '/' && sp->sql[p + 1] == '*') {
			depth++;
			p += 2;
		} else {
			p++;
		}
	}
	return 0;
}

/*
 * Handle the client commands that must sit alone on their line (GO, '/',
 * DELIMITER).  Returns 1 if one was consumed, 0 if not, <0/callback value on
 * error (stored in *rc).
 */
static int line_command(struct splitter *sp, int *rc)
{
	const char *s = sp->sql;
	size_t pos = sp->pos, next;
	unsigned line = sp->line;

	*rc = 0;
	if (!at_line_start(sp, pos))
		return 0;

	if ((sp->flags & SQLSPLIT_GO) && sp->len - pos >= 2 && word_is(s + pos, 2, "go") &&
	    (pos + 2 == sp->len || !is_word_char((unsigned char)s[pos + 2])) &&
	    (next = rest_of_line_blank(sp, pos + 2)) != 0) {
		*rc = flush(sp);
		advance_to(sp, next);
		return 1;
	}

	if ((sp->flags & SQLSPLIT_SLASH) && s[pos] == '/' &&
	    (next = rest_of_line_blank(sp, pos + 1)) != 0) {
		*rc = flush(sp);
		advance_to(sp, next);
		return 1;
	}

	if ((sp->flags & SQLSPLIT_DELIMITER) && sp->len - pos >= 9 &&
	    word_is(s + pos, 9, "delimiter") &&
	    (pos + 9 == sp->len || is_blank((unsigned char)s[pos + 9]))) {
		size_t p = pos + 9, d, i;
		while (p < sp->len && (s[p] == ' ' || s[p] == '\t'))
			p++;
		d = p;
		while (p < sp->len && !is_blank((unsigned char)s[p]))
			p++;
		if (sp->have) {
			/* pending statement: only "DELIMITER <punctuation>" alone on its line */
			if (p == d || !rest_of_line_blank(sp, p))
				return 0;
			for (i = d; i < p; i++) {
				if (is_word_char((unsigned char)s[i]) || s[i] == ',' || s[i] == '(' ||
				    s[i] == ')')
					return 0;
			}
			if ((*rc = flush(sp)) != 0)
				return 1;
		}
		if (p == d) {
			*rc = lex_error(sp, line, "DELIMITER without a delimiter string");
			return 1;
		}
		if (memchr(s + d, '\\', p - d)) {
			*rc = lex_error(sp, line, "DELIMITER string containing a backslash");
			return 1;
		}
		sp->delim = s + d;
		sp->delim_len = p - d;
		advance_to(sp, end_of_line(sp, p));
		return 1;
	}
	return 0;
}

/* Does the delimiter at the current position end the pending statement? */
static int delim_terminates(const struct splitter *sp)
{
	if (!delim_is_semicolon(sp))
		return 1;  /* a DELIMITER-set terminator always ends a statement */
	if ((sp->flags & SQLSPLIT_SLASH) && sp->ora == ORA_PLSQL)
		return 0;
	if ((sp->flags & SQLSPLIT_BEGIN_END) && sp->trg == TRG_BODY)
		return 0;
	if ((sp->flags & SQLSPLIT_BEGIN_ATOMIC) && sp->begin_depth > 0)
		return 0;
	return 1;
}

static int split(struct splitter *sp)
{
	const char *s = sp->sql;
	const unsigned flags = sp->flags;
	int rc;

	if (sp->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		sp->pos = 3;

	while (sp->pos < sp->len) {
		size_t pos = sp->pos, end;
		unsigned line = sp->line;
		unsigned char c = (unsigned char)s[pos];
		unsigned char c1 = pos + 1 < sp->len ? (unsigned char)s[pos + 1] : 0;

		if (is_blank(c)) {
			advance_to(sp, pos + 1);
			continue;
		}

		if ((flags & (SQLSPLIT_GO | SQLSPLIT_SLASH | SQLSPLIT_DELIMITER)) &&
		    line_command(sp, &rc)) {
			if (rc != 0)
				return rc;
			continue;
		}

		/* terminator (a batch under SQLSPLIT_GO is ended by GO only) */
		if (!(flags & SQLSPLIT_GO) && delim_at(sp, pos) && delim_terminates(sp)) {
			advance_to(sp, pos + sp->delim_len);
			if ((rc = flush(sp)) != 0)
				return rc;
			continue;
		}

		/* comments */
		if (c == '-' && c1 == '-' &&
		    (!(flags & SQLSPLIT_HASH_COMMENT) || pos + 2 == sp->len ||
		     (unsigned char)s[pos + 2] <= ' ')) {
			advance_to(sp, end_of_line(sp, pos));
			continue;
		}
		if (c == '#' && (flags & SQLSPLIT_HASH_COMMENT)) {
			advance_to(sp, end_of_line(sp, pos));
			continue;
		}
		if (c == '/' && c1 == '*') {
			int executable = (flags & SQLSPLIT_HASH_COMMENT) && pos + 2 < sp->len &&
			                 (s[pos + 2] == '!' ||
			                  (s[pos + 2] == 'M' && pos + 3 < sp->len && s[pos + 3] == '!'));
			end = skip_block_comment(sp, pos, !executable &&
			                                  (flags & SQLSPLIT_NESTED_COMMENTS));
			if (!end)
				return lex_error(sp, line, "unterminated block comment");
			advance_to(sp, end);
			if (executable) {
				classify_other(sp);
				significant(sp, pos, end, line);
			}
			continue;
		}

		/* quoted tokens */
		end = 0;
		if (c == '\'') {
			end = skip_quoted(sp, pos, '\'', flags & SQLSPLIT_BACKSLASH);
			if (!end)
				return lex_error(sp, line, "unterminated string literal");
		} else if (c == '"') {
			end = skip_quoted(sp, pos, '"', flags & SQLSPLIT_BACKSLASH);
			if (!end)
				return lex_error(sp, line, (flags & SQLSPLIT_BACKSLASH) ?
				                 "unterminated string literal" :
				                 "unterminated quoted identifier");
		} else if (c == '`' && (flags & SQLSPLIT_BACKTICK)) {
			end = skip_quoted(sp, pos, '`', 0);
			if (!end)
				return lex_error(sp, line, "unterminated backquoted identifier");
		} else if (c == '[' && (flags & SQLSPLIT_BRACKET)) {
			end = skip_quoted(sp, pos, ']', 0);
			if (!end)
				return lex_error(sp, line, "unterminated [bracketed] identifier");
		} else if (c == '$' && (flags & SQLSPLIT_DOLLAR)) {
			size_t tag = dollar_tag_len(sp, pos);
			if (tag) {
				end = skip_dollar(sp, pos, tag);
				if (!end)
					return lex_error(sp, line, "unterminated dollar-quoted string");
			}
		}
		if (end) {
			advance_to(sp, end);
			classify_other(sp);
			significant(sp, pos, end, line);
			continue;
		}

		/* words: identifiers, keywords, numbers, $n parameters */
		if (is_word_char(c)) {
			end = pos + 1;
			while (end < sp->len && is_word_char((unsigned char)s[end]) &&
			       !(!delim_is_semicolon(sp) && delim_at(sp, end)))
				end++;
			if ((flags & SQLSPLIT_SLASH) && end + 2 < sp->len && s[end] == '\'' &&
			    (word_is(s + pos, end - pos, "q") || word_is(s + pos, end - pos, "nq"))) {
				/* Oracle alternative quoting q'[...]' (also N) */
				end = skip_q_quote(sp, end);
				if (!end)
					return lex_error(sp, line, "unterminated q'...' string literal");
				classify_other(sp);
			} else if ((flags & SQLSPLIT_DOLLAR) && end == pos + 1 && (c == 'E' || c == 'e') &&
			    end < sp->len && s[end] == '\'') {
				/* PostgreSQL escape string E'...' */
				end = skip_quoted(sp, end, '\'', 1);
				if (!end)
					return lex_error(sp, line, "unterminated string literal");
				classify_other(sp);
			} else {
				classify_word(sp, s + pos, end - pos);
			}
			advance_to(sp, end);
			significant(sp, pos, end, line);
			continue;
		}

		/* any other byte is punctuation */
		if (c == '(')
			sp->paren_depth++;
		else if (c == ')' && sp->paren_depth > 0)
			sp->paren_depth--;
		advance_to(sp, pos + 1);
		classify_other(sp);
		significant(sp, pos, pos + 1, line);
	}
	return flush(sp);
}

int sqlsplit(const char *sql, size_t len, unsigned flags, unsigned first_line,
             sqlsplit_cb cb, void *payload, struct sqlsplit_error *err)
{
	struct splitter sp;

	if (err) {
		err->line = 0;
		err->what = NULL;
	}
	memset(&sp, 0, sizeof(sp));
	sp.sql = sql ? sql : "";
	sp.len = sql ? len : 0;
	sp.flags = flags;
	sp.line = first_line;
	sp.cb = cb;
	sp.payload = payload;
	sp.err = err;
	sp.delim = ";";
	sp.delim_len = 1;
	reset_statement(&sp);
	return split(&sp);
}
