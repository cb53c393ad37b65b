/* SPDX-License-Identifier: MIT */
/*
 * tests/tree/exports_control.c - a program linked with -export-dynamic, so
 * that tests/tree/exports.sh can show its check sees a binary exporting
 * its own symbols.
 */
int exports_control_visible(void);

int exports_control_visible(void)
{
	return 0;
}

int main(void)
{
	return exports_control_visible();
}
