/* SPDX-License-Identifier: MIT */
/*
 * core/gen_settings.c - print the key list of retort.cfg(5) from the
 * settings table in core/settings.c (never installed).
 *
 *   core/gen-settings          KEY<TAB>TYPE, DEFAULT.<TAB>HELP, one per line
 *   core/gen-settings --man    the ".TP/.B KEY/TYPE, DEFAULT." entries to
 *                              paste between the settings:begin and
 *                              settings:end markers of man/retort.cfg.5.in
 *
 * tests/tree/settings_doc.sh compares the page with the plain output.
 */
#include <stdio.h>
#include <string.h>

#include "settings.h"

int main(int argc, char **argv)
{
	struct rt_buf b = RT_BUF_INIT;
	int man = argc == 2 && strcmp(argv[1], "--man") == 0;
	int rc = 0;

	if (argc > 2 || (argc == 2 && !man)) {
		fprintf(stderr, "usage: gen-settings [--man]\n");
		return 2;
	}
	if (rt_settings_describe(&b, man) < 0 ||
	    fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		fprintf(stderr, "gen-settings: out of memory or cannot write\n");
		rc = 1;
	}
	rt_buf_free(&b);
	return rc;
}
