/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/core/url_dump.c - parse URLs with rt_url_parse for the
 * differential test against SQLAlchemy (url_vs_sqlalchemy.sh).
 *
 * stdin: one URL per line, hex-encoded.  stdout: one line per URL,
 *   OK <scheme> <driver> <user> <password> <host> <port> <database> <query> <masked>
 * (fields hex-encoded, "-" for NULL; query is "k=v" pairs joined by '&'
 * after hex-encoding each key and value), or
 *   ERR <message hex-encoded>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

static void hex(const char *s)
{
	if (!s) {
		fputs(" -", stdout);
		return;
	}
	putchar(' ');
	if (!*s)
		putchar('=');          /* the empty string */
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}

static int unhex(char *s)
{
	size_t n = strlen(s), i;
	if (n % 2)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		s[i] = (char)v;
	}
	s[n / 2] = '\0';
	return 0;
}

int main(void)
{
	char line[8192];
	while (fgets(line, sizeof(line), stdin)) {
		struct rt_url *u = NULL;
		struct rt_err err = { 0, NULL };
		size_t i;
		line[strcspn(line, "\r\n")] = '\0';
		if (unhex(line) < 0) {
			fprintf(stderr, "bad input line\n");
			return 2;
		}
		if (rt_url_parse(&u, line, &err) < 0) {
			fputs("ERR", stdout);
			hex(err.msg ? err.msg : "out of memory");
			putchar('\n');
			rt_err_clear(&err);
			continue;
		}
		fputs("OK", stdout);
		hex(u->pub.scheme);
		hex(u->pub.driver);
		hex(u->pub.user);
		hex(u->pub.password);
		hex(u->pub.host);
		printf(" %u", u->pub.port);
		hex(u->pub.database);
		putchar(' ');
		if (u->pub.n_params == 0)
			putchar('-');
		for (i = 0; i < u->pub.n_params; i++) {
			const char *k;
			if (i)
				putchar('&');
			for (k = u->pub.params[i].key; *k; k++)
				printf("%02x", (unsigned char)*k);
			putchar('=');
			for (k = u->pub.params[i].value; *k; k++)
				printf("%02x", (unsigned char)*k);
		}
		hex(u->pub.masked);
		putchar('\n');
		rt_url_free(u);
	}
	return 0;
}
