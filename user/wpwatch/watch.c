// SPDX-License-Identifier: GPL-2.0
/* wpwatch watch: not built yet (placeholder so the dispatcher links). */
#include <stdio.h>
#include "commands.h"

int cmd_watch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wpwatch watch: not implemented yet\n");
	return 1;
}
