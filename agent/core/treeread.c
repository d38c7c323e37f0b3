#include "treeread.h"

#include <stdlib.h>

#include "banned.h"

void
pn_tree_entries_free(struct pn_tree_entry *e, size_t n)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}
