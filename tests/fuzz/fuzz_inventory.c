/* libFuzzer target: the inventory's text form (agent/apply/inventory.c), as read from the state directory or from
 * the ConfigMap anyone with cluster access may edit. What parses must format back to text that parses to the
 * same set, and every id must split into its four fields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/apply/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_inv inv, back;
	struct pn_buf text;

	pn_inv_init(&inv);
	pn_inv_init(&back);
	pn_buf_init(&text, PN_INV_TEXT_MAX * 2, "inventory");
	if (pn_inv_parse((const char *)data, size, "fuzz", &inv) == NULL) {
		for (size_t i = 0; i < inv.n; i++) {
			struct pn_inv_object o;
			char av[PN_INV_FIELD_MAX + 80];

			if (pn_inv_split(inv.v[i].id, &o) != NULL ||
			    pn_inv_api_version(&o, inv.v[i].version, av, sizeof(av)) != NULL)
				abort();
		}
		if (pn_inv_format(&inv, &text) != NULL || pn_inv_parse(text.data, text.len, "again", &back) != NULL ||
		    !pn_inv_equal(&inv, &back))
			abort();
	}
	pn_buf_release(&text);
	pn_inv_release(&back);
	pn_inv_release(&inv);
	return 0;
}
