/* SPDX-License-Identifier: MIT */
/* tests/plugins/fake_nosym.c - a shared object that is not a dialect
 * plugin: it exports a function, but no entry symbol. */
int fake_nosym_version(void);
int fake_nosym_version(void)
{
	return 42;
}
