#!/usr/bin/env python3
"""Doxygen INPUT_FILTER for romkit's headers (docs/Doxyfile): turns the plain C comments
of include/romkit/*.h into documentation without rewriting the headers.

The headers document every declaration with a man-page style comment directly above it
(`/* rom_foo - what it does. Collective. ... */`) and struct fields / enum values with a
comment after them on the same line. Doxygen only reads `/** */` comments, so this
filter, given a header's path, prints it to stdout with:

  - the first comment of the file (before the include guard) made the file's
    documentation: `/**` ... `\\file */`;
  - a comment block whose last line is directly followed by a declaration (no blank
    line between) made `/** ... */`, so it documents that declaration. When such a
    comment names a function (`rom_foo - ...`) and one-line `#define`s stand between it
    and `rom_foo`'s declaration, the `#define`s are moved above the comment;
  - when such a comment stands above several declarations in a row (`/* Accessors. Not
    collective. */` over five functions), they are made one Doxygen member group
    (`/**@{*/ ... /**@}*/`, with DISTRIBUTE_GROUP_DOC in docs/Doxyfile), so each of them
    shows the comment;
  - a comment after code on the same line (`int x; /* ... */`) made `/**< ... */`;
  - inside those documentation comments, an indented line (a parameter list, a formula,
    a table row: ` *   comm  the caller's communicator`) starts with `<br>`, so the
    man-page layout survives Doxygen's reflowing of paragraphs;
  - everything else untouched: section comments followed by a blank line stay plain.

The output has exactly as many lines as the input, so Doxygen's line numbers and source
links stay right. Usage: doxygen_filter.py FILE (Doxygen appends the file name).
"""
import re
import sys

OPEN = re.compile(r"^(\s*)/\*(?![*!])")          # a block comment starting a line
TRAILING = re.compile(r"^(\s*\S.*?)/\*(?![*!<])")  # code, then a comment on the same line
NAMED = re.compile(r"^\s*/\*+\s*(rom_\w+)\s+-\s")  # "/* rom_foo - what it does"
INDENTED = re.compile(r"^(\s*\*)(\s{2,}\S)")      # " *   comm  the caller's ..."


TEXT = re.compile(r"^(\s*\*)( \S)")              # " * Returns ..."


def keep_layout(block):
    """Indented comment lines, and the first plain line after them, keep their own line
    in the HTML. `block` holds a comment's lines after its first."""
    out, after_indented = [], False
    for line in block:
        if INDENTED.match(line):
            out.append(INDENTED.sub(r"\1 <br>\2", line, count=1))
            after_indented = True
        elif after_indented and TEXT.match(line):
            out.append(TEXT.sub(r"\1 <br>\2", line, count=1))
            after_indented = False
        else:
            out.append(line)
            after_indented = False
    return out


DECL = re.compile(r"^[A-Za-z_].*(\brom_\w+\s*\(|\(\*\s*rom_\w+\s*\))")


def declaration_run(lines, start):
    """(last line, number of declarations) of the run of code lines from `start` up to a
    blank line or a comment line; (None, 0) if the run holds a struct or enum body."""
    j, count = start, 0
    while j < len(lines) and lines[j].strip() and not lines[j].lstrip().startswith(("/*", "#")):
        if lines[j].rstrip().endswith("{"):
            return None, 0
        if DECL.match(lines[j]):
            count += 1
        j += 1
    return j - 1, count


def is_code(line):
    s = line.strip()
    return bool(s) and not s.startswith(("/*", "//", "#if", "#endif", "#else", "#include",
                                         "}", "extern"))


def filter_lines(lines):
    out = list(lines)
    i, n, seen_code = 0, len(lines), False
    while i < n:
        line = lines[i]
        m = OPEN.match(line)
        if not m:
            t = TRAILING.match(line)
            if t and "*/" not in t.group(1) and not line.lstrip().startswith("#"):
                out[i] = line.replace("/*", "/**<", 1)
            if line.strip() and not line.lstrip().startswith("/*"):
                seen_code = True
            i += 1
            continue
        end = i
        while "*/" not in lines[end] and end + 1 < n:
            end += 1
        nxt = end + 1
        if not seen_code:  # the file's header comment
            out[i] = line.replace("/*", "/**", 1)
            out[i + 1:end + 1] = keep_layout(lines[i + 1:end + 1])
            out[end] = out[end].replace("*/", "\\file */", 1)
            seen_code = True
        elif nxt < n and (is_code(lines[nxt]) or lines[nxt].lstrip().startswith("#define")):
            named = NAMED.match(line)
            moved = []
            if named and lines[nxt].lstrip().startswith("#define"):
                # Skip one-line #defines to the named function's declaration, if it is there.
                j = nxt
                while j < n and j - nxt < 3 and lines[j].lstrip().startswith("#define") \
                        and not lines[j].rstrip().endswith("\\"):
                    j += 1
                if j < n and re.search(r"\b%s\s*\(" % re.escape(named.group(1)), lines[j]):
                    moved = lines[nxt:j]
            block = [line.replace("/*", "/**", 1)] + keep_layout(lines[i + 1:end + 1])
            out[i:i + len(moved) + len(block)] = moved + block
            last, count = declaration_run(lines, nxt + len(moved))
            if not line[:1].isspace() and count >= 2:
                for k in range(nxt + len(moved), last + 1):  # their trailing comments first
                    t = TRAILING.match(lines[k])
                    if t and "*/" not in t.group(1):
                        out[k] = lines[k].replace("/*", "/**<", 1)
                out[i] = "/**@{*/ " + out[i]
                out[last] = out[last] + " /**@}*/"
                i = last + 1
                continue
            i = end + 1 + len(moved)
            continue
        i = end + 1
    return out


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: doxygen_filter.py HEADER")
    with open(argv[1], encoding="utf-8") as f:
        lines = f.read().split("\n")
    sys.stdout.write("\n".join(filter_lines(lines)))


if __name__ == "__main__":
    main(sys.argv)
