/* The registry of SVD methods: the table of svd_methods.h as an array indexed by
 * rom_svd_method, and the public queries on it (include/romkit/pod.h). rom_pod_compute
 * (pod.c) dispatches through rom_svd_method_lookup. */
#include "core/check.h"
#include "pod/svd_driver.h"

#include <string.h>

#define ROM_SVD_ENTRY(e, n, fn, r, d) {e, n, fn, r, d},
static const rom_svd_method_entry table[] = {ROM_SVD_METHOD_TABLE(ROM_SVD_ENTRY)};
#undef ROM_SVD_ENTRY

#define NUM_METHODS ((int)(sizeof table / sizeof table[0]))

int rom_svd_method_count(void) {
  return NUM_METHODS;
}

/* The table lists the methods in the order of their enum values (tests/unit/registries.c
 * checks it), so the entry of a method is table[method]. */
const rom_svd_method_entry *rom_svd_method_lookup(rom_svd_method method) {
  if ((int)method < 0 || (int)method >= NUM_METHODS) return NULL;
  return &table[method];
}

const char *rom_svd_method_name(rom_svd_method method) {
  const rom_svd_method_entry *e = rom_svd_method_lookup(method);
  return e ? e->name : "unknown";
}

int rom_svd_method_from_name(const char *name, rom_svd_method *method) {
  if (!name || !method) return ROM_ERR_ARG;
  for (int i = 0; i < NUM_METHODS; ++i)
    if (!strcmp(name, table[i].name)) {
      *method = table[i].method;
      return ROM_OK;
    }
  return ROM_ERR_ARG;
}

const char *rom_svd_method_description(rom_svd_method method) {
  const rom_svd_method_entry *e = rom_svd_method_lookup(method);
  return e ? e->description : "";
}

unsigned rom_svd_method_rules(rom_svd_method method) {
  const rom_svd_method_entry *e = rom_svd_method_lookup(method);
  return e ? e->rules : 0u;
}
