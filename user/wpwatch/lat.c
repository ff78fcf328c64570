// SPDX-License-Identifier: GPL-2.0
/* wpwatch lat: not built yet (placeholder so the dispatcher links). */
#include <stdio.h>
#include "commands.h"

int cmd_lat(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wpwatch lat: not implemented yet\n");
	return 1;
}
