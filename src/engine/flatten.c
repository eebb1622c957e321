// Flattens a tree-sitter tree into pre-order entries in one pass over its subtrees: the same
// visible nodes, kinds, fields and node handles a TreeCursor walk gives, without the cursor's
// per-step work (re-deriving its child iterator at every step and searching the field map up
// the stack at every node), which cost more than a quarter of the parse.
//
// It reads tree-sitter's internal subtree layout, so it is compiled against the headers of the
// exact tree-sitter sources linked into ravel (see build.rs); src/engine/flat.rs checks it
// against a TreeCursor walk on every fixture and on random inputs.

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tree_sitter/api.h"
#include "./language.h"
#include "./subtree.h"
#include "./tree.h"

#define NONE UINT32_MAX

// Must match `Link` in flat.rs (#[repr(C)]).
typedef struct {
  uint32_t first_child;
  uint32_t next_sibling;
  uint16_t kind;
  uint16_t field;
  uint8_t named;
  uint8_t error;
} RavelLink;

// flat.rs checks the same sizes on its side.
_Static_assert(sizeof(RavelLink) == 16, "RavelLink must match Link in flat.rs");
_Static_assert(sizeof(TSNode) == 32, "TSNode must match tree_sitter::Node");

// Iteration over one subtree's children.
typedef struct {
  const Subtree *children;
  uint32_t count;
  uint32_t child_index;
  uint32_t structural_index;
  Length position;
  const TSSymbol *aliases;
  const TSFieldMapEntry *fields, *fields_end;
  // Nearest visible ancestor (the subtree itself when visible): the parent of visible children.
  uint32_t visible_parent;
  // Field a visible descendant takes when it has none of its own (a hidden subtree's field).
  TSFieldId inherited_field;
} Frame;

// Frames for this many levels of nesting live on the C stack; deeper trees move to the heap.
#define INLINE_FRAMES 256

typedef struct {
  Frame *items;
  size_t len, cap;
  // Whether `items` was allocated (else it is the caller's inline array).
  bool heap;
} Frames;

static bool frames_push(Frames *f, Frame frame) {
  if (f->len == f->cap) {
    size_t cap = f->cap * 2;
    Frame *items = f->heap ? realloc(f->items, cap * sizeof(Frame)) : malloc(cap * sizeof(Frame));
    if (!items) return false;
    if (!f->heap) memcpy(items, f->items, f->len * sizeof(Frame));
    f->items = items;
    f->cap = cap;
    f->heap = true;
  }
  f->items[f->len++] = frame;
  return true;
}

static void frames_free(Frames *f) {
  if (f->heap) free(f->items);
}

static Frame frame_for(const TSLanguage *language, const Subtree *subtree, Length position,
                       uint32_t visible_parent, TSFieldId inherited_field) {
  Frame frame = {
    .children = ts_subtree_children(*subtree),
    .count = subtree->ptr->child_count,
    .position = position,
    .aliases = ts_language_alias_sequence(language, subtree->ptr->production_id),
    .visible_parent = visible_parent,
    .inherited_field = inherited_field,
  };
  ts_language_field_map(language, subtree->ptr->production_id, &frame.fields, &frame.fields_end);
  return frame;
}

// The kind id `Node::kind_id` gives (tree-sitter's ts_language_public_symbol, inlined).
static inline TSSymbol public_symbol(const TSLanguage *language, TSSymbol symbol) {
  return symbol == ts_builtin_sym_error ? symbol : language->public_symbol_map[symbol];
}

// Writes at most `capacity` nodes (root first, pre-order) to each of `links`, `nodes`,
// `parents`, `starts` and `child_fields` (bit `field % 64` set for each field a child is
// in); `last_child` is scratch space of the same capacity. Returns the
// number of visible nodes, which is more than `capacity` when they did not fit, or
// UINT32_MAX when memory ran out.
uint32_t ravel_flatten(const TSTree *tree, RavelLink *restrict links, TSNode *restrict nodes,
                       uint32_t *restrict parents, uint32_t *restrict starts,
                       uint64_t *restrict child_fields, uint32_t *restrict last_child,
                       uint32_t capacity) {
  const TSLanguage *language = tree->language;
  uint32_t n = 0;

  TSNode root = ts_tree_root_node(tree);
  if (capacity > 0) {
    links[0] = (RavelLink) {
      .first_child = NONE,
      .next_sibling = NONE,
      .kind = ts_node_symbol(root),
      .field = 0,
      .named = ts_node_is_named(root),
      .error = ts_node_symbol(root) == ts_builtin_sym_error,
    };
    nodes[0] = root;
    parents[0] = NONE;
    starts[0] = ts_node_start_byte(root);
    child_fields[0] = 0;
    last_child[0] = NONE;
  }
  n = 1;
  if (ts_subtree_child_count(tree->root) == 0) return n;

  Frame inline_frames[INLINE_FRAMES];
  Frames frames = {inline_frames, 0, INLINE_FRAMES, false};
  Length root_position = ts_subtree_padding(tree->root);
  if (!frames_push(&frames, frame_for(language, &tree->root, root_position, 0, 0))) {
    return UINT32_MAX;
  }
  while (frames.len > 0) {
    // The frame is updated in place (not `restrict`: a push copies the frames through
    // `frames.items`).
    Frame *f = &frames.items[frames.len - 1];
    bool descended = false;
    while (f->child_index < f->count) {
      const Subtree *child = &f->children[f->child_index];
      Length position = f->position;
      bool extra = ts_subtree_extra(*child);
      TSSymbol alias = 0;
      TSFieldId own_field = 0;
      if (!extra) {
        uint32_t structural = f->structural_index++;
        if (f->aliases) alias = f->aliases[structural];
        for (const TSFieldMapEntry *m = f->fields; m < f->fields_end; m++) {
          if (!m->inherited && m->child_index == structural) {
            own_field = m->field_id;
            break;
          }
        }
      }
      f->child_index++;
      f->position = length_add(position, ts_subtree_size(*child));
      if (f->child_index < f->count) {
        f->position = length_add(f->position, ts_subtree_padding(f->children[f->child_index]));
      }
      // An extra node (a comment) has no field, its own or inherited.
      TSFieldId field = extra ? 0 : (own_field ? own_field : f->inherited_field);
      bool visible = ts_subtree_visible(*child) || alias != 0;
      bool has_children = ts_subtree_child_count(*child) > 0;
      uint32_t parent = f->visible_parent;
      Frame next;
      if (visible) {
        uint32_t i = n++;
        if (i < capacity) {
          TSSymbol symbol = alias ? alias : ts_subtree_symbol(*child);
          bool named = alias ? ts_language_symbol_metadata(language, alias).named
                             : ts_subtree_named(*child);
          // What ts_node_new builds.
          nodes[i] = (TSNode) {
            {position.bytes, position.extent.row, position.extent.column, alias},
            child,
            tree,
          };
          links[i] = (RavelLink) {
            .first_child = NONE,
            .next_sibling = NONE,
            .kind = public_symbol(language, symbol),
            .field = field,
            .named = named,
            .error = symbol == ts_builtin_sym_error,
          };
          parents[i] = parent;
          starts[i] = position.bytes;
          child_fields[i] = 0;
          last_child[i] = NONE;
          if (parent < capacity) {
            if (field) child_fields[parent] |= UINT64_C(1) << (field % 64);
            if (last_child[parent] == NONE) {
              links[parent].first_child = i;
            } else {
              links[last_child[parent]].next_sibling = i;
            }
            last_child[parent] = i;
          }
        }
        if (!has_children) continue;
        next = frame_for(language, child, position, i, 0);
      } else {
        if (!has_children) continue;
        next = frame_for(language, child, position, parent, field);
      }
      if (!frames_push(&frames, next)) {
        frames_free(&frames);
        return UINT32_MAX;
      }
      descended = true;
      break;
    }
    if (!descended) frames.len--;
  }
  frames_free(&frames);
  return n;
}
