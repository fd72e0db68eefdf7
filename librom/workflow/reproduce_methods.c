/* The reproduction's ROM methods (romkit/workflow.h): one table of names and properties,
 * read by the pipeline, `romkit reproduce --method` and Python. */
#include "workflow/workflow_impl.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  rom_reproduce_method method;
  int manifold, hyper, galerkin;
} methods[] = {
    {"pod-galerkin", ROM_REPRODUCE_POD_GALERKIN, 0, 0, 1},
    {"pod-lspg", ROM_REPRODUCE_POD_LSPG, 0, 0, 0},
    {"pod-lspg-hr", ROM_REPRODUCE_POD_LSPG_HR, 0, 1, 0},
    {"nm-galerkin", ROM_REPRODUCE_NM_GALERKIN, 1, 0, 1},
    {"nm-lspg", ROM_REPRODUCE_NM_LSPG, 1, 0, 0},
    {"nm-lspg-hr", ROM_REPRODUCE_NM_LSPG_HR, 1, 1, 0},
};
#define NMETHODS ((int)(sizeof methods / sizeof methods[0]))

static int find(rom_reproduce_method m) {
  for (int i = 0; i < NMETHODS; ++i)
    if (methods[i].method == m) return i;
  return -1;
}

int rom_reproduce_method_count(void) {
  return NMETHODS;
}

const char *rom_reproduce_method_name(rom_reproduce_method m) {
  const int i = find(m);
  return i >= 0 ? methods[i].name : "unknown";
}

const char *rom_reproduce_method_names(char *buf, size_t len) {
  size_t used = 0;
  if (!buf || len == 0) return buf;
  buf[0] = '\0';
  for (int i = 0; i < NMETHODS && used < len; ++i) {
    const char *sep = i == 0 ? "" : i == NMETHODS - 1 ? " or " : ", ";
    int w = snprintf(buf + used, len - used, "%s%s", sep, methods[i].name);
    if (w < 0) break;
    used += (size_t)w;
  }
  return buf;
}

int rom_reproduce_method_from_name(rom_ctx *ctx, const char *name, rom_reproduce_method *out) {
  char known[256];
  ROM_ENSURE(ctx, name && out, ROM_ERR_ARG, "name and out must not be NULL");
  for (int i = 0; i < NMETHODS; ++i)
    if (!strcmp(name, methods[i].name)) {
      *out = methods[i].method;
      return ROM_OK;
    }
  ROM_RETURN_ERROR(ctx, ROM_ERR_ARG, "unknown method '%s' (%s)", name,
                   rom_reproduce_method_names(known, sizeof known));
}

int rom_reproduce_method_is_manifold(rom_reproduce_method m) {
  const int i = find(m);
  return i >= 0 && methods[i].manifold;
}

int rom_reproduce_method_is_hyper(rom_reproduce_method m) {
  const int i = find(m);
  return i >= 0 && methods[i].hyper;
}

int rom_reproduce_method_is_galerkin(rom_reproduce_method m) {
  const int i = find(m);
  return i >= 0 && methods[i].galerkin;
}
